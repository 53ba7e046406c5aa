import {type ChainConfig, forkScheduleOf} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {SlotError} from "../errors.ts";
import type {BeaconStateAllForks} from "../types.ts";
import {getCurrentEpoch} from "../util/epoch.ts";

/** A container type as far as the upgrades need it: its fields by name. */
interface FieldsOf {
  fields: Record<string, unknown>;
}

/**
 * Shared part of every upgrade_to_<fork>: copies into `post` each field of `pre` whose SSZ type is unchanged (the
 * same type object in both forks' BeaconState). Composite fields are assigned as views, so the post state shares
 * the pre state's subtrees (validators, balances, roots…) instead of copying them.
 */
export function copyUnchangedFields(
  preType: FieldsOf,
  pre: BeaconStateAllForks,
  postType: FieldsOf,
  post: BeaconStateAllForks,
): void {
  const from = pre as unknown as Record<string, unknown>;
  const to = post as unknown as Record<string, unknown>;
  for (const [name, type] of Object.entries(postType.fields)) {
    if (Object.hasOwn(preType.fields, name) && preType.fields[name] === type) to[name] = from[name];
  }
}

/** The fork version a fork activates with (`<FORK>_FORK_VERSION`). */
export function forkVersion(config: ChainConfig, fork: number): Uint8Array {
  const info = forkScheduleOf(config)[fork];
  if (info === undefined) throw new SlotError({code: "UNKNOWN_FORK", fork}, `unknown fork ${fork}`);
  return info.version;
}

/**
 * The `fork` field every upgrade writes: Fork(previous_version=pre.fork.current_version,
 * current_version=<FORK>_FORK_VERSION, epoch=get_current_epoch(pre)).
 */
export function setUpgradedFork(
  config: ChainConfig,
  pre: BeaconStateAllForks,
  post: BeaconStateAllForks,
  postFork: number,
): void {
  post.fork = ssz.phase0.Fork.toViewDU({
    previousVersion: pre.fork.currentVersion,
    currentVersion: forkVersion(config, postFork),
    epoch: getCurrentEpoch(pre),
  });
}
