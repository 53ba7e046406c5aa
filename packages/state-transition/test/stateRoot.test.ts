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
    expect(stateHashTreeRoot(a)).toEqual(b.hashTreeRoot());

    // many changes at once: levels of more than one hasher call (4,096 nodes), new validators, a rewritten list
    for (const s of [a, b]) {
      for (let i = 0; i < 40_000; i++) s.balances.push(32_000_000_000 + i * 7919);
      for (let i = 0; i < s.balances.length; i += 3) s.balances.set(i, 2 ** 35 + i);
      for (let i = 0; i < 20; i++) {
        const v = ssz.phase0.Validator.defaultValue();
        v.pubkey = new Uint8Array(48).fill(i + 1);
        v.effectiveBalance = 1_000_000_000 * i;
        v.exitEpoch = Number.POSITIVE_INFINITY;
        s.validators.push(ssz.phase0.Validator.toViewDU(v));
      }
      s.randaoMixes.set(5, new Uint8Array(32).fill(9));
    }
    const plain = b.hashTreeRoot();
    expect(stateHashTreeRoot(a)).toEqual(plain);
    // every node of the tree has its root: hashing again changes nothing
    expect(a.node.h0).not.toBe(null);
    expect(a.hashTreeRoot()).toEqual(plain);
    expect(stateHashTreeRoot(a)).toEqual(plain);
  });
});
