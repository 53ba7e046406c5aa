/**
 * Wiring of sidecar retention into the beacon node: the pruner runs in the background after each finalization
 * (chain `finalized_checkpoint` event), and dev chains can shorten the retention window.
 */

import type {ChainConfig} from "@ceibo/config";
import {computeEpochAtSlot} from "@ceibo/state-transition";
import type {Logger} from "@ceibo/utils";
import type {BeaconChain} from "../chain/index.ts";
import {SidecarPruner} from "../chain/retention.ts";
import type {BeaconDb} from "../db/index.ts";

export type {SidecarPruner};

/** A dev chain config with MIN_EPOCHS_FOR_{BLOB,DATA_COLUMN}_SIDECARS_REQUESTS set to `minEpochs` (if given). */
export function withDevRetention(config: ChainConfig, minEpochs: number | undefined): ChainConfig {
  if (minEpochs === undefined) return config;
  if (!Number.isSafeInteger(minEpochs) || minEpochs < 0) {
    throw Error(`dev min epochs for sidecar requests must be a non-negative integer, got ${minEpochs}`);
  }
  return {
    ...config,
    MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS: minEpochs,
    MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS: minEpochs,
  };
}

/** Creates the pruner and runs it after every finalization, at the wall-clock epoch. */
export function attachSidecarPruner(
  chain: BeaconChain,
  db: BeaconDb,
  config: ChainConfig,
  logger: Logger,
  archiveBlobs: boolean,
): SidecarPruner {
  const pruner = new SidecarPruner({db, config, logger, archiveBlobs});
  if (archiveBlobs) logger.info("Archiving blobs: blob and data column sidecars are never pruned");
  chain.emitter.on("finalized_checkpoint", ({block}) => {
    const finalizedSlot = chain.forkChoice.getBlock(block)?.slot;
    if (finalizedSlot === undefined) return;
    void pruner.onFinalized(computeEpochAtSlot(chain.clock.currentSlot), finalizedSlot);
  });
  return pruner;
}
