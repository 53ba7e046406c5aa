import {createDevChainConfig} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {CeiboError} from "@ceibo/utils";
import {beforeAll, describe, expect, it} from "vitest";
import {
  type CachedBeaconState,
  createInteropGenesisState,
  GenesisError,
  ProposerSlashingError,
  processProposerSlashing,
  processSlots,
  processVoluntaryExit,
  SlotError,
  VoluntaryExitError,
} from "../src/index.ts";

/** What a call threw (fails the test when it did not throw). */
function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw Error("expected a throw");
}

describe("state-transition typed errors", () => {
  let genesis: CachedBeaconState;
  beforeAll(() => {
    genesis = createInteropGenesisState(createDevChainConfig(), {validatorCount: 16, genesisTime: 0});
  }, 120_000);

  it("voluntary exits: the code names the rule and the fields carry the values", () => {
    const exitOf = (validatorIndex: number) => ({message: {epoch: 0, validatorIndex}, signature: new Uint8Array(96)});
    const unknown = thrown(() => processVoluntaryExit(genesis.clone(), exitOf(16), false));
    expect(unknown).toBeInstanceOf(VoluntaryExitError);
    expect(unknown).toBeInstanceOf(CeiboError);
    expect((unknown as VoluntaryExitError).type).toEqual({code: "UNKNOWN_VALIDATOR", validatorIndex: 16});
    expect((unknown as Error).message).toBe("voluntary exit: unknown validator 16");

    // at genesis no validator has been active for SHARD_COMMITTEE_PERIOD epochs
    const young = thrown(() => processVoluntaryExit(genesis.clone(), exitOf(3), false)) as VoluntaryExitError;
    expect(young.type).toEqual({code: "NOT_ACTIVE_LONG_ENOUGH", validatorIndex: 3});
    expect(young.message).toContain("validator 3");
  });

  it("proposer slashings: differing slots are SLOTS_DIFFER with both slots", () => {
    const header = (slot: number) => ({
      message: {...ssz.phase0.BeaconBlockHeader.defaultValue(), slot, proposerIndex: 1},
      signature: new Uint8Array(96),
    });
    const e = thrown(() =>
      processProposerSlashing(genesis.clone(), {signedHeader1: header(1), signedHeader2: header(2)}, false),
    ) as ProposerSlashingError;
    expect(e).toBeInstanceOf(ProposerSlashingError);
    expect(e.type).toEqual({code: "SLOTS_DIFFER", slot1: 1, slot2: 2});
  });

  it("slots and genesis: SLOT_NOT_AFTER_STATE and INVALID_VALIDATOR_COUNT", () => {
    const e = thrown(() => processSlots(genesis.clone(), 0)) as SlotError;
    expect(e).toBeInstanceOf(SlotError);
    expect(e.type).toEqual({code: "SLOT_NOT_AFTER_STATE", slot: 0, stateSlot: 0});
    const g = thrown(() => createInteropGenesisState(createDevChainConfig(), {validatorCount: 0, genesisTime: 0}));
    expect(g).toBeInstanceOf(GenesisError);
    expect((g as GenesisError).type).toEqual({code: "INVALID_VALIDATOR_COUNT", validatorCount: 0});
  });
});
