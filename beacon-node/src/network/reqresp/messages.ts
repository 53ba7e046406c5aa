/** Status and MetaData between the shared message shapes (network/types.ts) and their SSZ types per version. */
import {SYNC_COMMITTEE_SUBNET_COUNT} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {BitArray} from "@chainsafe/ssz";
import type {MetadataMessage, StatusMessage} from "../types.ts";

const ATTNETS_BITS = ssz.phase0.AttestationSubnets.lengthBits;

/** ssz.phase0.Status (v1) or ssz.fulu.Status (v2). */
export function statusType(version: number): typeof ssz.phase0.Status | typeof ssz.fulu.Status {
  return version >= 2 ? ssz.fulu.Status : ssz.phase0.Status;
}

/** Status v1 / v2 SSZ bytes; v2 needs earliestAvailableSlot (`fallbackEarliest` when the message lacks it). */
export function serializeStatus(status: StatusMessage, version: number, fallbackEarliest = 0): Uint8Array {
  const base = {
    forkDigest: status.forkDigest,
    finalizedRoot: status.finalizedRoot,
    finalizedEpoch: status.finalizedEpoch,
    headRoot: status.headRoot,
    headSlot: status.headSlot,
  };
  if (version >= 2) {
    return ssz.fulu.Status.serialize({
      ...base,
      earliestAvailableSlot: status.earliestAvailableSlot ?? fallbackEarliest,
    });
  }
  return ssz.phase0.Status.serialize(base);
}

export function deserializeStatus(bytes: Uint8Array, version: number): StatusMessage {
  if (version >= 2) {
    const v = ssz.fulu.Status.deserialize(bytes);
    return {
      forkDigest: v.forkDigest,
      finalizedRoot: v.finalizedRoot,
      finalizedEpoch: v.finalizedEpoch,
      headRoot: v.headRoot,
      headSlot: v.headSlot,
      earliestAvailableSlot: v.earliestAvailableSlot,
    };
  }
  const v = ssz.phase0.Status.deserialize(bytes);
  return {
    forkDigest: v.forkDigest,
    finalizedRoot: v.finalizedRoot,
    finalizedEpoch: v.finalizedEpoch,
    headRoot: v.headRoot,
    headSlot: v.headSlot,
  };
}

/** ssz.phase0.Metadata (v1), ssz.altair.Metadata (v2), ssz.fulu.Metadata (v3). */
export function metadataType(
  version: number,
): typeof ssz.phase0.Metadata | typeof ssz.altair.Metadata | typeof ssz.fulu.Metadata {
  if (version >= 3) return ssz.fulu.Metadata;
  if (version === 2) return ssz.altair.Metadata;
  return ssz.phase0.Metadata;
}

function bits(values: boolean[], length: number): BitArray {
  return BitArray.fromBoolArray(Array.from({length}, (_, i) => values[i] === true));
}

/** MetaData v1 / v2 / v3 SSZ bytes (v3's custody_group_count defaults to 0 when the message has none). */
export function serializeMetadata(metadata: MetadataMessage, version: number): Uint8Array {
  const attnets = bits(metadata.attnets, ATTNETS_BITS);
  if (version >= 3) {
    return ssz.fulu.Metadata.serialize({
      seqNumber: metadata.seqNumber,
      attnets,
      syncnets: bits(metadata.syncnets, SYNC_COMMITTEE_SUBNET_COUNT),
      custodyGroupCount: metadata.custodyGroupCount ?? 0,
    });
  }
  if (version === 2) {
    return ssz.altair.Metadata.serialize({
      seqNumber: metadata.seqNumber,
      attnets,
      syncnets: bits(metadata.syncnets, SYNC_COMMITTEE_SUBNET_COUNT),
    });
  }
  return ssz.phase0.Metadata.serialize({seqNumber: metadata.seqNumber, attnets});
}

/** A MetadataMessage from MetaData v1 / v2 / v3 bytes (v1 has no syncnets: all false). */
export function deserializeMetadata(bytes: Uint8Array, version: number): MetadataMessage {
  if (version >= 3) {
    const v = ssz.fulu.Metadata.deserialize(bytes);
    return {
      seqNumber: v.seqNumber,
      attnets: v.attnets.toBoolArray(),
      syncnets: v.syncnets.toBoolArray(),
      custodyGroupCount: v.custodyGroupCount,
    };
  }
  if (version === 2) {
    const v = ssz.altair.Metadata.deserialize(bytes);
    return {seqNumber: v.seqNumber, attnets: v.attnets.toBoolArray(), syncnets: v.syncnets.toBoolArray()};
  }
  const v = ssz.phase0.Metadata.deserialize(bytes);
  return {
    seqNumber: v.seqNumber,
    attnets: v.attnets.toBoolArray(),
    syncnets: Array.from({length: SYNC_COMMITTEE_SUBNET_COUNT}, () => false),
  };
}
