/**
 * The native proposer sampling (computeProposerIndicesFast, @chainsafe/swap-or-not-shuffle) must pick the same
 * proposers as ceibo's own implementation of compute_proposer_index (itself checked by the spec tests), for
 * phase0 and electra sampling, and fall back to it where the native code's increment arithmetic is not exact.
 */
import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {EFFECTIVE_BALANCE_INCREMENT, ForkSeq} from "@ceibo/params";
import {describe, expect, it} from "vitest";
import {createInteropGenesisState} from "../src/genesis/interop.ts";
import {computeProposerIndices} from "../src/util/seed.ts";
import {computeProposerIndicesFast, nativeProposerIndexAvailable} from "../src/util/shuffleNative.ts";

function configAtGenesisFork(fork: number): ChainConfig {
  const out: Record<string, unknown> = {...createDevChainConfig()};
  ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"].forEach((k, i) => {
    out[`${k}_FORK_EPOCH`] = i + 1 <= fork ? 0 : Number.POSITIVE_INFINITY;
  });
  return out as unknown as ChainConfig;
}

/** Deterministic effective balances: 1..2048 ETH in whole increments, some validators at 32 ETH. */
function balances(n: number, salt: number): Float64Array {
  const out = new Float64Array(n);
  let x = 0x9e3779b9 ^ salt;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const incs = i % 3 === 0 ? 32 : 1 + (x % 2048);
    out[i] = incs * EFFECTIVE_BALANCE_INCREMENT;
  }
  return out;
}

describe("computeProposerIndicesFast", () => {
  it("the native sampling is available here (so the comparisons below exercise it)", () => {
    expect(nativeProposerIndexAvailable).toBe(true);
  });

  for (const fork of [ForkSeq.phase0, ForkSeq.deneb, ForkSeq.electra, ForkSeq.fulu]) {
    it(`fork ${fork}: same proposers as compute_proposer_index over several epochs and active sets`, () => {
      const cs = createInteropGenesisState(configAtGenesisFork(fork), {validatorCount: 64, genesisTime: 1_700_000_000});
      for (const [n, salt] of [
        [5000, 1],
        [20_000, 2],
        [777, 3],
      ]) {
        const effectiveBalances = balances(n, salt);
        // every other validator active, plus a tail
        const active = Uint32Array.from({length: Math.floor(n / 2)}, (_, k) => 2 * k);
        for (const epoch of [0, 1, 7]) {
          const expected = computeProposerIndices(fork, cs.state, epoch, active, effectiveBalances);
          expect(computeProposerIndicesFast(fork, cs.state, epoch, active, effectiveBalances)).toEqual(expected);
        }
      }
    });
  }

  it("a balance that is not a whole number of increments takes the exact path (same result as the spec's)", () => {
    const cs = createInteropGenesisState(configAtGenesisFork(ForkSeq.fulu), {validatorCount: 64, genesisTime: 1});
    const effectiveBalances = balances(3000, 9);
    for (let i = 0; i < 3000; i += 2) effectiveBalances[i] = 31.5 * EFFECTIVE_BALANCE_INCREMENT + 1;
    const active = Uint32Array.from({length: 3000}, (_, k) => k);
    const expected = computeProposerIndices(ForkSeq.fulu, cs.state, 3, active, effectiveBalances);
    expect(computeProposerIndicesFast(ForkSeq.fulu, cs.state, 3, active, effectiveBalances)).toEqual(expected);
  });
});
