/**
 * The data-availability side of gossip as the gossip handler consumes it (network/gossip/index.ts
 * GossipDataAvailability: onGossipBlobSidecar, onGossipDataColumnSidecar, isDataAvailable), built on a
 * DataAvailabilityTracker and the two sidecar validators.
 */
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {ExecutionEngine} from "../../execution/index.ts";
import type {Logger} from "../logger.ts";
import {validateBlobSidecarGossip} from "../validation/blobSidecar.ts";
import {validateDataColumnSidecarGossip} from "../validation/dataColumnSidecar.ts";
import type {BlockSidecars, DataAvailabilityTracker} from "./availability.ts";
import type {BlobSidecar} from "./blobSidecars.ts";
import {computeSubnetForDataColumnSidecar} from "./custody.ts";
import type {DataColumnSidecar} from "./dataColumns.ts";
import type {SidecarGossipChain} from "./sidecarGossip.ts";

export interface GossipDataAvailabilityOpts {
  chain: SidecarGossipChain;
  tracker: DataAvailabilityTracker;
  /** The local engine, asked for a gossip block's blobs (engine_getBlobsV1/V2) before waiting on the network. */
  engine?: ExecutionEngine | null;
  /** Blocks that failed validation (the gossip handler's GossipSeenCaches.invalidBlocks). */
  isInvalidBlock?: (rootHex: string) => boolean;
  /**
   * Sidecars to publish as if received on gossip: those built from the engine's blobs (only the data columns on
   * subnets the node is subscribed to, fulu p2p-interface.md).
   */
  publish?: (sidecars: BlockSidecars) => void;
  /** Asked for what is still missing of a block after the engine (BlobSidecarsByRoot / DataColumnSidecarsByRoot). */
  requestMissing?: (
    block: SignedBeaconBlockAllForks,
    blockRoot: string,
    missing: {blobIndices: number[]} | {columns: number[]},
  ) => void;
  /** How long a gossip block waits for its data (default: until the end of its slot, at least 1 s). */
  waitMs?: (block: SignedBeaconBlockAllForks) => number;
  logger?: Logger;
}

/** GossipDataAvailability of network/gossip/index.ts (structurally). */
export interface GossipDataAvailabilityHooks {
  onGossipBlobSidecar(sidecar: BlobSidecar, subnet: number, peer: string): Promise<void>;
  onGossipDataColumnSidecar(sidecar: DataColumnSidecar, subnet: number, peer: string): Promise<void>;
  isDataAvailable(block: SignedBeaconBlockAllForks, blockRoot: Uint8Array): Promise<boolean>;
}

export function createGossipDataAvailability(opts: GossipDataAvailabilityOpts): GossipDataAvailabilityHooks {
  const {chain, tracker} = opts;
  const checkOpts = {isInvalidBlock: opts.isInvalidBlock};
  const waitMs =
    opts.waitMs ??
    ((block: SignedBeaconBlockAllForks) =>
      Math.max(1000, chain.clock.slotStartMs(block.message.slot + 1) - chain.clock.now));

  return {
    async onGossipBlobSidecar(sidecar, subnet) {
      await validateBlobSidecarGossip(chain, sidecar, subnet, tracker, checkOpts);
    },
    async onGossipDataColumnSidecar(sidecar, subnet) {
      await validateDataColumnSidecarGossip(chain, sidecar, subnet, tracker, checkOpts);
    },
    async isDataAvailable(block, blockRoot) {
      const root = tracker.addBlock(block, blockRoot);
      if (tracker.isDataAvailable(root)) return true;
      if (opts.engine) {
        try {
          const got = await tracker.retrieveFromEngine(opts.engine, block, root);
          if (got !== null) opts.publish?.(subscribedOnly(chain, tracker, got));
        } catch (e) {
          opts.logger?.debug("Blobs from the engine failed", {root, error: (e as Error).message});
        }
        if (tracker.isDataAvailable(root)) return true;
      }
      const missing = tracker.getMissing(root);
      if (missing !== null) opts.requestMissing?.(block, root, missing);
      return tracker.waitForAvailability(root, waitMs(block));
    },
  };
}

/** Data columns only on the subnets of the sampling columns (the ones the node subscribes to). */
function subscribedOnly(
  chain: SidecarGossipChain,
  tracker: DataAvailabilityTracker,
  got: BlockSidecars,
): BlockSidecars {
  if (got.dataColumnSidecars === undefined) return got;
  const subnets = new Set(tracker.samplingColumns.map((c) => computeSubnetForDataColumnSidecar(chain.config, c)));
  return {
    dataColumnSidecars: got.dataColumnSidecars.filter((s) =>
      subnets.has(computeSubnetForDataColumnSidecar(chain.config, s.index)),
    ),
  };
}
