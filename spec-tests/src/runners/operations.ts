import type {ForkName} from "@ceibo/params";
import {
  type CachedBeaconState,
  processAttestation,
  processAttesterSlashing,
  processBlockHeader,
  processBlsToExecutionChange,
  processConsolidationRequest,
  processDeposit,
  processDepositRequest,
  processExecutionPayload,
  processProposerSlashing,
  processSyncAggregate,
  processVoluntaryExit,
  processWithdrawalRequest,
  processWithdrawals,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {CaseFn} from "../caseFn.ts";
import type {OPERATIONS_HANDLERS} from "../handlers.ts";
import {caseFork, expectInvalid, expectStateEqual, loadCachedState} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";
import {field} from "../util/yaml.ts";

/** The operation of one handler: its input part and SSZ type name, and the processing call. */
interface OperationDef {
  input: string;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: the value is decoded with the fork's type named by `type`
  apply(cs: CachedBeaconState, value: any, verifySignatures: boolean, tc: TestCase): void;
}

/** tests/formats/operations at a08d8a6: handler → input name, operation object, processing call. */
const OPERATIONS: Record<(typeof OPERATIONS_HANDLERS)[number], OperationDef> = {
  attestation: {input: "attestation", type: "Attestation", apply: (cs, v, bls) => processAttestation(cs, v, bls)},
  attester_slashing: {
    input: "attester_slashing",
    type: "AttesterSlashing",
    apply: (cs, v, bls) => processAttesterSlashing(cs, v, bls),
  },
  block_header: {input: "block", type: "BeaconBlock", apply: (cs, v) => processBlockHeader(cs, v)},
  deposit: {input: "deposit", type: "Deposit", apply: (cs, v) => processDeposit(cs, v)},
  proposer_slashing: {
    input: "proposer_slashing",
    type: "ProposerSlashing",
    apply: (cs, v, bls) => processProposerSlashing(cs, v, bls),
  },
  voluntary_exit: {
    input: "voluntary_exit",
    type: "SignedVoluntaryExit",
    apply: (cs, v, bls) => processVoluntaryExit(cs, v, bls),
  },
  sync_aggregate: {
    input: "sync_aggregate",
    type: "SyncAggregate",
    apply: (cs, v, bls) => processSyncAggregate(cs, v, bls),
  },
  execution_payload: {
    input: "body",
    type: "BeaconBlockBody",
    apply: (cs, v, _bls, tc) => {
      const valid = field(tc.readYaml("execution"), "execution_valid", "execution.yaml");
      if (typeof valid !== "boolean") throw Error("execution.yaml: execution_valid is not a boolean");
      processExecutionPayload(cs, v, valid);
    },
  },
  withdrawals: {input: "execution_payload", type: "ExecutionPayload", apply: (cs, v) => processWithdrawals(cs, v)},
  bls_to_execution_change: {
    input: "address_change",
    type: "SignedBLSToExecutionChange",
    apply: (cs, v, bls) => processBlsToExecutionChange(cs, v, bls),
  },
  deposit_request: {input: "deposit_request", type: "DepositRequest", apply: (cs, v) => processDepositRequest(cs, v)},
  withdrawal_request: {
    input: "withdrawal_request",
    type: "WithdrawalRequest",
    apply: (cs, v) => processWithdrawalRequest(cs, v),
  },
  consolidation_request: {
    input: "consolidation_request",
    type: "ConsolidationRequest",
    apply: (cs, v) => processConsolidationRequest(cs, v),
  },
};

/**
 * operations/<handler>: `pre` state, the operation object, and `post` (absent: processing must fail).
 * bls_setting 2 turns signature verification off; 0 and 1 verify.
 */
export function operationsHandler(handler: string): CaseFn {
  const op = (OPERATIONS as Record<string, OperationDef | undefined>)[handler];
  if (op === undefined) throw Error(`operations: unknown handler ${handler}`);
  return (tc: TestCase) => {
    const fork: ForkName = caseFork(tc);
    const type = (ssz[fork] as unknown as Record<string, {deserialize(b: Uint8Array): unknown} | undefined>)[op.type];
    if (type === undefined) throw Error(`operations/${handler}: no SSZ type ${op.type} at ${fork}`);
    const cs = loadCachedState(tc, "pre", fork);
    const value = type.deserialize(tc.readSsz(op.input));
    const verifySignatures = tc.blsSetting() !== 2;
    const run = () => op.apply(cs, value, verifySignatures, tc);
    if (tc.hasSsz("post")) {
      run();
      expectStateEqual(tc, cs.state, fork);
    } else {
      expectInvalid(run, `operations/${handler}`);
    }
  };
}
