import type {BeaconApiClient} from "@ceibo/api";
import {ValidatorClientError} from "../errors.ts";
import type {Logger} from "../logger.ts";

/** Epochs of liveness watched before signing (as Lighthouse/Lodestar do). */
export const DOPPELGANGER_EPOCHS = 2;

/**
 * Doppelganger protection: before this client signs anything, it watches `/eth/v1/validator/liveness` for
 * DOPPELGANGER_EPOCHS epochs; if any of its validators is live (attested or proposed) meanwhile, another
 * client is using the key and this one must not start. Skipped when the chain is at its genesis epoch (no one
 * can have been validating). Checks the previous and the current epoch at every call.
 */
export class Doppelganger {
  readonly startEpoch: number;
  readonly enabled: boolean;
  private readonly api: BeaconApiClient;
  private readonly log: Logger;
  private safe: boolean;

  constructor(deps: {api: BeaconApiClient; log: Logger}, opts: {enabled: boolean; startEpoch: number}) {
    this.api = deps.api;
    this.log = deps.log;
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

  /** May the client sign at `epoch`? */
  isSafe(): boolean {
    return this.safe;
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
      const res = await this.api.getLiveness({epoch, indices});
      const live = res.data.filter((l) => l.isLive).map((l) => l.index);
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
