import {
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
  TARGET_AGGREGATORS_PER_COMMITTEE,
  TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE,
} from "@ceibo/params";
import {digest} from "@chainsafe/as-sha256";
import {bytesToUint64} from "./math.ts";

/**
 * phase0 is_aggregator: whether the validator whose `slotSignature` (selection proof) this is aggregates for its
 * committee. The spec takes `(state, slot, index)` to look the committee up; every caller here (validator client,
 * Beacon API, gossip) already holds the committee, so this takes its length — the only thing the spec uses.
 * Spec: `is_aggregator` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/validator.md#aggregation-selection
 */
export function isAggregator(committeeLength: number, slotSignature: Uint8Array): boolean {
  const modulo = Math.max(1, Math.floor(committeeLength / TARGET_AGGREGATORS_PER_COMMITTEE));
  return bytesToUint64(digest(slotSignature).subarray(0, 8)) % BigInt(modulo) === 0n;
}

/**
 * altair is_sync_committee_aggregator: whether the validator whose sync-committee selection proof `signature` is
 * aggregates for its subcommittee.
 * Spec: `is_sync_committee_aggregator` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/validator.md#aggregation-selection
 */
export function isSyncCommitteeAggregator(signature: Uint8Array): boolean {
  const modulo = Math.max(
    1,
    Math.floor(
      Math.floor(SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT) / TARGET_AGGREGATORS_PER_SYNC_SUBCOMMITTEE,
    ),
  );
  return bytesToUint64(digest(signature).subarray(0, 8)) % BigInt(modulo) === 0n;
}
