/**
 * What every gossip validator shares: its context (chain, seen caches, clock), the time helpers of
 * p2p-interface.md (is_future_slot, is_within_slot_range, altair is_current_slot, deneb is_within_epoch /
 * is_current_or_previous_epoch), and the store lookups the rules use.
 */
import type {CheckpointHex, ProtoNode} from "@ceibo/fork-choice";
import {toRootHex} from "@ceibo/fork-choice";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {type CachedBeaconState, computeStartSlotAtEpoch, type SignatureSet} from "@ceibo/state-transition";
import type {IBeaconChain} from "../interface.ts";
import type {GossipSeenCaches} from "../seenCaches.ts";
import {type AttestationDataGossipErrorCode, type GossipErrorCode, type GossipRaise, ignore, reject} from "./errors.ts";

const ignoreData: GossipRaise<AttestationDataGossipErrorCode> = ignore;
const rejectData: GossipRaise<AttestationDataGossipErrorCode> = reject;

export interface GossipValidationContext {
  chain: IBeaconChain;
  seen: GossipSeenCaches;
}

/** The wall clock in milliseconds (current_time_ms). */
export function currentTimeMs(ctx: GossipValidationContext): number {
  return ctx.chain.clock.now;
}

/** phase0 compute_time_at_slot_ms */
export function computeTimeAtSlotMs(ctx: GossipValidationContext, slot: number): number {
  return ctx.chain.genesisTime * 1000 + slot * ctx.chain.config.SLOT_DURATION_MS;
}

/** phase0 is_future_slot: the slot starts later than now plus MAXIMUM_GOSSIP_CLOCK_DISPARITY. */
export function isFutureSlot(ctx: GossipValidationContext, slot: number, nowMs: number): boolean {
  return nowMs + ctx.chain.config.MAXIMUM_GOSSIP_CLOCK_DISPARITY < computeTimeAtSlotMs(ctx, slot);
}

/** phase0 is_within_slot_range: now is within [slot, slot + slotRange] (inclusive), with the clock disparity. */
export function isWithinSlotRange(
  ctx: GossipValidationContext,
  slot: number,
  slotRange: number,
  nowMs: number,
): boolean {
  const disparity = ctx.chain.config.MAXIMUM_GOSSIP_CLOCK_DISPARITY;
  if (nowMs + disparity < computeTimeAtSlotMs(ctx, slot)) return false;
  if (computeTimeAtSlotMs(ctx, slot + slotRange + 1) + disparity < nowMs) return false;
  return true;
}

/** altair is_current_slot */
export function isCurrentSlot(ctx: GossipValidationContext, slot: number, nowMs: number): boolean {
  return isWithinSlotRange(ctx, slot, 0, nowMs);
}

/** deneb is_within_epoch */
export function isWithinEpoch(ctx: GossipValidationContext, epoch: number, nowMs: number): boolean {
  return isWithinSlotRange(ctx, computeStartSlotAtEpoch(epoch), SLOTS_PER_EPOCH - 1, nowMs);
}

/** deneb is_current_or_previous_epoch */
export function isCurrentOrPreviousEpoch(ctx: GossipValidationContext, epoch: number, nowMs: number): boolean {
  return isWithinEpoch(ctx, epoch, nowMs) || isWithinEpoch(ctx, epoch + 1, nowMs);
}

/**
 * The block an attestation or aggregate votes for: IGNORE when it has not been seen, REJECT when it was seen but
 * failed validation (not in store.block_states).
 */
export function getVotedBlock(ctx: GossipValidationContext, beaconBlockRoot: Uint8Array): ProtoNode {
  const rootHex = toRootHex(beaconBlockRoot);
  const node = ctx.chain.forkChoice.getBlock(rootHex);
  if (node !== undefined) return node;
  if (ctx.seen.invalidBlocks.get(rootHex) !== undefined) {
    rejectData("INVALID_BEACON_BLOCK", `the voted block ${rootHex} failed validation`);
  }
  return ignoreData("UNKNOWN_BEACON_BLOCK_ROOT", `the voted block ${rootHex} has not been seen`);
}

/** Whether the store's finalized checkpoint block is an ancestor of (or is) `rootHex` (get_checkpoint_block). */
export function descendsFromFinalized(ctx: GossipValidationContext, rootHex: string): boolean {
  const fc = ctx.chain.forkChoice;
  const finalized = fc.finalizedCheckpoint;
  return fc.getCheckpointBlock(rootHex, finalized.epoch) === finalized.root;
}

/**
 * store.checkpoint_states of a checkpoint: the state whose shuffling (committees, proposers) the message is
 * checked against. IGNORE when it cannot be computed ("if shuffling is not available, IGNORE").
 */
export function getCheckpointState(ctx: GossipValidationContext, checkpoint: CheckpointHex): CachedBeaconState {
  try {
    return ctx.chain.forkChoice.getCheckpointState(checkpoint);
  } catch (e) {
    return ignoreData(
      "SHUFFLING_UNAVAILABLE",
      `no state for checkpoint ${checkpoint.epoch}/${checkpoint.root}: ${(e as Error).message}`,
    );
  }
}

/**
 * Verifies signature sets through the chain's BLS verifier (`chain.bls`: the worker pool, or the main thread with
 * `--bls.workers 0`) as one batchable call (gossip: may wait up to the pool's buffer time to share a multi-pairing
 * with other messages), or at once with `{batchable: false}` (a block: its import waits on it). When the call fails, finds the first invalid set and REJECTs with its code. A set that cannot be built
 * (bad public key) throws inside `build` and REJECTs with its code too.
 *
 * Validation awaits here, so other messages are validated meanwhile: after it the caller repeats its "first valid
 * message" (Seen) rules and marks the message seen in the same synchronous run, so that two messages in flight for
 * the same key are not both ACCEPTed.
 */
export async function verifySetsOrReject(
  ctx: GossipValidationContext,
  entries: {code: GossipErrorCode; message: string; build: () => SignatureSet}[],
  opts: {batchable: boolean} = {batchable: true},
): Promise<void> {
  const sets: SignatureSet[] = [];
  for (const e of entries) {
    try {
      sets.push(e.build());
    } catch (err) {
      reject(e.code, `${e.message}: ${(err as Error).message}`);
    }
  }
  const bls = ctx.chain.bls;
  if (!(await bls.verifySignatureSets(sets, {batchable: opts.batchable}))) {
    // one set: it is the invalid one; several: verify each alone to name the one that failed
    if (sets.length > 1) {
      for (let i = 0; i < sets.length; i++) {
        if (!(await bls.verifySignatureSets([sets[i]]))) reject(entries[i].code, entries[i].message);
      }
    }
    // a batch is all-or-nothing: treat it as the first set's failure
    reject(entries[0].code, entries[0].message);
  }
}
