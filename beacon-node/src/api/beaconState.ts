/**
 * Beacon API state routes (beacon-APIs apis/beacon/states/*.yaml, genesis.yaml) over the chain's states.
 * Validator status as beacon-APIs validator-flow.md defines it.
 */
import {
  ApiError,
  type BeaconApiBackend,
  type ValidatorId,
  type ValidatorResponse,
  type ValidatorStatus,
  type ValidatorStatusFilter,
} from "@ceibo/api";
import {
  EPOCHS_PER_HISTORICAL_VECTOR,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  FAR_FUTURE_EPOCH,
  ForkSeq,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {type CachedBeaconState, computeEpochAtSlot, getCurrentEpoch, getRandaoMix} from "@ceibo/state-transition";
import type {ValidatorValue} from "@ceibo/types";
import type {ApiContext, ResolvedState} from "./context.ts";

type Validator = ValidatorValue;

/** beacon-APIs validator-flow.md statuses. */
export function getValidatorStatus(v: Validator, balance: number, epoch: number): ValidatorStatus {
  if (v.activationEpoch > epoch) {
    return v.activationEligibilityEpoch === FAR_FUTURE_EPOCH ? "pending_initialized" : "pending_queued";
  }
  if (epoch < v.exitEpoch) {
    if (v.exitEpoch === FAR_FUTURE_EPOCH) return "active_ongoing";
    return v.slashed ? "active_slashed" : "active_exiting";
  }
  if (epoch < v.withdrawableEpoch) return v.slashed ? "exited_slashed" : "exited_unslashed";
  return balance === 0 ? "withdrawal_done" : "withdrawal_possible";
}

const STATUS_GROUP: Record<string, ValidatorStatusFilter> = {
  pending_initialized: "pending",
  pending_queued: "pending",
  active_ongoing: "active",
  active_exiting: "active",
  active_slashed: "active",
  exited_unslashed: "exited",
  exited_slashed: "exited",
  withdrawal_possible: "withdrawal",
  withdrawal_done: "withdrawal",
};

/**
 * Validator indices of `ids` in the state, each once, in the order first named (unknown ones are skipped, as the
 * spec's list routes require; an index and the same validator's pubkey are one validator).
 */
export function indicesOf(cs: CachedBeaconState, ids: ValidatorId[]): number[] {
  const count = cs.state.validators.length;
  const out = new Set<number>();
  for (const id of ids) {
    if (typeof id === "number") {
      if (id < count) out.add(id);
    } else {
      const i = cs.epochCtx.pubkeyCache.getIndex(Buffer.from(id.slice(2), "hex"));
      if (i !== undefined && i < count) out.add(i);
    }
  }
  return [...out];
}

/** Work items between yields to the event loop (other requests, block import, timers run in between). */
const CHUNK = 2048;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function validatorResponses(
  cs: CachedBeaconState,
  ids: ValidatorId[],
  statuses: ValidatorStatusFilter[],
): Promise<ValidatorResponse[]> {
  const epoch = getCurrentEpoch(cs.state);
  const indices = ids.length > 0 ? indicesOf(cs, ids) : Array.from({length: cs.state.validators.length}, (_, i) => i);
  const filter = new Set<string>(statuses);
  // one validator at a time (not getAllReadonlyValues: a mainnet registry would hold the loop for seconds)
  const balances = cs.state.balances.getAll();
  const out: ValidatorResponse[] = [];
  for (const [n, index] of indices.entries()) {
    if (n > 0 && n % CHUNK === 0) await yieldToLoop();
    const validator = cs.state.validators.getReadonly(index).toValue() as Validator;
    const balance = balances[index];
    const status = getValidatorStatus(validator, balance, epoch);
    if (filter.size > 0 && !filter.has(status) && !filter.has(STATUS_GROUP[status])) continue;
    out.push({index, balance, status, validator: validator as ValidatorResponse["validator"]});
  }
  return out;
}

function balancesOf(cs: CachedBeaconState, ids: ValidatorId[]): {index: number; balance: number}[] {
  const balances = cs.state.balances.getAll();
  const indices = ids.length > 0 ? indicesOf(cs, ids) : Array.from({length: balances.length}, (_, i) => i);
  return indices.map((index) => ({index, balance: balances[index]}));
}

const stateMeta = (r: ResolvedState) => ({executionOptimistic: r.executionOptimistic, finalized: r.finalized});

function electraState(r: ResolvedState, what: string): Record<string, {toValue(): never}> {
  if (r.state.fork < ForkSeq.electra) throw ApiError.badRequest(`${what} exist from electra; the state is earlier`);
  return r.state.state as unknown as Record<string, {toValue(): never}>;
}

export function stateHandlers(
  ctx: ApiContext,
): Pick<
  BeaconApiBackend,
  | "getGenesis"
  | "getStateRoot"
  | "getStateFork"
  | "getStateFinalityCheckpoints"
  | "getStateValidators"
  | "postStateValidators"
  | "getStateValidator"
  | "getStateValidatorBalances"
  | "postStateValidatorBalances"
  | "postStateValidatorIdentities"
  | "getEpochCommittees"
  | "getEpochSyncCommittees"
  | "getStateRandao"
  | "getPendingDeposits"
  | "getPendingPartialWithdrawals"
  | "getPendingConsolidations"
  | "getProposerLookahead"
> {
  const chain = ctx.chain;
  return {
    async getGenesis() {
      return {
        data: {
          genesisTime: chain.genesisTime,
          genesisValidatorsRoot: chain.genesisValidatorsRoot,
          genesisForkVersion: chain.config.GENESIS_FORK_VERSION,
        },
      };
    },
    async getStateRoot({stateId}) {
      const r = await ctx.resolveState(stateId);
      return {data: {root: r.state.state.hashTreeRoot()}, ...stateMeta(r)};
    },
    async getStateFork({stateId}) {
      const r = await ctx.resolveState(stateId);
      return {data: r.state.state.fork.toValue(), ...stateMeta(r)};
    },
    async getStateFinalityCheckpoints({stateId}) {
      const r = await ctx.resolveState(stateId);
      const s = r.state.state;
      return {
        data: {
          previousJustified: s.previousJustifiedCheckpoint.toValue(),
          currentJustified: s.currentJustifiedCheckpoint.toValue(),
          finalized: s.finalizedCheckpoint.toValue(),
        },
        ...stateMeta(r),
      };
    },
    async getStateValidators({stateId, validatorIds, statuses}) {
      const r = await ctx.resolveState(stateId);
      return {data: await validatorResponses(r.state, validatorIds ?? [], statuses ?? []), ...stateMeta(r)};
    },
    async postStateValidators({stateId, validatorIds, statuses}) {
      const r = await ctx.resolveState(stateId);
      return {data: await validatorResponses(r.state, validatorIds ?? [], statuses ?? []), ...stateMeta(r)};
    },
    async getStateValidator({stateId, validatorId}) {
      const r = await ctx.resolveState(stateId);
      const [found] = await validatorResponses(r.state, [validatorId], []);
      if (found === undefined) throw ApiError.notFound(`Validator not found: ${validatorId}`);
      return {data: found, ...stateMeta(r)};
    },
    async getStateValidatorBalances({stateId, validatorIds}) {
      const r = await ctx.resolveState(stateId);
      return {data: balancesOf(r.state, validatorIds ?? []), ...stateMeta(r)};
    },
    async postStateValidatorBalances({stateId, validatorIds}) {
      const r = await ctx.resolveState(stateId);
      return {data: balancesOf(r.state, validatorIds ?? []), ...stateMeta(r)};
    },
    async postStateValidatorIdentities({stateId, validatorIds}) {
      const r = await ctx.resolveState(stateId);
      const cs = r.state;
      const ids = validatorIds ?? [];
      const indices =
        ids.length > 0 ? indicesOf(cs, ids) : Array.from({length: cs.state.validators.length}, (_, i) => i);
      const data: {index: number; pubkey: Uint8Array; activationEpoch: number}[] = [];
      for (const [n, index] of indices.entries()) {
        if (n > 0 && n % CHUNK === 0) await yieldToLoop();
        const v = cs.state.validators.getReadonly(index);
        data.push({index, pubkey: v.pubkey, activationEpoch: v.activationEpoch});
      }
      return {data, ...stateMeta(r)};
    },
    async getEpochCommittees({stateId, epoch, index, slot}) {
      const r = await ctx.resolveState(stateId);
      const cs = r.state;
      const stateEpoch = getCurrentEpoch(cs.state);
      const e = epoch ?? (slot !== undefined ? computeEpochAtSlot(slot) : stateEpoch);
      if (e < stateEpoch - 1 || e > stateEpoch + 1) {
        throw ApiError.badRequest(
          `epoch ${e} is not within the state's epochs ${Math.max(0, stateEpoch - 1)}..${stateEpoch + 1}`,
        );
      }
      if (slot !== undefined && computeEpochAtSlot(slot) !== e) {
        throw ApiError.badRequest(`slot ${slot} is not in epoch ${e}`);
      }
      const shuffling = cs.epochCtx.getShufflingAtEpoch(e);
      const data: {index: number; slot: number; validators: number[]}[] = [];
      for (let s = 0; s < SLOTS_PER_EPOCH; s++) {
        const absSlot = e * SLOTS_PER_EPOCH + s;
        if (slot !== undefined && absSlot !== slot) continue;
        shuffling.committees[s].forEach((members, i) => {
          if (index !== undefined && i !== index) return;
          data.push({index: i, slot: absSlot, validators: Array.from(members)});
        });
      }
      return {data, ...stateMeta(r)};
    },
    async getEpochSyncCommittees({stateId, epoch}) {
      const r = await ctx.resolveState(stateId);
      const cs = r.state;
      if (cs.fork < ForkSeq.altair) throw ApiError.badRequest("no sync committees before altair");
      const stateEpoch = getCurrentEpoch(cs.state);
      const statePeriod = Math.floor(stateEpoch / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
      const period = Math.floor((epoch ?? stateEpoch) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
      let validators: number[];
      if (period === statePeriod) validators = cs.epochCtx.currentSyncCommitteeIndices;
      else if (period === statePeriod + 1) validators = cs.epochCtx.nextSyncCommitteeIndices;
      else throw ApiError.badRequest(`epoch ${epoch} is outside the state's sync committee periods`);
      const size = validators.length / SYNC_COMMITTEE_SUBNET_COUNT;
      const validatorAggregates = Array.from({length: SYNC_COMMITTEE_SUBNET_COUNT}, (_, i) =>
        validators.slice(i * size, (i + 1) * size),
      );
      return {data: {validators: [...validators], validatorAggregates}, ...stateMeta(r)};
    },
    async getStateRandao({stateId, epoch}) {
      const r = await ctx.resolveState(stateId);
      const stateEpoch = getCurrentEpoch(r.state.state);
      const e = epoch ?? stateEpoch;
      if (e > stateEpoch || e + EPOCHS_PER_HISTORICAL_VECTOR <= stateEpoch) {
        throw ApiError.badRequest(`epoch ${e} is out of the state's randao range (epoch ${stateEpoch})`);
      }
      return {data: {randao: getRandaoMix(r.state.state, e)}, ...stateMeta(r)};
    },
    async getPendingDeposits({stateId}) {
      const r = await ctx.resolveState(stateId);
      const data = electraState(r, "pending deposits").pendingDeposits.toValue();
      return {data, version: chain.forkNameAtSlot(r.state.state.slot), ...stateMeta(r)};
    },
    async getPendingPartialWithdrawals({stateId}) {
      const r = await ctx.resolveState(stateId);
      const data = electraState(r, "pending partial withdrawals").pendingPartialWithdrawals.toValue();
      return {data, version: chain.forkNameAtSlot(r.state.state.slot), ...stateMeta(r)};
    },
    async getPendingConsolidations({stateId}) {
      const r = await ctx.resolveState(stateId);
      const data = electraState(r, "pending consolidations").pendingConsolidations.toValue();
      return {data, version: chain.forkNameAtSlot(r.state.state.slot), ...stateMeta(r)};
    },
    async getProposerLookahead({stateId}) {
      const r = await ctx.resolveState(stateId);
      if (r.state.fork < ForkSeq.fulu) throw ApiError.badRequest("the proposer lookahead exists from fulu");
      const data = (r.state.state as unknown as {proposerLookahead: {toValue(): number[]}}).proposerLookahead.toValue();
      return {data, version: chain.forkNameAtSlot(r.state.state.slot), ...stateMeta(r)};
    },
  };
}
