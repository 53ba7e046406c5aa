import {
  aggregatePublicKeys,
  aggregateSerializedPublicKeys,
  PublicKey,
  Signature,
  verify,
  verifyMultipleAggregateSignatures,
} from "@chainsafe/blst";

/** Bytes of an uncompressed G1 public key (a `KeyPoint`). */
export const KEY_POINT_BYTES = 96;

/**
 * A public key already checked (decompressed, in the G1 subgroup, not infinity) as its 96-byte uncompressed
 * serialization: what `PubkeyCache` stores for every validator (`getKeyPoint`), and sums of such keys. Trusted: it is
 * deserialized without a second check, so it must only ever come from checked keys, never from the network. A
 * 48-byte (compressed) key is refused.
 */
export type KeyPoint = Uint8Array;

/**
 * A signature set's public key: a deserialized blst key, or a checked key's point. Gossip validation hands the BLS
 * pool points, not blst objects: a `PublicKey` is a native object with a weak handle, and thousands of them a minute
 * made every major GC's atomic pause longer (issue 13, bench/README.md round 8); the pool only needs the bytes, and
 * its workers add an aggregate set's points up.
 */
export type SetPublicKey = PublicKey | KeyPoint;

/**
 * One signature to check: a message signing root, the signer's (or signers') public key(s) and the signature
 * bytes. Blocks collect every set they contain and verify them together (one multi-pairing), on or off the
 * main thread. An aggregate set's keys may be partial aggregates (committee blocks); their sum is the signers' key.
 */
export type SignatureSet =
  | {type: "single"; pubkey: SetPublicKey; signingRoot: Uint8Array; signature: Uint8Array}
  | {type: "aggregate"; pubkeys: SetPublicKey[]; signingRoot: Uint8Array; signature: Uint8Array};

/** The key point as bytes, refused unless it is a 96-byte uncompressed serialization. */
export function checkKeyPoint(point: KeyPoint): KeyPoint {
  if (point.length !== KEY_POINT_BYTES) {
    throw Error(`a key point is a ${KEY_POINT_BYTES}-byte uncompressed key, got ${point.length} bytes`);
  }
  return point;
}

/** The key deserialized (a checked point: no second subgroup check). */
export function toPublicKey(key: SetPublicKey): PublicKey {
  return key instanceof PublicKey ? key : PublicKey.fromBytes(checkKeyPoint(key), false);
}

/** The key's uncompressed serialization (a point as is, a blst key serialized). */
export function toKeyPoint(key: SetPublicKey): KeyPoint {
  return key instanceof PublicKey ? key.toBytes(false) : checkKeyPoint(key);
}

/** The sum of keys (at least one). */
export function aggregateSetPublicKeys(keys: readonly SetPublicKey[]): PublicKey {
  if (keys.length === 0) throw Error("aggregateSetPublicKeys: no keys");
  if (keys.length === 1) return toPublicKey(keys[0]);
  if (keys.every((k) => !(k instanceof PublicKey))) {
    // checked points: added up without a check or an object per key
    return aggregateSerializedPublicKeys(
      keys.map((k) => checkKeyPoint(k as KeyPoint)),
      false,
    );
  }
  return aggregatePublicKeys(keys.map(toPublicKey));
}

/** The signers of a set: its one key, or the keys of an aggregate set. */
export function setPublicKeys(set: SignatureSet): readonly SetPublicKey[] {
  return set.type === "single" ? [set.pubkey] : set.pubkeys;
}

function deserializeSignature(bytes: Uint8Array): Signature | null {
  try {
    // group check + infinity check: a signature that is not a valid G2 point is simply invalid
    return Signature.fromBytes(bytes, true, true);
  } catch {
    return null;
  }
}

function setPublicKey(set: SignatureSet): PublicKey | null {
  if (set.type === "single") return toPublicKey(set.pubkey);
  if (set.pubkeys.length === 0) return null;
  return aggregateSetPublicKeys(set.pubkeys);
}

/** Verifies one set (bls.Verify, or bls.FastAggregateVerify for an aggregate set; no signers → invalid). */
export function verifySignatureSet(set: SignatureSet): boolean {
  const sig = deserializeSignature(set.signature);
  const pk = setPublicKey(set);
  if (sig === null || pk === null) return false;
  return verify(set.signingRoot, pk, sig);
}

/** Verifies many sets with one randomized multi-pairing; false if any set is invalid. */
export function verifySignatureSets(sets: SignatureSet[]): boolean {
  if (sets.length === 0) return true;
  if (sets.length === 1) return verifySignatureSet(sets[0]);
  const batch = [];
  for (const set of sets) {
    const sig = deserializeSignature(set.signature);
    const pk = setPublicKey(set);
    if (sig === null || pk === null) return false;
    batch.push({msg: set.signingRoot, pk, sig});
  }
  return verifyMultipleAggregateSignatures(batch);
}
