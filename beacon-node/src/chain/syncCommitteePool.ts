import {SLOTS_PER_HISTORICAL_ROOT, SYNC_COMMITTEE_SIZE} from "@ceibo/params";
import type {CachedBeaconState} from "@ceibo/state-transition";
import {toHexUnprefixed} from "@ceibo/utils";
import {aggregateSignatures, Signature} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";

/** The G2 point at infinity: the signature of an empty sync aggregate (altair validator.md). */
export const G2_POINT_AT_INFINITY: Uint8Array = Uint8Array.from([0xc0, ...new Array<number>(95).fill(0)]);

export interface SyncAggregateValue {
  syncCommitteeBits: BitArray;
  syncCommitteeSignature: Uint8Array;
}

/**
 * Sync committee messages (altair validator.md SyncCommitteeMessage: a validator's signature of the head block
 * root at a slot), kept by (slot, block root) and validator, and turned into the SyncAggregate of the next block:
 * every position of the block state's current sync committee whose validator signed the previous slot's block root
 * (altair process_sync_aggregate) gets its bit set and contributes its signature (a validator holding several
 * positions contributes once per position).
 */
export class SyncCommitteeMessagePool {
  /**
   * `${slot}:${root}` → validator index → signature as received (verified by the caller, compressed): decoded only
   * when a block aggregates it (512 messages a slot; decoding with the subgroup check costs ~0.2 ms each).
   */
  private readonly messages = new Map<string, Map<number, Uint8Array>>();

  add(slot: number, beaconBlockRoot: Uint8Array, validatorIndex: number, signature: Uint8Array): void {
    const key = `${slot}:${toHexUnprefixed(beaconBlockRoot)}`;
    let bySlot = this.messages.get(key);
    if (bySlot === undefined) {
      bySlot = new Map();
      this.messages.set(key, bySlot);
    }
    bySlot.set(validatorIndex, signature);
  }

  /** The SyncAggregate for a block on `state` (already at the block's slot); empty if nobody signed. */
  getSyncAggregate(state: CachedBeaconState): SyncAggregateValue {
    const bits = new Array<boolean>(SYNC_COMMITTEE_SIZE).fill(false);
    const signatures: Signature[] = [];
    const slot = state.state.slot;
    if (slot > 0) {
      const previousSlot = slot - 1;
      const root = state.state.blockRoots.get(previousSlot % SLOTS_PER_HISTORICAL_ROOT);
      const signed = this.messages.get(`${previousSlot}:${toHexUnprefixed(root)}`);
      if (signed !== undefined) {
        const committee = state.epochCtx.currentSyncCommitteeIndices;
        for (let i = 0; i < SYNC_COMMITTEE_SIZE; i++) {
          const sig = signed.get(committee[i]);
          if (sig === undefined) continue;
          bits[i] = true;
          // verified (subgroup check included) before it was added: decompressed only
          signatures.push(Signature.fromBytes(sig, false));
        }
      }
    }
    return {
      syncCommitteeBits: BitArray.fromBoolArray(bits),
      syncCommitteeSignature:
        signatures.length === 0 ? G2_POINT_AT_INFINITY : aggregateSignatures(signatures).toBytes(true),
    };
  }

  /** Drops messages before `slot` - 1 (no later block can include them). */
  prune(slot: number): void {
    for (const key of this.messages.keys()) {
      if (Number(key.split(":")[0]) < slot - 1) this.messages.delete(key);
    }
  }

  get size(): number {
    let n = 0;
    for (const m of this.messages.values()) n += m.size;
    return n;
  }
}
