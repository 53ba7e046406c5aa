/**
 * Distributed-validator committee selections (beacon-APIs apis/validator/beacon_committee_selections.yaml and
 * sync_committee_selections.yaml).
 *
 * In a DVT cluster these routes are served by the middleware between the validator clients and the beacon node:
 * each validator client sends its PARTIAL selection proofs (signed with its key share), the middleware
 * threshold-combines them and answers with the COMBINED proofs (signatures of the full validator key), which the
 * validator client then uses for is_aggregator / is_sync_committee_aggregator and the aggregation messages. The spec
 * lets a consensus client answer 501. ceibo serves them as the degenerate cluster of one: without a middleware the
 * validator client holds the whole key, so its "partial" proof already is the combined one, and combining a single
 * proof is the identity. The node therefore returns each proof it is given after checking that it IS a valid
 * selection proof of that validator for that slot (phase0 validator.md get_slot_signature: the slot under
 * DOMAIN_SELECTION_PROOF; altair validator.md get_sync_committee_selection_proof: SyncAggregatorSelectionData under
 * DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, and the validator is a member of that sync subcommittee). A proof that does
 * not verify (e.g. a real key share's partial signature sent to a node with no middleware in front of it) is refused
 * with 400 and its index, instead of being returned as if it were combined: a validator client would otherwise
 * decide aggregation duties, and publish aggregates, with proofs the network rejects.
 */
import {ApiError, type BeaconApiBackend, type IndexedFailure} from "@ceibo/api";
import {computeSigningRoot} from "@ceibo/config";
import {
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  ForkSeq,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {
  type CachedBeaconState,
  computeEpochAtSlot,
  getDomain,
  type SignatureSet,
  validatorKeyPoint,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {BlsVerifier} from "../chain/bls/pool.ts";
import type {ApiContext} from "./context.ts";

/** At most this many selections per request (a large operator's validators × 2 epochs of duties). */
export const MAX_SELECTIONS = 16_384;

const SUBCOMMITTEE_SIZE = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;

function single(pubkey: ReturnType<typeof validatorKeyPoint>, signingRoot: Uint8Array, signature: Uint8Array) {
  return {type: "single", pubkey, signingRoot, signature} as SignatureSet;
}

/**
 * Verifies each item's set through the chain's BLS verifier (worker pool); throws one 400 with the index and reason of
 * every failing item.
 */
async function verifyEach(
  bls: BlsVerifier,
  what: string,
  count: number,
  build: (i: number) => SignatureSet,
): Promise<void> {
  const failures: IndexedFailure[] = [];
  const sets: {index: number; set: SignatureSet}[] = [];
  for (let index = 0; index < count; index++) {
    try {
      sets.push({index, set: build(index)});
    } catch (e) {
      failures.push({index, message: (e as Error).message});
    }
  }
  // one batch for the common all-valid case; one by one to name the invalid ones otherwise
  if (!(await bls.verifySignatureSets(sets.map((s) => s.set)))) {
    const each = await Promise.all(sets.map(({set}) => bls.verifySignatureSets([set], {batchable: true})));
    sets.forEach(({index}, i) => {
      if (!each[i]) failures.push({index, message: "invalid selection proof signature"});
    });
  }
  if (failures.length > 0) {
    failures.sort((a, b) => a.index - b.index);
    throw ApiError.indexed(`${failures.length} of ${count} ${what} failed validation`, failures);
  }
}

export function selectionsHandlers(
  ctx: ApiContext,
): Pick<BeaconApiBackend, "submitBeaconCommitteeSelections" | "submitSyncCommitteeSelections"> {
  const chain = ctx.chain;
  const checkCount = (n: number): void => {
    if (n > MAX_SELECTIONS) throw ApiError.badRequest(`Too many selections: ${n} (at most ${MAX_SELECTIONS})`);
  };
  const validatorKey = (cs: CachedBeaconState, index: number) => {
    if (index >= cs.state.validators.length) throw Error(`unknown validator index ${index}`);
    return validatorKeyPoint(cs, index);
  };

  return {
    async submitBeaconCommitteeSelections({selections}) {
      checkCount(selections.length);
      const cs = chain.getHeadState();
      await verifyEach(chain.bls, "beacon committee selections", selections.length, (i) => {
        const {validatorIndex, slot, selectionProof} = selections[i];
        const domain = getDomain(cs.state, DOMAIN_SELECTION_PROOF, computeEpochAtSlot(slot));
        return single(
          validatorKey(cs, validatorIndex),
          computeSigningRoot(ssz.phase0.Slot, slot, domain),
          selectionProof,
        );
      });
      chain.logger.info("Beacon committee selections verified", {count: selections.length});
      return {data: selections};
    },

    async submitSyncCommitteeSelections({selections}) {
      checkCount(selections.length);
      const cs = chain.getHeadState();
      await verifyEach(chain.bls, "sync committee selections", selections.length, (i) => {
        const {validatorIndex, slot, subcommitteeIndex, selectionProof} = selections[i];
        if (subcommitteeIndex >= SYNC_COMMITTEE_SUBNET_COUNT) {
          throw Error(`subcommittee_index ${subcommitteeIndex} >= ${SYNC_COMMITTEE_SUBNET_COUNT}`);
        }
        const epoch = computeEpochAtSlot(slot);
        if (chain.beaconConfig.getForkSeq(slot) < ForkSeq.altair) throw Error(`slot ${slot} is before altair`);
        // the committee that signs at `slot` is that of slot + 1's period (altair validator.md)
        const period = Math.floor(computeEpochAtSlot(slot + 1) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
        const headPeriod = Math.floor(computeEpochAtSlot(cs.state.slot) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
        const committee =
          period === headPeriod
            ? cs.epochCtx.currentSyncCommitteeIndices
            : period === headPeriod + 1
              ? cs.epochCtx.nextSyncCommitteeIndices
              : null;
        if (committee === null) throw Error(`slot ${slot} is not in the current or next sync committee period`);
        const members = committee.slice(
          subcommitteeIndex * SUBCOMMITTEE_SIZE,
          (subcommitteeIndex + 1) * SUBCOMMITTEE_SIZE,
        );
        if (!members.includes(validatorIndex)) {
          throw Error(`validator ${validatorIndex} is not in sync subcommittee ${subcommitteeIndex} at slot ${slot}`);
        }
        const domain = getDomain(cs.state, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epoch);
        return single(
          validatorKey(cs, validatorIndex),
          computeSigningRoot(ssz.altair.SyncAggregatorSelectionData, {slot, subcommitteeIndex}, domain),
          selectionProof,
        );
      });
      chain.logger.info("Sync committee selections verified", {count: selections.length});
      return {data: selections};
    },
  };
}
