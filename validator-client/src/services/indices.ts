import type {BeaconApiClient, ValidatorId, ValidatorStatus} from "@ceibo/api";
import {toHex} from "@ceibo/config";
import type {Logger} from "../logger.ts";

export interface TrackedValidator {
  pubkey: Uint8Array;
  index: number;
  status: ValidatorStatus;
}

/** pubkey → validator index and status, from the beacon node (`postStateValidators` on head). */
export class IndexTracker {
  private readonly byPubkey = new Map<string, TrackedValidator>();
  private readonly pubkeys: Uint8Array[];
  private readonly api: BeaconApiClient;
  private readonly log: Logger;

  constructor(pubkeys: Uint8Array[], deps: {api: BeaconApiClient; log: Logger}) {
    this.pubkeys = pubkeys;
    this.api = deps.api;
    this.log = deps.log;
  }

  /** Looks up every key (in chunks); logs newly found indices and status changes. */
  async update(): Promise<void> {
    for (let i = 0; i < this.pubkeys.length; i += 1000) {
      const ids = this.pubkeys.slice(i, i + 1000).map((p) => toHex(p) as ValidatorId);
      const res = await this.api.postStateValidators({stateId: "head", validatorIds: ids});
      for (const v of res.data) {
        const id = toHex(v.validator.pubkey);
        const prev = this.byPubkey.get(id);
        if (prev === undefined) this.log.debug("Validator found", {index: v.index, pubkey: id, status: v.status});
        else if (prev.status !== v.status) this.log.info("Validator status", {index: v.index, status: v.status});
        this.byPubkey.set(id, {pubkey: v.validator.pubkey, index: v.index, status: v.status});
      }
    }
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
    return this.pubkeys.length - this.byPubkey.size;
  }
}
