/**
 * Beacon API reads the crash campaign uses on the checkpoint-synced node: the canonical chain of the reference
 * node (walked by parent roots, cached), the oldest block a backfilling node serves (a binary search over the
 * reference chain's block slots: a backfilled archive is contiguous from its oldest block up to the anchor), and
 * a walk of a node's own chain from its anchor down by parent roots.
 */
import {getJson} from "../harness/processes.ts";

export interface HeaderInfo {
  root: string;
  slot: number;
  parentRoot: string;
}

export const ZERO_ROOT = `0x${"00".repeat(32)}`;

/** The header of a block by root or slot; null when the node does not serve it (404). */
export async function header(api: string, blockId: string): Promise<HeaderInfo | null> {
  const res = await fetch(`${api}/eth/v1/beacon/headers/${blockId}`);
  const text = await res.text();
  if (res.status === 404) return null;
  if (!res.ok) throw Error(`GET ${api}/eth/v1/beacon/headers/${blockId}: HTTP ${res.status}: ${text.slice(0, 200)}`);
  const d = (JSON.parse(text) as {data: {root: string; header: {message: {slot: string; parent_root: string}}}}).data;
  return {root: d.root, slot: Number(d.header.message.slot), parentRoot: d.header.message.parent_root};
}

/** The root of the block at `slot` a node serves (null: none there, or not served). */
export async function rootAtSlot(api: string, slot: number): Promise<string | null> {
  const res = await fetch(`${api}/eth/v1/beacon/blocks/${slot}/root`);
  const text = await res.text();
  if (res.status === 404) return null;
  if (!res.ok) throw Error(`GET ${api}/eth/v1/beacon/blocks/${slot}/root: HTTP ${res.status}: ${text.slice(0, 200)}`);
  return (JSON.parse(text) as {data: {root: string}}).data.root;
}

/** The reference node's chain by parent roots, cached (finalized history does not change). */
export class CanonicalChain {
  private readonly api: () => string;
  private readonly byRoot = new Map<string, HeaderInfo>();

  constructor(api: () => string) {
    this.api = api;
  }

  /** Every block from `root` down to genesis (slot order, oldest first), fetched once per block. */
  async below(root: string): Promise<HeaderInfo[]> {
    const out: HeaderInfo[] = [];
    let r = root;
    while (r !== ZERO_ROOT) {
      let h = this.byRoot.get(r);
      if (h === undefined) {
        const got = await header(this.api(), r);
        if (got === null) throw Error(`the reference node does not serve block ${r}`);
        h = got;
        this.byRoot.set(r, h);
      }
      out.push(h);
      if (h.slot === 0) break;
      r = h.parentRoot;
    }
    return out.reverse();
  }
}

/**
 * The slot of the oldest block of `chain` (oldest first) that `api` serves with the same root, assuming what it
 * serves is a contiguous top part of `chain` (a backfilled archive up to its anchor). Null: it serves none.
 */
export async function oldestServed(api: string, chain: HeaderInfo[]): Promise<number | null> {
  const serves = async (i: number): Promise<boolean> => (await rootAtSlot(api, chain[i].slot)) === chain[i].root;
  let lo = 0;
  let hi = chain.length - 1;
  if (hi < 0 || !(await serves(hi))) return null;
  // invariant: chain[hi] served; everything below lo not served (or lo = 0)
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (await serves(mid)) hi = mid;
    else lo = mid + 1;
  }
  return chain[hi].slot;
}

/**
 * Walks `api`'s chain from `root` down by parent roots to `minSlot` (or genesis): every block must be served and
 * equal to the reference chain's block at its slot. Returns the problems found (empty = complete and linked).
 */
export async function checkLinkedChain(
  api: string,
  root: string,
  minSlot: number,
  reference: HeaderInfo[],
): Promise<{blocks: number; oldestSlot: number; problems: string[]}> {
  const refBySlot = new Map(reference.map((h) => [h.slot, h.root]));
  const problems: string[] = [];
  let r = root;
  let blocks = 0;
  let oldestSlot = Number.POSITIVE_INFINITY;
  while (r !== ZERO_ROOT) {
    const h = await header(api, r);
    if (h === null) {
      problems.push(`block ${r} (parent of the block at slot ${oldestSlot}) is not served`);
      break;
    }
    blocks++;
    oldestSlot = h.slot;
    const ref = refBySlot.get(h.slot);
    if (ref !== h.root) problems.push(`slot ${h.slot}: root ${h.root}, the reference node has ${ref ?? "none"}`);
    if (h.slot <= minSlot || h.slot === 0) break;
    r = h.parentRoot;
  }
  if (oldestSlot > minSlot && r !== ZERO_ROOT && problems.length === 0) {
    problems.push(`the chain stops at slot ${oldestSlot}, above ${minSlot}`);
  }
  return {blocks, oldestSlot, problems};
}

/** `key=value` of a log line's context (human format). */
export function logField(line: string, key: string): string | null {
  const m = line.match(new RegExp(` ${key}=(\\S+)`));
  return m === null ? null : m[1];
}

/** Every line of `output` that contains `text`. */
export function linesWith(output: string, text: string): string[] {
  return output.split("\n").filter((l) => l.includes(text));
}

/**
 * The node's finalized checkpoint: fork choice's (`/eth/v1/debug/fork_choice`). Not the head state's
 * `finalized_checkpoint` (`finality_checkpoints`): a checkpoint-synced node's head state can be its anchor state,
 * whose own finalized checkpoint lies epochs before the anchor the node finalized.
 */
export async function finalityOf(api: string): Promise<{epoch: number; root: string}> {
  const r = await getJson<{finalized_checkpoint: {epoch: string; root: string}}>(`${api}/eth/v1/debug/fork_choice`);
  return {epoch: Number(r.finalized_checkpoint.epoch), root: r.finalized_checkpoint.root};
}
