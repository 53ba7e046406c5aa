import {
  aggregatePublicKeys,
  type PublicKey,
  Signature,
  verify,
  verifyMultipleAggregateSignatures,
} from "@chainsafe/blst";

/**
 * One signature to check: a message signing root, the signer's (or signers') public key(s) and the signature
 * bytes. Blocks collect every set they contain and verify them together (one multi-pairing), on or off the
 * main thread.
 */
export type SignatureSet =
  | {type: "single"; pubkey: PublicKey; signingRoot: Uint8Array; signature: Uint8Array}
  | {type: "aggregate"; pubkeys: PublicKey[]; signingRoot: Uint8Array; signature: Uint8Array};

function deserializeSignature(bytes: Uint8Array): Signature | null {
  try {
    // group check + infinity check: a signature that is not a valid G2 point is simply invalid
    return Signature.fromBytes(bytes, true, true);
  } catch {
    return null;
  }
}

function setPublicKey(set: SignatureSet): PublicKey | null {
  if (set.type === "single") return set.pubkey;
  if (set.pubkeys.length === 0) return null;
  return set.pubkeys.length === 1 ? set.pubkeys[0] : aggregatePublicKeys(set.pubkeys);
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
