/**
 * Gossip validation of the light-client topics, full-node rules
 * (https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/p2p-interface.md#global-topics):
 *
 * light_client_finality_update
 * - [IGNORE] finalized_header.beacon.slot is greater than that of all previously forwarded finality_updates, or it
 *   matches the highest previously forwarded slot and the sync_aggregate has supermajority (> 2/3) participation
 *   while the previously forwarded finality_update for that slot did not
 * - [IGNORE] received after get_sync_message_due_ms() since the start of signature_slot (with a
 *   MAXIMUM_GOSSIP_CLOCK_DISPARITY allowance)
 * - [IGNORE] matches the locally computed one exactly (create_light_client_finality_update)
 *
 * light_client_optimistic_update
 * - [IGNORE] attested_header.beacon.slot is greater than that of all previously forwarded optimistic_updates
 * - [IGNORE] received after get_sync_message_due_ms() since the start of signature_slot (with the allowance)
 * - [IGNORE] matches the locally computed one exactly (create_light_client_optimistic_update)
 *
 * Also IGNOREd: an update on the topic of another fork digest than its ForkDigest context (the attested header's
 * epoch). The REJECT rules of the spec are the light-client ones (process_light_client_*_update); a full node only
 * REJECTs what does not decode as the topic's type (the handler does). "Previously forwarded" includes what this
 * node published itself (`LightClientGossipState.recordFinality` / `recordOptimistic`).
 */
import {BASIS_POINTS} from "@ceibo/fork-choice";
import {SYNC_COMMITTEE_SIZE} from "@ceibo/params";
import {computeEpochAtSlot, lightClientTypes} from "@ceibo/state-transition";
import {bytesEqual} from "@ceibo/utils";
import type {LightClientFinalityUpdateValue, LightClientOptimisticUpdateValue} from "../../network/gossip/types.ts";
import type {BeaconChain} from "../chain.ts";

export type {LightClientFinalityUpdateValue, LightClientOptimisticUpdateValue};

import {computeTimeAtSlotMs, type GossipValidationContext} from "./common.ts";
import {type GossipRaise, ignore as ignoreAny, type LightClientGossipErrorCode} from "./errors.ts";

const ignore: GossipRaise<LightClientGossipErrorCode> = ignoreAny;

/** The fields the rules read (any light-client fork's form). */
/** What was forwarded (validated or published) so far: the state the "previously forwarded" rules compare with. */
export class LightClientGossipState {
  /** Highest finalized_header.beacon.slot forwarded, and whether that slot's forwarded update had supermajority. */
  finalizedSlot = -1;
  finalizedSupermajority = false;
  /** Highest attested_header.beacon.slot of a forwarded optimistic update. */
  optimisticAttestedSlot = -1;

  /** Whether a finality update passes the first rule against what was forwarded. */
  isNewFinality(update: LightClientFinalityUpdateValue): boolean {
    const slot = update.finalizedHeader.beacon.slot;
    if (slot > this.finalizedSlot) return true;
    return slot === this.finalizedSlot && hasSupermajority(update) && !this.finalizedSupermajority;
  }

  isNewOptimistic(update: LightClientOptimisticUpdateValue): boolean {
    return update.attestedHeader.beacon.slot > this.optimisticAttestedSlot;
  }

  recordFinality(update: LightClientFinalityUpdateValue): void {
    const slot = update.finalizedHeader.beacon.slot;
    const supermajority = hasSupermajority(update);
    if (slot > this.finalizedSlot) {
      this.finalizedSlot = slot;
      this.finalizedSupermajority = supermajority;
    } else if (slot === this.finalizedSlot) {
      this.finalizedSupermajority ||= supermajority;
    }
  }

  recordOptimistic(update: LightClientOptimisticUpdateValue): void {
    this.optimisticAttestedSlot = Math.max(this.optimisticAttestedSlot, update.attestedHeader.beacon.slot);
  }
}

/** > 2/3 of the sync committee signed (sum(sync_committee_bits) * 3 > SYNC_COMMITTEE_SIZE * 2, as the spec's tally). */
export function hasSupermajority(update: {
  syncAggregate: {syncCommitteeBits: {getTrueBitIndexes(): number[]}};
}): boolean {
  return update.syncAggregate.syncCommitteeBits.getTrueBitIndexes().length * 3 > SYNC_COMMITTEE_SIZE * 2;
}

/** altair fork-choice.md get_sync_message_due_ms: get_slot_component_duration_ms(SYNC_MESSAGE_DUE_BPS). */
export function getSyncMessageDueMs(chain: Pick<BeaconChain, "config">): number {
  return Math.floor((chain.config.SYNC_MESSAGE_DUE_BPS * chain.config.SLOT_DURATION_MS) / BASIS_POINTS);
}

/**
 * The time (ms) from which a light-client update signed at `signatureSlot` may be forwarded:
 * compute_time_at_slot_ms(signature_slot) + get_sync_message_due_ms().
 */
export function lightClientForwardTimeMs(
  chain: Pick<BeaconChain, "config" | "genesisTime">,
  signatureSlot: number,
): number {
  return computeTimeAtSlotMs({chain} as GossipValidationContext, signatureSlot) + getSyncMessageDueMs(chain);
}

/**
 * The topic's fork digest must be the ForkDigest context of the update: the digest of
 * compute_epoch_at_slot(attested_header.beacon.slot) (IGNORE otherwise: the message belongs to another digest's topic).
 */
export function checkLightClientTopicDigest(
  ctx: GossipValidationContext,
  topicDigestHex: string,
  update: {attestedHeader: {beacon: {slot: number}}},
): void {
  const slot = update.attestedHeader.beacon.slot;
  const expected = Buffer.from(ctx.chain.beaconConfig.computeForkDigest(computeEpochAtSlot(slot))).toString("hex");
  if (topicDigestHex !== expected) {
    ignore("WRONG_FORK_DIGEST", `attested slot ${slot} belongs to digest ${expected}, received on ${topicDigestHex}`);
  }
}

function checkTiming(ctx: GossipValidationContext, signatureSlot: number, nowMs: number): void {
  const due = lightClientForwardTimeMs(ctx.chain, signatureSlot);
  if (nowMs + ctx.chain.config.MAXIMUM_GOSSIP_CLOCK_DISPARITY < due) {
    ignore(
      "TOO_EARLY",
      `signed at slot ${signatureSlot}: received ${due - nowMs} ms before get_sync_message_due_ms() into the slot`,
    );
  }
}

/** light_client_finality_update: IGNOREs per the rules above; on return the update is forwarded (recorded). */
export function validateLightClientFinalityUpdateGossip(
  ctx: GossipValidationContext,
  state: LightClientGossipState,
  update: LightClientFinalityUpdateValue,
  serialized: Uint8Array,
  nowMs: number = ctx.chain.clock.now,
): void {
  if (!state.isNewFinality(update)) {
    ignore(
      "NOT_NEWER",
      `finalized slot ${update.finalizedHeader.beacon.slot}, already forwarded ${state.finalizedSlot}` +
        (state.finalizedSupermajority ? " with supermajority" : ""),
    );
  }
  checkTiming(ctx, update.signatureSlot, nowMs);
  const local = ctx.chain.lightClient.getFinalityUpdate();
  if (local === null || !bytesEqual(serializeLocal(local, "LightClientFinalityUpdate"), serialized)) {
    ignore("NOT_MATCHING_LOCAL", "does not match the locally computed finality update");
  }
  state.recordFinality(update);
}

/** light_client_optimistic_update: IGNOREs per the rules above; on return the update is forwarded (recorded). */
export function validateLightClientOptimisticUpdateGossip(
  ctx: GossipValidationContext,
  state: LightClientGossipState,
  update: LightClientOptimisticUpdateValue,
  serialized: Uint8Array,
  nowMs: number = ctx.chain.clock.now,
): void {
  if (!state.isNewOptimistic(update)) {
    ignore(
      "NOT_NEWER",
      `attested slot ${update.attestedHeader.beacon.slot}, already forwarded ${state.optimisticAttestedSlot}`,
    );
  }
  checkTiming(ctx, update.signatureSlot, nowMs);
  const local = ctx.chain.lightClient.getOptimisticUpdate();
  if (local === null || !bytesEqual(serializeLocal(local, "LightClientOptimisticUpdate"), serialized)) {
    ignore("NOT_MATCHING_LOCAL", "does not match the locally computed optimistic update");
  }
  state.recordOptimistic(update);
}

function serializeLocal(
  local: {fork: string; data: unknown},
  kind: "LightClientFinalityUpdate" | "LightClientOptimisticUpdate",
): Uint8Array {
  return lightClientTypes(local.fork as "electra")[kind].serialize(local.data as never);
}
