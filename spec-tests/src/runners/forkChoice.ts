import {createRequire} from "node:module";
import type {ChainConfig} from "@ceibo/config";
import {
  type AttesterSlashingLike,
  type ExecutionStatus,
  ForkChoice,
  getProposerHead,
  isDataAvailableDeneb,
  isDataAvailableFulu,
  type KzgVerifier,
  type PowBlock,
  toRootHex,
  validateMergeBlock,
} from "@ceibo/fork-choice";
import {type ForkName, ForkSeq} from "@ceibo/params";
import {
  type AttestationAllForks,
  type BeaconBlockAllForks,
  type DataColumnSidecarLike,
  isMergeTransitionBlock,
  type SignedBeaconBlockAllForks,
  stateTransition,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {fromHex} from "@ceibo/utils";
import {FORK_CHOICE_HANDLERS} from "../handlers.ts";
import {caseFork, loadCachedState, testChainConfig} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";
import {field, toNumber} from "../util/yaml.ts";

/**
 * fork_choice/<handler> (tests/formats/fork_choice at a08d8a6) and sync/optimistic (tests/formats/sync): build the
 * store from anchor_state + anchor_block, run steps.yaml in order, check the store at every `checks` step.
 *
 * A block step runs what on_block runs (the fork-choice checks, is_data_available on the step's blobs/proofs or
 * column sidecars, validate_merge_block on the step's PoW blocks, the full state_transition with signatures as
 * bls_setting says) and then, for a valid block, on_attestation for each of its attestations and
 * on_attester_slashing for each of its attester slashings (the generator's add_block).
 */
export function forkChoiceHandler(handler: string): (tc: TestCase) => Promise<void> {
  if (!(FORK_CHOICE_HANDLERS as readonly string[]).includes(handler))
    throw Error(`fork_choice: unknown handler ${handler}`);
  return (tc) => runForkChoiceCase(tc, false);
}

/** sync/optimistic: the fork-choice format plus payload statuses from a mock execution engine. */
export function syncHandler(handler: string): (tc: TestCase) => Promise<void> {
  if (handler !== "optimistic") throw Error(`sync: unknown handler ${handler}`);
  return (tc) => runForkChoiceCase(tc, true);
}

type Step = Record<string, unknown>;

interface PayloadStatus {
  status: string;
  latestValidHash: string | null;
}

interface Ctx {
  tc: TestCase;
  fork: ForkName;
  config: ChainConfig;
  fc: ForkChoice;
  verifySignatures: boolean;
  powBlocks: Map<string, PowBlock>;
  payloadStatuses: Map<string, PayloadStatus>;
  optimistic: boolean;
}

async function runForkChoiceCase(tc: TestCase, optimistic: boolean): Promise<void> {
  const fork = caseFork(tc);
  const config = testChainConfig(fork);
  const anchorState = loadCachedState(tc, "anchor_state", fork, config);
  const anchorBlock = ssz[fork].BeaconBlock.deserialize(tc.readSsz("anchor_block")) as BeaconBlockAllForks;
  // prune at every finalization: the spec never prunes, so this also checks that pruning changes no outcome
  const fc = ForkChoice.fromAnchor(anchorState, anchorBlock, {pruneThreshold: 0});
  const ctx: Ctx = {
    tc,
    fork,
    config,
    fc,
    verifySignatures: tc.blsSetting() !== 2,
    powBlocks: new Map(),
    payloadStatuses: new Map(),
    optimistic,
  };
  const steps = tc.readYaml("steps");
  if (!Array.isArray(steps)) throw Error("steps.yaml is not a list");
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    try {
      await runStep(ctx, step);
    } catch (e) {
      throw Error(`step ${i} ${JSON.stringify(step, bigintReplacer).slice(0, 160)}: ${(e as Error).message}`);
    }
  }
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

async function runStep(ctx: Ctx, step: Step): Promise<void> {
  const valid = step.valid === undefined ? true : step.valid;
  if (typeof valid !== "boolean") throw Error(`"valid" is not a boolean`);
  if ("checks" in step) return runChecks(ctx, field(step, "checks") as Step);
  if ("pow_block" in step) {
    const name = String(step.pow_block);
    const pow = ssz.bellatrix.PowBlock.deserialize(ctx.tc.readSsz(name));
    ctx.powBlocks.set(toRootHex(pow.blockHash), pow);
    return;
  }
  if ("block_hash" in step) {
    const status = field(step, "payload_status") as Step;
    const lvh = status.latest_valid_hash;
    ctx.payloadStatuses.set(String(step.block_hash).toLowerCase(), {
      status: String(field(status, "status")),
      latestValidHash: lvh === null || lvh === undefined ? null : String(lvh).toLowerCase(),
    });
    return;
  }
  let apply: () => void | Promise<void>;
  if ("tick" in step) {
    const time = toNumber(step.tick, "tick");
    apply = () => ctx.fc.onTick(time);
  } else if ("block" in step) {
    apply = () => applyBlockStep(ctx, step);
  } else if ("attestation" in step) {
    const attestation = ssz[ctx.fork].Attestation.deserialize(
      ctx.tc.readSsz(String(step.attestation)),
    ) as AttestationAllForks;
    apply = () => ctx.fc.onAttestation(attestation, false, {verifySignature: ctx.verifySignatures});
  } else if ("attester_slashing" in step) {
    const slashing = ssz[ctx.fork].AttesterSlashing.deserialize(
      ctx.tc.readSsz(String(step.attester_slashing)),
    ) as AttesterSlashingLike;
    apply = () => ctx.fc.onAttesterSlashing(slashing, {verifySignature: ctx.verifySignatures});
  } else {
    throw Error(`unknown step kind: ${Object.keys(step).join(", ")}`);
  }
  let error: Error | null = null;
  try {
    await apply();
  } catch (e) {
    error = e as Error;
  }
  if (valid && error !== null) throw Error(`a valid step failed: ${error.message}`);
  if (!valid && error === null) throw Error("an invalid step was accepted");
}

async function applyBlockStep(ctx: Ctx, step: Step): Promise<void> {
  const {fc, fork, config} = ctx;
  const signed = ssz[fork].SignedBeaconBlock.deserialize(
    ctx.tc.readSsz(String(step.block)),
  ) as SignedBeaconBlockAllForks;
  const block = signed.message;
  const blockRoot = (
    ssz[fork].BeaconBlock as unknown as {hashTreeRoot(b: BeaconBlockAllForks): Uint8Array}
  ).hashTreeRoot(block);
  const rootHex = toRootHex(blockRoot);
  if (!fc.hasBlock(rootHex)) {
    fc.checkBlock(block, rootHex);
    const dataAvailable = await isDataAvailable(ctx, step, block);
    const parentState = fc.states.getBlockState(toRootHex(block.parentRoot));
    if (parentState === undefined) throw Error("no state for the parent block");
    if (parentState.fork === ForkSeq.bellatrix && isMergeTransitionBlock(parentState, block.body)) {
      validateMergeBlock(config, block as Parameters<typeof validateMergeBlock>[1], (hash) => {
        return ctx.powBlocks.get(toRootHex(hash)) ?? null;
      });
    }
    const executionStatus = ctx.optimistic ? payloadVerdict(ctx, block) : undefined;
    const post = stateTransition(parentState, signed, {verifySignatures: ctx.verifySignatures});
    fc.onBlock(block, post, {blockRoot, dataAvailable, executionStatus});
  }
  // add_block: a block step implies receiving the block's attestations and attester slashings
  const body = block.body as {attestations: AttestationAllForks[]; attesterSlashings: AttesterSlashingLike[]};
  for (const attestation of body.attestations) {
    fc.onAttestation(attestation, true, {verifySignature: ctx.verifySignatures});
  }
  for (const slashing of body.attesterSlashings) {
    fc.onAttesterSlashing(slashing, {verifySignature: ctx.verifySignatures});
  }
}

/**
 * sync/optimistic: the mock engine's payload status for the block (set by an earlier on_payload_info step). An
 * INVALID status with a latest valid hash invalidates the block's ancestors back to that payload.
 */
function payloadVerdict(ctx: Ctx, block: BeaconBlockAllForks): ExecutionStatus | undefined {
  const payload = (block.body as {executionPayload?: {blockHash: Uint8Array}}).executionPayload;
  if (payload === undefined) return undefined;
  const status = ctx.payloadStatuses.get(toRootHex(payload.blockHash));
  if (status === undefined) return "valid";
  switch (status.status) {
    case "VALID":
      return "valid";
    case "SYNCING":
    case "ACCEPTED":
      return "syncing";
    case "INVALID":
      ctx.fc.onExecutionInvalid(toRootHex(block.parentRoot), status.latestValidHash);
      return "invalid";
    case "INVALID_BLOCK_HASH":
      return "invalid";
    default:
      throw Error(`unknown payload status ${status.status}`);
  }
}

/**
 * is_data_available with retrieve_blobs_and_proofs / retrieve_column_sidecars mocked by the step: deneb/electra
 * `blobs` + `proofs` (absent = empty lists); fulu `columns` (absent = no sidecars, an empty list = retrieval fails).
 */
async function isDataAvailable(ctx: Ctx, step: Step, block: BeaconBlockAllForks): Promise<boolean> {
  const seq = ForkSeq[ctx.fork];
  if (seq < ForkSeq.deneb) return true;
  if (seq >= ForkSeq.fulu) {
    if (step.columns === undefined) return true;
    if (!Array.isArray(step.columns)) throw Error("columns is not a list");
    if (step.columns.length === 0) return false; // "not all required columns have been sampled"
    const sidecars = step.columns.map(
      (name) => ssz.fulu.DataColumnSidecar.deserialize(ctx.tc.readSsz(String(name))) as DataColumnSidecarLike,
    );
    return isDataAvailableFulu(ctx.config, await kzg(), sidecars);
  }
  const commitments = (block.body as {blobKzgCommitments: Uint8Array[]}).blobKzgCommitments;
  const blobs = step.blobs === undefined ? [] : ssz.deneb.Blobs.deserialize(ctx.tc.readSsz(String(step.blobs)));
  if (step.proofs !== undefined && !Array.isArray(step.proofs)) throw Error("proofs is not a list");
  const proofs = ((step.proofs as unknown[] | undefined) ?? []).map((p) => fromHex(String(p), "blob proof"));
  const needsKzg = blobs.length > 0 && blobs.length === commitments.length && proofs.length === commitments.length;
  return isDataAvailableDeneb(needsKzg ? await kzg() : NO_KZG, commitments, blobs, proofs);
}

const NO_KZG: KzgVerifier = {
  verifyBlobKzgProofBatch: () => {
    throw Error("KZG is not loaded");
  },
  verifyCellKzgProofBatch: () => {
    throw Error("KZG is not loaded");
  },
};

let kzgInstance: Promise<KzgVerifier> | null = null;

/** c-kzg with its bundled mainnet trusted setup (the one the vectors use), loaded once per process (~5 s). */
function kzg(): Promise<KzgVerifier> {
  kzgInstance ??= (async () => {
    const lib = createRequire(import.meta.url)("c-kzg") as KzgVerifier & {loadTrustedSetup(precompute: number): void};
    lib.loadTrustedSetup(0);
    return lib;
  })();
  return kzgInstance;
}

function runChecks(ctx: Ctx, checks: Step): void {
  const {fc} = ctx;
  for (const [key, expected] of Object.entries(checks)) {
    switch (key) {
      case "head": {
        const head = fc.getHead();
        const slot = toNumber(field(expected, "slot", "head"), "head.slot");
        const root = String(field(expected, "root", "head")).toLowerCase();
        if (head.blockRoot !== root || head.slot !== slot) {
          throw Error(`head: expected slot ${slot} ${root}, got slot ${head.slot} ${head.blockRoot}`);
        }
        break;
      }
      case "time":
        expectEqual("time", fc.time, toNumber(expected, "time"));
        break;
      case "genesis_time":
        expectEqual("genesis_time", fc.genesisTime, toNumber(expected, "genesis_time"));
        break;
      case "justified_checkpoint":
        expectCheckpoint("justified_checkpoint", fc.justifiedCheckpoint, expected);
        break;
      case "finalized_checkpoint":
        expectCheckpoint("finalized_checkpoint", fc.finalizedCheckpoint, expected);
        break;
      case "proposer_boost_root":
        expectEqual(
          "proposer_boost_root",
          fc.proposerBoostRoot ?? `0x${"00".repeat(32)}`,
          String(expected).toLowerCase(),
        );
        break;
      case "viable_for_head_roots_and_weights": {
        if (!Array.isArray(expected)) throw Error("viable_for_head_roots_and_weights is not a list");
        const want = expected
          .map((e) => `${String(field(e, "root")).toLowerCase()}:${toNumber(field(e, "weight"), "weight")}`)
          .sort();
        const got = fc
          .getViableLeaves()
          .map((l) => `${l.root}:${l.weight}`)
          .sort();
        expectEqual("viable_for_head_roots_and_weights", got.join(","), want.join(","));
        break;
      }
      case "get_proposer_head": {
        const head = fc.getHead();
        const proposerHead = getProposerHead(fc, head.blockRoot, fc.currentSlot);
        expectEqual("get_proposer_head", proposerHead.blockRoot, String(expected).toLowerCase());
        break;
      }
      default:
        throw Error(`check "${key}" is not supported by this runner`);
    }
  }
}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

function expectCheckpoint(what: string, actual: {epoch: number; root: string}, expected: unknown): void {
  const epoch = toNumber(field(expected, "epoch", what), `${what}.epoch`);
  const root = String(field(expected, "root", what)).toLowerCase();
  if (actual.epoch !== epoch || actual.root !== root) {
    throw Error(`${what}: expected ${epoch}/${root}, got ${actual.epoch}/${actual.root}`);
  }
}
