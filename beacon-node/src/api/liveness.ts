/**
 * Validator liveness (beacon-APIs POST /eth/v1/validator/liveness/{epoch}): the validators seen doing something
 * in an epoch — proposing an imported block, attesting (in an imported block or through the pool API), sending a
 * sync committee message or an aggregate. Kept for a few epochs.
 */
export class LivenessTracker {
  private readonly byEpoch = new Map<number, Set<number>>();
  private readonly keepEpochs: number;

  constructor(keepEpochs = 8) {
    this.keepEpochs = keepEpochs;
  }

  seen(epoch: number, validatorIndex: number): void {
    let set = this.byEpoch.get(epoch);
    if (set === undefined) {
      set = new Set();
      this.byEpoch.set(epoch, set);
      for (const e of this.byEpoch.keys()) if (e < epoch - this.keepEpochs) this.byEpoch.delete(e);
    }
    set.add(validatorIndex);
  }

  isLive(epoch: number, validatorIndex: number): boolean {
    return this.byEpoch.get(epoch)?.has(validatorIndex) ?? false;
  }

  /** Whether the epoch is still kept (older epochs cannot be answered). */
  covers(epoch: number, currentEpoch: number): boolean {
    return epoch >= currentEpoch - this.keepEpochs && epoch <= currentEpoch + 1;
  }
}
