import {ContainerNodeStructType, ContainerType, ListCompositeType} from "@chainsafe/ssz";
import {describe, expect, it} from "vitest";
import {ssz} from "../src/index.ts";

type ValidatorValue = ReturnType<typeof ssz.phase0.Validator.defaultValue>;

function validator(i: number): ValidatorValue {
  const v = ssz.phase0.Validator.defaultValue();
  v.pubkey = Uint8Array.from({length: 48}, (_, k) => (i * 7 + k) & 0xff);
  v.withdrawalCredentials = Uint8Array.from({length: 32}, (_, k) => (i * 13 + k * 3) & 0xff);
  v.effectiveBalance = 32e9 + (i % 3) * 1e9;
  v.activationEpoch = i;
  v.exitEpoch = i % 5 === 0 ? 1000 + i : Number.POSITIVE_INFINITY;
  return v;
}

describe("ValidatorNodeStructType", () => {
  // more validators than one slab (4,096) holds
  const n = 5000;
  const values = Array.from({length: n}, (_, i) => validator(i));
  const list = ssz.phase0.Validators;
  const bytes = list.serialize(values);
  // the same list with the library's plain node-struct Validator: the reference
  const plainValidator = new ContainerNodeStructType(ssz.phase0.Validator.fields, {typeName: "Validator"});
  const plainList = new ListCompositeType(plainValidator, list.limit);

  it("decodes to the same values, root and bytes as the plain node-struct type", () => {
    const view = list.deserializeToViewDU(bytes);
    expect(view.hashTreeRoot()).toEqual(plainList.deserializeToViewDU(bytes).hashTreeRoot());
    expect(view.hashTreeRoot()).toEqual(plainList.hashTreeRoot(values));
    expect(view.serialize()).toEqual(bytes);
    const read = view.getAllReadonlyValues();
    for (let i = 0; i < n; i += 997) {
      expect(read[i].pubkey).toEqual(values[i].pubkey);
      expect(read[i].withdrawalCredentials).toEqual(values[i].withdrawalCredentials);
      expect(read[i].effectiveBalance).toBe(values[i].effectiveBalance);
      expect(read[i].exitEpoch).toBe(values[i].exitEpoch);
      expect(ssz.phase0.Validator.equals(read[i], values[i])).toBe(true);
      // a clone (what a change through the state's view starts from) is a plain value with every field
      expect(ssz.phase0.Validator.clone(read[i])).toEqual(values[i]);
      expect(ssz.phase0.Validator.toJson(read[i])).toEqual(ssz.phase0.Validator.toJson(values[i]));
    }
  });

  it("gives each byte field a view of exactly its bytes (shared slabs, not a buffer each)", () => {
    const read = list.deserializeToViewDU(bytes).getAllReadonlyValues();
    expect(read[0].pubkey.byteLength).toBe(48);
    expect(read[0].withdrawalCredentials.byteLength).toBe(32);
    expect(read[1].pubkey.buffer).toBe(read[0].pubkey.buffer);
    expect(read[0].withdrawalCredentials.buffer).toBe(read[0].pubkey.buffer);
    // nothing held per validator but numbers and the slab it shares with its neighbours (a view or a heap number
    // each is an object on the heap): own properties are small integers or one shared object
    const shared = new Set<unknown>();
    for (const v of [read[0], read[1], read[4095], read[4096], read[4999]]) {
      for (const x of Object.values(v)) {
        if (typeof x === "object") shared.add(x);
        else expect(Number.isSafeInteger(x) && (x as number) < 2 ** 30).toBe(true);
      }
    }
    // 5,000 validators: two slabs of 4,096
    expect(shared.size).toBe(2);
    // not views of the input bytes: changing them leaves the tree as it was
    const copy = Uint8Array.from(bytes);
    const view = list.deserializeToViewDU(copy);
    copy.fill(0xee);
    expect(view.getReadonly(3).pubkey).toEqual(values[3].pubkey);
  });

  it("changing one validator leaves its slab neighbours and the other trees unchanged", () => {
    const a = list.deserializeToViewDU(bytes);
    const b = a.clone();
    const v = b.get(10);
    v.withdrawalCredentials = new Uint8Array(32).fill(2);
    v.effectiveBalance = 1e9;
    b.commit();
    expect(b.getReadonly(10).withdrawalCredentials).toEqual(new Uint8Array(32).fill(2));
    expect(b.getReadonly(11).withdrawalCredentials).toEqual(values[11].withdrawalCredentials);
    expect(b.getReadonly(9).pubkey).toEqual(values[9].pubkey);
    expect(a.getReadonly(10).withdrawalCredentials).toEqual(values[10].withdrawalCredentials);
    const expected = values.slice();
    expected[10] = {...values[10], withdrawalCredentials: new Uint8Array(32).fill(2), effectiveBalance: 1e9};
    expect(b.hashTreeRoot()).toEqual(plainList.hashTreeRoot(expected));
    expect(a.hashTreeRoot()).toEqual(plainList.hashTreeRoot(values));
  });
  it("keeps a validator's exact bytes, even a uint64 beyond 2**53 that reads back as a rounded number", () => {
    const one = ssz.phase0.Validator.serialize(values[1]);
    // effective_balance = 2**60 + 1, exit_epoch = 2**64 - 2 (not FAR_FUTURE_EPOCH)
    const dv = new DataView(one.buffer, one.byteOffset);
    dv.setBigUint64(80, 2n ** 60n + 1n, true);
    dv.setBigUint64(105, 2n ** 64n - 2n, true);
    // a list of four: three validators as before, then this one
    const oneList = Uint8Array.from([...bytes.subarray(0, 121 * 3), ...one]);
    const view = list.deserializeToViewDU(oneList);
    expect(view.serialize()).toEqual(oneList);
    // the reference: the same fields as a plain container, whose tree keeps each uint64's bytes
    const exact = new ListCompositeType(new ContainerType(ssz.phase0.Validator.fields), list.limit);
    expect(view.hashTreeRoot()).toEqual(exact.deserializeToViewDU(oneList).hashTreeRoot());
    expect(view.getReadonly(3).effectiveBalance).toBe(2 ** 60);
    expect(view.getReadonly(3).exitEpoch).toBe(2 ** 64);
  });
});
