import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_SYNC_COMMITTEE, SYNC_COMMITTEE_SIZE} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import {PublicKey} from "@chainsafe/blst";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getBlockRootAtSlot} from "../epoch/util.ts";
import type {BeaconStatePostAltair} from "../types.ts";
import {getDomain} from "../util/domain.ts";
import {computeEpochAtSlot} from "../util/epoch.ts";
import type {SignatureSet} from "./signatureSet.ts";

export type SyncAggregate = ValueOf<typeof ssz.altair.SyncAggregate>;

/** bls.G2_POINT_AT_INFINITY */
const G2_POINT_AT_INFINITY = Uint8Array.from([0xc0, ...new Uint8Array(95)]);

/**
 * altair process_sync_aggregate: the current sync committee's participants signing the previous slot's block
 * root, with eth_fast_aggregate_verify semantics. Returns null when there is nothing to verify (no participant
 * and the G2 point at infinity as signature, which eth_fast_aggregate_verify accepts). With no participant and
 * any other signature the set has no public key, which verifySignatureSet rejects.
 *
 * Public keys: all members → the state's aggregate_pubkey (as the spec); otherwise the participants' keys, which
 * the verifier aggregates. For more than half participating the spec subtracts the non-participants from
 * aggregate_pubkey instead — the same point, because aggregate_pubkey is the sum of the committee's pubkeys
 * (get_next_sync_committee).
 */
export function getSyncAggregateSignatureSet(cs: CachedBeaconState, syncAggregate: SyncAggregate): SignatureSet | null {
  const state = cs.state as BeaconStatePostAltair;
  const bits = syncAggregate.syncCommitteeBits;
  const participants: number[] = [];
  const committeeIndices = cs.epochCtx.currentSyncCommitteeIndices;
  for (let i = 0; i < SYNC_COMMITTEE_SIZE; i++) if (bits.get(i)) participants.push(committeeIndices[i]);

  const previousSlot = Math.max(state.slot, 1) - 1;
  const domain = getDomain(state, DOMAIN_SYNC_COMMITTEE, computeEpochAtSlot(previousSlot));
  const signingRoot = computeSigningRoot(ssz.phase0.Root, getBlockRootAtSlot(state, previousSlot), domain);
  const signature = syncAggregate.syncCommitteeSignature;

  if (participants.length === 0) {
    if (bytesEqual(signature, G2_POINT_AT_INFINITY)) return null;
    return {type: "aggregate", pubkeys: [], signingRoot, signature};
  }
  if (participants.length === SYNC_COMMITTEE_SIZE) {
    const pubkey = PublicKey.fromBytes(state.currentSyncCommittee.aggregatePubkey, true);
    return {type: "single", pubkey, signingRoot, signature};
  }
  // FastAggregateVerify = Verify under the participants' aggregate key, added up from the cache's stored points
  return {type: "single", pubkey: cs.epochCtx.pubkeyCache.aggregatePublicKeys(participants), signingRoot, signature};
}
