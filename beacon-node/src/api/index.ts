/**
 * The beacon node's Beacon API backend: every route of @ceibo/api's table (`BeaconApiBackend`) over the chain.
 * `createBeaconApiBackend(chain, opts)` returns the handlers and the shared context; `close()` detaches the
 * listeners it put on the chain.
 */
import type {BeaconApiBackend} from "@ceibo/api";
import {BLS_WITHDRAWAL_PREFIX, FAR_FUTURE_EPOCH, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  type AttestationAllForks,
  type CachedBeaconState,
  computeEpochAtSlot,
  getAttestingIndices,
  isSlashableValidator,
} from "@ceibo/state-transition";
import type {BeaconChain, BlockEvent} from "../chain/index.ts";
import {blockHandlers} from "./beaconBlock.ts";
import {stateHandlers} from "./beaconState.ts";
import {type ApiBackendOpts, ApiContext} from "./context.ts";
import {eventsDebugHandlers} from "./eventsDebug.ts";
import {lightClientHandlers} from "./lightClient.ts";
import {nodeConfigHandlers} from "./nodeConfig.ts";
import {poolHandlers} from "./pool.ts";
import {rewardsHandlers} from "./rewards.ts";
import {selectionsHandlers} from "./selections.ts";
import {validatorHandlers} from "./validator.ts";

export {getValidatorStatus} from "./beaconState.ts";
export {type ApiBackendOpts, ApiContext, type ApiNetwork, type ApiPeer} from "./context.ts";
export {specValues} from "./nodeConfig.ts";

/** Drops pooled operations a block made obsolete (slashed proposers, exits initiated, credentials changed). */
function pruneOpPools(ctx: ApiContext, post: CachedBeaconState): void {
  const validators = post.state.validators;
  const epoch = computeEpochAtSlot(post.state.slot);
  const pools = ctx.opPools;
  for (const [i] of pools.proposerSlashings) if (validators.getReadonly(i).slashed) pools.proposerSlashings.delete(i);
  for (const [i] of pools.voluntaryExits) {
    if (validators.getReadonly(i).exitEpoch !== FAR_FUTURE_EPOCH) pools.voluntaryExits.delete(i);
  }
  for (const [i] of pools.blsToExecutionChanges) {
    if (validators.getReadonly(i).withdrawalCredentials[0] !== BLS_WITHDRAWAL_PREFIX) {
      pools.blsToExecutionChanges.delete(i);
    }
  }
  for (const [key] of pools.attesterSlashings) {
    const slashable = key
      .split(",")
      .filter((k) => k !== "")
      .some((k) => isSlashableValidator(validators.getReadonly(Number(k)), epoch));
    if (!slashable) pools.attesterSlashings.delete(key);
  }
}

export interface ApiBackend {
  backend: BeaconApiBackend;
  context: ApiContext;
  close(): void;
}

export function createBeaconApiBackend(chain: BeaconChain, opts: ApiBackendOpts): ApiBackend {
  const ctx = new ApiContext(chain, opts);
  const backend: BeaconApiBackend = {
    ...nodeConfigHandlers(ctx),
    ...stateHandlers(ctx),
    ...blockHandlers(ctx),
    ...poolHandlers(ctx),
    ...validatorHandlers(ctx),
    ...selectionsHandlers(ctx),
    ...eventsDebugHandlers(ctx),
    ...lightClientHandlers(ctx),
    ...rewardsHandlers(ctx),
  };

  // liveness from imported blocks (proposer, attesters), pruning of the API's records
  const onBlock = (e: BlockEvent): void => {
    const block = chain.blocks.get(e.block);
    if (block === undefined) return;
    ctx.liveness.seen(computeEpochAtSlot(block.message.slot), block.message.proposerIndex);
    try {
      const post = chain.getBlockState(e.block);
      for (const att of block.message.body.attestations as AttestationAllForks[]) {
        for (const i of getAttestingIndices(post, att)) ctx.liveness.seen(att.data.target.epoch, i);
      }
    } catch (err) {
      chain.logger.debug("Liveness of a block's attesters not recorded", {error: (err as Error).message});
    }
    try {
      pruneOpPools(ctx, chain.getBlockState(e.block));
    } catch (err) {
      chain.logger.debug("Operation pools not pruned", {error: (err as Error).message});
    }
    const minSlot = e.slot - 2 * SLOTS_PER_EPOCH;
    ctx.attestations.prune(minSlot);
    ctx.syncMessages.prune(minSlot);
  };
  chain.emitter.on("block", onBlock);
  return {backend, context: ctx, close: () => chain.emitter.off("block", onBlock)};
}
