import {FORK_NAMES} from "@ceibo/params";
import {ssz} from "@ceibo/types";

/** The SSZ namespace of a fork by its ForkSeq (active preset). */
export function forkTypes(fork: number): (typeof ssz)[(typeof FORK_NAMES)[number]] {
  const name = FORK_NAMES[fork];
  if (name === undefined) throw Error(`unknown fork ${fork}`);
  return ssz[name];
}
