/**
 * Range sync: the signatures of a segment of downloaded blocks verified with ONE call to `chain.bls` (the worker
 * pool splits it into chunks across its workers) before the blocks are imported in order with
 * `signaturesVerified` (issue 13: block import shares the pool, one call per segment instead of one per block).
 *
 * A segment is a run of consecutive blocks of one epoch, each the child of the previous one, the first a child of
 * a block fork choice has. Its signature sets are built on the first block's pre-state (its parent's post-state
 * advanced to its slot, phase0 beacon-chain.md `state_transition` → `process_slots`), which is then handed to the
 * first block's import (not computed twice). The set of a later block k of the segment is the same as on its own
 * pre-state, because within one epoch every input of `get_block_signature_sets` is:
 * - the fork and genesis_validators_root (domains): `state.fork` only changes at an epoch boundary;
 * - committees and proposers: the epoch's shufflings and proposer indices are fixed for the epoch (phase0
 *   `get_beacon_committee`, `get_beacon_proposer_index`; fulu `proposer_lookahead`);
 * - the current sync committee: it rotates at a sync-committee-period boundary, an epoch boundary;
 * - public keys by validator index: indices never change; a validator that a block of the segment adds is not in
 *   the first pre-state's registry, so building fails and the segment ends before that block;
 * - `state.slot` (the RANDAO set's proposer, the sync aggregate's previous slot) and, for the sync aggregate,
 *   `get_block_root_at_slot(state, slot - 1)`: on block k's own pre-state that is its parent's root (the latest
 *   block before its slot, altair beacon-chain.md `process_sync_aggregate`), so the view used for block k is a
 *   throwaway copy of the first pre-state with `slot` = block k's slot and that block root = block k's parent root.
 * Lodestar verifies a segment's signatures on the first block's pre-state the same way.
 *
 * When the one call says "invalid" the caller imports the blocks one by one as before (each verifying its own
 * sets): the first bad block is named by its import error, the blocks before it are imported, the peer penalised.
 */
import {SLOTS_PER_HISTORICAL_ROOT} from "@ceibo/params";
import {
  type CachedBeaconState,
  computeEpochAtSlot,
  getBlockSignatureSets,
  processSlots,
  type SignatureSet,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import {bytesEqual, toHex} from "@ceibo/utils";
import {blockRootOf} from "../chain/blockRoot.ts";
import type {IBeaconChain} from "../chain/interface.ts";

export interface SegmentVerification {
  /** The segment is blocks[start, end): their signatures were verified together (`valid`) or not. */
  start: number;
  end: number;
  /** Whether the one pool call accepted every set of the segment. */
  valid: boolean;
  /** The pre-state of blocks[start] (a clone nobody else holds), for `ImportBlockOpts.preState`. */
  preState: CachedBeaconState;
  /** Signature sets verified in the call. */
  sets: number;
}

/**
 * The segment of `blocks` that starts at `start`, its sets verified in one `chain.bls` call; null when no segment
 * of at least two blocks starts there (the parent is unknown, the block is already known, its pre-state or sets
 * cannot be made): the caller imports blocks[start] on its own.
 */
export async function verifySegmentSignatures(
  chain: IBeaconChain,
  blocks: readonly SignedBeaconBlockAllForks[],
  start: number,
): Promise<SegmentVerification | null> {
  const segment = getSegmentSignatureSets(chain, blocks, start);
  if (segment === null) return null;
  const sets = segment.setsPerBlock.flat();
  const valid = await chain.bls.verifySignatureSets(sets);
  return {start, end: segment.end, valid, preState: segment.preState, sets: sets.length};
}

/** The segment starting at `start` (see above) and the signature sets of each of its blocks; null as above. */
export function getSegmentSignatureSets(
  chain: IBeaconChain,
  blocks: readonly SignedBeaconBlockAllForks[],
  start: number,
): {end: number; preState: CachedBeaconState; setsPerBlock: SignatureSet[][]} | null {
  const first = blocks[start];
  if (first === undefined || start + 1 >= blocks.length) return null;
  const epoch = computeEpochAtSlot(first.message.slot);
  const fc = chain.forkChoice;
  // the segment: same epoch, each block the child of the previous one
  let end = start + 1;
  let prevRoot: Uint8Array;
  try {
    prevRoot = blockRootOf(chain.beaconConfig, first.message);
    if (fc.hasBlock(toHex(prevRoot)) || !fc.hasBlock(toHex(first.message.parentRoot))) return null;
    while (end < blocks.length) {
      const msg = blocks[end].message;
      if (computeEpochAtSlot(msg.slot) !== epoch || !bytesEqual(msg.parentRoot, prevRoot)) break;
      prevRoot = blockRootOf(chain.beaconConfig, msg);
      end++;
    }
  } catch {
    return null; // a block that cannot be hashed: its own import names the error
  }
  if (end - start < 2) return null;

  let preState: CachedBeaconState;
  try {
    preState = chain.getBlockState(toHex(first.message.parentRoot)).clone();
    if (first.message.slot > preState.state.slot) processSlots(preState, first.message.slot);
  } catch {
    return null; // the import computes it again and reports the error
  }

  const setsPerBlock: SignatureSet[][] = [];
  try {
    setsPerBlock.push(getBlockSignatureSets(preState, first));
  } catch {
    return null;
  }
  // the view of blocks start+1.. (see above): a throwaway copy, never imported
  const view = preState.clone();
  for (let k = start + 1; k < end; k++) {
    const msg = blocks[k].message;
    view.state.slot = msg.slot;
    view.state.blockRoots.set((msg.slot - 1) % SLOTS_PER_HISTORICAL_ROOT, msg.parentRoot);
    try {
      setsPerBlock.push(getBlockSignatureSets(view, blocks[k]));
    } catch {
      end = k; // this block's sets need its own pre-state (e.g. a validator added in the segment)
      break;
    }
  }
  if (end - start < 2) return null;
  return {end, preState, setsPerBlock};
}
