import {describe, expect, it} from "vitest";
import {toHexPortable} from "../src/bytes.ts";
import {
  bytesEqual,
  bytesEqualConstantTime,
  concatBytes,
  fromHex,
  isZeroBytes,
  toHex,
  toHexUnprefixed,
} from "../src/index.ts";

describe("toHex / fromHex", () => {
  it("encodes lowercase with 0x and decodes either case", () => {
    expect(toHex(new Uint8Array([0, 1, 0xab, 0xff]))).toBe("0x0001abff");
    expect(toHexUnprefixed(new Uint8Array([0x0f, 0xf0]))).toBe("0ff0");
    expect(toHex(new Uint8Array())).toBe("0x");
    expect([...fromHex("0x0001AbfF")]).toEqual([0, 1, 0xab, 0xff]);
    expect(fromHex("0x").length).toBe(0);
  });

  it("round-trips every byte value and a large, offset view like Buffer does", () => {
    const all = Uint8Array.from({length: 256}, (_, i) => i);
    expect(toHex(all)).toBe(`0x${Buffer.from(all).toString("hex")}`);
    expect(fromHex(toHex(all))).toEqual(all);
    const big = new Uint8Array(100_003).map((_, i) => (i * 7919) & 0xff);
    const view = big.subarray(3, 70_001);
    expect(toHex(view)).toBe(`0x${Buffer.from(view).toString("hex")}`);
    expect(fromHex(toHex(view))).toEqual(view);
  });

  it("the portable encoder (browsers, no Buffer) gives the same hex", () => {
    const all = Uint8Array.from({length: 256}, (_, i) => i);
    expect(toHexPortable(all)).toBe(Buffer.from(all).toString("hex"));
    const big = new Uint8Array(20_001).map((_, i) => (i * 31) & 0xff);
    expect(toHexPortable(big.subarray(1))).toBe(Buffer.from(big.subarray(1)).toString("hex"));
    expect(toHexPortable(new Uint8Array())).toBe("");
  });

  it("rejects bad input with one error naming what and why", () => {
    expect(() => fromHex("abcd", "graffiti")).toThrow('graffiti: expected a 0x-prefixed hex string, got "abcd"');
    expect(() => fromHex(12, "root")).toThrow("root: expected a 0x-prefixed hex string, got number");
    expect(() => fromHex("0xabc", "root")).toThrow("root: hex has an odd number of digits (3)");
    expect(() => fromHex("0xabzd", "root")).toThrow('root: "z" at digit 2 is not a hex digit');
    expect(() => fromHex("0xé0", "root")).toThrow('"é" at digit 0 is not a hex digit');
    expect(() => fromHex("0xabcd", "root", {length: 32})).toThrow("root: expected 32 bytes, got 2");
    expect(() => toHex("0x00" as unknown as Uint8Array)).toThrow("expected a Uint8Array, got string");
  });

  it("accepts a missing prefix only when asked", () => {
    expect([...fromHex("abcd", "key", {prefixOptional: true})]).toEqual([0xab, 0xcd]);
    expect([...fromHex("0Xabcd", "key", {prefixOptional: true, length: 2})]).toEqual([0xab, 0xcd]);
  });
});

describe("bytesEqual / concatBytes / isZeroBytes", () => {
  it("compares length and contents", () => {
    const a = new Uint8Array([1, 2, 3]);
    for (const eq of [bytesEqual, bytesEqualConstantTime]) {
      expect(eq(a, new Uint8Array([1, 2, 3]))).toBe(true);
      expect(eq(a, new Uint8Array([1, 2, 4]))).toBe(false);
      expect(eq(a, new Uint8Array([1, 2]))).toBe(false);
      expect(eq(new Uint8Array(), new Uint8Array())).toBe(true);
      expect(eq(new Uint8Array([9, 1, 2, 3]).subarray(1), a)).toBe(true);
    }
  });

  it("concatenates in order into a fresh array", () => {
    const a = new Uint8Array([1]);
    const out = concatBytes(a, new Uint8Array(), new Uint8Array([2, 3]));
    expect([...out]).toEqual([1, 2, 3]);
    out[0] = 9;
    expect(a[0]).toBe(1);
    expect(concatBytes().length).toBe(0);
  });

  it("tells all-zero bytes", () => {
    expect(isZeroBytes(new Uint8Array(32))).toBe(true);
    expect(isZeroBytes(new Uint8Array([0, 0, 1]))).toBe(false);
  });
});
