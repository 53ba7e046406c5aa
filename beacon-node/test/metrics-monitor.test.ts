/**
 * The beacon node's metrics and validator monitor on a real dev chain (manual clock, minimal preset, fulu): 48 of
 * 64 validators online, the monitor watching four online (0..3) and the 16 offline (48..63) validators. What the
 * monitor reports is checked against what the chain shows: which slots have blocks, who proposed, where each
 * monitored validator's attestation slot was.
 */
import {spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {afterAll, describe, expect, it} from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");
const DRIVER = resolve(import.meta.dirname, "fixtures/monitorDriver.ts");
const SLOTS_PER_EPOCH = 8;
/** Evaluated at slots 16, 24, …, 48: attestations of epochs 0..4, blocks and sync aggregates of epochs 1..5. */
const LAST_SLOT = 48;
const ATT_EPOCHS = [0, 1, 2, 3, 4];
const BLOCK_EPOCHS = [1, 2, 3, 4, 5];
const ONLINE = ["0", "1", "2", "3"];
const OFFLINE = Array.from({length: 16}, (_, i) => String(48 + i));
/** minimal preset: integer_squareroot(SLOTS_PER_EPOCH), the TIMELY_SOURCE inclusion limit (altair beacon-chain.md) */
const SOURCE_DELAY_LIMIT = 2;

interface Output {
  slots: {slot: number; proposer: number; block: boolean}[];
  attestationSlots: Record<string, number[]>;
  syncPositions: Record<string, number[]>;
  depositIndex: number;
  metrics: string;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

function drive(): Promise<Output> {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-monitor-"));
  dirs.push(dir);
  return new Promise((resolveOut, reject) => {
    const child = spawn(NODE, [DRIVER, dir, "1700000000", String(LAST_SLOT)], {
      cwd: ROOT,
      env: {...process.env, CEIBO_PRESET: "minimal"},
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(Error(`driver exited ${code}: ${stderr}\n${stdout.slice(-2000)}`));
      resolveOut(JSON.parse(stdout.trim().split("\n").pop() as string) as Output);
    });
  });
}

/** Prometheus text → value of `name` with exactly these labels (labels in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[l[1]] = l[2];
    if (JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(labels).sort())) {
      return Number(m[3]);
    }
  }
  return undefined;
}

describe("validator monitor and node metrics on a dev chain", () => {
  it("reports attestations, inclusion distances, blocks and sync messages as the chain has them", async () => {
    const out = await drive();
    const text = out.metrics;
    const v = (name: string, labels?: Record<string, string>): number | undefined => sample(text, name, labels);
    const blockAt = new Map(out.slots.map((s) => [s.slot, s]));

    // the interop metrics read the chain
    const last = out.slots[out.slots.length - 1];
    const headSlot = [...out.slots].reverse().find((s) => s.block)?.slot;
    expect(v("beacon_head_slot")).toBe(headSlot);
    expect(last.slot).toBe(LAST_SLOT);
    expect(v("beacon_current_active_validators")).toBe(64);
    expect(v("beacon_finalized_epoch")).toBeGreaterThanOrEqual(2);
    const imported = out.slots.filter((s) => s.block).length;
    expect(v("beacon_block_imports_total", {result: "ok"})).toBe(imported);
    expect(v("beacon_block_import_stage_seconds_count", {stage: "state_transition"})).toBe(imported);
    expect(v("beacon_block_import_stage_seconds_count", {stage: "execution_payload"})).toBe(imported);
    // one engine_newPayload per imported block
    const newPayload = text.match(
      /beacon_execution_engine_requests_total\{method="engine_newPayloadV\d",result="ok"\} (\d+)/,
    );
    expect(Number(newPayload?.[1])).toBe(imported);
    // the database got its hook when it was opened: every imported block was written (and the genesis before it)
    expect(v("beacon_db_operation_seconds_count", {operation: "write"})).toBeGreaterThan(imported);
    expect(v("beacon_reorgs_total")).toBe(0);
    // the interop genesis holds one deposit per validator: all processed
    expect(out.depositIndex).toBe(64);
    expect(v("beacon_processed_deposits_total")).toBe(64);

    // the offline validators' slots have no block, the online ones' do
    for (const s of out.slots) expect(s.block, `slot ${s.slot} proposer ${s.proposer}`).toBe(s.proposer < 48);
    const missedSlots = out.slots.filter((s) => !s.block).length;
    expect(missedSlots, "the scenario has empty slots").toBeGreaterThan(3);

    expect(v("validator_monitor_validators")).toBe(ONLINE.length + OFFLINE.length);
    // attestations of epochs 0..4: the online ones attested every epoch, the offline ones never
    const n = ATT_EPOCHS.length;
    expect(v("validator_monitor_last_evaluated_epoch")).toBe(ATT_EPOCHS[n - 1]);
    expect(v("validator_monitor_prev_epoch_on_chain_attester_hit_total")).toBe(ONLINE.length * n);
    expect(v("validator_monitor_prev_epoch_on_chain_attester_miss_total")).toBe(OFFLINE.length * n);
    expect(v("validator_monitor_prev_epoch_on_chain_target_attester_hit_total")).toBe(ONLINE.length * n);
    expect(v("validator_monitor_prev_epoch_on_chain_target_attester_miss_total")).toBe(OFFLINE.length * n);
    expect(v("validator_monitor_max_consecutive_missed_attestations")).toBe(n);
    expect(v("validator_monitor_prev_epoch_attester_misses")).toBe(OFFLINE.length);

    // inclusion distance: the first block after the attestation slot (an offline proposer's slot is skipped)
    const distances: number[] = [];
    for (const index of ONLINE) {
      for (const epoch of ATT_EPOCHS) {
        const attSlot = out.attestationSlots[index][epoch];
        let s = attSlot + 1;
        while (!blockAt.get(s)?.block) s++;
        distances.push(s - attSlot);
      }
    }
    expect(v("validator_monitor_prev_epoch_on_chain_inclusion_distance_count")).toBe(distances.length);
    expect(v("validator_monitor_prev_epoch_on_chain_inclusion_distance_sum")).toBe(distances.reduce((a, b) => a + b));
    expect(
      distances.some((d) => d > 1),
      "some attestation waited for a block",
    ).toBe(true);
    // TIMELY_HEAD needs inclusion in the very next slot, TIMELY_SOURCE within integer_squareroot(SLOTS_PER_EPOCH)
    const head = distances.filter((d) => d === 1).length;
    const source = distances.filter((d) => d <= SOURCE_DELAY_LIMIT).length;
    expect(v("validator_monitor_prev_epoch_on_chain_head_attester_hit_total")).toBe(head);
    expect(v("validator_monitor_prev_epoch_on_chain_head_attester_miss_total")).toBe(
      OFFLINE.length * n + ONLINE.length * n - head,
    );
    expect(v("validator_monitor_prev_epoch_on_chain_source_attester_hit_total")).toBe(source);

    // blocks of epochs 1..5 by the monitored proposers
    const inBlockEpochs = out.slots.filter((s) => BLOCK_EPOCHS.includes(Math.floor(s.slot / SLOTS_PER_EPOCH)));
    const proposed = inBlockEpochs.filter((s) => ONLINE.includes(String(s.proposer))).length;
    const missed = inBlockEpochs.filter((s) => OFFLINE.includes(String(s.proposer))).length;
    expect(missed, "the scenario has missed proposals").toBeGreaterThan(0);
    expect(v("validator_monitor_beacon_block_total")).toBe(proposed);
    expect(v("validator_monitor_missed_blocks_total")).toBe(missed);

    // sync committee: every block of epochs 1..5 carries the online members' bits, never the offline ones'
    const blocks = inBlockEpochs.filter((s) => s.block).length;
    const positions = (set: string[]): number => set.reduce((a, i) => a + out.syncPositions[i].length, 0);
    expect(positions(OFFLINE), "offline validators in the sync committee").toBeGreaterThan(0);
    expect(v("validator_monitor_prev_epoch_sync_committee_misses_total")).toBe(blocks * positions(OFFLINE));
    expect(v("validator_monitor_prev_epoch_sync_committee_hits_total")).toBe(blocks * positions(ONLINE));

    // per-validator balances: the offline validators lost balance, the online ones gained
    const balance = (i: string): number => v("validator_monitor_balance_gwei", {index: i}) as number;
    expect(balance("0")).toBeGreaterThan(32e9);
    expect(balance("60")).toBeLessThan(32e9);
    const total = [...ONLINE, ...OFFLINE].reduce((a, i) => a + balance(i), 0);
    expect(v("validator_monitor_balance_total_gwei")).toBe(total);
  }, 240_000);
});
