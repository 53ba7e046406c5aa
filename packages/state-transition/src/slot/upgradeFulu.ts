import {ForkSeq, MIN_SEED_LOOKAHEAD} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {getEffectiveBalances} from "../cache/epochCache.ts";
import type {BeaconStateAllForks, BeaconStateElectra, BeaconStateFulu} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {computeProposerIndices} from "../util/seed.ts";
import {copyUnchangedFields, setUpgradedFork} from "./upgradeCommon.ts";

/**
 * fulu upgrade_to_fulu
 * Spec: `upgrade_to_fulu` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/fork.md#upgrading-the-state
 */
export function upgradeToFulu(cs: CachedBeaconState): BeaconStateFulu {
  const pre = cs.state as BeaconStateElectra;
  const post = ssz.fulu.BeaconState.defaultViewDU();
  copyUnchangedFields(ssz.electra.BeaconState, pre, ssz.fulu.BeaconState, post);
  setUpgradedFork(cs.config, pre, post, ForkSeq.fulu);
  post.proposerLookahead = ssz.fulu.ProposerLookahead.toViewDU(initializeProposerLookahead(cs));
  return post;
}

/**
 * fulu initialize_proposer_lookahead: the proposers of the current epoch and the MIN_SEED_LOOKAHEAD following
 * ones (fulu get_beacon_proposer_indices), from the epoch cache's active sets and effective balances.
 * Spec: `initialize_proposer_lookahead` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/fork.md#new-initialize_proposer_lookahead
 */
export function initializeProposerLookahead(cs: CachedBeaconState): number[] {
  const state: BeaconStateAllForks = cs.state;
  const currentEpoch = getCurrentEpoch(state);
  const lookahead: number[] = [];
  const effectiveBalances = getEffectiveBalances(state);
  for (let i = 0; i <= MIN_SEED_LOOKAHEAD; i++) {
    const epoch = currentEpoch + i;
    const active = cs.epochCtx.getShufflingAtEpoch(epoch).activeIndices;
    lookahead.push(...computeProposerIndices(ForkSeq.fulu, state, epoch, active, effectiveBalances));
  }
  return lookahead;
}
