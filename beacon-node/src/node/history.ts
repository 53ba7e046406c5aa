/**
 * Wiring of history pruning (`--prune-history`, chain/history.ts) into the beacon node: the mode is recorded in
 * the database; the pruner runs after each finalization; backfill stops at the window's start; turning the mode
 * off says which history is gone and lets backfill download it again toward genesis.
 */

import type {ChainConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {computeEpochAtSlot} from "@ceibo/state-transition";
import type {Logger} from "@ceibo/utils";
import {HistoryPruner, historyWindowEpochs} from "../chain/history.ts";
import type {BeaconChain} from "../chain/index.ts";
import type {BeaconDb} from "../db/index.ts";
import {computeWeakSubjectivityPeriod} from "../sync/weakSubjectivity.ts";

export type {HistoryPruner};

export interface HistoryMode {
  /** Pruning is on for this run. */
  prune: boolean;
  /**
   * History was pruned by an earlier run with --prune-history and the mode is off now: blocks before
   * `earliestSlot` are missing and backfill should download them again (to genesis).
   */
  refill: boolean;
  /** The earliest block slot stored (null: empty archive). */
  earliestSlot: number | null;
}

/**
 * Records the mode in the database (metadata `pruneHistory`) and checks it against the flag. Without the flag on
 * a database that was pruned, warns that blocks before slot X are gone and that backfill refills them.
 */
export async function checkHistoryMode(db: BeaconDb, pruneHistory: boolean, logger: Logger): Promise<HistoryMode> {
  const mode = await db.metadata.get("pruneHistory");
  const prunedTo = (await db.metadata.get("historyPrunedToSlot")) ?? 0;
  const earliestSlot = await db.blockArchive.firstSlot();
  if (pruneHistory) {
    if (mode !== 1) await db.metadata.put("pruneHistory", 1, {sync: true});
    logger.info("History pruning on: finalized blocks older than the retention window are deleted", {
      earliestBlockSlot: earliestSlot,
    });
    return {prune: true, refill: false, earliestSlot};
  }
  if (prunedTo > 0 && earliestSlot === 0) {
    // backfill brought everything back: the database is whole again
    await db.metadata.put("historyPrunedToSlot", 0, {sync: true});
    if (mode === 1) await db.metadata.put("pruneHistory", 0, {sync: true});
    return {prune: false, refill: false, earliestSlot};
  }
  if (prunedTo === 0) {
    if (mode === 1) {
      logger.info("History pruning is off now (it had not deleted anything yet)");
      await db.metadata.put("pruneHistory", 0, {sync: true});
    }
    return {prune: false, refill: false, earliestSlot};
  }
  logger.warn(
    `This database ran with --prune-history: blocks before slot ${earliestSlot ?? prunedTo} were deleted and are not ` +
      "served. History pruning is off now, so backfill downloads them again from peers toward genesis once the node " +
      "is synced (needs the p2p network); restart with --prune-history to keep pruning instead",
  );
  if (mode === 1) await db.metadata.put("pruneHistory", 0, {sync: true});
  return {prune: false, refill: true, earliestSlot};
}

/** compute_weak_subjectivity_period of the chain's finalized state. */
export function finalizedWsPeriod(chain: BeaconChain): number {
  const state = chain.getBlockState(chain.finalizedCheckpoint.root);
  return computeWeakSubjectivityPeriod(chain.config, state.fork, state.state);
}

/** The first slot backfill goes down to when pruning: the window's start at the wall-clock epoch. */
export function historyBackfillMinSlot(chain: BeaconChain, windowOverride: number | undefined): number {
  const window = historyWindowEpochs(chain.config, finalizedWsPeriod(chain), windowOverride);
  return Math.max(0, chain.clock.currentEpoch - window) * SLOTS_PER_EPOCH;
}

/** Creates the pruner, runs it after every finalization and once at start (catching up on an older database). */
export function attachHistoryPruner(
  chain: BeaconChain,
  db: BeaconDb,
  config: ChainConfig,
  logger: Logger,
  windowEpochs: number | undefined,
  onPruned: (earliestSlot: number) => void,
): HistoryPruner {
  const pruner = new HistoryPruner({db, config, logger, windowEpochs, onPruned});
  const run = (): void => {
    const finalizedSlot = chain.forkChoice.getBlock(chain.finalizedCheckpoint.root)?.slot;
    if (finalizedSlot === undefined) return;
    void pruner.onFinalized(computeEpochAtSlot(chain.clock.currentSlot), finalizedSlot, finalizedWsPeriod(chain));
  };
  chain.emitter.on("finalized_checkpoint", run);
  run();
  return pruner;
}
