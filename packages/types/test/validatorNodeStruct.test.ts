import {ContainerNodeStructType, ListCompositeType} from "@chainsafe/ssz";
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
      // every field, in the container's order (the value is built as one literal, not by the library's decoder)
      expect(Object.keys(read[i])).toEqual(Object.keys(ssz.phase0.Validator.fields));
      expect(read[i]).toEqual(values[i]);
    }
  });

  it("gives each byte field a view of exactly its bytes (shared slabs, not a buffer each)", () => {
    const read = list.deserializeToViewDU(bytes).getAllReadonlyValues();
    expect(read[0].pubkey.byteLength).toBe(48);
    expect(read[0].withdrawalCredentials.byteLength).toBe(32);
    expect(read[1].pubkey.buffer).toBe(read[0].pubkey.buffer);
    expect(read[0].withdrawalCredentials.buffer).toBe(read[0].pubkey.buffer);
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
});
