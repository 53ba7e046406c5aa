/**
 * Key management handlers (issue 10 item 4): the validator client's keys through its Keymanager API (the typed
 * client of `@ceibo/api`; the bearer token stays in the host) and their chain status through the beacon node's
 * Beacon API. Spread into the host's handler table (host.ts).
 */
import {accessSync, closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, writeSync} from "node:fs";
import {join} from "node:path";
import {ApiClientError, createBeaconApiClient, type KeymanagerApiClient} from "@ceibo/api";
import type {HostHandlers, KmKey, KmKeyConfig} from "../shared/contract.ts";
import {badRequest, HostError} from "./errors.ts";
import {type KeymanagerEndpoint, keymanagerClient} from "./keymanagerClient.ts";
import {asObject, empty, onlyKeys, str} from "./validate.ts";

export interface KeyManagementContext {
  dataDir: string;
  keymanager(): KeymanagerEndpoint | null;
  beaconUrl(): string | null;
}

type KmHandlers = Pick<HostHandlers, "km.list" | "km.import" | "km.delete" | "km.setConfig" | "km.exit">;

const PUBKEY = /^0x[0-9a-f]{96}$/;
const ADDRESS = /^0x[0-9a-f]{40}$/;
const FAR_FUTURE = 2 ** 64 - 1;
/** The most keys one call may name (the UI shows a handful; this bounds the work of a bad caller). */
const MAX_KEYS = 1000;

function pubkeyOf(o: Record<string, unknown>, key: string): string {
  const v = str(o, key, 200).toLowerCase();
  if (!PUBKEY.test(v)) throw badRequest(`"${key}" must be a BLS public key: 0x and 96 hex digits`);
  return v;
}

function stringList(o: Record<string, unknown>, key: string, maxLen: number): string[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length > MAX_KEYS) throw badRequest(`"${key}" must be a list of at most ${MAX_KEYS}`);
  return v.map((x, i) => {
    if (typeof x !== "string" || x.length > maxLen) {
      throw badRequest(`"${key}[${i}]" must be a string of at most ${maxLen} characters`);
    }
    return x;
  });
}

/** A refusal of the validator client as the user should read it (its message, not a stack). */
function kmError(e: unknown): Error {
  if (e instanceof ApiClientError) {
    if (e.code === "HTTP_ERROR" && e.status !== undefined && e.status < 500) {
      return badRequest(`the validator client refused: ${e.serverMessage ?? e.message}`);
    }
    return new HostError("INTERNAL", `the validator client's Keymanager API: ${e.message}`);
  }
  return e as Error;
}

/** Writes `text` to `file` (0600) through a temporary file, fsynced, then renamed: complete or absent. */
function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The typed client; an unreadable token file is one clear error (its path, never its content). */
function clientOf(km: KeymanagerEndpoint): KeymanagerApiClient {
  try {
    return keymanagerClient(km);
  } catch (e) {
    throw new HostError(
      "INTERNAL",
      `cannot read the Keymanager API token file ${km.tokenFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

export function keyManagementHandlers(ctx: KeyManagementContext): KmHandlers {
  const exportsDir = join(ctx.dataDir, "slashing-protection-exports");

  const client = (): KeymanagerApiClient => {
    const km = ctx.keymanager();
    if (km === null) throw badRequest("the validator client is not running (start the node first)");
    return clientOf(km);
  };
  const beacon = () => {
    const url = ctx.beaconUrl();
    if (url === null) throw badRequest("the beacon node is not running (start the node first)");
    return createBeaconApiClient({baseUrl: url, timeoutMs: 15_000});
  };

  const readConfig = async (km: KeymanagerApiClient, pubkey: string): Promise<KmKeyConfig | null> => {
    try {
      const [fee, graffiti, gas] = await Promise.all([
        km.listFeeRecipient({pubkey}),
        km.getGraffiti({pubkey}),
        km.getGasLimit({pubkey}),
      ]);
      return {feeRecipient: fee.data.ethaddress, graffiti: graffiti.data.graffiti, gasLimit: String(gas.data.gasLimit)};
    } catch {
      return null;
    }
  };

  return {
    "km.list": async (req) => {
      empty(req, "km.list");
      const km = ctx.keymanager();
      if (km === null) return {available: false, keys: [], exportsDir};
      const c = clientOf(km);
      let local: Awaited<ReturnType<KeymanagerApiClient["listKeys"]>>;
      let remote: Awaited<ReturnType<KeymanagerApiClient["listRemoteKeys"]>>;
      try {
        [local, remote] = await Promise.all([c.listKeys(), c.listRemoteKeys()]);
      } catch (e) {
        throw kmError(e);
      }
      const keys: KmKey[] = [
        ...local.data.map((k) => ({
          pubkey: k.validatingPubkey,
          kind: "local" as const,
          readonly: k.readonly ?? false,
          url: null,
          derivationPath: k.derivationPath ?? null,
        })),
        ...remote.data.map((k) => ({
          pubkey: k.pubkey,
          kind: "remote" as const,
          readonly: k.readonly ?? false,
          url: k.url ?? null,
          derivationPath: null,
        })),
      ].map((k) => ({
        ...k,
        index: null,
        status: null,
        balanceGwei: null,
        exitEpoch: null,
        withdrawalPrefix: null,
        config: null,
      }));
      const url = ctx.beaconUrl();
      if (url !== null && keys.length > 0) {
        try {
          const api = createBeaconApiClient({baseUrl: url, timeoutMs: 15_000});
          const res = await api.postStateValidators({
            stateId: "head",
            validatorIds: keys.map((k) => k.pubkey as `0x${string}`),
          });
          const byPubkey = new Map(res.data.map((v) => [`0x${Buffer.from(v.validator.pubkey).toString("hex")}`, v]));
          for (const k of keys) {
            const v = byPubkey.get(k.pubkey);
            if (v === undefined) continue;
            k.index = v.index;
            k.status = v.status;
            k.balanceGwei = v.balance;
            k.exitEpoch = v.validator.exitEpoch >= FAR_FUTURE ? null : v.validator.exitEpoch;
            k.withdrawalPrefix = `0x${v.validator.withdrawalCredentials[0].toString(16).padStart(2, "0")}`;
          }
        } catch {
          // the node may be starting: keys are listed without chain status
        }
      }
      await Promise.all(
        keys.map(async (k) => {
          k.config = await readConfig(c, k.pubkey);
        }),
      );
      return {available: true, keys, exportsDir};
    },

    "km.import": async (req) => {
      const o = asObject(req, "km.import");
      onlyKeys(o, ["keystores", "passwords", "slashingProtection"], "km.import");
      const keystores = stringList(o, "keystores", 64 * 1024);
      const passwords = stringList(o, "passwords", 1024);
      if (keystores.length === 0) throw badRequest("choose at least one keystore file");
      if (keystores.length !== passwords.length) {
        throw badRequest(`one password per keystore: ${keystores.length} keystores, ${passwords.length} passwords`);
      }
      const slashingProtection = o.slashingProtection === undefined ? undefined : str(o, "slashingProtection", 60_000);
      try {
        const res = await client().importKeystores({
          body: {keystores, passwords, ...(slashingProtection !== undefined ? {slashingProtection} : {})},
        });
        return {statuses: res.data};
      } catch (e) {
        throw kmError(e);
      }
    },

    "km.delete": async (req) => {
      const o = asObject(req, "km.delete");
      onlyKeys(o, ["pubkeys"], "km.delete");
      const pubkeys = stringList(o, "pubkeys", 200).map((p, i) => {
        const v = p.toLowerCase();
        if (!PUBKEY.test(v)) throw badRequest(`"pubkeys[${i}]" must be a BLS public key: 0x and 96 hex digits`);
        return v;
      });
      if (pubkeys.length === 0) throw badRequest("choose at least one key to delete");
      const km = client();
      // the exports folder must be writable before anything is deleted (a permission problem stops here)
      mkdirSync(exportsDir, {recursive: true, mode: 0o700});
      accessSync(exportsDir, constants.W_OK);
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const interchangeFile = join(exportsDir, `deleted-${stamp}-${pubkeys[0].slice(2, 10)}.json`);
      let res: Awaited<ReturnType<KeymanagerApiClient["deleteKeys"]>>;
      try {
        res = await km.deleteKeys({body: {pubkeys}});
      } catch (e) {
        throw kmError(e);
      }
      // the interchange is on disk (fsynced) before the UI hears that the keys are gone
      writeFileAtomic(interchangeFile, res.slashingProtection);
      return {statuses: res.data, interchangeFile};
    },

    "km.setConfig": async (req) => {
      const o = asObject(req, "km.setConfig");
      onlyKeys(o, ["pubkey", "feeRecipient", "graffiti", "gasLimit"], "km.setConfig");
      const pubkey = pubkeyOf(o, "pubkey");
      // every field is checked before anything is changed
      let fee: string | null | undefined;
      if (o.feeRecipient === null || o.feeRecipient === undefined) fee = o.feeRecipient;
      else {
        fee = str(o, "feeRecipient", 100).toLowerCase();
        if (!ADDRESS.test(fee)) throw badRequest(`"feeRecipient" must be an address: 0x and 40 hex digits`);
      }
      let graffiti: string | null | undefined;
      if (o.graffiti === null || o.graffiti === undefined) graffiti = o.graffiti;
      else {
        graffiti = str(o, "graffiti", 100);
        if (Buffer.byteLength(graffiti, "utf8") > 32) throw badRequest(`"graffiti" is more than 32 bytes of UTF-8`);
      }
      let gasLimit: bigint | null | undefined;
      if (o.gasLimit === null || o.gasLimit === undefined) gasLimit = o.gasLimit;
      else {
        const g = str(o, "gasLimit", 30);
        if (!/^[1-9][0-9]{0,19}$/.test(g) || BigInt(g) >= 2n ** 64n) {
          throw badRequest(`"gasLimit" must be a whole number above 0 (at most 2^64-1)`);
        }
        gasLimit = BigInt(g);
      }
      const c = client();
      try {
        if (fee === null) await c.deleteFeeRecipient({pubkey});
        else if (fee !== undefined) await c.setFeeRecipient({pubkey, body: {ethaddress: fee}});
        if (graffiti === null) await c.deleteGraffiti({pubkey});
        else if (graffiti !== undefined) await c.setGraffiti({pubkey, body: {graffiti}});
        if (gasLimit === null) await c.deleteGasLimit({pubkey});
        else if (gasLimit !== undefined) await c.setGasLimit({pubkey, body: {gasLimit}});
      } catch (e) {
        throw kmError(e);
      }
      const config = await readConfig(c, pubkey);
      if (config === null) throw new HostError("INTERNAL", "the validator client did not return the key's settings");
      return config;
    },

    "km.exit": async (req) => {
      const o = asObject(req, "km.exit");
      onlyKeys(o, ["pubkey", "confirmPubkey"], "km.exit");
      const pubkey = pubkeyOf(o, "pubkey");
      const confirm = str(o, "confirmPubkey", 200).trim().toLowerCase();
      if (confirm !== pubkey) throw badRequest("the typed public key does not match the key to exit");
      const api = beacon();
      const c = client();
      // The exit's epoch is the head state's (phase0 process_voluntary_exit: get_current_epoch(state) >=
      // voluntary_exit.epoch). The validator client's clock may already be in the next epoch while the node's head
      // is not (no block yet at the boundary): an exit for that epoch would be refused. An earlier epoch is valid.
      const [spec, head] = await Promise.all([api.getSpec(), api.getBlockHeader({blockId: "head"})]);
      const slotsPerEpoch = Number(spec.data.SLOTS_PER_EPOCH);
      if (!Number.isSafeInteger(slotsPerEpoch) || slotsPerEpoch <= 0) {
        throw new HostError("INTERNAL", "the beacon node's spec has no SLOTS_PER_EPOCH");
      }
      const epoch = Math.floor(head.data.header.message.slot / slotsPerEpoch);
      let signed: Awaited<ReturnType<KeymanagerApiClient["signVoluntaryExit"]>>["data"];
      try {
        signed = (await c.signVoluntaryExit({pubkey, epoch})).data;
      } catch (e) {
        throw kmError(e);
      }
      try {
        await api.submitPoolVoluntaryExit({signedVoluntaryExit: signed});
      } catch (e) {
        if (e instanceof ApiClientError && e.code === "HTTP_ERROR") {
          throw badRequest(`the beacon node refused the exit: ${e.serverMessage ?? e.message}`);
        }
        throw e;
      }
      const [exiting, pool] = await Promise.all([
        api.postStateValidators({stateId: "head", statuses: ["active_exiting"]}),
        api.getPoolVoluntaryExits(),
      ]);
      const mine = signed.message.validatorIndex;
      const inPool = pool.data.some((x) => x.message.validatorIndex === mine);
      const queueAhead = exiting.data.filter((v) => v.index !== mine).length;
      return {validatorIndex: mine, epoch: signed.message.epoch, queueAhead, inPool};
    },
  };
}
