import {createDevChainConfig} from "@ceibo/config";
import {FAR_FUTURE_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {beforeAll, describe, expect, it} from "vitest";
import {assertViewEpoch, type ValidatorFields, VF_COMPOUNDING, VF_SLASHED} from "../src/cache/validatorFields.ts";
import {getActiveUnslashedEffectiveBalances} from "../src/epoch/activeBalances.ts";
import {type CachedBeaconState, createInteropGenesisState} from "../src/index.ts";

/** An epoch as the view stores it: itself below 2**32 - 1, else 4294967295 (FAR_FUTURE_EPOCH included). */
function stored(epoch: number): number {
  return epoch === FAR_FUTURE_EPOCH || epoch >= 4294967295 ? 4294967295 : epoch;
}

/** The view's arrays must hold exactly what the state's tree holds, validator by validator. */
function expectMatchesTree(view: ValidatorFields, cs: CachedBeaconState): void {
  const values = cs.state.validators.getAllReadonlyValues();
  expect(view.length).toBe(values.length);
  const effectiveBalances = view.readEffectiveBalances();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    expect([
      effectiveBalances[i],
      view.activationEligibilityEpoch[i],
      view.activationEpoch[i],
      view.exitEpoch[i],
      view.withdrawableEpoch[i],
      (view.bits[i] & VF_SLASHED) !== 0,
      (view.bits[i] & VF_COMPOUNDING) !== 0,
    ]).toEqual([
      v.effectiveBalance,
      stored(v.activationEligibilityEpoch),
      stored(v.activationEpoch),
      stored(v.exitEpoch),
      stored(v.withdrawableEpoch),
      v.slashed,
      v.withdrawalCredentials[0] === 0x02,
    ]);
  }
}

describe("ValidatorFields: typed arrays of the validator fields, synced from the tree", () => {
  let genesis: CachedBeaconState;
  beforeAll(() => {
    genesis = createInteropGenesisState(createDevChainConfig(), {validatorCount: 64, genesisTime: 0});
  }, 120_000);

  it("holds every validator's fields once the cached state is created", () => {
    expectMatchesTree(genesis.validatorFields, genesis);
    // FAR_FUTURE_EPOCH kept in 4 bytes: the largest uint32, above any epoch compared with it
    expect(genesis.validatorFields.exitEpoch).toBeInstanceOf(Uint32Array);
    expect(genesis.validatorFields.exitEpoch[0]).toBe(4294967295);
  });

  it("compares epochs beyond 2**32 - 1 exactly: a finite far exit is still active, FAR_FUTURE is never reached", () => {
    const cs = genesis.clone();
    const validators = cs.state.validators;
    validators.get(1).exitEpoch = 2 ** 40; // finite, beyond uint32
    validators.get(2).exitEpoch = 4294967294; // the largest epoch stored as itself
    validators.get(3).activationEpoch = 2 ** 33; // not active before epoch 2**33
    cs.validatorFields.sync(cs.state.validators);
    expectMatchesTree(cs.validatorFields, cs);
    expect(cs.validatorFields.exitEpoch[2]).toBe(4294967294);
    // the active set read from the view, at the state's epoch (0) and the largest epoch the view accepts
    const active = getActiveUnslashedEffectiveBalances(cs);
    expect(active[1]).toBe(32_000_000_000);
    expect(active[2]).toBe(32_000_000_000);
    expect(active[3]).toBe(0);
    expect(() => assertViewEpoch(4294967294)).not.toThrow();
    expect(() => assertViewEpoch(4294967295)).toThrow(/epoch 4294967295/);
    expect(() => assertViewEpoch(FAR_FUTURE_EPOCH)).toThrow(/beyond/);
    genesis.validatorFields.sync(genesis.state.validators);
  });

  it("keeps effective balances as 2-byte increments, and exact Gwei for the few that are not whole increments", () => {
    const cs = genesis.clone();
    const validators = cs.state.validators;
    validators.get(1).effectiveBalance = 2048_000_000_000; // electra's max: 2,048 increments
    validators.get(2).effectiveBalance = 31_500_000_001; // not a whole number of increments
    validators.get(3).effectiveBalance = 65_536_000_000_000; // 65,536 increments: beyond a Uint16
    validators.get(4).effectiveBalance = 0;
    cs.validatorFields.sync(cs.state.validators);
    const view = cs.validatorFields;
    expect(view.effectiveBalanceIncrements).toBeInstanceOf(Uint16Array);
    expect([...view.effectiveBalanceIncrements.subarray(0, 5)]).toEqual([32, 2048, 0, 0, 0]);
    expect([...view.effectiveBalanceExceptions].sort((a, b) => a[0] - b[0])).toEqual([
      [2, 31_500_000_001],
      [3, 65_536_000_000_000],
    ]);
    expectMatchesTree(view, cs);
    // the sums weigh the exact values: validators 1..4 replace 4 * 32 ETH in the all-active genesis registry
    const active = getActiveUnslashedEffectiveBalances(cs);
    expect(active.reduce((a, b) => a + b, 0)).toBe(60 * 32e9 + 2048e9 + 31_500_000_001 + 65_536e9);
    // a validator changed back to a whole number of increments leaves the exceptions
    validators.get(2).effectiveBalance = 31e9;
    cs.validatorFields.sync(cs.state.validators);
    expect(view.effectiveBalanceExceptions.has(2)).toBe(false);
    expect(view.effectiveBalanceIncrements[2]).toBe(31);
    genesis.validatorFields.sync(genesis.state.validators);
    expect(view.effectiveBalanceExceptions.size).toBe(0);
  });

  it("re-reads only the validators whose node changed, whatever changed them, and follows appended ones", () => {
    const cs = genesis.clone();
    expect(cs.validatorFields).toBe(genesis.validatorFields);
    const validators = cs.state.validators;
    validators.get(3).exitEpoch = 10;
    validators.get(5).slashed = true;
    validators.get(7).effectiveBalance = 31_000_000_000;
    const credentials = new Uint8Array(32);
    credentials[0] = 0x02;
    validators.get(9).withdrawalCredentials = credentials;
    validators.get(62).withdrawableEpoch = 77;
    const appended = ssz.phase0.Validator.toViewDU({
      ...ssz.phase0.Validator.clone(validators.getReadonly(0).toValue()),
      activationEpoch: 12,
      activationEligibilityEpoch: 11,
    });
    validators.push(appended);

    cs.validatorFields.sync(cs.state.validators);
    expect(cs.validatorFields.lastSyncReads).toBe(6);
    expectMatchesTree(cs.validatorFields, cs);
    expect(cs.validatorFields.activationEpoch[64]).toBe(12);
    expect(cs.validatorFields.bits[5] & VF_SLASHED).toBe(VF_SLASHED);
    expect(cs.validatorFields.bits[9] & VF_COMPOUNDING).toBe(VF_COMPOUNDING);

    // the shared view synced back to the unchanged genesis state describes genesis again (and its length)
    genesis.validatorFields.sync(genesis.state.validators);
    expect(genesis.validatorFields.lastSyncReads).toBe(5);
    expectMatchesTree(genesis.validatorFields, genesis);

    // syncing the same tree twice reads nothing
    genesis.validatorFields.sync(genesis.state.validators);
    expect(genesis.validatorFields.lastSyncReads).toBe(0);
  });
});
