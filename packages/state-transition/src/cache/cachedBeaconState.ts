import type {ChainConfig} from "@ceibo/config";
import {ForkSeq} from "@ceibo/params";
import {EpochCacheError} from "../errors.ts";
import type {BlockRewardsSink} from "../rewards/blockRewardsSink.ts";
import type {BeaconStateAllForks} from "../types.ts";
import {EpochCache} from "./epochCache.ts";
import {PubkeyCache} from "./pubkeyCache.ts";
import {ValidatorFields} from "./validatorFields.ts";

/**
 * A tree-backed beacon state together with the chain config and the epoch cache. All state-transition
 * functions take one. `fork` is the ForkSeq of the state's type; an upgrade replaces `state` and bumps `fork`.
 */
export class CachedBeaconState<S extends BeaconStateAllForks = BeaconStateAllForks> {
  state: S;
  readonly config: ChainConfig;
  epochCtx: EpochCache;
  fork: number;
  /** When set, block processing records what it pays (Beacon API rewards); not copied by `clone()`. */
  rewardsSink: BlockRewardsSink | null = null;
  /**
   * When set, processSlots adds the milliseconds each epoch-transition step takes (keys: the step names of
   * process_epoch, plus `beforeProcessEpoch`, `commit` and `epochCacheRotation`); for benchmarks. Not copied by
   * `clone()`.
   */
  epochStepTimes: Record<string, number> | null = null;
  /**
   * Typed arrays of the validator fields the epoch transition reads, brought up to date from the tree by
   * `validatorFields.sync(state.validators)` (see validatorFields.ts); shared with clones.
   */
  readonly validatorFields: ValidatorFields;

  constructor(
    state: S,
    config: ChainConfig,
    epochCtx: EpochCache,
    fork: number,
    validatorFields: ValidatorFields = new ValidatorFields(),
  ) {
    this.state = state;
    this.config = config;
    this.epochCtx = epochCtx;
    this.fork = fork;
    this.validatorFields = validatorFields;
  }

  /** An independent copy: O(1) for the tree (structural sharing), small copies for the mutable caches. */
  clone(): CachedBeaconState<S> {
    this.state.commit();
    return new CachedBeaconState(
      this.state.clone() as S,
      this.config,
      this.epochCtx.clone(),
      this.fork,
      this.validatorFields,
    );
  }
}

export interface CreateCachedStateOpts {
  /** Share the pubkey maps of an existing chain (they only grow); a new cache is built otherwise. */
  pubkeyCache?: PubkeyCache;
}

/** Wraps a state of fork `fork` (ForkSeq) and builds its epoch cache. */
export function createCachedBeaconState<S extends BeaconStateAllForks>(
  state: S,
  config: ChainConfig,
  fork: number,
  opts: CreateCachedStateOpts = {},
): CachedBeaconState<S> {
  if (fork < ForkSeq.phase0 || fork > ForkSeq.fulu) {
    throw new EpochCacheError({code: "UNKNOWN_FORK", fork}, `unknown fork ${fork}`);
  }
  const pubkeyCache = opts.pubkeyCache ?? new PubkeyCache();
  const epochCtx = EpochCache.createFromState(state, fork, config, pubkeyCache);
  const cs = new CachedBeaconState(state, config, epochCtx, fork);
  // read once here, so that no epoch transition pays for a full read of the registry
  cs.validatorFields.sync(state.validators);
  return cs;
}
