import {FORK_NAMES, type ForkName, ForkSeq, isForkName} from "@ceibo/params";
import type {SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {expectInvalid, expectStateEqual, loadCachedState, testChainConfig} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";
import {toNumber} from "../util/yaml.ts";
import {applyBlocks, blocksCount, readSignedBlock} from "./sanity.ts";

/**
 * transition/core (tests/formats/transition): `pre` at the fork before meta.yaml `post_fork`, with the post fork
 * scheduled at `fork_epoch`; blocks 0…fork_block are pre-fork blocks, the rest post-fork blocks; the result must
 * equal `post` (a post-fork state).
 */
export function runTransition(tc: TestCase): void {
  const meta = tc.meta();
  const postFork = meta.post_fork;
  if (typeof postFork !== "string" || !isForkName(postFork)) {
    throw Error(`meta.yaml: invalid post_fork ${String(postFork)}`);
  }
  const seq = ForkSeq[postFork];
  if (seq === ForkSeq.phase0) throw Error("transition: no transition into phase0");
  const preFork = FORK_NAMES[seq - 1] as ForkName;
  const forkEpoch = toNumber(meta.fork_epoch, "fork_epoch");
  const forkBlock =
    meta.fork_block === undefined || meta.fork_block === null ? -1 : toNumber(meta.fork_block, "fork_block");

  const config = testChainConfig(preFork, {[postFork]: forkEpoch});
  const pre = loadCachedState(tc, "pre", preFork, config);
  const blocks: SignedBeaconBlockAllForks[] = [];
  for (let i = 0; i < blocksCount(tc); i++) blocks.push(readSignedBlock(tc, i, i <= forkBlock ? preFork : postFork));
  if (!tc.hasSsz("post")) {
    expectInvalid(() => applyBlocks(tc, pre, blocks), "transition");
    return;
  }
  const post = applyBlocks(tc, pre, blocks);
  if (post.fork !== seq) throw Error(`the chain ended at fork ${post.fork}, expected ${postFork}`);
  expectStateEqual(tc, post.state, postFork);
}
