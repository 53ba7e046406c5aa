/** The duty watcher's reading of attestations: SSZ bit order and electra committee_bits offsets. */
import {describe, expect, it} from "vitest";
import {attesters, bitAt} from "../src/host/duties.ts";

const committees = [
  {index: "0", slot: "9", validators: ["5", "6", "7"]},
  {index: "1", slot: "9", validators: ["8", "9"]},
];
const data = (index: string) => ({
  slot: "9",
  index,
  beacon_block_root: `0x${"00".repeat(32)}`,
  target: {epoch: "1", root: `0x${"00".repeat(32)}`},
});

describe("attesters", () => {
  it("bits are little-endian within each byte", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => bitAt("0x2a", i))).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      false,
      false,
    ]);
    expect(bitAt("0x0001", 8)).toBe(true);
    expect(bitAt("0x01", 9)).toBe(false); // past the end
  });

  it("electra: aggregation bits run over the committees set in committee_bits, in index order", () => {
    // committees 0 and 1 (5 bits + the bitlist's length bit at 5): positions 1 (validator 6) and 3 (validator 8)
    const att = {aggregation_bits: "0x2a", committee_bits: "0x0300000000000000", data: data("0")};
    expect(attesters(att, committees)).toEqual([6, 8]);
    // only committee 1: its positions start at 0; bits 0 and 1 + length bit 2 = 0b111
    expect(
      attesters({aggregation_bits: "0x07", committee_bits: "0x0200000000000000", data: data("0")}, committees),
    ).toEqual([8, 9]);
  });

  it("phase0: data.index names the committee", () => {
    expect(attesters({aggregation_bits: "0x06", data: data("1")}, committees)).toEqual([9]);
  });
});
