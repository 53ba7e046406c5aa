/**
 * Checks of the operations submitted to the Beacon API pool routes (POST /eth/v1/beacon/pool/{attester_slashings,
 * proposer_slashings,voluntary_exits,bls_to_execution_changes}) with their signatures verified through
 * `chain.bls` (the BLS worker pool), never on the main thread (issue 13).
 *
 * Each check runs the state-transition operation (phase0/capella/electra beacon-chain.md process_attester_slashing,
 * process_proposer_slashing, process_voluntary_exit, process_bls_to_execution_change) with signatures OFF on a copy
 * of the head state — every other condition, in the spec's order — and then verifies the operation's signature
 * sets, built on the head state as the operation would build them, in one `chain.bls` call. In each of these
 * functions the signature check comes after every other check except attester slashing's "some validator was
 * slashed", which is reported only after the signatures. A failure is a 400 with the message the operation
 * gives with signatures on (`Invalid <what>: <reason>`).
 */
import {ApiError} from "@ceibo/api";
import {
  AttesterSlashingError,
  type CachedBeaconState,
  getAttesterSlashingSignatureSets,
  getBlsToExecutionChangeSignatureSet,
  getProposerSlashingSignatureSets,
  getVoluntaryExitSignatureSet,
  type ProposerSlashing,
  processAttesterSlashing,
  processBlsToExecutionChange,
  processProposerSlashing,
  processVoluntaryExit,
  type SignatureSet,
  type SignedBLSToExecutionChange,
  type SignedVoluntaryExit,
} from "@ceibo/state-transition";
import type {ApiContext} from "./context.ts";

type AttesterSlashingArg = Parameters<typeof processAttesterSlashing>[1];

function invalid(what: string, reason: string): ApiError {
  return ApiError.badRequest(`Invalid ${what}: ${reason}`);
}

/** The operation applied to a copy of the head state with signatures off; returns the (unmodified) head state. */
function checkWithoutSignatures(
  ctx: ApiContext,
  what: string,
  apply: (cs: CachedBeaconState) => void,
  deferred?: (e: unknown) => boolean,
): {head: CachedBeaconState; deferredError: Error | null} {
  const head = ctx.chain.getHeadState();
  const copy = head.clone();
  try {
    apply(copy);
  } catch (e) {
    if (deferred?.(e)) return {head, deferredError: e as Error};
    throw invalid(what, (e as Error).message);
  }
  return {head, deferredError: null};
}

/** Sets built by `build` (a build failure counts as an invalid signature) verified in one chain.bls call. */
async function verifySets(
  ctx: ApiContext,
  build: () => SignatureSet[],
  opts: {batchable?: boolean} = {},
): Promise<boolean> {
  let sets: SignatureSet[];
  try {
    sets = build();
  } catch {
    return false; // e.g. a public key that is not a valid point: the signature cannot verify
  }
  return ctx.chain.bls.verifySignatureSets(sets, opts);
}

/** POST /eth/v1/beacon/pool/voluntary_exits. */
export async function validateVoluntaryExitOnHead(ctx: ApiContext, exit: SignedVoluntaryExit): Promise<void> {
  const what = "voluntary exit";
  const {head} = checkWithoutSignatures(ctx, what, (cs) => processVoluntaryExit(cs, exit, false));
  if (!(await verifySets(ctx, () => [getVoluntaryExitSignatureSet(head, exit)]))) {
    throw invalid(what, `voluntary exit: invalid signature of validator ${exit.message.validatorIndex}`);
  }
}

/** POST /eth/v1/beacon/pool/proposer_slashings: both headers' signatures in one call. */
export async function validateProposerSlashingOnHead(ctx: ApiContext, slashing: ProposerSlashing): Promise<void> {
  const what = "proposer slashing";
  const {head} = checkWithoutSignatures(ctx, what, (cs) => processProposerSlashing(cs, slashing, false));
  if (!(await verifySets(ctx, () => getProposerSlashingSignatureSets(head, slashing)))) {
    const index = slashing.signedHeader1.message.proposerIndex;
    throw invalid(what, `proposer slashing: invalid header signature of validator ${index}`);
  }
}

/**
 * POST /eth/v2/beacon/pool/attester_slashings: both indexed attestations' signatures in one call; when it fails,
 * attestation 1 alone tells which one to name (the spec checks attestation 1 first).
 */
export async function validateAttesterSlashingOnHead(ctx: ApiContext, slashing: AttesterSlashingArg): Promise<void> {
  const what = "attester slashing";
  const {head, deferredError} = checkWithoutSignatures(
    ctx,
    what,
    (cs) => processAttesterSlashing(cs, slashing, false),
    // "no validator was slashed" comes after the signature checks in process_attester_slashing
    (e) => e instanceof AttesterSlashingError && e.type.code === "NO_VALIDATOR_SLASHED",
  );
  let sets: SignatureSet[];
  try {
    sets = getAttesterSlashingSignatureSets(head, slashing);
  } catch (e) {
    throw invalid(what, (e as Error).message);
  }
  if (!(await ctx.chain.bls.verifySignatureSets(sets))) {
    const bad = (await ctx.chain.bls.verifySignatureSets([sets[0]])) ? 2 : 1;
    throw invalid(what, `attester slashing: attestation ${bad} is not a valid indexed attestation`);
  }
  if (deferredError !== null) throw invalid(what, deferredError.message);
}

/**
 * POST /eth/v1/beacon/pool/bls_to_execution_changes: each change checked on its own copy of the head state, the
 * signatures of all of them verified together (batchable calls: one worker batch; a failed batch is verified
 * change by change by the pool). Resolves with the reason of each change that failed (null = valid), in order.
 */
export async function validateBlsToExecutionChangesOnHead(
  ctx: ApiContext,
  changes: readonly SignedBLSToExecutionChange[],
): Promise<(string | null)[]> {
  const what = "BLS to execution change";
  return Promise.all(
    changes.map(async (change) => {
      let head: CachedBeaconState;
      try {
        head = checkWithoutSignatures(ctx, what, (cs) => processBlsToExecutionChange(cs, change, false)).head;
      } catch (e) {
        return (e as Error).message;
      }
      const ok = await verifySets(ctx, () => [getBlsToExecutionChangeSignatureSet(head, change)], {batchable: true});
      return ok
        ? null
        : invalid(what, `BLS to execution change: invalid signature for validator ${change.message.validatorIndex}`)
            .message;
    }),
  );
}
