import {ForkSeq} from "@ceibo/params";
import {initializeBeaconStateFromEth1, isValidGenesisState} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {fromHex} from "@ceibo/utils";
import {caseFork, expectStateEqual, loadState, testChainConfig} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";
import {field, toNumber} from "../util/yaml.ts";

/**
 * genesis/initialization (tests/formats/genesis/initialization.md): initialize_beacon_state_from_eth1 with
 * eth1.yaml and deposits_<i> must give `state`.
 */
export function runGenesisInitialization(tc: TestCase): void {
  const fork = caseFork(tc);
  if (ForkSeq[fork] !== ForkSeq.phase0) {
    throw Error(`genesis/initialization: the spec (a08d8a6) defines initialize_beacon_state_from_eth1 for phase0 only`);
  }
  const meta = tc.meta();
  if (meta.execution_payload_header === true)
    throw Error("genesis with an execution payload header is not a phase0 case");
  const eth1 = tc.readYaml("eth1");
  const eth1BlockHash = fromHex(field(eth1, "eth1_block_hash", "eth1.yaml"), "eth1_block_hash");
  const eth1Timestamp = toNumber(field(eth1, "eth1_timestamp", "eth1.yaml"), "eth1_timestamp");
  const depositsCount = toNumber(field(meta, "deposits_count", "meta.yaml"), "deposits_count");
  const deposits = [];
  for (let i = 0; i < depositsCount; i++) deposits.push(ssz.phase0.Deposit.deserialize(tc.readSsz(`deposits_${i}`)));
  const state = initializeBeaconStateFromEth1(testChainConfig(fork), eth1BlockHash, eth1Timestamp, deposits);
  expectStateEqual(tc, state, fork, "state");
}

/** genesis/validity (tests/formats/genesis/validity.md): is_valid_genesis_state(genesis) must equal is_valid.yaml. */
export function runGenesisValidity(tc: TestCase): void {
  const fork = caseFork(tc);
  if (ForkSeq[fork] !== ForkSeq.phase0) {
    throw Error(`genesis/validity: the spec (a08d8a6) defines is_valid_genesis_state for phase0 only`);
  }
  const expected = tc.readYaml("is_valid");
  if (typeof expected !== "boolean") throw Error("is_valid.yaml is not a boolean");
  const state = loadState(tc, "genesis", fork);
  const got = isValidGenesisState(testChainConfig(fork), state as Parameters<typeof isValidGenesisState>[1]);
  if (got !== expected) throw Error(`is_valid_genesis_state returned ${got}, expected ${expected}`);
}

export function genesisHandler(handler: string): (tc: TestCase) => void {
  if (handler === "initialization") return runGenesisInitialization;
  if (handler === "validity") return runGenesisValidity;
  throw Error(`genesis: unknown handler ${handler}`);
}
