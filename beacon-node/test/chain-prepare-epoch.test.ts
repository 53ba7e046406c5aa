/**
 * The next epoch prepared ahead (chain.ts prepareNextEpoch): in the last slot of an epoch the head state's epoch
 * transition runs three quarters into the slot, as fork choice's checkpoint state, and the import of the next
 * epoch's first block starts from that state (importBlock.ts preStateBase) instead of running the transition again.
 * A dev node (64 interop validators, mainnet preset, its own duties) on a manual clock.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {afterAll, describe, expect, it} from "vitest";

const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 2000;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** A dev node of 64 interop validators in a new temporary data dir, on the manual clock `nowMs`. */
function devNode(nowMs: () => number) {
  const dataDir = mkdtempSync(join(tmpdir(), "ceibo-prepare-epoch-"));
  dirs.push(dataDir);
  return BeaconNode.init({
    network: "dev",
    dataDir,
    devValidators: 64,
    genesisTime: GENESIS_TIME,
    slotDurationMs: SLOT_MS,
    nowMs,
  });
}

describe("the next epoch's state prepared in the epoch's last slot", () => {
  it("is computed by the slot timer on the head and is the base of the next epoch's first block", async () => {
    let nowMs = GENESIS_TIME * 1000;
    const setSlot = (slot: number): void => {
      nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
    };
    const node = await devNode(() => nowMs);
    try {
      const chain = node.chain;
      const last = SLOTS_PER_EPOCH - 1;
      for (let slot = 1; slot <= last; slot++) {
        setSlot(slot);
        await node.runSlot(slot);
      }
      expect(chain.head.slot).toBe(last);
      const checkpoint = {epoch: 1, root: chain.head.blockRoot};
      expect(chain.stateCache.getCheckpointState(checkpoint)).toBeUndefined();

      // the slot's timer (re-armed now that the slot's block is the head) prepares the epoch on its own
      await chain.onSlot(last);
      const deadline = Date.now() + 60_000;
      while (chain.stateCache.getCheckpointState(checkpoint) === undefined) {
        if (Date.now() > deadline) throw Error("the next epoch was not prepared within 60 s of the timer");
        await new Promise((r) => setTimeout(r, 50));
      }
      const prepared = chain.stateCache.getCheckpointState(checkpoint);
      expect(prepared?.state.slot).toBe(SLOTS_PER_EPOCH);
      // already there: nothing more to do
      expect(await chain.prepareNextEpoch(SLOTS_PER_EPOCH)).toBe(false);

      setSlot(SLOTS_PER_EPOCH);
      await node.runSlot(SLOTS_PER_EPOCH);
      expect(chain.head.slot).toBe(SLOTS_PER_EPOCH);
      const post = chain.getHeadState();
      // the epoch rotation creates the pending next shuffling: the block's post-state shares the prepared state's,
      // so its pre-state was a copy of the prepared state, not a second transition of the parent state
      expect(post.epochCtx.nextShufflingLazy).toBe(prepared?.epochCtx.nextShufflingLazy);
    } finally {
      await node.close();
    }
  }, 240_000);

  it("does nothing when the head is already in the epoch or far behind it", async () => {
    const node = await devNode(() => GENESIS_TIME * 1000 + 100);
    try {
      // head at genesis (epoch 0): epoch 0 is the head's own, epoch 3 is more than an epoch ahead
      expect(await node.chain.prepareNextEpoch(1)).toBe(false);
      expect(await node.chain.prepareNextEpoch(3 * SLOTS_PER_EPOCH)).toBe(false);
      expect(await node.chain.prepareNextEpoch(SLOTS_PER_EPOCH)).toBe(true);
    } finally {
      await node.close();
    }
  }, 120_000);
});
