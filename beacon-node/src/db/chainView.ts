import {toHexUnprefixed} from "@ceibo/utils";
import type {HotBlockEntry} from "./repositories/blocks.ts";

/**
 * Splits hot blocks (sorted by slot) into those that descend from `anchorRoot` (the finalized block) and those
 * that cannot become canonical any more: at or before the anchor's slot, or on a branch that does not reach the
 * anchor. Parent links are the only input (fork choice's filter_block_tree viability is not needed here: a block
 * that does not descend from the finalized block is never viable, phase0 fork-choice.md).
 */
export function splitByDescent(
  hot: HotBlockEntry[],
  anchorRoot: Uint8Array,
  anchorSlot: number,
): {descendants: HotBlockEntry[]; others: HotBlockEntry[]} {
  const reachable = new Set<string>([toHexUnprefixed(anchorRoot)]);
  const descendants: HotBlockEntry[] = [];
  const others: HotBlockEntry[] = [];
  for (const b of hot) {
    if (b.slot > anchorSlot && reachable.has(toHexUnprefixed(b.parentRoot))) {
      reachable.add(toHexUnprefixed(b.root));
      descendants.push(b);
    } else if (!(b.slot === anchorSlot && Buffer.compare(b.root, anchorRoot) === 0)) {
      others.push(b);
    }
  }
  return {descendants, others};
}
