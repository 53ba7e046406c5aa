import {createDevChainConfig} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {CeiboError} from "@ceibo/utils";
import {beforeAll, describe, expect, it} from "vitest";
import {processBlockHeader} from "../src/block/processBlockHeader.ts";
import {
  BlockHeaderError,
  type CachedBeaconState,
  createInteropGenesisState,
  EpochCacheError,
  ShufflingError,
} from "../src/index.ts";
import {computeShuffledIndex} from "../src/util/shuffle.ts";

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw Error("expected a throw");
}

describe("typed errors of the block header, epoch cache and shuffling", () => {
  let genesis: CachedBeaconState;
  beforeAll(() => {
    genesis = createInteropGenesisState(createDevChainConfig(), {validatorCount: 16, genesisTime: 0});
  }, 120_000);

  it("process_block_header: a block for another slot", () => {
    const cs = genesis.clone();
    const block = ssz.phase0.BeaconBlock.defaultValue();
    block.slot = 5;
    const e = thrown(() => processBlockHeader(cs, block));
    expect(e).toBeInstanceOf(BlockHeaderError);
    expect(e).toBeInstanceOf(CeiboError);
    expect((e as BlockHeaderError).type).toEqual({code: "SLOT_MISMATCH", blockSlot: 5, stateSlot: 0});
    expect((e as Error).message).toBe("block slot 5 is not the state's slot 0");
  });

  it("epoch cache: a committee index beyond the slot's committees, a shuffling of a far epoch", () => {
    const perSlot = genesis.epochCtx.getShufflingAtEpoch(0).committeesPerSlot;
    const e = thrown(() => genesis.epochCtx.getBeaconCommittee(0, perSlot));
    expect(e).toBeInstanceOf(EpochCacheError);
    expect((e as EpochCacheError).type).toEqual({
      code: "COMMITTEE_INDEX_OUT_OF_RANGE",
      committeeIndex: perSlot,
      committeesPerSlot: perSlot,
    });
    const far = thrown(() => genesis.epochCtx.getShufflingAtEpoch(100));
    expect((far as EpochCacheError).type).toEqual({code: "SHUFFLING_NOT_CACHED", epoch: 100, currentEpoch: 0});
  });

  it("compute_shuffled_index: an index outside the count, a short seed", () => {
    const e = thrown(() => computeShuffledIndex(10, 10, new Uint8Array(32)));
    expect(e).toBeInstanceOf(ShufflingError);
    expect((e as ShufflingError).type).toEqual({code: "INDEX_OUT_OF_RANGE", index: 10, indexCount: 10});
    const seed = thrown(() => computeShuffledIndex(0, 10, new Uint8Array(31)));
    expect((seed as ShufflingError).type).toEqual({code: "INVALID_SEED_LENGTH", length: 31});
  });
});
