import {bytesEqual, toHexUnprefixed} from "@ceibo/utils";
import {PublicKey} from "@chainsafe/blst";

/**
 * pubkey ↔ validator index, shared by every state of one chain (validator indices never change once assigned,
 * so the maps only grow). Public keys are deserialized (and group-checked) lazily, the first time a signature
 * needs them, so building the cache for a million validators costs a map insert each, not a curve operation.
 */
export class PubkeyCache {
  /**
   * Keyed by a 48-bit number taken from the pubkey (no string per validator: at 1M validators hex keys cost
   * seconds of hashing and garbage collection). A hit is confirmed against the stored bytes; the rare pubkeys
   * that share a numeric key with another go to `collisions`, keyed by hex.
   */
  private readonly byKey = new Map<number, number>();
  private readonly collisions = new Map<string, number>();
  private readonly pubkeyBytes: Uint8Array[] = [];
  private readonly publicKeys: (PublicKey | undefined)[] = [];

  get size(): number {
    return this.pubkeyBytes.length;
  }

  /** Records validator `index` with `pubkey` (idempotent for the same pair). */
  set(index: number, pubkey: Uint8Array): void {
    if (this.pubkeyBytes[index] !== undefined) return;
    const key = numericKey(pubkey);
    const other = this.byKey.get(key);
    if (other === undefined) this.byKey.set(key, index);
    else if (!bytesEqual(this.pubkeyBytes[other], pubkey)) this.collisions.set(toHexUnprefixed(pubkey), index);
    this.pubkeyBytes[index] = pubkey;
  }

  /** The validator index of a pubkey, or undefined if no validator has it. */
  getIndex(pubkey: Uint8Array): number | undefined {
    if (pubkey.length !== 48) return undefined;
    const index = this.byKey.get(numericKey(pubkey));
    if (index !== undefined && bytesEqual(this.pubkeyBytes[index], pubkey)) return index;
    return this.collisions.size > 0 ? this.collisions.get(toHexUnprefixed(pubkey)) : undefined;
  }

  getPubkeyBytes(index: number): Uint8Array {
    const pk = this.pubkeyBytes[index];
    if (pk === undefined) throw Error(`no pubkey cached for validator index ${index}`);
    return pk;
  }

  /** The deserialized public key of a validator; throws if the stored bytes are not a valid G1 point. */
  getPublicKey(index: number): PublicKey {
    let pk = this.publicKeys[index];
    if (pk === undefined) {
      pk = PublicKey.fromBytes(this.getPubkeyBytes(index), true);
      this.publicKeys[index] = pk;
    }
    return pk;
  }
}

/** Bytes 1..6 of a pubkey as a number (byte 0 carries the compression/infinity/sign flags). */
function numericKey(pubkey: Uint8Array): number {
  return (
    pubkey[1] * 2 ** 40 +
    pubkey[2] * 2 ** 32 +
    ((pubkey[3] << 24) >>> 0) +
    (pubkey[4] << 16) +
    (pubkey[5] << 8) +
    pubkey[6]
  );
}
