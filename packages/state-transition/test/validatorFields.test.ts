import {createDevChainConfig} from "@ceibo/config";
import {FAR_FUTURE_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {beforeAll, describe, expect, it} from "vitest";
import {type ValidatorFields, VF_COMPOUNDING, VF_SLASHED} from "../src/cache/validatorFields.ts";
import {type CachedBeaconState, createInteropGenesisState} from "../src/index.ts";

/** The view's arrays must hold exactly what the state's tree holds, validator by validator. */
function expectMatchesTree(view: ValidatorFields, cs: CachedBeaconState): void {
  const values = cs.state.validators.getAllReadonlyValues();
  expect(view.length).toBe(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    expect([
      view.effectiveBalance[i],
      view.activationEligibilityEpoch[i],
      view.activationEpoch[i],
      view.exitEpoch[i],
      view.withdrawableEpoch[i],
      (view.bits[i] & VF_SLASHED) !== 0,
      (view.bits[i] & VF_COMPOUNDING) !== 0,
    ]).toEqual([
      v.effectiveBalance,
      v.activationEligibilityEpoch,
      v.activationEpoch,
      v.exitEpoch,
      v.withdrawableEpoch,
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
    expect(genesis.validatorFields.exitEpoch[0]).toBe(FAR_FUTURE_EPOCH);
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
      ...validators.getReadonly(0).toValue(),
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
