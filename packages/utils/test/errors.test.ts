import {describe, expect, expectTypeOf, it} from "vitest";
import {CeiboError} from "../src/index.ts";

type BlockErrorType =
  | {code: "PARENT_UNKNOWN"; parentRoot: Uint8Array}
  | {code: "FUTURE_SLOT"; slot: number; currentSlot: number}
  | {code: "NO_FIELDS"};
class BlockError extends CeiboError<BlockErrorType> {}

describe("CeiboError", () => {
  it("carries its typed code and fields, and is an Error of the subclass", () => {
    const e = new BlockError({code: "PARENT_UNKNOWN", parentRoot: new Uint8Array([0xab, 0x01])});
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(BlockError);
    expect(e.name).toBe("BlockError");
    expect(e.code).toBe("PARENT_UNKNOWN");
    if (e.type.code === "PARENT_UNKNOWN") expectTypeOf(e.type.parentRoot).toEqualTypeOf<Uint8Array>();
    expect(e.message).toBe("PARENT_UNKNOWN parentRoot=0xab01");
    expect(String(e)).toBe("BlockError: PARENT_UNKNOWN parentRoot=0xab01");
  });

  it("builds a message from the fields, or uses the one given, and keeps the cause", () => {
    expect(new BlockError({code: "FUTURE_SLOT", slot: 9, currentSlot: 3}).message).toBe(
      "FUTURE_SLOT slot=9 currentSlot=3",
    );
    expect(new BlockError({code: "NO_FIELDS"}).message).toBe("NO_FIELDS");
    const cause = new Error("inner");
    const e = new BlockError({code: "NO_FIELDS"}, "block 12 has no fields", {cause});
    expect(e.message).toBe("block 12 has no fields");
    expect(e.cause).toBe(cause);
  });

  it("gives loggable metadata", () => {
    class E extends CeiboError<{code: "X"; big: bigint; list: number[]; missing?: string}> {}
    expect(new E({code: "X", big: 2n ** 64n, list: [1, 2], missing: undefined}).getMetadata()).toEqual({
      code: "X",
      big: "18446744073709551616",
      list: "[1,2]",
      missing: null,
    });
  });
});
