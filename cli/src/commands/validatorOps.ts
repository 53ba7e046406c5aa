/** Helpers shared by the offline validator commands (import, exit, bls-change, slashing-protection). */

import {resolve} from "node:path";
import {networks} from "@ceibo/config";
import {fromHex} from "@ceibo/utils";
import {UsageError} from "../command.ts";

/** The options every data-directory command takes to name the chain (node:util parseArgs style). */
export const CHAIN_OPTIONS = {
  network: {type: "string"},
  "beacon-node": {type: "string"},
  "genesis-validators-root": {type: "string"},
} as const;

export const CHAIN_HELP = `  --network NAME                mainnet, sepolia or hoodi: the network's genesis_validators_root
  --beacon-node URL             … or read it from a beacon node (GET /eth/v1/beacon/genesis)
  --genesis-validators-root 0x… … or give it (32 bytes)`;

export function dataDirOf(values: {dataDir?: string; "data-dir"?: string}): string {
  return resolve(values["data-dir"] ?? values.dataDir ?? "ceibo-validator");
}

export function checkUrl(option: string, url: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new UsageError(`--${option}: "${url}" is not an http(s) URL`);
  return url.replace(/\/+$/, "");
}

export function parseRoot(option: string, text: string): Uint8Array {
  let bytes: Uint8Array | undefined;
  try {
    bytes = fromHex(text);
  } catch {
    bytes = undefined;
  }
  if (bytes?.length !== 32) throw new UsageError(`--${option} must be 0x followed by 32 bytes of hex, got "${text}"`);
  return bytes;
}

/** The genesis_validators_root the operator named, if any (at most one way). */
export async function namedGenesisValidatorsRoot(values: {
  network?: string;
  "beacon-node"?: string;
  "genesis-validators-root"?: string;
}): Promise<{root: Uint8Array; source: string} | undefined> {
  const given = ["network", "beacon-node", "genesis-validators-root"].filter(
    (k) => values[k as keyof typeof values] !== undefined,
  );
  if (given.length > 1) throw new UsageError(`give only one of --${given.join(", --")}`);
  if (values["genesis-validators-root"] !== undefined) {
    return {root: parseRoot("genesis-validators-root", values["genesis-validators-root"]), source: "given"};
  }
  if (values.network !== undefined) {
    const info = (networks as Record<string, {genesis?: {genesisValidatorsRoot: Uint8Array}}>)[values.network];
    if (info === undefined) {
      throw new UsageError(`--network: unknown network "${values.network}" (mainnet, sepolia, hoodi)`);
    }
    if (info.genesis === undefined) {
      throw new UsageError(
        `--network ${values.network}: a dev chain makes its own genesis; use --beacon-node URL or --genesis-validators-root`,
      );
    }
    return {root: info.genesis.genesisValidatorsRoot, source: `network ${values.network}`};
  }
  if (values["beacon-node"] !== undefined) {
    const url = checkUrl("beacon-node", values["beacon-node"]);
    const {beaconApiClient} = await import("@ceibo/validator-client");
    const api = beaconApiClient(url, 30_000);
    let genesis: Awaited<ReturnType<typeof api.getGenesis>>;
    try {
      genesis = await api.getGenesis();
    } catch (e) {
      throw new Error(`cannot read the genesis from the beacon node ${url}: ${(e as Error).message}`);
    }
    return {root: genesis.data.genesisValidatorsRoot, source: `beacon node ${url}`};
  }
  return undefined;
}
