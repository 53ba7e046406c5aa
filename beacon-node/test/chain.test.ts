import {spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {Clock} from "../src/chain/clock.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");
const DRIVER = resolve(import.meta.dirname, "fixtures/chainDriver.ts");
const GENESIS_TIME = 1_700_000_000;
/** minimal preset */
const SLOTS_PER_EPOCH = 8;
const VALIDATORS = 64;
const MAX_EFFECTIVE_BALANCE = 32_000_000_000;
/** minimal preset SYNC_COMMITTEE_SIZE */
const SYNC_COMMITTEE_SIZE = 32;

type Rec = Record<string, unknown> & {type: string};
interface Cp {
  epoch: number;
  root: string;
}

/** Runs the driver (a dev beacon node on a manual clock, minimal preset, fulu genesis) and parses its records. */
function drive(args: (string | number)[], env: Record<string, string> = {}): Promise<Rec[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(NODE, [DRIVER, ...args.map(String)], {
      cwd: ROOT,
      env: {...process.env, CEIBO_PRESET: "minimal", ...env},
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
      if (code !== 0) return reject(Error(`driver exited ${code}: ${stderr}\n${stdout}`));
      resolvePromise(
        stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as Rec),
      );
    });
  });
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ceibo-chain-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

describe("BeaconChain on a dev network (64 interop validators, fulu at genesis, minimal preset)", () => {
  const dataDir = tempDir();
  let phase1End: Rec;

  it("produces, imports and attests every slot until epoch 2 is finalized; refuses bad blocks with typed codes", async () => {
    const recs = await drive([dataDir, GENESIS_TIME, 1, 6 * SLOTS_PER_EPOCH, 2, 1]);
    const start = recs[0];
    expect(start.type).toBe("start");
    expect(start.resumed).toBe(false);
    expect(start.headSlot).toBe(0);

    const negative = Object.fromEntries(recs.filter((r) => r.type === "negative").map((r) => [r.what, r.code]));
    expect(negative).toEqual({
      "wrong proposer key": "INVALID_SIGNATURE",
      "future slot": "FUTURE_SLOT",
      "bad state root": "INVALID_STATE_TRANSITION",
      "unknown parent": "PARENT_UNKNOWN",
      "payload INVALID (engine)": "EXECUTION_INVALID",
      "already known": "ALREADY_KNOWN",
    });

    const slots = recs.filter((r) => r.type === "slot");
    // every slot has a block (the head is the slot's block) and 64 / 8 attesters per slot
    for (const s of slots) {
      expect(s.headSlot).toBe(s.slot);
      expect(s.elStatus).toBe("VALID");
    }
    expect(slots.filter((s) => s.slot !== 3).every((s) => s.attestations === VALIDATORS / SLOTS_PER_EPOCH)).toBe(true);
    // the sync committee signs every head; each block from slot 2 on carries a full SyncAggregate of the previous
    // slot's messages (verified with the block's signatures), slot 1 an empty one (nobody signed at slot 0)
    expect(slots[0].headSyncParticipants).toBe(0);
    for (const s of slots.slice(1)) expect(s.headSyncParticipants).toBe(SYNC_COMMITTEE_SIZE);
    // justification and finalization come only from attestations included in blocks (process_justification_and_
    // finalization reads the participation the blocks recorded): finality at epoch 2 is reached with the first
    // block of epoch 4 when epochs 2 and 3 are justified in a row.
    const firstFinal = slots.find((s) => (s.finalizedEpoch as number) >= 2);
    expect(firstFinal?.slot).toBe(4 * SLOTS_PER_EPOCH);

    const end = recs.at(-1) as Rec;
    expect(end.type).toBe("end");
    expect((end.finalized as Cp).epoch).toBe(2);
    expect((end.justified as Cp).epoch).toBe(3);
    expect(end.headExecutionStatus).toBe("valid");
    // attesters and the sync committee earned rewards
    expect(end.headBalanceSum as number).toBeGreaterThan(VALIDATORS * MAX_EFFECTIVE_BALANCE);
    const events = end.events as Record<string, number>;
    expect(events.block).toBe(slots.length);
    expect(events.finalized_checkpoint).toBe(1);
    expect(events.chain_reorg).toBe(0);
    phase1End = end;
  });

  it("restarts from the data dir with the same head and finalized checkpoint, and the chain continues", async () => {
    expect(phase1End).toBeDefined();
    const last = phase1End.headSlot as number;
    const recs = await drive([dataDir, GENESIS_TIME, last + 1, last + 2 * SLOTS_PER_EPOCH, 99, 0]);
    const start = recs[0];
    expect(start.resumed).toBe(true);
    expect(start.headSlot).toBe(last);
    expect(start.headRoot).toBe(phase1End.headRoot);
    expect(start.finalized).toEqual(phase1End.finalized);
    expect(start.justified).toEqual(phase1End.justified);

    const slots = recs.filter((r) => r.type === "slot");
    expect(slots.length).toBe(2 * SLOTS_PER_EPOCH);
    for (const s of slots) expect(s.headSlot).toBe(s.slot);
    // the sync committee messages of the resumed node's first slot are in its second block
    for (const s of slots.slice(1)) expect(s.headSyncParticipants).toBe(SYNC_COMMITTEE_SIZE);
    const end = recs.at(-1) as Rec;
    expect(end.headSlot).toBe(last + 2 * SLOTS_PER_EPOCH);
    expect((end.finalized as Cp).epoch).toBeGreaterThan((phase1End.finalized as Cp).epoch);
    expect(end.headExecutionStatus).toBe("valid");
  });

  it("regenerates evicted states by block replay and builds the identical chain", async () => {
    const [normal, tiny] = await Promise.all([
      drive([tempDir(), GENESIS_TIME, 1, 5 * SLOTS_PER_EPOCH, 2, 0]),
      drive([tempDir(), GENESIS_TIME, 1, 5 * SLOTS_PER_EPOCH, 2, 0], {CHAIN_CACHE: "2,1"}),
    ]);
    const a = normal.at(-1) as Rec;
    const b = tiny.at(-1) as Rec;
    expect(b.regenCount as number).toBeGreaterThan(0);
    expect(b.headRoot).toBe(a.headRoot);
    expect(b.finalized).toEqual(a.finalized);
    expect((b.finalized as Cp).epoch).toBe(2);
  });
});

describe("Clock", () => {
  it("derives slots from genesis time and slot duration, and runs one callback per slot in order", async () => {
    let now = 1000 * 1000 - 1;
    const clock = new Clock({genesisTime: 1000, slotDurationMs: 2000, nowMs: () => now});
    expect(clock.currentSlot).toBe(0);
    expect(clock.msUntilGenesis).toBe(1);
    now = 1000 * 1000 + 2000 * 5 + 1999;
    expect(clock.currentSlot).toBe(5);
    expect(clock.msUntilNextSlot()).toBe(1);
    expect(() => new Clock({genesisTime: 1, slotDurationMs: 0})).toThrow(/slot duration/);

    // real time: 40 ms slots
    const real = new Clock({genesisTime: Math.floor(Date.now() / 1000), slotDurationMs: 40});
    const seen: number[] = [];
    const controller = new AbortController();
    const first = real.currentSlot;
    await real.run((slot) => {
      seen.push(slot);
      if (seen.length === 4) controller.abort();
    }, controller.signal);
    expect(seen).toEqual([first, first + 1, first + 2, first + 3]);
  });
});
