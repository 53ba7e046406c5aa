/**
 * The rewards ledger: per epoch and per user validator, the balance at the epoch's first slot and the reward
 * (the change since the previous epoch's balance), read from the beacon node and kept locally.
 *
 * File: `<dataDir>/ledger/ledger-<genesis validators root, 16 hex>.jsonl` — one line per epoch
 * (`{"epoch","slot","ts","validators":[{"index","pubkey","balanceGwei"}]}`), appended whole and fsynced. A line
 * torn by a crash (no trailing newline / bad JSON) is cut off at the next open; an epoch already in the file is
 * never written again, so a restart makes no duplicates. Missing epochs are backfilled from the node's states
 * (`/eth/v1/beacon/states/{slot}/validators`) when it still has them; one it cannot serve stays a gap.
 */
import {closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync} from "node:fs";
import {join} from "node:path";
import type {LedgerRow} from "../shared/monitorTypes.ts";
import {beaconData, beaconDataOrNull} from "./beaconFetch.ts";

export interface LedgerEpoch {
  epoch: number;
  slot: number;
  /** Unix ms when the host read it. */
  ts: number;
  validators: {index: number; pubkey: string; balanceGwei: string}[];
}

export const CSV_COLUMNS = ["epoch", "slot", "validator_index", "pubkey", "balance_gwei", "reward_gwei"] as const;

function isEpochLine(v: unknown): v is LedgerEpoch {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(o.epoch) &&
    Number.isSafeInteger(o.slot) &&
    Array.isArray(o.validators) &&
    o.validators.every(
      (x: unknown) =>
        typeof x === "object" &&
        x !== null &&
        Number.isSafeInteger((x as {index: unknown}).index) &&
        typeof (x as {pubkey: unknown}).pubkey === "string" &&
        typeof (x as {balanceGwei: unknown}).balanceGwei === "string" &&
        /^\d+$/.test((x as {balanceGwei: string}).balanceGwei),
    )
  );
}

export class Ledger {
  readonly file: string;
  private readonly epochs = new Map<number, LedgerEpoch>();

  constructor(dataDir: string, genesisValidatorsRoot: string) {
    if (!/^0x[0-9a-f]{64}$/.test(genesisValidatorsRoot)) {
      throw new Error(`ledger: bad genesis validators root ${JSON.stringify(genesisValidatorsRoot)}`);
    }
    const dir = join(dataDir, "ledger");
    mkdirSync(dir, {recursive: true, mode: 0o700});
    this.file = join(dir, `ledger-${genesisValidatorsRoot.slice(2, 18)}.jsonl`);
    this.load();
  }

  private load(): void {
    if (!existsSync(this.file)) return;
    const text = readFileSync(this.file, "utf8");
    let good = 0; // bytes of whole, valid lines
    let pos = 0;
    while (pos < text.length) {
      const nl = text.indexOf("\n", pos);
      if (nl === -1) break; // torn last line
      const line = text.slice(pos, nl);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        break;
      }
      if (!isEpochLine(parsed)) break;
      if (!this.epochs.has(parsed.epoch)) this.epochs.set(parsed.epoch, parsed);
      pos = nl + 1;
      good = Buffer.byteLength(text.slice(0, pos));
    }
    if (good < Buffer.byteLength(text)) truncateSync(this.file, good);
  }

  has(epoch: number): boolean {
    return this.epochs.has(epoch);
  }

  epochList(): number[] {
    return [...this.epochs.keys()].sort((a, b) => a - b);
  }

  /** Appends one epoch (ignored when already recorded). */
  append(e: LedgerEpoch): boolean {
    if (this.epochs.has(e.epoch)) return false;
    const fd = openSync(this.file, "a", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(e)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.epochs.set(e.epoch, e);
    return true;
  }

  rows(): LedgerRow[] {
    const out: LedgerRow[] = [];
    for (const epoch of this.epochList()) {
      const e = this.epochs.get(epoch) as LedgerEpoch;
      const prev = this.epochs.get(epoch - 1);
      for (const v of e.validators) {
        const before = prev?.validators.find((p) => p.index === v.index);
        out.push({
          epoch,
          slot: e.slot,
          validatorIndex: v.index,
          pubkey: v.pubkey,
          balanceGwei: v.balanceGwei,
          rewardGwei: before === undefined ? null : (BigInt(v.balanceGwei) - BigInt(before.balanceGwei)).toString(),
        });
      }
    }
    return out;
  }

  /** Per epoch: the total balance of the user's validators (for the chart). */
  totals(): {epoch: number; totalGwei: number}[] {
    return this.epochList().map((epoch) => ({
      epoch,
      totalGwei: (this.epochs.get(epoch) as LedgerEpoch).validators.reduce((s, v) => s + Number(v.balanceGwei), 0),
    }));
  }

  csv(): string {
    const lines = [CSV_COLUMNS.join(",")];
    for (const r of this.rows()) {
      lines.push([r.epoch, r.slot, r.validatorIndex, r.pubkey, r.balanceGwei, r.rewardGwei ?? ""].join(","));
    }
    return `${lines.join("\n")}\n`;
  }
}

interface ValidatorResponse {
  index: string;
  balance: string;
  validator: {pubkey: string};
}

/**
 * Records every epoch from `fromEpoch` up to the head's epoch that the ledger lacks and the node can serve.
 * Returns the epochs added. `pubkeys` are the user's validators (unknown ones, not yet deposited, are skipped).
 */
export async function syncLedger(
  ledger: Ledger,
  beaconUrl: string,
  pubkeys: readonly string[],
  slotsPerEpoch: number,
  maxBackfillEpochs = 256,
  /** Epochs the node could not serve → when (ms); not asked again for `retryMs` (states pruned, keys not yet in). */
  unavailable: Map<number, number> = new Map(),
  retryMs = 10 * 60_000,
): Promise<number[]> {
  if (pubkeys.length === 0) return [];
  const head = await beaconData<{header: {message: {slot: string}}}>(beaconUrl, "/eth/v1/beacon/headers/head");
  const headEpoch = Math.floor(Number(head.header.message.slot) / slotsPerEpoch);
  const added: number[] = [];
  for (let epoch = Math.max(0, headEpoch - maxBackfillEpochs); epoch <= headEpoch; epoch++) {
    if (ledger.has(epoch)) continue;
    const missedAt = unavailable.get(epoch);
    if (missedAt !== undefined && Date.now() - missedAt < retryMs && epoch < headEpoch) continue;
    const slot = epoch * slotsPerEpoch;
    const vals = await beaconDataOrNull<ValidatorResponse[]>(
      beaconUrl,
      `/eth/v1/beacon/states/${slot}/validators?id=${pubkeys.join(",")}`,
    );
    if (vals === null || vals.length === 0) {
      unavailable.set(epoch, Date.now()); // state not kept (or keys not in it yet): a gap for now
      continue;
    }
    unavailable.delete(epoch);
    ledger.append({
      epoch,
      slot,
      ts: Date.now(),
      validators: vals
        .map((v) => ({index: Number(v.index), pubkey: v.validator.pubkey, balanceGwei: v.balance}))
        .sort((a, b) => a.index - b.index),
    });
    added.push(epoch);
  }
  return added;
}
