/**
 * What validators submitted through the API, kept in the form the aggregation routes serve:
 * - attestations by AttestationData root and committee → the committee's aggregate (electra validator.md
 *   "Aggregation selection": an Attestation with one committee bit; phase0: data.index is the committee);
 * - sync committee messages by (slot, block root) → a subcommittee's SyncCommitteeContribution (altair
 *   validator.md "Sync committee contributions", get_sync_subcommittee_pubkeys).
 * Entries are verified before they get here (by the chain's submit functions).
 */

import {MAX_COMMITTEES_PER_SLOT, SYNC_COMMITTEE_SIZE, SYNC_COMMITTEE_SUBNET_COUNT} from "@ceibo/params";
import type {AttestationData} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHexUnprefixed} from "@ceibo/utils";
import {aggregateSignatures, Signature} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";

interface CommitteeEntry {
  data: AttestationData;
  committeeIndex: number;
  bits: boolean[];
  signatures: Map<number, Uint8Array>;
}

export interface AggregateValue {
  aggregationBits: BitArray;
  data: AttestationData;
  signature: Uint8Array;
  committeeBits?: BitArray;
}

export class SubmittedAttestations {
  /** `${dataRootHex}:${committeeIndex}` → entry. */
  private readonly entries = new Map<string, CommitteeEntry>();

  add(data: AttestationData, committeeIndex: number, committeeSize: number, position: number, sig: Uint8Array): void {
    const key = `${toHexUnprefixed(ssz.phase0.AttestationData.hashTreeRoot(data))}:${committeeIndex}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      e = {data, committeeIndex, bits: new Array<boolean>(committeeSize).fill(false), signatures: new Map()};
      this.entries.set(key, e);
    }
    if (e.bits[position]) return;
    e.bits[position] = true;
    e.signatures.set(position, sig);
  }

  /** The aggregate of one committee for one data root (electra shape when `electra`), or null. */
  getAggregate(dataRoot: Uint8Array, committeeIndex: number, electra: boolean): AggregateValue | null {
    const e = this.entries.get(`${toHexUnprefixed(dataRoot)}:${committeeIndex}`);
    return e === undefined ? null : toAggregate(e, electra);
  }

  /** Every committee aggregate, optionally filtered by slot and committee index. */
  list(electra: boolean, slot?: number, committeeIndex?: number): AggregateValue[] {
    const out: AggregateValue[] = [];
    for (const e of this.entries.values()) {
      if (slot !== undefined && e.data.slot !== slot) continue;
      if (committeeIndex !== undefined && e.committeeIndex !== committeeIndex) continue;
      out.push(toAggregate(e, electra));
    }
    return out;
  }

  /** Drops attestations older than two epochs' worth of slots. */
  prune(minSlot: number): void {
    for (const [k, e] of this.entries) if (e.data.slot < minSlot) this.entries.delete(k);
  }
}

function toAggregate(e: CommitteeEntry, electra: boolean): AggregateValue {
  const sigs = [...e.signatures.values()].map((s) => Signature.fromBytes(s, true));
  const value: AggregateValue = {
    aggregationBits: BitArray.fromBoolArray(e.bits),
    data: e.data,
    signature: aggregateSignatures(sigs).toBytes(true),
  };
  if (electra) {
    const committeeBits = BitArray.fromBitLen(MAX_COMMITTEES_PER_SLOT);
    committeeBits.set(e.committeeIndex, true);
    value.committeeBits = committeeBits;
  }
  return value;
}

/** Subcommittee size: SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT. */
export const SYNC_SUBCOMMITTEE_SIZE = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;

export class SubmittedSyncMessages {
  /** `${slot}:${rootHex}` → validator index → signature. */
  private readonly messages = new Map<string, Map<number, Uint8Array>>();

  add(slot: number, root: Uint8Array, validatorIndex: number, signature: Uint8Array): void {
    const key = `${slot}:${toHexUnprefixed(root)}`;
    let m = this.messages.get(key);
    if (m === undefined) {
      m = new Map();
      this.messages.set(key, m);
    }
    m.set(validatorIndex, signature);
  }

  /**
   * The contribution of `subcommitteeIndex` for (slot, root): a bit per position of the subcommittee (of the
   * sync committee `committee`, in order) whose validator signed; null when nobody did.
   */
  getContribution(
    slot: number,
    root: Uint8Array,
    subcommitteeIndex: number,
    committee: number[],
  ): {aggregationBits: BitArray; signature: Uint8Array} | null {
    const signed = this.messages.get(`${slot}:${toHexUnprefixed(root)}`);
    if (signed === undefined) return null;
    const bits = new Array<boolean>(SYNC_SUBCOMMITTEE_SIZE).fill(false);
    const sigs: Signature[] = [];
    for (let i = 0; i < SYNC_SUBCOMMITTEE_SIZE; i++) {
      const sig = signed.get(committee[subcommitteeIndex * SYNC_SUBCOMMITTEE_SIZE + i]);
      if (sig === undefined) continue;
      bits[i] = true;
      sigs.push(Signature.fromBytes(sig, true));
    }
    if (sigs.length === 0) return null;
    return {aggregationBits: BitArray.fromBoolArray(bits), signature: aggregateSignatures(sigs).toBytes(true)};
  }

  prune(minSlot: number): void {
    for (const k of this.messages.keys()) if (Number(k.split(":")[0]) < minSlot) this.messages.delete(k);
  }
}
