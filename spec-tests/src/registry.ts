import type {CaseFn} from "./caseFn.ts";
import {
  BLS_HANDLERS,
  EPOCH_PROCESSING_HANDLERS,
  FORK_CHOICE_HANDLERS,
  KZG_HANDLERS,
  OPERATIONS_HANDLERS,
  SSZ_GENERIC_HANDLERS,
} from "./handlers.ts";

export type {CaseFn} from "./caseFn.ts";
export {
  BLS_HANDLERS,
  EPOCH_PROCESSING_HANDLERS,
  FORK_CHOICE_HANDLERS,
  KZG_HANDLERS,
  OPERATIONS_HANDLERS,
  SSZ_GENERIC_HANDLERS,
} from "./handlers.ts";

export interface RunnerDef {
  /** Handler names this runner knows, or "any" when the handler name is data (e.g. an SSZ type name). */
  handlers: readonly string[] | "any";
  /**
   * Loads the case function of a handler. Lazy, so that a runner whose module fails to load (e.g. a package it
   * needs is broken) fails only its own cases, and the parent process loads nothing.
   */
  load(handler: string): Promise<CaseFn>;
}

export type Registry = Readonly<Record<string, RunnerDef>>;

export type Resolved = {ok: true; runner: RunnerDef} | {ok: false; error: string};

/** Unknown runners and unknown handlers of known runners are errors: nothing is silently uncovered. */
export function resolveHandler(registry: Registry, runner: string, handler: string): Resolved {
  const def = Object.hasOwn(registry, runner) ? registry[runner] : undefined;
  if (def === undefined) return {ok: false, error: `no runner for "${runner}/${handler}" (unknown runner "${runner}")`};
  if (def.handlers !== "any" && !def.handlers.includes(handler)) {
    return {ok: false, error: `no runner for "${runner}/${handler}" (runner "${runner}" has no handler "${handler}")`};
  }
  return {ok: true, runner: def};
}

/** A known runner whose cases are not implemented yet: every case throws (skip.yaml says why they are skipped). */
export function notImplemented(what: string, handlers: readonly string[] | "any" = "any"): RunnerDef {
  return {
    handlers,
    load: async (handler) => () => {
      throw Error(`${what}/${handler}: not implemented`);
    },
  };
}

/** Caches `load` per handler so a module is imported once per process. */
export function cachedLoader(load: (handler: string) => Promise<CaseFn>): (handler: string) => Promise<CaseFn> {
  const cache = new Map<string, Promise<CaseFn>>();
  return (handler) => {
    let p = cache.get(handler);
    if (p === undefined) {
      p = load(handler);
      cache.set(handler, p);
    }
    return p;
  };
}

/** Every runner of the consensus spec tests that ceibo knows. */
export const defaultRegistry: Registry = {
  ssz_static: {
    handlers: "any",
    load: cachedLoader(async () => (await import("./runners/sszStatic.ts")).runSszStatic),
  },
  shuffling: {
    handlers: ["core"],
    load: cachedLoader(async () => (await import("./runners/shuffling.ts")).runShuffling),
  },
  bls: {
    handlers: BLS_HANDLERS,
    load: cachedLoader(async (handler) => (await import("./runners/bls.ts")).blsHandler(handler)),
  },
  ssz_generic: {
    handlers: SSZ_GENERIC_HANDLERS,
    load: cachedLoader(async (handler) => (await import("./runners/sszGeneric.ts")).sszGenericHandler(handler)),
  },
  kzg: notImplemented("kzg", KZG_HANDLERS),

  // state transition (issue #3) and fork choice (issue #4): known, not implemented, skipped in skip.yaml
  operations: {
    handlers: OPERATIONS_HANDLERS,
    load: cachedLoader(async (handler) => (await import("./runners/operations.ts")).operationsHandler(handler)),
  },
  epoch_processing: {
    handlers: EPOCH_PROCESSING_HANDLERS,
    load: cachedLoader(async (handler) =>
      (await import("./runners/epochProcessing.ts")).epochProcessingHandler(handler),
    ),
  },
  sanity: {
    handlers: ["blocks", "slots"],
    load: cachedLoader(async (handler) => (await import("./runners/sanity.ts")).sanityHandler(handler)),
  },
  finality: {
    handlers: ["finality"],
    load: cachedLoader(async () => (await import("./runners/finality.ts")).runFinality),
  },
  fork: {
    handlers: ["fork"],
    load: cachedLoader(async () => (await import("./runners/fork.ts")).runFork),
  },
  transition: {
    handlers: ["core"],
    load: cachedLoader(async () => (await import("./runners/transition.ts")).runTransition),
  },
  random: {
    handlers: ["random"],
    load: cachedLoader(async () => (await import("./runners/random.ts")).runRandom),
  },
  rewards: {
    handlers: ["basic", "leak", "random", "inactivity_scores"],
    load: cachedLoader(async () => (await import("./runners/rewards.ts")).runRewards),
  },
  genesis: {
    handlers: ["initialization", "validity"],
    load: cachedLoader(async (handler) => (await import("./runners/genesis.ts")).genesisHandler(handler)),
  },
  fork_choice: {
    handlers: FORK_CHOICE_HANDLERS,
    load: cachedLoader(async (handler) => (await import("./runners/forkChoice.ts")).forkChoiceHandler(handler)),
  },
  light_client: {
    handlers: ["single_merkle_proof", "sync", "data_collection", "update_ranking"],
    load: cachedLoader(async (handler) => {
      if (handler === "single_merkle_proof") return (await import("./runners/merkleProof.ts")).runSingleMerkleProof;
      if (handler === "sync") return (await import("./runners/lightClientSync.ts")).runLightClientSync;
      if (handler === "data_collection") {
        return (await import("./runners/lightClientDataCollection.ts")).runLightClientDataCollection;
      }
      return notImplemented("light_client").load(handler);
    }),
  },
  merkle_proof: {
    handlers: ["single_merkle_proof"],
    load: cachedLoader(async () => (await import("./runners/merkleProof.ts")).runSingleMerkleProof),
  },
  sync: {
    handlers: ["optimistic"],
    load: cachedLoader(async (handler) => (await import("./runners/forkChoice.ts")).syncHandler(handler)),
  },
};
