import {ForkSeq, MAX_DEPOSITS} from "@ceibo/params";
import type {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {BlockBodyError} from "../errors.ts";
import type {AttesterSlashingLike} from "../signatureSets/attesterSlashing.ts";
import type {SignedBLSToExecutionChange} from "../signatureSets/blsToExecutionChange.ts";
import type {AttestationAllForks, BeaconBlockBodyAllForks, BeaconStatePostElectra} from "../types.ts";
import {processAttestation} from "./processAttestation.ts";
import {processAttesterSlashing} from "./processAttesterSlashing.ts";
import {processBlsToExecutionChange} from "./processBlsToExecutionChange.ts";
import {processConsolidationRequest} from "./processConsolidationRequest.ts";
import {processDeposit} from "./processDeposit.ts";
import {processDepositRequest} from "./processDepositRequest.ts";
import {processProposerSlashing} from "./processProposerSlashing.ts";
import {processVoluntaryExit} from "./processVoluntaryExit.ts";
import {processWithdrawalRequest} from "./processWithdrawalRequest.ts";

type ExecutionRequests = ValueOf<typeof ssz.electra.ExecutionRequests>;

/** The number of eth1 deposits a block must include (phase0 / electra; fulu: none). */
function expectedDepositCount(cs: CachedBeaconState): number {
  const state = cs.state;
  if (cs.fork >= ForkSeq.fulu) return 0;
  if (cs.fork >= ForkSeq.electra) {
    // the former deposit mechanism stops once every deposit before deposit_requests_start_index is processed
    const startIndex = (state as BeaconStatePostElectra).depositRequestsStartIndex;
    const depositCount = BigInt(state.eth1Data.depositCount);
    const limit = Number(depositCount < startIndex ? depositCount : startIndex);
    if (state.eth1DepositIndex < limit) return Math.min(MAX_DEPOSITS, limit - state.eth1DepositIndex);
    return 0;
  }
  return Math.min(MAX_DEPOSITS, state.eth1Data.depositCount - state.eth1DepositIndex);
}

/**
 * phase0 / capella / electra / fulu process_operations
 * Spec: `process_operations` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/beacon-chain.md#modified-process_operations (phase0; modified in capella, electra, fulu)
 */
export function processOperations(cs: CachedBeaconState, body: BeaconBlockBodyAllForks, verifySignatures = true): void {
  const expectedDeposits = expectedDepositCount(cs);
  if (body.deposits.length !== expectedDeposits) {
    throw new BlockBodyError(
      {code: "DEPOSIT_COUNT_MISMATCH", count: body.deposits.length, expected: expectedDeposits},
      `block has ${body.deposits.length} deposits, expected ${expectedDeposits}`,
    );
  }
  if (cs.rewardsSink !== null) cs.rewardsSink.slashingSource = "proposer";
  for (const op of body.proposerSlashings) processProposerSlashing(cs, op, verifySignatures);
  if (cs.rewardsSink !== null) cs.rewardsSink.slashingSource = "attester";
  for (const op of body.attesterSlashings as AttesterSlashingLike[]) processAttesterSlashing(cs, op, verifySignatures);
  for (const op of body.attestations as AttestationAllForks[]) processAttestation(cs, op, verifySignatures);
  for (const op of body.deposits) processDeposit(cs, op);
  for (const op of body.voluntaryExits) processVoluntaryExit(cs, op, verifySignatures);
  if (cs.fork >= ForkSeq.capella) {
    const changes = (body as {blsToExecutionChanges: SignedBLSToExecutionChange[]}).blsToExecutionChanges;
    for (const op of changes) processBlsToExecutionChange(cs, op, verifySignatures);
  }
  if (cs.fork >= ForkSeq.electra) {
    const requests = (body as {executionRequests: ExecutionRequests}).executionRequests;
    for (const op of requests.deposits) processDepositRequest(cs, op);
    for (const op of requests.withdrawals) processWithdrawalRequest(cs, op);
    for (const op of requests.consolidations) processConsolidationRequest(cs, op);
  }
}
