import {createDevChainConfig} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {describe, expect, it} from "vitest";
import {type BeaconStateAllForks, createInteropGenesisState, forkTypes, stateHashTreeRoot} from "../src/index.ts";

describe("stateHashTreeRoot equals the plain hashTreeRoot", () => {
  it("on a freshly decoded state (validators hashed from their values) and after changes", () => {
    const cs = createInteropGenesisState(createDevChainConfig(), {validatorCount: 100, genesisTime: 0});
    const validators = cs.state.validators;
    validators.get(1).slashed = true;
    validators.get(2).exitEpoch = 5;
    validators.get(2).withdrawableEpoch = 2 ** 40 + 3;
    validators.get(3).effectiveBalance = 2_048_000_000_000; // above 2**32: the high word matters
    const credentials = new Uint8Array(32).fill(0xab);
    validators.get(4).withdrawalCredentials = credentials;
    const bytes = cs.state.serialize();
    const type = forkTypes(cs.fork).BeaconState as unknown as {
      deserializeToViewDU(b: Uint8Array): BeaconStateAllForks;
    };

    const expected = type.deserializeToViewDU(bytes).hashTreeRoot();
    const fresh = type.deserializeToViewDU(bytes);
    expect(fresh.node.h0).toBe(null);
    expect(stateHashTreeRoot(fresh)).toEqual(expected);
    // the validators' roots were set: each equals the Validator type's own root of its value
    for (let i = 0; i < 8; i++) {
      expect(fresh.validators.getReadonly(i).hashTreeRoot()).toEqual(
        ssz.phase0.Validator.hashTreeRoot(fresh.validators.getReadonly(i).toValue()),
      );
    }

    // a hashed state changed afterwards: only the changed paths are rehashed
    const a = type.deserializeToViewDU(bytes);
    const b = type.deserializeToViewDU(bytes);
    a.hashTreeRoot();
    b.hashTreeRoot();
    for (const s of [a, b]) {
      s.balances.set(7, 123);
      s.validators.get(9).exitEpoch = 77;
      s.slot = 1234;
    }
    expect(a.node.h0).not.toBe(null);
    expect(stateHashTreeRoot(a)).toEqual(b.hashTreeRoot());
  });
});
