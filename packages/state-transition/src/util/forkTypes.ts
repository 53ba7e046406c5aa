import {FORK_NAMES} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {SlotError} from "../errors.ts";

/** The SSZ namespace of a fork by its ForkSeq (active preset). */
export function forkTypes(fork: number): (typeof ssz)[(typeof FORK_NAMES)[number]] {
  const name = FORK_NAMES[fork];
  if (name === undefined) throw new SlotError({code: "UNKNOWN_FORK", fork}, `unknown fork ${fork}`);
  return ssz[name];
}
