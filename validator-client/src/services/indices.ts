import type {BeaconApiClient, ValidatorId, ValidatorStatus} from "@ceibo/api";
import type {Logger} from "@ceibo/utils";
import {toHex} from "@ceibo/utils";

export interface TrackedValidator {
  pubkey: Uint8Array;
  index: number;
  status: ValidatorStatus;
}

/** pubkey → validator index and status, from the beacon node (`postStateValidators` on head). */
export class IndexTracker {
  private readonly byPubkey = new Map<string, TrackedValidator>();
  private readonly pubkeys = new Map<string, Uint8Array>();
  private readonly api: BeaconApiClient;
  private readonly log: Logger;

  constructor(pubkeys: Uint8Array[], deps: {api: BeaconApiClient; log: Logger}) {
    for (const p of pubkeys) this.pubkeys.set(toHex(p), p);
    this.api = deps.api;
    this.log = deps.log;
  }

  /** Looks up every key (in chunks); logs newly found indices and status changes. */
  async update(): Promise<void> {
    const all = [...this.pubkeys.keys()];
    for (let i = 0; i < all.length; i += 1000) {
      const ids = all.slice(i, i + 1000) as ValidatorId[];
      const res = await this.api.postStateValidators({stateId: "head", validatorIds: ids});
      for (const v of res.data) {
        const id = toHex(v.validator.pubkey);
        if (!this.pubkeys.has(id)) continue; // removed meanwhile (Keymanager API)
        const prev = this.byPubkey.get(id);
        if (prev === undefined) this.log.debug("Validator found", {index: v.index, pubkey: id, status: v.status});
        else if (prev.status !== v.status) this.log.info("Validator status", {index: v.index, status: v.status});
        this.byPubkey.set(id, {pubkey: v.validator.pubkey, index: v.index, status: v.status});
      }
    }
  }

  /** Called with the 0x pubkey of a key added / removed while running (the validator client's doppelganger watch). */
  onAdded?: (pubkeyHex: string) => void;
  onRemoved?: (pubkeyHex: string) => void;

  /** Tracks another key (added through the Keymanager API); its index is looked up by the next update(). */
  addPubkey(pubkey: Uint8Array): void {
    const id = toHex(pubkey);
    const isNew = !this.pubkeys.has(id);
    this.pubkeys.set(id, pubkey);
    if (isNew) this.onAdded?.(id);
  }

  /** Whether every tracked key's validator index is known. */
  allIndexed(): boolean {
    for (const id of this.pubkeys.keys()) if (!this.byPubkey.has(id)) return false;
    return true;
  }

  /** Stops tracking a key: no further duties are fetched for it. */
  removePubkey(pubkey: Uint8Array | string): void {
    const id = typeof pubkey === "string" ? pubkey.toLowerCase() : toHex(pubkey);
    this.pubkeys.delete(id);
    this.byPubkey.delete(id);
    this.onRemoved?.(id);
  }

  get(pubkey: Uint8Array | string): TrackedValidator | undefined {
    return this.byPubkey.get(typeof pubkey === "string" ? pubkey.toLowerCase() : toHex(pubkey));
  }

  /** Indices of validators the chain knows (any status). */
  indices(): number[] {
    return [...this.byPubkey.values()].map((v) => v.index);
  }

  all(): TrackedValidator[] {
    return [...this.byPubkey.values()];
  }

  get unknownCount(): number {
    return this.pubkeys.size - this.byPubkey.size;
  }
}
