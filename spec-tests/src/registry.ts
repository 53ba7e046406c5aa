import type {TestCase} from "./util/testCase.ts";

/** Runs one case; throws (with a one-line reason first) when the case fails. */
export type CaseFn = (testCase: TestCase) => void | Promise<void>;

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

export const BLS_HANDLERS = [
  "sign",
  "verify",
  "aggregate",
  "fast_aggregate_verify",
  "aggregate_verify",
  "eth_aggregate_pubkeys",
  "eth_fast_aggregate_verify",
  "batch_verify",
] as const;

export const SSZ_GENERIC_HANDLERS = [
  "basic_vector",
  "bitlist",
  "bitvector",
  "boolean",
  "containers",
  "uints",
  "basic_progressive_list",
  "progressive_bitlist",
  "progressive_containers",
  "compatible_unions",
] as const;

export const KZG_HANDLERS = [
  // deneb (EIP-4844)
  "blob_to_kzg_commitment",
  "compute_kzg_proof",
  "verify_kzg_proof",
  "compute_blob_kzg_proof",
  "verify_blob_kzg_proof",
  "verify_blob_kzg_proof_batch",
  // fulu (EIP-7594)
  "compute_cells",
  "compute_cells_and_kzg_proofs",
  "verify_cell_kzg_proof_batch",
  "recover_cells_and_kzg_proofs",
  "compute_verify_cell_kzg_proof_batch_challenge",
] as const;

/** tests/formats/operations handlers up to fulu (spec-tests/src/runners/operations.ts implements each). */
export const OPERATIONS_HANDLERS = [
  "attestation",
  "attester_slashing",
  "block_header",
  "deposit",
  "proposer_slashing",
  "voluntary_exit",
  "sync_aggregate",
  "execution_payload",
  "withdrawals",
  "bls_to_execution_change",
  "deposit_request",
  "withdrawal_request",
  "consolidation_request",
] as const;

export const EPOCH_PROCESSING_HANDLERS = [
  "justification_and_finalization",
  "inactivity_updates",
  "rewards_and_penalties",
  "registry_updates",
  "slashings",
  "eth1_data_reset",
  "pending_deposits",
  "pending_consolidations",
  "effective_balance_updates",
  "slashings_reset",
  "randao_mixes_reset",
  "historical_roots_update",
  "historical_summaries_update",
  "participation_record_updates",
  "participation_flag_updates",
  "sync_committee_updates",
  "proposer_lookahead",
] as const;

/** fork_choice handlers at a08d8a6, phase0 … fulu (spec-tests/src/runners/forkChoice.ts runs each). */
export const FORK_CHOICE_HANDLERS = [
  "get_head",
  "on_block",
  "ex_ante",
  "reorg",
  "withholding",
  "get_proposer_head",
  "on_merge_block",
  "deposit_with_reorg",
] as const;

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
