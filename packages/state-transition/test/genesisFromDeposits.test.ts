import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {FORK_NAMES, ForkSeq, MAX_EFFECTIVE_BALANCE} from "@ceibo/params";
import {toHexUnprefixed} from "@ceibo/utils";
import {describe, expect, it} from "vitest";
import {createGenesisStateFromDeposits} from "../src/genesis/fromDeposits.ts";
import {createInteropGenesisState, interopDepositData} from "../src/genesis/interop.ts";

function configAtGenesisFork(fork: number): ChainConfig {
  const config = createDevChainConfig();
  const keys = ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"] as const;
  const out: Record<string, unknown> = {...config};
  keys.forEach((k, i) => {
    out[`${k}_FORK_EPOCH`] = i + 1 <= fork ? 0 : Number.POSITIVE_INFINITY;
  });
  return out as unknown as ChainConfig;
}

describe("dev genesis from deposits (initialize_beacon_state_from_eth1 + genesis-fork upgrades)", () => {
  const genesisTime = 1_700_000_000;
  // The interop genesis is built directly (not through process_deposit): the two ways must agree to the root.
  for (const fork of [ForkSeq.phase0, ForkSeq.capella, ForkSeq.electra, ForkSeq.fulu]) {
    it(`${FORK_NAMES[fork]}: the same state as the interop genesis over the interop deposits`, () => {
      const config = configAtGenesisFork(fork);
      const count = 16;
      const fromDeposits = createGenesisStateFromDeposits(config, interopDepositData(config, count), {genesisTime});
      const interop = createInteropGenesisState(config, {validatorCount: count, genesisTime});
      expect(fromDeposits.fork).toBe(fork);
      expect(toHexUnprefixed(fromDeposits.state.hashTreeRoot())).toBe(toHexUnprefixed(interop.state.hashTreeRoot()));
    });
  }

  it("a deposit with a bad signature is skipped and one under 32 ETH is not active (as the spec has it)", () => {
    const config = configAtGenesisFork(ForkSeq.fulu);
    const data = interopDepositData(config, 4);
    data[1] = {...data[1], signature: data[2].signature};
    const small = interopDepositData(config, 5, {amount: 16e9})[4];
    const cs = createGenesisStateFromDeposits(config, [...data, small], {genesisTime});
    const validators = cs.state.validators.getAllReadonlyValues();
    expect(validators.map((v) => toHexUnprefixed(v.pubkey))).toEqual(
      [0, 2, 3, 4].map((i) => toHexUnprefixed(i === 4 ? small.pubkey : data[i].pubkey)),
    );
    expect(validators.map((v) => v.activationEpoch === 0)).toEqual([true, true, true, false]);
    expect(validators[0].effectiveBalance).toBe(MAX_EFFECTIVE_BALANCE);
  });

  it("refuses deposits that activate no validator", () => {
    const config = configAtGenesisFork(ForkSeq.fulu);
    expect(() => createGenesisStateFromDeposits(config, [], {genesisTime})).toThrow(/no deposits/);
    const small = interopDepositData(config, 2, {amount: 1e9});
    expect(() => createGenesisStateFromDeposits(config, small, {genesisTime})).toThrow(
      /none of the 2 deposits activates/,
    );
  });
});
