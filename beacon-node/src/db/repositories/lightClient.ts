import {type LightClientForkName, lightClientTypes} from "@ceibo/state-transition";
import {DbError} from "../errors.ts";
import {Bucket, checkRoot, checkUint64, rootKey, slotKey} from "../keys.ts";
import type {RepoContext} from "./context.ts";

/**
 * Light-client server data (issue 15): the best LightClientUpdate of each sync-committee period and the
 * LightClientBootstrap of finalized blocks. Values are a fork byte (the light-client data form, see FORM_BYTE)
 * followed by the SSZ of that form, so they read back without the chain config.
 */

type StoredForm = Exclude<LightClientForkName, "gloas">;
const FORM_BYTE: Record<StoredForm, number> = {altair: 1, capella: 3, deneb: 4, electra: 5};
const FORM_OF_BYTE = new Map(Object.entries(FORM_BYTE).map(([k, v]) => [v, k as StoredForm]));

/** Light-client data with the fork whose SSZ form it has. */
export interface StoredLightClientData {
  fork: StoredForm;
  // biome-ignore lint/suspicious/noExplicitAny: the value of that fork's SSZ type
  data: any;
}

type Kind = "LightClientUpdate" | "LightClientBootstrap";

function encode(kind: Kind, v: StoredLightClientData): Uint8Array {
  const byte = FORM_BYTE[v.fork];
  if (byte === undefined) throw new DbError("INVALID_ARGUMENT", `no stored form for light-client fork ${v.fork}`);
  const type = lightClientTypes(v.fork)[kind] as unknown as {serialize(x: unknown): Uint8Array};
  const ssz = type.serialize(v.data);
  const out = new Uint8Array(1 + ssz.length);
  out[0] = byte;
  out.set(ssz, 1);
  return out;
}

function decode(kind: Kind, bytes: Uint8Array, what: string): StoredLightClientData {
  const fork = FORM_OF_BYTE.get(bytes[0]);
  if (fork === undefined) throw new DbError("CORRUPT_VALUE", `${what}: unknown light-client fork byte ${bytes[0]}`);
  try {
    const type = lightClientTypes(fork)[kind] as unknown as {deserialize(b: Uint8Array): unknown};
    return {fork, data: type.deserialize(bytes.subarray(1))};
  } catch (e) {
    throw new DbError("CORRUPT_VALUE", `${what}: not a ${fork} ${kind}`, {cause: e});
  }
}

export class LightClientRepository {
  private readonly ctx: RepoContext;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async putBestUpdate(period: number, update: StoredLightClientData): Promise<void> {
    checkUint64(period, "sync committee period");
    await this.ctx.kv.write([
      {type: "put", key: slotKey(Bucket.lightClientBestUpdate, period), value: encode("LightClientUpdate", update)},
    ]);
  }

  async getBestUpdate(period: number): Promise<StoredLightClientData | null> {
    checkUint64(period, "sync committee period");
    const bytes = await this.ctx.kv.get(slotKey(Bucket.lightClientBestUpdate, period));
    return bytes === undefined ? null : decode("LightClientUpdate", bytes, `light-client update of period ${period}`);
  }

  async putBootstrap(blockRoot: Uint8Array, bootstrap: StoredLightClientData): Promise<void> {
    checkRoot(blockRoot, "block root");
    await this.ctx.kv.write([
      {
        type: "put",
        key: rootKey(Bucket.lightClientBootstrap, blockRoot),
        value: encode("LightClientBootstrap", bootstrap),
      },
    ]);
  }

  async getBootstrap(blockRoot: Uint8Array): Promise<StoredLightClientData | null> {
    checkRoot(blockRoot, "block root");
    const bytes = await this.ctx.kv.get(rootKey(Bucket.lightClientBootstrap, blockRoot));
    return bytes === undefined ? null : decode("LightClientBootstrap", bytes, "light-client bootstrap");
  }
}
