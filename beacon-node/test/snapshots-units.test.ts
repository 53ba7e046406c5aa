/**
 * chain/snapshots.ts nearestSnapshot: which stored checkpoint state a block's state is rebuilt from, on a block
 * tree with a fork (mainnet preset: 32 slots per epoch). A checkpoint (E, R) is a base for the next block C on the
 * path only when E's first slot is before C's slot; for the block itself only at its own slot.
 */
import {describe, expect, it} from "vitest";
import {type ChainLink, nearestSnapshot} from "../src/chain/snapshots.ts";

const root = (n: number): string => `0x${n.toString(16).padStart(64, "0")}`;
const bytes = (n: number): Uint8Array => Uint8Array.from(Buffer.from(root(n).slice(2), "hex"));

// A(31) ← B(64) ← C(65) ← D(130);  B ← E(100)
const [A, B, C, D, E] = [1, 2, 3, 4, 5];
const links = new Map<string, ChainLink>(
  [
    {root: root(A), slot: 31, parentRoot: root(0)},
    {root: root(B), slot: 64, parentRoot: root(A)},
    {root: root(C), slot: 65, parentRoot: root(B)},
    {root: root(D), slot: 130, parentRoot: root(C)},
    {root: root(E), slot: 100, parentRoot: root(B)},
  ].map((l) => [l.root, l]),
);
const stored = [
  {epoch: 1, root: bytes(A)}, // A advanced to slot 32
  {epoch: 2, root: bytes(B)}, // B's own post-state (slot 64)
  {epoch: 3, root: bytes(B)}, // B advanced to slot 96: the fork's checkpoint
  {epoch: 3, root: bytes(C)}, // C advanced to slot 96 (D's chain)
  {epoch: 4, root: bytes(C)}, // C advanced to slot 128
];

describe("nearestSnapshot", () => {
  it("takes the highest epoch below the next block on the path", () => {
    expect(nearestSnapshot(root(D), links, stored)).toEqual({checkpoint: {epoch: 4, root: root(C)}, replay: 1});
    expect(nearestSnapshot(root(E), links, stored)).toEqual({checkpoint: {epoch: 3, root: root(B)}, replay: 1});
  });

  it("a checkpoint state at or after the child's slot is not a base; the block's own slot is", () => {
    // C at 65: (3, C) and (4, C) are C advanced past its own slot, (3, B) is after 65 → (2, B)
    expect(nearestSnapshot(root(C), links, stored)).toEqual({checkpoint: {epoch: 2, root: root(B)}, replay: 1});
    expect(nearestSnapshot(root(B), links, stored)).toEqual({checkpoint: {epoch: 2, root: root(B)}, replay: 0});
    // A at 31: (1, A) is slot 32, not A's post-state
    expect(nearestSnapshot(root(A), links, stored)).toBeNull();
  });

  it("without a usable snapshot on the path: null (regeneration falls back to the finalized state)", () => {
    expect(nearestSnapshot(root(D), links, [])).toBeNull();
    expect(nearestSnapshot(root(E), links, [{epoch: 4, root: bytes(C)}])).toBeNull();
    expect(nearestSnapshot(root(9), links, stored)).toBeNull();
  });
});
