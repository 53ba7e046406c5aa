/**
 * Beacon API event stream (beacon-APIs apis/eventstream/index.yaml) and debug routes (apis/debug/*.yaml).
 * Events: head (with the duty dependent roots), block, finalized_checkpoint, chain_reorg from the chain;
 * attestation, single_attestation, voluntary_exit, proposer/attester slashing, bls_to_execution_change and
 * contribution_and_proof from the API's own submissions; payload_attributes for the slot after each new head.
 * Topics this node has no source for (block_gossip, blob_sidecar, data_column_sidecar, light client) are accepted
 * and stay silent.
 */
import {setMaxListeners} from "node:events";
import {ApiError, type BeaconApiBackend, type BeaconEvent, type EventType} from "@ceibo/api";
import {type RootHex, toRootHex} from "@ceibo/fork-choice";
import {ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {
  computeEpochAtSlot,
  computeTimeAtSlot,
  getCurrentEpoch,
  getExpectedWithdrawals,
  getRandaoMix,
} from "@ceibo/state-transition";
import type {HeadEvent} from "../chain/index.ts";
import {fromRootHex} from "../chain/index.ts";
import type {ApiContext} from "./context.ts";

/**
 * The duty dependent root of `epoch` on the chain of `root`: the block root at the last slot of the epoch before
 * (beacon-APIs eventstream `head`); the genesis block for epochs 0 and -1.
 */
function dependentRoot(ctx: ApiContext, root: RootHex, epoch: number): Uint8Array {
  const slot = epoch * SLOTS_PER_EPOCH - 1;
  try {
    return fromRootHex(ctx.chain.forkChoice.getAncestor(root, Math.max(0, slot)).blockRoot);
  } catch {
    return fromRootHex(ctx.chain.finalizedCheckpoint.root);
  }
}

function headEvent(ctx: ApiContext, e: HeadEvent): BeaconEvent {
  const epoch = computeEpochAtSlot(e.slot);
  return {
    type: "head",
    message: {
      slot: e.slot,
      block: fromRootHex(e.block),
      state: fromRootHex(e.state),
      epochTransition: e.epochTransition,
      previousDutyDependentRoot: dependentRoot(ctx, e.block, epoch - 1),
      currentDutyDependentRoot: dependentRoot(ctx, e.block, epoch),
      executionOptimistic: e.executionOptimistic,
    },
  };
}

/** bellatrix+ payload attributes a proposer of the slot after `head` would send to the engine. */
function payloadAttributesEvent(ctx: ApiContext, head: HeadEvent): BeaconEvent | null {
  const chain = ctx.chain;
  const slot = head.slot + 1;
  const state = ctx.stateAtSlot(head.block, slot);
  if (state.fork < ForkSeq.bellatrix) return null;
  const block = chain.blocks.get(head.block)?.message.body as
    | {executionPayload?: {blockNumber: number; blockHash: Uint8Array}}
    | undefined;
  const payload = block?.executionPayload;
  const proposerIndex = state.epochCtx.getBeaconProposer(slot);
  const attributes: Record<string, unknown> = {
    timestamp: computeTimeAtSlot(chain.config.SLOT_DURATION_MS, state.state.genesisTime, slot),
    prevRandao: getRandaoMix(state.state, getCurrentEpoch(state.state)),
    suggestedFeeRecipient:
      ctx.feeRecipients.get(proposerIndex)?.feeRecipient ?? chain.opts.suggestedFeeRecipient ?? new Uint8Array(20),
  };
  if (state.fork >= ForkSeq.capella) attributes.withdrawals = getExpectedWithdrawals(state).withdrawals;
  if (state.fork >= ForkSeq.deneb) attributes.parentBeaconBlockRoot = fromRootHex(head.block);
  return {
    type: "payload_attributes",
    message: {
      version: chain.forkNameAtSlot(slot),
      data: {
        proposerIndex,
        proposalSlot: slot,
        parentBlockNumber: payload?.blockNumber ?? 0,
        parentBlockRoot: fromRootHex(head.block),
        parentBlockHash: payload?.blockHash ?? chain.executionHashOf(head.block),
        payloadAttributes: attributes as never,
      },
    },
  };
}

/** Event streams one node serves at once (each holds a connection and five listeners). */
export const MAX_EVENT_STREAMS = 512;

export function eventsDebugHandlers(
  ctx: ApiContext,
): Pick<
  BeaconApiBackend,
  "eventstream" | "getStateV2" | "getDebugChainHeadsV2" | "getDebugForkChoice" | "getDebugDataColumnSidecars"
> {
  const chain = ctx.chain;
  // each stream adds one listener per event name: Node's default of 10 would warn (MaxListenersExceededWarning)
  // at the 11th subscriber; streams are capped instead, and the emitters allow that many
  let open = 0;
  setMaxListeners(MAX_EVENT_STREAMS + 16, chain.emitter, ctx.emitter);
  return {
    eventstream({topics, signal, onEvent}) {
      // (the stream is already open: the error ends it at once with an ": error …" comment)
      if (open >= MAX_EVENT_STREAMS) {
        throw new ApiError(429, `Too many event streams open (at most ${MAX_EVENT_STREAMS}): close one and retry`);
      }
      open++;
      const wanted = new Set<EventType>(topics);
      const off: (() => void)[] = [];
      const send = (e: BeaconEvent | null): void => {
        if (e !== null && wanted.has(e.type)) onEvent(e);
      };
      const onHead = (e: HeadEvent): void => {
        if (wanted.has("head")) send(headEvent(ctx, e));
        if (wanted.has("payload_attributes")) {
          try {
            send(payloadAttributesEvent(ctx, e));
          } catch (err) {
            chain.logger.debug("payload_attributes event skipped", {error: (err as Error).message});
          }
        }
      };
      const onBlock = (e: {slot: number; block: string; executionOptimistic: boolean}): void =>
        send({type: "block", message: {...e, block: fromRootHex(e.block)}});
      const onFinalized = (e: {epoch: number; block: string; state: string; executionOptimistic: boolean}): void =>
        send({
          type: "finalized_checkpoint",
          message: {...e, block: fromRootHex(e.block), state: fromRootHex(e.state)},
        });
      const onReorg = (e: {
        slot: number;
        depth: number;
        oldHeadBlock: string;
        newHeadBlock: string;
        oldHeadState: string;
        newHeadState: string;
        epoch: number;
        executionOptimistic: boolean;
      }): void =>
        send({
          type: "chain_reorg",
          message: {
            ...e,
            oldHeadBlock: fromRootHex(e.oldHeadBlock),
            newHeadBlock: fromRootHex(e.newHeadBlock),
            oldHeadState: fromRootHex(e.oldHeadState),
            newHeadState: fromRootHex(e.newHeadState),
          },
        });
      chain.emitter.on("head", onHead);
      chain.emitter.on("block", onBlock);
      chain.emitter.on("finalized_checkpoint", onFinalized);
      chain.emitter.on("chain_reorg", onReorg);
      ctx.emitter.on("event", send);
      off.push(
        () => chain.emitter.off("head", onHead),
        () => chain.emitter.off("block", onBlock),
        () => chain.emitter.off("finalized_checkpoint", onFinalized),
        () => chain.emitter.off("chain_reorg", onReorg),
        () => ctx.emitter.off("event", send),
      );
      return new Promise<void>((resolve) => {
        const stop = (): void => {
          for (const f of off) f();
          open--;
          resolve();
        };
        if (signal.aborted) stop();
        else signal.addEventListener("abort", stop, {once: true});
      });
    },

    async getStateV2({stateId}) {
      const r = await ctx.resolveState(stateId);
      return {
        data: r.state.state.serialize(),
        version: chain.forkNameAtSlot(r.state.state.slot),
        executionOptimistic: r.executionOptimistic,
        finalized: r.finalized,
      };
    },

    async getDebugChainHeadsV2() {
      const nodes = chain.forkChoice.protoArray.nodes;
      const hasChild = new Set<number>();
      for (const n of nodes) if (n.parent !== undefined) hasChild.add(n.parent);
      const data = nodes
        .filter((_, i) => !hasChild.has(i))
        .map((n) => ({
          root: fromRootHex(n.blockRoot),
          slot: n.slot,
          executionOptimistic: n.executionStatus === "syncing",
        }));
      return {data};
    },

    async getDebugForkChoice() {
      const fc = chain.forkChoice;
      const cp = (c: {epoch: number; root: string}) => ({epoch: c.epoch, root: fromRootHex(c.root)});
      return {
        justifiedCheckpoint: cp(fc.justifiedCheckpoint),
        finalizedCheckpoint: cp(fc.finalizedCheckpoint),
        forkChoiceNodes: fc.protoArray.nodes.map((n) => ({
          slot: n.slot,
          blockRoot: fromRootHex(n.blockRoot),
          parentRoot: fromRootHex(n.parentRoot),
          justifiedEpoch: n.justifiedEpoch,
          finalizedEpoch: n.finalizedEpoch,
          weight: BigInt(n.weight),
          validity:
            n.executionStatus === "syncing" ? "optimistic" : n.executionStatus === "invalid" ? "invalid" : "valid",
          executionBlockHash: n.executionBlockHash === null ? new Uint8Array(32) : fromRootHex(n.executionBlockHash),
          extraData: {
            stateRoot: n.stateRoot,
            proposerIndex: n.proposerIndex,
            unrealizedJustifiedEpoch: n.unrealizedJustifiedEpoch,
            unrealizedFinalizedEpoch: n.unrealizedFinalizedEpoch,
            timely: n.timely,
          },
        })),
        extraData: {head: chain.head.blockRoot, headRoot: toRootHex(fromRootHex(chain.head.blockRoot))},
      };
    },

    async getDebugDataColumnSidecars({blockId, indices}) {
      const r = await ctx.resolveBlock(blockId);
      const want = new Set(indices ?? []);
      const all = await chain.db.dataColumnSidecars.getAll(fromRootHex(r.root));
      const data = all.map((s) => s.sidecar).filter((s) => want.size === 0 || want.has(s.index));
      return {data, version: r.fork, executionOptimistic: r.executionOptimistic, finalized: r.finalized};
    },
  };
}
