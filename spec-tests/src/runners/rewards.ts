import {
  ACTIVE_PRESET,
  ForkSeq,
  TIMELY_HEAD_FLAG_INDEX,
  TIMELY_SOURCE_FLAG_INDEX,
  TIMELY_TARGET_FLAG_INDEX,
} from "@ceibo/params";
import {
  beforeProcessEpoch,
  type CachedBeaconState,
  type Deltas,
  type EpochTransitionCache,
  getFlagIndexDeltas,
  getHeadDeltas,
  getInactivityPenaltyDeltas,
  getInclusionDelayDeltas,
  getSourceDeltas,
  getTargetDeltas,
} from "@ceibo/state-transition";
import {ContainerType, ListBasicType, UintBigintType} from "@chainsafe/ssz";
import {caseFork, loadCachedState} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";

/**
 * The `Deltas` container of tests/formats/rewards. Amounts are decoded as bigint so the comparison with the
 * computed deltas is exact for any uint64.
 */
const DeltasType = new ContainerType({
  rewards: new ListBasicType(new UintBigintType(8), ACTIVE_PRESET.VALIDATOR_REGISTRY_LIMIT),
  penalties: new ListBasicType(new UintBigintType(8), ACTIVE_PRESET.VALIDATOR_REGISTRY_LIMIT),
});

type DeltasFn = (cs: CachedBeaconState, cache: EpochTransitionCache) => Deltas;

/** The deltas functions of a fork, by the name of the case part that holds their expected output. */
function deltasFunctions(fork: number): Record<string, DeltasFn> {
  if (fork === ForkSeq.phase0) {
    return {
      source_deltas: getSourceDeltas,
      target_deltas: getTargetDeltas,
      head_deltas: getHeadDeltas,
      inclusion_delay_deltas: getInclusionDelayDeltas,
      inactivity_penalty_deltas: getInactivityPenaltyDeltas,
    };
  }
  return {
    source_deltas: (cs, cache) => getFlagIndexDeltas(cs, TIMELY_SOURCE_FLAG_INDEX, cache),
    target_deltas: (cs, cache) => getFlagIndexDeltas(cs, TIMELY_TARGET_FLAG_INDEX, cache),
    head_deltas: (cs, cache) => getFlagIndexDeltas(cs, TIMELY_HEAD_FLAG_INDEX, cache),
    inactivity_penalty_deltas: getInactivityPenaltyDeltas,
  };
}

function compareList(what: string, actual: number[], expected: bigint[]): void {
  if (actual.length !== expected.length) {
    throw Error(`${what}: ${actual.length} entries, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (!Number.isSafeInteger(actual[i]) || BigInt(actual[i]) !== expected[i]) {
      throw Error(`${what}[${i}] = ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

/**
 * rewards/<handler> (tests/formats/rewards): every deltas function of the fork, computed from `pre` by the same
 * code the epoch transition uses, must return the case's `<component>_deltas` (rewards and penalties).
 */
export function runRewards(tc: TestCase): void {
  const fork = caseFork(tc);
  const cs = loadCachedState(tc, "pre", fork);
  const cache = beforeProcessEpoch(cs);
  const fns = deltasFunctions(ForkSeq[fork]);
  for (const part of Object.keys(fns)) {
    if (!tc.hasSsz(part)) throw Error(`missing part ${part}`);
  }
  for (const part of tc.parts()) {
    const name = part.replace(/\.ssz(_snappy)?$/, "");
    if (name.endsWith("_deltas") && !Object.hasOwn(fns, name)) throw Error(`unexpected part ${part} at ${fork}`);
  }
  for (const [part, fn] of Object.entries(fns)) {
    const expected = DeltasType.deserialize(tc.readSsz(part));
    const actual = fn(cs, cache);
    compareList(`${part}.rewards`, actual.rewards, expected.rewards);
    compareList(`${part}.penalties`, actual.penalties, expected.penalties);
  }
}
