import {EPOCHS_PER_SYNC_COMMITTEE_PERIOD} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {aggregatePublicKeys, PublicKey} from "@chainsafe/blst";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getNextSyncCommitteeIndices} from "../cache/epochCache.ts";
import type {BeaconStatePostAltair} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/**
 * altair get_next_sync_committee (with eth_aggregate_pubkeys: every pubkey must pass KeyValidate)
 * Spec: `get_next_sync_committee` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#get_next_sync_committee
 */
export function getNextSyncCommittee(cs: CachedBeaconState): {pubkeys: Uint8Array[]; aggregatePubkey: Uint8Array} {
  const state = cs.state;
  // getNextSyncCommitteeIndices reads committed validators only
  state.validators.commit();
  const indices = getNextSyncCommitteeIndices(cs.fork, state, cs.validatorFields);
  const pubkeys = indices.map((index) => state.validators.getReadonly(index).pubkey);
  const aggregatePubkey = aggregatePublicKeys(pubkeys.map((pk) => PublicKey.fromBytes(pk, true))).toBytes();
  return {pubkeys, aggregatePubkey};
}

/**
 * altair process_sync_committee_updates
 * Spec: `process_sync_committee_updates` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/beacon-chain.md#sync-committee-updates
 */
export function processSyncCommitteeUpdates(cs: CachedBeaconState): void {
  const state = cs.state as BeaconStatePostAltair;
  const nextEpoch = getCurrentEpoch(state) + 1;
  if (nextEpoch % EPOCHS_PER_SYNC_COMMITTEE_PERIOD === 0) {
    const next = getNextSyncCommittee(cs);
    state.currentSyncCommittee = state.nextSyncCommittee;
    state.nextSyncCommittee = ssz.altair.SyncCommittee.toViewDU(next);
  }
}
