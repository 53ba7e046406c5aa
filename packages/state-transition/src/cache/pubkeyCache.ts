import {PublicKey} from "@chainsafe/blst";
import {toHexKey} from "../util/math.ts";

/**
 * pubkey ↔ validator index, shared by every state of one chain (validator indices never change once assigned,
 * so the maps only grow). Public keys are deserialized (and group-checked) lazily, the first time a signature
 * needs them, so building the cache for a million validators costs a map insert each, not a curve operation.
 */
export class PubkeyCache {
  private readonly pubkeyToIndex = new Map<string, number>();
  private readonly pubkeyBytes: Uint8Array[] = [];
  private readonly publicKeys: (PublicKey | undefined)[] = [];

  get size(): number {
    return this.pubkeyBytes.length;
  }

  /** Records validator `index` with `pubkey` (idempotent for the same pair). */
  set(index: number, pubkey: Uint8Array): void {
    const existing = this.pubkeyBytes[index];
    if (existing !== undefined) return;
    this.pubkeyToIndex.set(toHexKey(pubkey), index);
    this.pubkeyBytes[index] = pubkey;
  }

  /** The validator index of a pubkey, or undefined if no validator has it. */
  getIndex(pubkey: Uint8Array): number | undefined {
    return this.pubkeyToIndex.get(toHexKey(pubkey));
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
