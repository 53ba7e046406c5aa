import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {
  FORK_NAMES,
  ForkSeq,
  MAX_EFFECTIVE_BALANCE,
  MIN_SEED_LOOKAHEAD,
  SLOTS_PER_EPOCH,
  UNSET_DEPOSIT_REQUESTS_START_INDEX,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {toHexUnprefixed} from "@ceibo/utils";
import {describe, expect, it} from "vitest";
import {initializeBeaconStateFromEth1, isValidGenesisState} from "../src/genesis/initializeBeaconState.ts";
import {
  createInteropGenesisState,
  depositsWithProofs,
  genesisForkOf,
  INTEROP_ETH1_BLOCK_HASH,
  interopDepositData,
  interopPubkey,
  interopSecretKey,
} from "../src/genesis/interop.ts";
import {forkVersion} from "../src/slot/upgradeCommon.ts";
import type {
  BeaconStateElectra,
  BeaconStateFulu,
  BeaconStatePostAltair,
  BeaconStatePostBellatrix,
} from "../src/types.ts";

/** A dev config whose genesis is at `fork`: forks up to it at epoch 0, the later ones never. */
function configAtGenesisFork(fork: number): ChainConfig {
  const config = createDevChainConfig();
  const keys = ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"] as const;
  const out: Record<string, unknown> = {...config};
  keys.forEach((k, i) => {
    out[`${k}_FORK_EPOCH`] = i + 1 <= fork ? 0 : Number.POSITIVE_INFINITY;
  });
  return out as unknown as ChainConfig;
}

describe("interop keys", () => {
  it("interop key 0 has the well-known public key", () => {
    expect(toHexUnprefixed(interopPubkey(0))).toBe(
      "a99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c",
    );
  });

  it("keys are distinct and deterministic", () => {
    expect(toHexUnprefixed(interopSecretKey(1).toBytes())).toBe(toHexUnprefixed(interopSecretKey(1).toBytes()));
    expect(toHexUnprefixed(interopPubkey(1))).not.toBe(toHexUnprefixed(interopPubkey(2)));
  });
});

describe("genesis (phase0 initialize_beacon_state_from_eth1)", () => {
  const config = configAtGenesisFork(ForkSeq.phase0);
  const count = 16;
  const deposits = depositsWithProofs(interopDepositData(config, count));

  it("activates the full deposits and is valid once enough validators are active", () => {
    const state = initializeBeaconStateFromEth1(config, INTEROP_ETH1_BLOCK_HASH, 1_700_000_000, deposits);
    expect(state.validators.length).toBe(count);
    expect(state.eth1DepositIndex).toBe(count);
    expect(state.genesisTime).toBe(1_700_000_000 + config.GENESIS_DELAY);
    for (const v of state.validators.getAllReadonlyValues()) {
      expect(v.activationEpoch).toBe(0);
      expect(v.effectiveBalance).toBe(MAX_EFFECTIVE_BALANCE);
    }
    expect(
      isValidGenesisState({...config, MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: count, MIN_GENESIS_TIME: 0}, state),
    ).toBe(true);
    expect(
      isValidGenesisState({...config, MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: count + 1, MIN_GENESIS_TIME: 0}, state),
    ).toBe(false);
  });

  it("rejects a deposit whose proof does not match the deposit root", () => {
    const bad = deposits.map((d) => ({...d, proof: d.proof.slice()}));
    bad[3].proof[0] = new Uint8Array(32).fill(1);
    expect(() => initializeBeaconStateFromEth1(config, INTEROP_ETH1_BLOCK_HASH, 0, bad)).toThrow(/Merkle branch/);
  });

  it("the phase0 interop genesis equals the spec genesis over the interop deposits", () => {
    const genesisTime = 1_700_000_000;
    const spec = initializeBeaconStateFromEth1(
      config,
      INTEROP_ETH1_BLOCK_HASH,
      genesisTime - config.GENESIS_DELAY,
      deposits,
    );
    const interop = createInteropGenesisState(config, {validatorCount: count, genesisTime});
    expect(interop.fork).toBe(ForkSeq.phase0);
    expect(toHexUnprefixed(interop.state.hashTreeRoot())).toBe(toHexUnprefixed(spec.hashTreeRoot()));
  });
});

describe("interop genesis at every fork", () => {
  for (let fork = ForkSeq.phase0; fork <= ForkSeq.fulu; fork++) {
    const name = FORK_NAMES[fork];
    it(`${name}: fork fields, deterministic root`, () => {
      const config = configAtGenesisFork(fork);
      expect(genesisForkOf(config)).toBe(fork);
      const validatorCount = 64;
      const cs = createInteropGenesisState(config, {validatorCount, genesisTime: 1_700_000_000});
      const again = createInteropGenesisState(config, {validatorCount, genesisTime: 1_700_000_000});
      expect(cs.fork).toBe(fork);
      expect(toHexUnprefixed(cs.state.hashTreeRoot())).toBe(toHexUnprefixed(again.state.hashTreeRoot()));
      // the type of the state is the genesis fork's BeaconState
      const bytes = cs.state.serialize();
      const type = ssz[name].BeaconState as unknown as {
        deserializeToViewDU(b: Uint8Array): {hashTreeRoot(): Uint8Array};
      };
      expect(toHexUnprefixed(type.deserializeToViewDU(bytes).hashTreeRoot())).toBe(
        toHexUnprefixed(cs.state.hashTreeRoot()),
      );

      const state = cs.state;
      expect(toHexUnprefixed(state.fork.currentVersion)).toBe(toHexUnprefixed(forkVersion(config, fork)));
      expect(toHexUnprefixed(state.fork.previousVersion)).toBe(
        toHexUnprefixed(forkVersion(config, Math.max(0, fork - 1))),
      );
      expect(state.fork.epoch).toBe(0);
      expect(state.validators.length).toBe(validatorCount);
      expect(state.genesisTime).toBe(1_700_000_000);
      const bodyType = ssz[name].BeaconBlockBody as unknown as {
        hashTreeRoot(v: unknown): Uint8Array;
        defaultValue(): unknown;
      };
      expect(toHexUnprefixed(state.latestBlockHeader.bodyRoot)).toBe(
        toHexUnprefixed(bodyType.hashTreeRoot(bodyType.defaultValue())),
      );

      if (fork >= ForkSeq.altair) {
        const s = state as BeaconStatePostAltair;
        const committee = s.currentSyncCommittee.toValue();
        expect(committee.pubkeys.every((pk) => cs.epochCtx.pubkeyCache.getIndex(pk) !== undefined)).toBe(true);
        expect(toHexUnprefixed(s.nextSyncCommittee.hashTreeRoot())).toBe(
          toHexUnprefixed(s.currentSyncCommittee.hashTreeRoot()),
        );
        expect(s.previousEpochParticipation.length).toBe(validatorCount);
        expect(s.inactivityScores.length).toBe(validatorCount);
      }
      if (fork >= ForkSeq.bellatrix) {
        const s = state as BeaconStatePostBellatrix;
        expect(toHexUnprefixed(s.latestExecutionPayloadHeader.blockHash)).toBe(
          toHexUnprefixed(INTEROP_ETH1_BLOCK_HASH),
        );
      }
      if (fork >= ForkSeq.electra) {
        const s = state as BeaconStateElectra;
        expect(s.depositRequestsStartIndex).toBe(UNSET_DEPOSIT_REQUESTS_START_INDEX);
        expect(s.pendingDeposits.length).toBe(0);
        expect(s.earliestExitEpoch).toBeGreaterThan(0);
        expect(s.exitBalanceToConsume).toBeGreaterThan(0);
      }
      if (fork >= ForkSeq.fulu) {
        const s = state as BeaconStateFulu;
        const lookahead = s.proposerLookahead.getAll();
        expect(lookahead.length).toBe((MIN_SEED_LOOKAHEAD + 1) * SLOTS_PER_EPOCH);
        expect(lookahead.slice(0, SLOTS_PER_EPOCH)).toEqual(cs.epochCtx.proposers);
      }
    });
  }

  it("takes a given execution payload header and 0x01 credentials", () => {
    const config = configAtGenesisFork(ForkSeq.deneb);
    const blockHash = new Uint8Array(32).fill(7);
    const address = new Uint8Array(20).fill(0xab);
    const cs = createInteropGenesisState(config, {
      validatorCount: 8,
      genesisTime: 5,
      executionPayloadHeader: {blockHash, gasLimit: 30_000_000, timestamp: 5},
      withdrawalAddress: address,
    });
    const s = cs.state as BeaconStatePostBellatrix;
    expect(toHexUnprefixed(s.latestExecutionPayloadHeader.blockHash)).toBe(toHexUnprefixed(blockHash));
    expect(s.latestExecutionPayloadHeader.gasLimit).toBe(30_000_000);
    const wc = s.validators.getReadonly(3).withdrawalCredentials;
    expect(wc[0]).toBe(1);
    expect(toHexUnprefixed(wc.subarray(12))).toBe(toHexUnprefixed(address));
  });

  it("rejects a fork the config does not activate at genesis", () => {
    expect(() =>
      createInteropGenesisState(configAtGenesisFork(ForkSeq.capella), {
        validatorCount: 8,
        genesisTime: 0,
        fork: ForkSeq.deneb,
      }),
    ).toThrow(/not the fork/);
  });
});
