import {createHash} from "node:crypto";
import {ACTIVE_PRESET_NAME, SYNC_COMMITTEE_SIZE} from "@ceibo/params";
import {describe, expect, it} from "vitest";
import {isAggregator, isSyncCommitteeAggregator} from "../src/index.ts";

/** bytes_to_uint64(hash(sig)[0:8]), read independently with node:crypto and Buffer. */
const h8 = (sig: Uint8Array): bigint => createHash("sha256").update(sig).digest().readBigUInt64LE(0);
const sigOf = (i: number): Uint8Array => {
  const sig = Uint8Array.from({length: 96}, (_, j) => (j * 7) & 0xff);
  new DataView(sig.buffer).setUint32(0, i);
  return sig;
};

describe("aggregation selection (validator.md)", () => {
  it("is_aggregator: the known hash of a zero signature, and modulo max(1, len // 16)", () => {
    const zero = new Uint8Array(96);
    // sha256(96 zero bytes) starts 2ea9ab9198d16380: little-endian 0x8063d19891aba92e
    expect(h8(zero)).toBe(0x8063d19891aba92en);
    expect(isAggregator(15, zero)).toBe(true); // modulo 1
    expect(isAggregator(128, zero)).toBe(0x8063d19891aba92en % 8n === 0n);
    for (let i = 0; i < 200; i++) {
      const sig = sigOf(i);
      expect(isAggregator(0, sig)).toBe(true);
      expect(isAggregator(31, sig)).toBe(true); // 31 // 16 = 1
      expect(isAggregator(16 * 7, sig)).toBe(h8(sig) % 7n === 0n);
      expect(isAggregator(16 * 8 + 15, sig)).toBe(h8(sig) % 8n === 0n);
    }
  });

  it("is_aggregator selects about 1 in len // 16", () => {
    let selected = 0;
    for (let i = 0; i < 4000; i++) if (isAggregator(16 * 8, sigOf(i))) selected++;
    expect(selected).toBeGreaterThan(4000 / 8 / 2);
    expect(selected).toBeLessThan((4000 / 8) * 2);
  });

  it("is_sync_committee_aggregator: modulo max(1, SYNC_COMMITTEE_SIZE // 4 // 16) of the preset", () => {
    const modulo = {mainnet: 8n, minimal: 1n}[ACTIVE_PRESET_NAME];
    expect(SYNC_COMMITTEE_SIZE).toBe(ACTIVE_PRESET_NAME === "mainnet" ? 512 : 32);
    for (let i = 0; i < 200; i++) {
      const sig = sigOf(i);
      expect(isSyncCommitteeAggregator(sig)).toBe(h8(sig) % modulo === 0n);
    }
  });
});
