import {createDevChainConfig} from "@ceibo/config";
import {isAggregator, isSyncCommitteeAggregator} from "@ceibo/state-transition";
import {fromHex, toHex} from "@ceibo/utils";
import {describe, expect, it} from "vitest";
import {chainConfigFromSpec, SlotClock} from "../src/index.ts";

const v = (b: number) => Uint8Array.from([b, 0, 0, 1]);

describe("chain config from the beacon node", () => {
  it("takes fork versions and epochs from fork_schedule and other values from spec", () => {
    const schedule = [
      {previousVersion: v(0), currentVersion: v(0), epoch: 0},
      {previousVersion: v(0), currentVersion: v(1), epoch: 0},
      {previousVersion: v(1), currentVersion: v(2), epoch: 0},
      {previousVersion: v(2), currentVersion: v(3), epoch: 5},
      {previousVersion: v(3), currentVersion: v(4), epoch: 10},
    ];
    const c = chainConfigFromSpec({PRESET_BASE: "mainnet", SLOT_DURATION_MS: "2000", CONFIG_NAME: "x"}, schedule);
    expect(c.SLOT_DURATION_MS).toBe(2000);
    expect(c.CONFIG_NAME).toBe("x");
    expect(toHex(c.CAPELLA_FORK_VERSION)).toBe(toHex(v(3)));
    expect(c.CAPELLA_FORK_EPOCH).toBe(5);
    expect(c.DENEB_FORK_EPOCH).toBe(10);
    // forks the schedule does not list are not scheduled
    expect(c.ELECTRA_FORK_EPOCH).toBe(Number.POSITIVE_INFINITY);
    expect(c.FULU_FORK_EPOCH).toBe(Number.POSITIVE_INFINITY);
  });

  it("refuses another preset, a malformed value and a broken fork schedule, naming the problem", () => {
    expect(() => chainConfigFromSpec({PRESET_BASE: "minimal"}, [])).toThrow(/minimal preset.*CEIBO_PRESET=minimal/);
    expect(() => chainConfigFromSpec({SLOTS_PER_EPOCH: "8"}, [])).toThrow(/SLOTS_PER_EPOCH=8/);
    expect(() => chainConfigFromSpec({SLOT_DURATION_MS: "soon"}, [])).toThrow(/SLOT_DURATION_MS/);
    const broken = [
      {previousVersion: v(0), currentVersion: v(0), epoch: 0},
      {previousVersion: v(9), currentVersion: v(1), epoch: 1},
    ];
    expect(() => chainConfigFromSpec({}, broken)).toThrow(/previous_version 0x09000001/);
  });

  it("reads a dev config's fork versions back exactly", () => {
    const dev = createDevChainConfig({preset: "mainnet"});
    const versions = [
      dev.GENESIS_FORK_VERSION,
      dev.ALTAIR_FORK_VERSION,
      dev.BELLATRIX_FORK_VERSION,
      dev.CAPELLA_FORK_VERSION,
      dev.DENEB_FORK_VERSION,
      dev.ELECTRA_FORK_VERSION,
      dev.FULU_FORK_VERSION,
    ];
    const schedule = versions.map((cur, i) => ({
      previousVersion: versions[Math.max(0, i - 1)],
      currentVersion: cur,
      epoch: 0,
    }));
    const c = chainConfigFromSpec({}, schedule);
    expect(toHex(c.FULU_FORK_VERSION)).toBe("0x060ce1b0");
    expect(c.FULU_FORK_EPOCH).toBe(0);
  });
});

describe("selection and clock", () => {
  it("is_aggregator: modulo max(1, len // 16) of the first 8 bytes (little-endian) of sha256(signature)", () => {
    // sha256(0x00 * 96) = 0x2ea9ab91...; its first 8 bytes little-endian mod 8 / mod 1
    const sig = new Uint8Array(96);
    const h = BigInt(
      `0x${Buffer.from(fromHex("0x2ea9ab9198d1638007400cd2c3bef1cc745b864b76011a0e1bc52180ac6452d4").subarray(0, 8)).reverse().toString("hex")}`,
    );
    expect(isAggregator(15, sig)).toBe(true); // modulo 1
    expect(isAggregator(128, sig)).toBe(h % 8n === 0n);
    expect(isAggregator(16 * 7, sig)).toBe(h % 7n === 0n);
    expect(isSyncCommitteeAggregator(sig)).toBe(h % 8n === 0n); // mainnet: 512 / 4 / 16 = 8
  });

  it("slot clock: slots, epochs and due times from genesis", () => {
    let now = 1_000_000_000;
    const clock = new SlotClock(1_000_000 - 24, 12_000, () => now);
    expect(clock.currentSlot).toBe(2);
    expect(clock.timeAt(3, 3333)).toBe(1_000_000_000 + 12_000 + 3999);
    now += 12_000 * 30;
    expect(clock.currentSlot).toBe(32);
    expect(clock.currentEpoch).toBe(1);
    const before = new SlotClock(2_000_000, 12_000, () => now);
    expect(before.currentSlot).toBe(0);
  });
});
