/**
 * Pure parts of the Beacon API backend: validator statuses (beacon-APIs validator-flow.md), the config/spec
 * value format, and the aggregator selection of phase0/altair validator.md.
 */

import {mainnetChainConfig} from "@ceibo/config";
import {FAR_FUTURE_EPOCH} from "@ceibo/params";
import {isAggregator} from "@ceibo/state-transition";
import {describe, expect, it} from "vitest";
import {getValidatorStatus, specValues} from "../src/api/index.ts";

const base = {
  pubkey: new Uint8Array(48),
  withdrawalCredentials: new Uint8Array(32),
  effectiveBalance: 32e9,
  slashed: false,
  activationEligibilityEpoch: 0,
  activationEpoch: 0,
  exitEpoch: FAR_FUTURE_EPOCH,
  withdrawableEpoch: FAR_FUTURE_EPOCH,
};

describe("getValidatorStatus", () => {
  it("follows validator-flow.md at epoch 10", () => {
    const at = (v: Partial<typeof base>, balance = 32e9) => getValidatorStatus({...base, ...v}, balance, 10);
    expect(at({activationEligibilityEpoch: FAR_FUTURE_EPOCH, activationEpoch: FAR_FUTURE_EPOCH})).toBe(
      "pending_initialized",
    );
    expect(at({activationEligibilityEpoch: 9, activationEpoch: FAR_FUTURE_EPOCH})).toBe("pending_queued");
    expect(at({activationEpoch: 11})).toBe("pending_queued");
    expect(at({activationEpoch: 10})).toBe("active_ongoing");
    expect(at({exitEpoch: 12, withdrawableEpoch: 20})).toBe("active_exiting");
    expect(at({exitEpoch: 12, withdrawableEpoch: 20, slashed: true})).toBe("active_slashed");
    expect(at({exitEpoch: 10, withdrawableEpoch: 20})).toBe("exited_unslashed");
    expect(at({exitEpoch: 5, withdrawableEpoch: 20, slashed: true})).toBe("exited_slashed");
    expect(at({exitEpoch: 5, withdrawableEpoch: 10})).toBe("withdrawal_possible");
    expect(at({exitEpoch: 5, withdrawableEpoch: 10}, 0)).toBe("withdrawal_done");
  });
});

describe("specValues", () => {
  it("writes preset, constants and chain config as the spec's strings", () => {
    const spec = specValues(mainnetChainConfig);
    expect(spec.SLOTS_PER_EPOCH).toBe("32");
    expect(spec.MAX_EFFECTIVE_BALANCE_ELECTRA).toBe("2048000000000");
    expect(spec.DOMAIN_RANDAO).toBe("0x02000000");
    expect(spec.GENESIS_FORK_VERSION).toBe("0x00000000");
    expect(spec.DEPOSIT_CONTRACT_ADDRESS).toBe("0x00000000219ab540356cbb839cbe05303d7705fa");
    expect(spec.TERMINAL_TOTAL_DIFFICULTY).toBe("58750000000000000000000");
    expect(spec.FAR_FUTURE_EPOCH).toBe("18446744073709551615");
    expect(spec.CONFIG_NAME).toBe("mainnet");
    expect(Object.values(spec).every((v) => typeof v === "string")).toBe(true);
  });
});

describe("isAggregator", () => {
  it("selects everyone in small committees and about 1 in len/16 in large ones", () => {
    const sig = (i: number) => Uint8Array.from({length: 96}, (_, j) => (i * 7 + j) & 0xff);
    for (let i = 0; i < 20; i++) expect(isAggregator(4, sig(i))).toBe(true);
    let selected = 0;
    for (let i = 0; i < 2000; i++) if (isAggregator(16 * 8, sig(i))) selected++;
    // modulo 8: roughly an eighth of 2000 signatures
    expect(selected).toBeGreaterThan(150);
    expect(selected).toBeLessThan(350);
  });
});
