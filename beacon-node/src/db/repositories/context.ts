import type {ForkName} from "@ceibo/params";
import type {Kv} from "../kv.ts";

/** What every repository shares: the byte store and the chain's fork schedule (slot → fork for encoding). */
export interface RepoContext {
  kv: Kv;
  /** The fork active at a slot on this chain: the SSZ type a value written for that slot must have. */
  forkAtSlot(slot: number): ForkName;
}
