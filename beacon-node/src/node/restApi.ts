/**
 * The Beacon API server of the node: the routes of @ceibo/api (defined once there) over the chain. Only the routes
 * listed in IMPLEMENTED_ROUTES are registered; every other path answers 404 until its handler exists.
 */
import {readFileSync} from "node:fs";
import {ApiError, type BeaconApiBackend, type BeaconEvent, createBeaconApiServer, type StateId} from "@ceibo/api";
import type {CheckpointHex, RootHex} from "@ceibo/fork-choice";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import type {CachedBeaconState} from "@ceibo/state-transition";
import type {FastifyInstance} from "fastify";
import type {ChainEvents} from "../chain/events.ts";
import {type BeaconChain, fromRootHex} from "../chain/index.ts";

export const IMPLEMENTED_ROUTES = [
  "getGenesis",
  "getStateFinalityCheckpoints",
  "getNodeVersion",
  "getSyncingStatus",
  "getHealth",
  "eventstream",
] as const;
type Implemented = (typeof IMPLEMENTED_ROUTES)[number];

const CHAIN_TOPICS = ["head", "block", "finalized_checkpoint", "chain_reorg"] as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {version: string};
  return `ceibo/v${pkg.version}`;
}

/** The handlers of the implemented routes. */
export function createRestBackend(chain: BeaconChain): Pick<BeaconApiBackend, Implemented> {
  const stateOf = (stateId: StateId): {state: CachedBeaconState; root: RootHex; finalized: boolean} => {
    let root: RootHex;
    if (stateId === "head") root = chain.head.blockRoot;
    else if (stateId === "finalized") root = chain.finalizedCheckpoint.root;
    else if (stateId === "justified") root = chain.justifiedCheckpoint.root;
    else throw new ApiError(404, `state ${String(stateId)} is not served yet (only head, finalized, justified)`);
    return {state: chain.getBlockState(root), root, finalized: stateId === "finalized"};
  };
  const optimistic = (root: RootHex): boolean => chain.forkChoice.getBlock(root)?.executionStatus === "syncing";
  const headSyncing = (): boolean => chain.clock.currentSlot > chain.head.slot + SLOTS_PER_EPOCH;

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
    async getStateFinalityCheckpoints({stateId}) {
      const {state, root, finalized} = stateOf(stateId);
      const s = state.state;
      return {
        data: {
          previousJustified: s.previousJustifiedCheckpoint.toValue(),
          currentJustified: s.currentJustifiedCheckpoint.toValue(),
          finalized: s.finalizedCheckpoint.toValue(),
        },
        executionOptimistic: optimistic(root),
        finalized,
      };
    },
    async getNodeVersion() {
      return {data: {version: version()}};
    },
    async getSyncingStatus() {
      const headSlot = chain.head.slot;
      return {
        data: {
          headSlot,
          syncDistance: Math.max(0, chain.clock.currentSlot - headSlot),
          isSyncing: headSyncing(),
          isOptimistic: chain.head.executionStatus === "syncing",
          elOffline: chain.elStatus === "ERROR",
        },
      };
    },
    async getHealth() {
      return headSyncing() ? "syncing" : "ready";
    },
    eventstream({topics, signal, onEvent}) {
      const off: (() => void)[] = [];
      const on = <K extends keyof ChainEvents>(name: K, listener: (...args: ChainEvents[K]) => void): void => {
        chain.emitter.on(name, listener as never);
        off.push(() => chain.emitter.off(name, listener as never));
      };
      for (const topic of topics) {
        if (!(CHAIN_TOPICS as readonly string[]).includes(topic)) continue;
        if (topic === "head") {
          on("head", (e) => {
            const epoch = Math.floor(e.slot / SLOTS_PER_EPOCH);
            onEvent({
              type: "head",
              message: {
                slot: e.slot,
                block: fromRootHex(e.block),
                state: fromRootHex(e.state),
                epochTransition: e.epochTransition,
                previousDutyDependentRoot: dependentRoot(chain, e.block, epoch - 1),
                currentDutyDependentRoot: dependentRoot(chain, e.block, epoch),
                executionOptimistic: e.executionOptimistic,
              },
            } as BeaconEvent);
          });
        } else if (topic === "block") {
          on("block", (e) => {
            onEvent({type: "block", message: {...e, block: fromRootHex(e.block)}});
          });
        } else if (topic === "finalized_checkpoint") {
          on("finalized_checkpoint", (e) => {
            onEvent({
              type: "finalized_checkpoint",
              message: {...e, block: fromRootHex(e.block), state: fromRootHex(e.state)},
            });
          });
        } else if (topic === "chain_reorg") {
          on("chain_reorg", (e) => {
            onEvent({
              type: "chain_reorg",
              message: {
                ...e,
                oldHeadBlock: fromRootHex(e.oldHeadBlock),
                newHeadBlock: fromRootHex(e.newHeadBlock),
                oldHeadState: fromRootHex(e.oldHeadState),
                newHeadState: fromRootHex(e.newHeadState),
              },
            });
          });
        }
      }
      return new Promise<void>((resolve) => {
        const stop = (): void => {
          for (const f of off) f();
          resolve();
        };
        if (signal.aborted) stop();
        else signal.addEventListener("abort", stop, {once: true});
      });
    },
  };
}

/**
 * The duty dependent root of `epoch` on the chain of `root`: the block root at the last slot of the epoch before
 * (beacon-APIs eventstream `head`); the genesis block for epochs 0 and -1.
 */
function dependentRoot(chain: BeaconChain, root: RootHex, epoch: number): Uint8Array {
  const slot = epoch * SLOTS_PER_EPOCH - 1;
  let cp: CheckpointHex | null = null;
  try {
    if (slot >= 0) cp = {epoch, root: chain.forkChoice.getAncestor(root, slot).blockRoot};
  } catch {
    cp = null;
  }
  return fromRootHex(cp?.root ?? chain.finalizedCheckpoint.root);
}

/** Starts the server on `address:port` (port 0: any free port); resolves to the server and its URL. */
export async function startRestApi(
  chain: BeaconChain,
  opts: {address: string; port: number},
): Promise<{server: FastifyInstance; url: string}> {
  const implemented = new Set<string>(IMPLEMENTED_ROUTES);
  const backend = createRestBackend(chain) as unknown as BeaconApiBackend;
  const server = createBeaconApiServer(backend, {exclude: (operationId) => !implemented.has(operationId)});
  const url = await server.listen({host: opts.address, port: opts.port});
  return {server, url};
}
