import {FORK_NAMES, type ForkName, ForkSeq, isForkName} from "@ceibo/params";
import {upgradeStateToNextFork} from "@ceibo/state-transition";
import {expectStateEqual, loadCachedState, testChainConfig} from "../util/state.ts";
import type {TestCase} from "../util/testCase.ts";

/**
 * fork/fork (tests/formats/forks): `pre` at the fork before meta.yaml's `fork`, upgraded with
 * upgrade_to_<fork>, must equal `post`.
 */
export function runFork(tc: TestCase): void {
  const postFork = tc.meta().fork;
  if (typeof postFork !== "string" || !isForkName(postFork)) throw Error(`meta.yaml: invalid fork ${String(postFork)}`);
  if (postFork !== tc.fork) throw Error(`meta.yaml fork ${postFork} differs from the case's fork ${tc.fork}`);
  const seq = ForkSeq[postFork];
  if (seq === ForkSeq.phase0) throw Error("fork: no upgrade into phase0");
  const preFork = FORK_NAMES[seq - 1] as ForkName;
  const cs = loadCachedState(tc, "pre", preFork, testChainConfig(preFork));
  upgradeStateToNextFork(cs);
  if (cs.fork !== seq) throw Error(`upgrade produced fork ${cs.fork}, expected ${seq}`);
  expectStateEqual(tc, cs.state, postFork);
}
