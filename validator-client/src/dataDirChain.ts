/**
 * Which chain a validator data directory belongs to, for the offline tools (`ceibo validator import`,
 * `ceibo slashing-protection import|export`): the genesis_validators_root its slashing-protection database holds
 * history for, checked against the one the operator names (`--network`, `--beacon-node`, `--genesis-validators-root`).
 */

import {existsSync} from "node:fs";
import {join} from "node:path";
import {SlashingProtection} from "@ceibo/slashing-protection";
import {toHex} from "@ceibo/utils";

export class DataDirError extends Error {}

/** `<dataDir>/slashing-protection`, as the validator client uses it. */
export function slashingProtectionPath(dataDir: string): string {
  return join(dataDir, "slashing-protection");
}

const PLACEHOLDER_GVR = new Uint8Array(32);

/**
 * Opens the data directory's slashing-protection database (created when missing). Import and export name their
 * chain explicitly, so the root the store is opened with only matters for signing, which these tools never do.
 * A database held by a running validator client is refused with a clear message.
 */
export async function openDataDirStore(dataDir: string): Promise<SlashingProtection> {
  const path = slashingProtectionPath(dataDir);
  try {
    return await SlashingProtection.open({path, genesisValidatorsRoot: PLACEHOLDER_GVR});
  } catch (e) {
    const cause = (e as {cause?: {code?: string}}).cause?.code ?? (e as {code?: string}).code;
    if (cause === "LEVEL_LOCKED" || /lock/i.test(String((e as Error).message))) {
      throw new DataDirError(
        `the slashing-protection database ${path} is in use by another process (is the validator client running ` +
          "on this data directory? stop it first, or use its Keymanager API)",
      );
    }
    throw e;
  }
}

/**
 * The chain of the data directory: `expected` (what the operator named) must be one the database knows, if it knows
 * any; without `expected` the database must know exactly one. Throws a one-line DataDirError otherwise.
 */
export function resolveDataDirChain(dataDir: string, known: string[], expected?: Uint8Array | string): string {
  const want =
    expected === undefined ? undefined : (typeof expected === "string" ? expected : toHex(expected)).toLowerCase();
  if (want !== undefined) {
    if (known.length > 0 && !known.includes(want)) {
      throw new DataDirError(
        `the data directory ${dataDir} holds slashing-protection history of genesis_validators_root ${known.join(", ")}, ` +
          `not of ${want} (another network?)`,
      );
    }
    return want;
  }
  if (known.length === 1) return known[0];
  if (known.length === 0) {
    throw new DataDirError(
      `cannot tell which network the data directory ${dataDir} is for (its slashing-protection database has no ` +
        "history yet): give --network NAME, --beacon-node URL or --genesis-validators-root 0x…",
    );
  }
  throw new DataDirError(
    `the data directory ${dataDir} holds history of several chains (${known.join(", ")}): choose one with ` +
      "--network, --beacon-node or --genesis-validators-root",
  );
}

/** True when the data directory already has a slashing-protection database. */
export function hasSlashingProtection(dataDir: string): boolean {
  return existsSync(slashingProtectionPath(dataDir));
}
