import type {ChainConfig} from "@ceibo/config";
import {ForkSeq} from "@ceibo/params";
import type {BlockRewardsSink} from "../rewards/blockRewardsSink.ts";
import type {BeaconStateAllForks} from "../types.ts";
import {EpochCache} from "./epochCache.ts";
import {PubkeyCache} from "./pubkeyCache.ts";
import {EpochCacheError} from "../errors.ts";

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

  constructor(state: S, config: ChainConfig, epochCtx: EpochCache, fork: number) {
    this.state = state;
    this.config = config;
    this.epochCtx = epochCtx;
    this.fork = fork;
  }

  /** An independent copy: O(1) for the tree (structural sharing), small copies for the mutable caches. */
  clone(): CachedBeaconState<S> {
    this.state.commit();
    return new CachedBeaconState(this.state.clone() as S, this.config, this.epochCtx.clone(), this.fork);
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
  return new CachedBeaconState(state, config, epochCtx, fork);
}
