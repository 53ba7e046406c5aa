import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {
  COMPOUNDING_WITHDRAWAL_PREFIX,
  FAR_FUTURE_EPOCH,
  ForkSeq,
  MIN_ACTIVATION_BALANCE,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {toHexUnprefixed} from "@ceibo/utils";
import {describe, expect, it} from "vitest";
import {createCachedBeaconState} from "../src/cache/cachedBeaconState.ts";
import {createInteropGenesisState} from "../src/genesis/interop.ts";
import {processSlots} from "../src/slot/processSlots.ts";
import {upgradeStateToNextFork} from "../src/slot/upgrade.ts";
import {forkVersion} from "../src/slot/upgradeCommon.ts";
import type {BeaconStateDeneb, BeaconStateElectra, BeaconStateFulu} from "../src/types.ts";
import {getActivationExitChurnLimit, getConsolidationChurnLimit} from "../src/util/churn.ts";
import {computeActivationExitEpoch} from "../src/util/epoch.ts";

function configAtGenesisFork(fork: number): ChainConfig {
  const out: Record<string, unknown> = {...createDevChainConfig()};
  ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"].forEach((k, i) => {
    out[`${k}_FORK_EPOCH`] = i + 1 <= fork ? 0 : Number.POSITIVE_INFINITY;
  });
  return out as unknown as ChainConfig;
}

describe("upgradeStateToNextFork", () => {
  it("walks phase0 → fulu at genesis, sharing the unchanged subtrees", () => {
    const config = configAtGenesisFork(ForkSeq.fulu);
    const cs = createInteropGenesisState(
      {...configAtGenesisFork(ForkSeq.phase0)},
      {validatorCount: 32, genesisTime: 0},
    );
    // the same validators, re-wrapped with a config that schedules every fork at genesis
    const chain = createCachedBeaconState(cs.state, config, ForkSeq.phase0);
    for (let fork = ForkSeq.altair; fork <= ForkSeq.fulu; fork++) {
      const pre = chain.state;
      pre.commit();
      upgradeStateToNextFork(chain);
      chain.state.commit();
      expect(chain.fork).toBe(fork);
      expect(toHexUnprefixed(chain.state.fork.currentVersion)).toBe(toHexUnprefixed(forkVersion(config, fork)));
      expect(toHexUnprefixed(chain.state.fork.previousVersion)).toBe(toHexUnprefixed(pre.fork.currentVersion));
      // validators are the same tree (no copy), except electra which may rewrite pre-activation validators
      expect(chain.state.validators.node).toBe(pre.validators.node);
      expect(chain.state.randaoMixes.node).toBe(pre.randaoMixes.node);
      chain.epochCtx = createCachedBeaconState(chain.state, config, chain.fork, {
        pubkeyCache: chain.epochCtx.pubkeyCache,
      }).epochCtx;
    }
    expect((chain.state as BeaconStateFulu).proposerLookahead.length).toBe(2 * SLOTS_PER_EPOCH);
  });

  it("electra: exit epochs, churn, pre-activation validators and compounding excess become pending deposits", () => {
    const config = configAtGenesisFork(ForkSeq.deneb);
    const cs = createInteropGenesisState(config, {validatorCount: 32, genesisTime: 0});
    const state = cs.state as BeaconStateDeneb;
    // validators 5, 3 and 9 are not active yet (eligible at epochs 2, 1, 1); 7 has exited at epoch 20
    const pending: [number, number][] = [
      [5, 2],
      [3, 1],
      [9, 1],
    ];
    for (const [index, eligibility] of pending) {
      const v = state.validators.get(index);
      v.activationEpoch = FAR_FUTURE_EPOCH;
      v.activationEligibilityEpoch = eligibility;
      state.balances.set(index, MIN_ACTIVATION_BALANCE + 1);
    }
    state.validators.get(7).exitEpoch = 20;
    // validator 11 has compounding credentials and an excess of 5 Gwei
    const v11 = state.validators.get(11);
    const wc = v11.withdrawalCredentials.slice();
    wc[0] = COMPOUNDING_WITHDRAWAL_PREFIX;
    v11.withdrawalCredentials = wc;
    state.balances.set(11, MIN_ACTIVATION_BALANCE + 5);
    state.commit();
    const pre = createCachedBeaconState(state, {...config, ELECTRA_FORK_EPOCH: 0}, ForkSeq.deneb);

    const exitChurn = getActivationExitChurnLimit(pre);
    const consolidationChurn = getConsolidationChurnLimit(pre);
    upgradeStateToNextFork(pre);
    const post = pre.state as unknown as BeaconStateElectra;
    post.commit();
    expect(post.earliestExitEpoch).toBe(Math.max(20, computeActivationExitEpoch(0)) + 1);
    expect(post.earliestConsolidationEpoch).toBe(computeActivationExitEpoch(0));
    expect(post.exitBalanceToConsume).toBe(exitChurn);
    expect(post.consolidationBalanceToConsume).toBe(consolidationChurn);

    const deposits = post.pendingDeposits.getAllReadonlyValues();
    // sorted by (activation_eligibility_epoch, index): 3, 9, 5, then the compounding excess of 11
    const order = [3, 9, 5, 11];
    expect(deposits.map((d) => toHexUnprefixed(d.pubkey))).toEqual(
      order.map((i) => toHexUnprefixed(post.validators.getReadonly(i).pubkey)),
    );
    expect(deposits.map((d) => d.amount)).toEqual([
      MIN_ACTIVATION_BALANCE + 1,
      MIN_ACTIVATION_BALANCE + 1,
      MIN_ACTIVATION_BALANCE + 1,
      5,
    ]);
    expect(deposits.every((d) => d.slot === 0 && d.signature[0] === 0xc0)).toBe(true);
    for (const [index] of pending) {
      const v = post.validators.getReadonly(index);
      expect(post.balances.get(index)).toBe(0);
      expect(v.effectiveBalance).toBe(0);
      expect(v.activationEligibilityEpoch).toBe(FAR_FUTURE_EPOCH);
    }
    expect(post.balances.get(11)).toBe(MIN_ACTIVATION_BALANCE);
  });
});

describe("fork upgrades inside processSlots", () => {
  it("a phase0 genesis with forks at epochs 1…6 reaches fulu through epoch processing", () => {
    const config = createDevChainConfig({
      forkEpochs: {altair: 1, bellatrix: 2, capella: 3, deneb: 4, electra: 5, fulu: 6},
    });
    const cs = createInteropGenesisState(config, {validatorCount: 64, genesisTime: 0});
    expect(cs.fork).toBe(ForkSeq.phase0);
    for (let epoch = 1; epoch <= 6; epoch++) {
      processSlots(cs, epoch * SLOTS_PER_EPOCH);
      expect(cs.fork).toBe(epoch);
      expect(cs.state.fork.epoch).toBe(epoch);
      expect(toHexUnprefixed(cs.state.fork.currentVersion)).toBe(toHexUnprefixed(forkVersion(config, epoch)));
    }
    processSlots(cs, 7 * SLOTS_PER_EPOCH + 1);
    expect(cs.fork).toBe(ForkSeq.fulu);
  });

  for (let fork = ForkSeq.phase0; fork <= ForkSeq.fulu; fork++) {
    it(`a genesis state at fork ${fork} passes processSlots over the first epoch boundaries`, () => {
      const cs = createInteropGenesisState(configAtGenesisFork(fork), {validatorCount: 64, genesisTime: 0});
      processSlots(cs, 2 * SLOTS_PER_EPOCH + 1);
      expect(cs.fork).toBe(fork);
      expect(cs.state.slot).toBe(2 * SLOTS_PER_EPOCH + 1);
    });
  }
});
