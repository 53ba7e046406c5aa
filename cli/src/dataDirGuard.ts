/**
 * The data directory guard of `ceibo beacon`: <dataDir>/ceibo-data.json records which chain the directory
 * holds (network, preset, config name, genesis validators root and time; for dev chains the validator count,
 * slot duration and fork epochs). A start with other settings is refused with ONE line naming the difference
 * and the fix, BEFORE anything in the directory is opened or written (the database is only opened after).
 * This file imports nothing of ceibo's node modules.
 */
import {existsSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {UsageError} from "./command.ts";

export const DATA_DIR_RECORD = "ceibo-data.json";

/** Fork epochs of a dev chain; null: never (FAR_FUTURE_EPOCH). */
export type DevForkEpochs = Record<"altair" | "bellatrix" | "capella" | "deneb" | "electra" | "fulu", number | null>;

export interface DataDirRecord {
  network: string;
  preset: string;
  /** CONFIG_NAME of the chain config. */
  configName: string;
  /** 0x-hex genesis_validators_root. */
  genesisValidatorsRoot: string;
  genesisTime: number;
  dev?: {validators: number; slotDurationMs: number; forkEpochs: DevForkEpochs};
}

/** What this start asks for; dev values are compared only where given (validators, genesisTime: when explicit). */
export interface DataDirExpectation {
  network: string;
  preset: string;
  configName: string;
  /** Known genesis validators root of a public network (0x-hex). */
  genesisValidatorsRoot?: string;
  dev?: {validators?: number; genesisTime?: number; slotDurationMs: number; forkEpochs: DevForkEpochs};
}

/** The record of `dataDir`, or null when it has none. A record that cannot be read is an error. */
export function readDataDirRecord(dataDir: string): DataDirRecord | null {
  const file = join(dataDir, DATA_DIR_RECORD);
  if (!existsSync(file)) return null;
  let record: DataDirRecord;
  try {
    record = JSON.parse(readFileSync(file, "utf8")) as DataDirRecord;
  } catch (e) {
    throw new UsageError(`${file} is not readable: ${(e as Error).message} (remove it or use another --data-dir)`);
  }
  if (typeof record?.network !== "string" || typeof record.preset !== "string") {
    throw new UsageError(`${file} is not a ceibo data directory record (remove it or use another --data-dir)`);
  }
  return record;
}

function forkEpochsText(e: DevForkEpochs): string {
  return Object.entries(e)
    .map(([fork, epoch]) => `${fork}=${epoch === null ? "never" : epoch}`)
    .join(",");
}

/**
 * Throws a UsageError (one line: the difference and the fix) when `dataDir` holds another chain than `want`.
 * Returns the record (null: a new or unrecorded directory). Reads only.
 */
export function checkDataDir(dataDir: string, want: DataDirExpectation): DataDirRecord | null {
  const r = readDataDirRecord(dataDir);
  if (r === null) return null;
  const fix = "use another --data-dir or remove it";
  const chain = `${r.network} (genesis validators root ${r.genesisValidatorsRoot}, genesis time ${r.genesisTime})`;
  if (r.network !== want.network) {
    throw new UsageError(`data dir ${dataDir} belongs to network ${chain}, not ${want.network}; ${fix}`);
  }
  if (r.preset !== want.preset) {
    throw new UsageError(
      `data dir ${dataDir} holds a ${r.preset}-preset chain of network ${chain}, but this process runs the ` +
        `${want.preset} preset; run with CEIBO_PRESET=${r.preset}, or ${fix}`,
    );
  }
  if (r.configName !== want.configName) {
    throw new UsageError(
      `data dir ${dataDir} holds a chain of config ${r.configName} (${chain}), not ${want.configName}; ${fix}`,
    );
  }
  if (want.genesisValidatorsRoot !== undefined && r.genesisValidatorsRoot !== want.genesisValidatorsRoot) {
    throw new UsageError(
      `data dir ${dataDir} holds a chain with genesis validators root ${r.genesisValidatorsRoot}, not ` +
        `${want.network}'s ${want.genesisValidatorsRoot}; ${fix}`,
    );
  }
  const d = want.dev;
  if (d !== undefined && r.dev !== undefined) {
    const dev = `data dir ${dataDir} holds a dev chain of ${r.dev.validators} validators (genesis time ${r.genesisTime})`;
    if (d.validators !== undefined && d.validators !== r.dev.validators) {
      throw new UsageError(`${dev}, not ${d.validators}; leave out --dev.validators, or ${fix}`);
    }
    if (d.genesisTime !== undefined && d.genesisTime !== r.genesisTime) {
      throw new UsageError(
        `${dev}, not genesis time ${d.genesisTime}; leave out --dev.genesis-time (or give ${r.genesisTime}), or ${fix}`,
      );
    }
    if (d.slotDurationMs !== r.dev.slotDurationMs) {
      throw new UsageError(
        `${dev} with ${r.dev.slotDurationMs} ms slots, not ${d.slotDurationMs}; start it with ` +
          `--dev.slot-duration-ms ${r.dev.slotDurationMs}, or ${fix}`,
      );
    }
    const stored = forkEpochsText(r.dev.forkEpochs);
    const given = forkEpochsText(d.forkEpochs);
    if (stored !== given) {
      const epochs = Object.entries(r.dev.forkEpochs);
      const scheduled = epochs.filter(([, e]) => e !== null);
      const option = scheduled.every(([, e]) => e === 0)
        ? `--dev.fork ${scheduled.at(-1)?.[0]}`
        : `--dev.fork-epochs ${scheduled.map(([f, e]) => `${f}=${e}`).join(",")}`;
      throw new UsageError(`${dev} with fork epochs ${stored}, not ${given}; start it with ${option}, or ${fix}`);
    }
  }
  return r;
}

/** Writes the record (atomically: a temporary file renamed over it) when it is new or changed. */
export function writeDataDirRecord(dataDir: string, record: DataDirRecord): void {
  const file = join(dataDir, DATA_DIR_RECORD);
  const text = `${JSON.stringify(record, null, 2)}\n`;
  if (existsSync(file) && readFileSync(file, "utf8") === text) return;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}
