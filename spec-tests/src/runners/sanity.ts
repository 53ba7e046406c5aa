import {type ForkName, ForkSeq} from "@ceibo/params";
import {
  type CachedBeaconState,
  processSlots,
  type SignedBeaconBlockAllForks,
  stateTransition,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {caseFork, expectInvalid, expectStateEqual, loadCachedState} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";
import {toNumber} from "../util/yaml.ts";

/** `blocks_<i>.ssz_snappy` as a SignedBeaconBlock of `fork`. */
export function readSignedBlock(tc: TestCase, index: number, fork: ForkName): SignedBeaconBlockAllForks {
  return ssz[fork].SignedBeaconBlock.deserialize(tc.readSsz(`blocks_${index}`)) as SignedBeaconBlockAllForks;
}

/** meta.yaml `blocks_count` (the number of blocks_<i> parts when absent). */
export function blocksCount(tc: TestCase): number {
  const count = tc.meta().blocks_count;
  if (count !== undefined) return toNumber(count, "blocks_count");
  let n = 0;
  while (tc.hasSsz(`blocks_${n}`)) n++;
  return n;
}

/**
 * Applies the blocks to `cs` with the full state_transition (slots, proposer signature, block, state root).
 * bls_setting 2 turns signature checks off; 0 and 1 verify (the vectors carry valid signatures).
 */
export function applyBlocks(
  tc: TestCase,
  cs: CachedBeaconState,
  blocks: SignedBeaconBlockAllForks[],
): CachedBeaconState {
  const verifySignatures = tc.blsSetting() !== 2;
  let state = cs;
  for (const block of blocks) state = stateTransition(state, block, {verifySignatures});
  return state;
}

/**
 * sanity/blocks, finality/finality, random/random (tests/formats/sanity/blocks.md): `pre` then blocks_<i> through
 * state_transition must give `post`; without `post` some block must be rejected.
 */
export function runBlocks(tc: TestCase): void {
  const fork = caseFork(tc);
  const pre = loadCachedState(tc, "pre", fork);
  const blocks: SignedBeaconBlockAllForks[] = [];
  for (let i = 0; i < blocksCount(tc); i++) blocks.push(readSignedBlock(tc, i, fork));
  if (!tc.hasSsz("post")) {
    expectInvalid(() => applyBlocks(tc, pre, blocks), "blocks");
    return;
  }
  const post = applyBlocks(tc, pre, blocks);
  expectStateEqual(tc, post.state, fork);
}

/** sanity/slots (tests/formats/sanity/slots.md): process_slots(pre, pre.slot + slots) must give `post`. */
export function runSlots(tc: TestCase): void {
  const fork = caseFork(tc);
  const cs = loadCachedState(tc, "pre", fork);
  const slots = toNumber(tc.readYaml("slots"), "slots.yaml");
  processSlots(cs, cs.state.slot + slots);
  if (cs.fork !== ForkSeq[fork]) throw Error(`processSlots left the state at fork ${cs.fork}, expected ${fork}`);
  expectStateEqual(tc, cs.state, fork);
}

export function sanityHandler(handler: string): (tc: TestCase) => void {
  if (handler === "blocks") return runBlocks;
  if (handler === "slots") return runSlots;
  throw Error(`sanity: unknown handler ${handler}`);
}
