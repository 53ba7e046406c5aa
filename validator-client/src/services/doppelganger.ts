import type {BeaconApiClient} from "@ceibo/api";
import type {Logger} from "@ceibo/utils";
import {ValidatorClientError} from "../errors.ts";

/** Validator indices per liveness request. */
export const LIVENESS_CHUNK = 1000;

/** Epochs of liveness watched before signing (as Lighthouse/Lodestar do). */
export const DOPPELGANGER_EPOCHS = 2;

/**
 * Doppelganger protection: before this client signs anything, it watches `/eth/v1/validator/liveness` for
 * DOPPELGANGER_EPOCHS epochs; if any of its validators is live (attested or proposed) meanwhile, another
 * client is using the key and this one must not start. Skipped when the chain is at its genesis epoch (no one
 * can have been validating). Checks the previous and the current epoch at every call.
 *
 * A key added while running (a Keymanager API import) gets the same watch of its own, from the epoch it was added
 * (also at the genesis epoch: the chain is running): it signs nothing (`isSafeKey`) until DOPPELGANGER_EPOCHS
 * epochs passed without it being live, and if it is live meanwhile the client stops as at start.
 */
export class Doppelganger {
  readonly startEpoch: number;
  readonly enabled: boolean;
  private readonly api: BeaconApiClient;
  private readonly log: Logger;
  private safe: boolean;
  private readonly optionEnabled: boolean;
  /** Keys added while running, by 0x pubkey: the epoch their watch began. */
  private readonly watching = new Map<string, number>();

  constructor(deps: {api: BeaconApiClient; log: Logger}, opts: {enabled: boolean; startEpoch: number}) {
    this.api = deps.api;
    this.log = deps.log;
    this.optionEnabled = opts.enabled;
    this.startEpoch = opts.startEpoch;
    this.enabled = opts.enabled && opts.startEpoch > 0;
    this.safe = !this.enabled;
    if (opts.enabled && !this.enabled) this.log.info("Doppelganger protection skipped at the genesis epoch");
    else if (this.enabled) {
      this.log.info("Doppelganger protection: watching liveness before signing", {
        epochs: DOPPELGANGER_EPOCHS,
        signingFromEpoch: this.startEpoch + DOPPELGANGER_EPOCHS,
      });
    }
  }

  /**
   * The live ones of `indices` in `epoch`, asked LIVENESS_CHUNK at a time (nodes cap the ids of one request:
   * ceibo and Nimbus at 16384).
   */
  private async liveIndices(epoch: number, indices: number[]): Promise<number[]> {
    const live: number[] = [];
    for (let i = 0; i < indices.length; i += LIVENESS_CHUNK) {
      const res = await this.api.getLiveness({epoch, indices: indices.slice(i, i + LIVENESS_CHUNK)});
      for (const l of res.data) if (l.isLive) live.push(l.index);
    }
    return live;
  }

  /** May the client sign at `epoch`? */
  isSafe(): boolean {
    return this.safe;
  }

  /** May this key sign (the client's watch passed and the key is not under a watch of its own)? */
  isSafeKey(pubkeyHex: string): boolean {
    return this.safe && !this.watching.has(pubkeyHex.toLowerCase());
  }

  /** Keys under a watch of their own (added while running). */
  get watchedKeys(): string[] {
    return [...this.watching.keys()];
  }

  /** A key added while running: it signs nothing until it passed its own watch (when protection is on). */
  watch(pubkeyHex: string, epoch: number): void {
    const id = pubkeyHex.toLowerCase();
    if (!this.optionEnabled || this.watching.has(id)) return;
    this.watching.set(id, epoch);
    this.log.info("Doppelganger protection: watching liveness of an added key before it signs", {
      pubkey: id,
      epochs: DOPPELGANGER_EPOCHS,
      signingFromEpoch: epoch + DOPPELGANGER_EPOCHS,
    });
  }

  /** A key removed while running. */
  forget(pubkeyHex: string): void {
    this.watching.delete(pubkeyHex.toLowerCase());
  }

  /**
   * The watch of keys added while running (call every slot): DOPPELGANGER_DETECTED if one is live in an epoch of
   * its watch in which this client did not sign with it; a key whose watch is over may sign.
   */
  async checkWatched(
    currentEpoch: number,
    validators: {pubkey: string; index: number; ownLastEpoch: number}[],
  ): Promise<void> {
    if (this.watching.size === 0) return;
    const watched = validators.filter((v) => this.watching.has(v.pubkey.toLowerCase()));
    for (const epoch of [currentEpoch - 1, currentEpoch]) {
      const indices = watched
        .filter((v) => epoch >= Math.max(0, (this.watching.get(v.pubkey.toLowerCase()) ?? 0) - 1))
        .filter((v) => v.ownLastEpoch < epoch)
        .map((v) => v.index);
      if (indices.length === 0) continue;
      const live = await this.liveIndices(epoch, indices);
      if (live.length > 0) {
        throw new ValidatorClientError(
          "DOPPELGANGER_DETECTED",
          `doppelganger detected: added validator(s) ${live.join(", ")} were live in epoch ${epoch} while this client was not signing with them — another client is using these keys. Stopping; do not restart until the other client is shut down`,
          {indices: live, epoch},
        );
      }
    }
    for (const v of watched) {
      const id = v.pubkey.toLowerCase();
      const since = this.watching.get(id);
      if (since !== undefined && currentEpoch >= since + DOPPELGANGER_EPOCHS) {
        this.watching.delete(id);
        this.log.info("Doppelganger protection passed for an added key: it signs from now on", {
          pubkey: id,
          index: v.index,
          epoch: currentEpoch,
        });
      }
    }
  }

  /**
   * Throws DOPPELGANGER_DETECTED if a validator is live in an epoch in which this client (by its own
   * slashing-protection records, `ownLastEpoch`) did not sign; marks safe once the watch period has passed.
   * Own records make a restart within an epoch not look like a doppelganger.
   */
  async check(currentEpoch: number, validators: {index: number; ownLastEpoch: number}[]): Promise<void> {
    if (this.safe) return;
    const epochs = [currentEpoch - 1, currentEpoch].filter((e) => e >= Math.max(0, this.startEpoch - 1));
    for (const epoch of epochs) {
      const indices = validators.filter((v) => v.ownLastEpoch < epoch).map((v) => v.index);
      if (indices.length === 0) continue;
      const live = await this.liveIndices(epoch, indices);
      if (live.length > 0) {
        throw new ValidatorClientError(
          "DOPPELGANGER_DETECTED",
          `doppelganger detected: validator(s) ${live.join(", ")} were live in epoch ${epoch} while this client was not signing — another client is using these keys. Stopping; do not restart until the other client is shut down`,
          {indices: live, epoch},
        );
      }
    }
    if (currentEpoch >= this.startEpoch + DOPPELGANGER_EPOCHS) {
      this.safe = true;
      this.log.info("Doppelganger protection passed: signing enabled", {epoch: currentEpoch});
    }
  }
}
