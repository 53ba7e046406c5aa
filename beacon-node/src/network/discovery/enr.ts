/**
 * The consensus-layer entries of an Ethereum Node Record (EIP-778) as p2p-interface.md "ENR structure" defines
 * them: `eth2` (SSZ ENRForkID), `attnets` (SSZ Bitvector[ATTESTATION_SUBNET_COUNT]), `syncnets` (altair, SSZ
 * Bitvector[SYNC_COMMITTEE_SUBNET_COUNT]), `cgc` (fulu custody group count, big-endian without leading zeros) and
 * `nfd` (fulu next fork digest). Reading never throws: a malformed entry reads as absent.
 */

import type {BeaconConfig} from "@ceibo/config";
import {FAR_FUTURE_EPOCH, SYNC_COMMITTEE_SUBNET_COUNT} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import {type BaseENR, ENR, type SignableENR} from "@chainsafe/enr";
import {BitArray} from "@chainsafe/ssz";

/** ENR keys of the consensus layer. */
export const ENR_KEY = {
  eth2: "eth2",
  attnets: "attnets",
  syncnets: "syncnets",
  cgc: "cgc",
  nfd: "nfd",
} as const;

/** ATTESTATION_SUBNET_COUNT (phase0 p2p-interface.md configuration; the Attnets bitvector length). */
export const ATTESTATION_SUBNET_COUNT = 64;

/** phase0 p2p-interface.md ENRForkID. */
export interface ENRForkID {
  forkDigest: Uint8Array;
  nextForkVersion: Uint8Array;
  /** FAR_FUTURE_EPOCH (Infinity) when no fork is scheduled. */
  nextForkEpoch: number;
}

/** The consensus entries of a (remote or local) ENR; an absent or malformed entry is undefined. */
export interface Eth2EnrFields {
  eth2?: ENRForkID;
  attnets?: boolean[];
  syncnets?: boolean[];
  cgc?: number;
  nfd?: Uint8Array;
}

/**
 * The epoch of the next scheduled fork after `epoch`: a regular fork, or from fulu on a blob-parameters-only
 * fork (fulu p2p-interface.md `eth2` field: next_fork_epoch counts both). null when nothing is scheduled.
 */
export function nextForkEpochAfter(config: BeaconConfig, epoch: number): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const fork of config.forks) {
    if (fork.epoch > epoch && fork.epoch < next) next = fork.epoch;
  }
  const fuluEpoch = config.chain.FULU_FORK_EPOCH;
  for (const entry of config.chain.BLOB_SCHEDULE) {
    if (entry.EPOCH > epoch && entry.EPOCH >= fuluEpoch && entry.EPOCH < next) next = entry.EPOCH;
  }
  return Number.isFinite(next) ? next : null;
}

/**
 * ENRForkID at the wall-clock `epoch` (phase0 / fulu p2p-interface.md `eth2` field): the current fork digest, the
 * version of the next fork (the current version when the next fork is blob-parameters-only or none is scheduled)
 * and its epoch (FAR_FUTURE_EPOCH when none is scheduled).
 */
export function computeEnrForkId(config: BeaconConfig, epoch: number): ENRForkID {
  const forkDigest = config.computeForkDigest(epoch);
  const next = nextForkEpochAfter(config, epoch);
  if (next === null) {
    return {forkDigest, nextForkVersion: config.computeForkVersion(epoch), nextForkEpoch: FAR_FUTURE_EPOCH};
  }
  return {forkDigest, nextForkVersion: config.computeForkVersion(next), nextForkEpoch: next};
}

/** fulu p2p-interface.md `nfd`: the digest of the next scheduled fork (regular or BPO), zero bytes if none. */
export function computeNextForkDigest(config: BeaconConfig, epoch: number): Uint8Array {
  const next = nextForkEpochAfter(config, epoch);
  return next === null ? new Uint8Array(4) : config.computeForkDigest(next);
}

/** fulu p2p-interface.md: `cgc` and `nfd` are carried once FULU_FORK_EPOCH is scheduled. */
export function isFuluScheduled(config: BeaconConfig): boolean {
  return Number.isFinite(config.chain.FULU_FORK_EPOCH);
}

export function encodeEnrForkId(forkId: ENRForkID): Uint8Array {
  return ssz.phase0.ENRForkID.serialize(forkId);
}

export function decodeEnrForkId(bytes: Uint8Array): ENRForkID {
  return ssz.phase0.ENRForkID.deserialize(bytes);
}

/** An SSZ Bitvector of `bits.length` bits. */
export function encodeBitvector(bits: boolean[]): Uint8Array {
  return BitArray.fromBoolArray(bits).uint8Array;
}

/** Decodes an SSZ Bitvector[length]: exactly ceil(length / 8) bytes, no bit set beyond `length`. */
export function decodeBitvector(bytes: Uint8Array, length: number): boolean[] {
  if (bytes.length !== Math.ceil(length / 8)) {
    throw Error(`bitvector of ${length} bits must be ${Math.ceil(length / 8)} bytes, got ${bytes.length}`);
  }
  if (length % 8 !== 0 && bytes[bytes.length - 1] >> (length % 8) !== 0) {
    throw Error(`bitvector of ${length} bits has bits set beyond its length`);
  }
  return new BitArray(bytes, length).toBoolArray();
}

/** fulu `cgc`: a big-endian integer without leading zero bytes; 0 is the empty byte string. */
export function encodeCgc(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw Error(`invalid custody group count ${value}`);
  const out: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return Uint8Array.from(out);
}

export function decodeCgc(bytes: Uint8Array): number {
  if (bytes.length > 8) throw Error(`cgc of ${bytes.length} bytes`);
  if (bytes.length > 0 && bytes[0] === 0) throw Error("cgc has a leading zero byte");
  let v = 0;
  for (const b of bytes) v = v * 256 + b;
  if (!Number.isSafeInteger(v)) throw Error("cgc out of range");
  return v;
}

/** Reads the consensus entries of an ENR; a malformed entry is left out. */
export function readEth2Fields(enr: BaseENR): Eth2EnrFields {
  const fields: Eth2EnrFields = {};
  const read = <T>(key: string, decode: (b: Uint8Array) => T): T | undefined => {
    const bytes = enr.kvs.get(key);
    if (bytes === undefined) return undefined;
    try {
      return decode(bytes);
    } catch {
      return undefined;
    }
  };
  fields.eth2 = read(ENR_KEY.eth2, decodeEnrForkId);
  fields.attnets = read(ENR_KEY.attnets, (b) => decodeBitvector(b, ATTESTATION_SUBNET_COUNT));
  fields.syncnets = read(ENR_KEY.syncnets, (b) => decodeBitvector(b, SYNC_COMMITTEE_SUBNET_COUNT));
  fields.cgc = read(ENR_KEY.cgc, decodeCgc);
  fields.nfd = read(ENR_KEY.nfd, (b) => {
    if (b.length !== 4) throw Error("nfd must be 4 bytes");
    return b;
  });
  return fields;
}

/**
 * Decodes a text ENR ("enr:…"), or null when it does not decode or its signature does not verify. Incoming ENRs
 * must go through here: @chainsafe/enr throws on some valid-looking records (e.g. seq 0: "Cannot convert 0x to a
 * BigInt").
 */
export function decodeEnrTxt(text: string): ENR | null {
  try {
    return ENR.decodeTxt(text.trim());
  } catch {
    return null;
  }
}

/** The local node's consensus entries at the wall-clock `epoch`. */
export interface LocalEnrFields {
  attnets: boolean[];
  syncnets: boolean[];
  custodyGroupCount: number;
}

/**
 * Writes the consensus entries into the local ENR. Only entries whose bytes change are written (each write bumps
 * the ENR sequence number). Returns whether anything changed.
 */
export function updateLocalEnr(enr: SignableENR, config: BeaconConfig, epoch: number, local: LocalEnrFields): boolean {
  const wanted = new Map<string, Uint8Array | null>();
  wanted.set(ENR_KEY.eth2, encodeEnrForkId(computeEnrForkId(config, epoch)));
  // attnets MUST be present when any bit is set, MAY be omitted when all are zero: always written, as most clients do
  wanted.set(ENR_KEY.attnets, encodeBitvector(local.attnets));
  // altair p2p-interface.md `syncnets`, carried once altair is scheduled
  if (Number.isFinite(config.chain.ALTAIR_FORK_EPOCH)) wanted.set(ENR_KEY.syncnets, encodeBitvector(local.syncnets));
  if (isFuluScheduled(config)) {
    wanted.set(ENR_KEY.cgc, encodeCgc(local.custodyGroupCount));
    wanted.set(ENR_KEY.nfd, computeNextForkDigest(config, epoch));
  } else {
    wanted.set(ENR_KEY.cgc, null);
    wanted.set(ENR_KEY.nfd, null);
  }
  let changed = false;
  for (const [key, value] of wanted) {
    const current = enr.kvs.get(key);
    if (value === null) {
      if (current !== undefined) {
        enr.delete(key);
        changed = true;
      }
    } else if (current === undefined || !bytesEqual(current, value)) {
      enr.set(key, value);
      changed = true;
    }
  }
  return changed;
}
