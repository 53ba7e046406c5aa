import {SLOTS_PER_EPOCH} from "@ceibo/params";

export interface ClockOpts {
  /** Genesis time in seconds since the Unix epoch (state.genesis_time). */
  genesisTime: number;
  /** SLOT_DURATION_MS of the chain config. */
  slotDurationMs: number;
  /** Wall clock in milliseconds (default Date.now); tests pass a manual clock. */
  nowMs?: () => number;
}

/**
 * Slot and epoch from genesis time and SLOT_DURATION_MS (phase0 fork-choice.md get_current_slot uses whole
 * seconds in store.time; the clock keeps milliseconds and floors). Before genesis the slot is 0 and
 * `msUntilGenesis` > 0.
 */
export class Clock {
  readonly genesisTime: number;
  readonly slotDurationMs: number;
  private readonly nowMs: () => number;

  constructor(opts: ClockOpts) {
    if (!Number.isSafeInteger(opts.genesisTime) || opts.genesisTime < 0) {
      throw Error(`invalid genesis time ${opts.genesisTime}`);
    }
    if (!Number.isSafeInteger(opts.slotDurationMs) || opts.slotDurationMs <= 0) {
      throw Error(`invalid slot duration ${opts.slotDurationMs} ms`);
    }
    this.genesisTime = opts.genesisTime;
    this.slotDurationMs = opts.slotDurationMs;
    this.nowMs = opts.nowMs ?? Date.now;
  }

  /** Milliseconds since the Unix epoch. */
  get now(): number {
    return this.nowMs();
  }

  /** Whole seconds since the Unix epoch (fork choice's store.time). */
  get nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  get msUntilGenesis(): number {
    return Math.max(0, this.genesisTime * 1000 - this.nowMs());
  }

  /** get_current_slot (0 before genesis). */
  get currentSlot(): number {
    const ms = this.nowMs() - this.genesisTime * 1000;
    return ms <= 0 ? 0 : Math.floor(ms / this.slotDurationMs);
  }

  get currentEpoch(): number {
    return Math.floor(this.currentSlot / SLOTS_PER_EPOCH);
  }

  /** The start of `slot` in milliseconds since the Unix epoch. */
  slotStartMs(slot: number): number {
    return this.genesisTime * 1000 + slot * this.slotDurationMs;
  }

  /** Milliseconds until the next slot starts (the genesis slot before genesis). */
  msUntilNextSlot(): number {
    const now = this.nowMs();
    if (now < this.genesisTime * 1000) return this.genesisTime * 1000 - now;
    return this.slotStartMs(this.currentSlot + 1) - now;
  }

  /**
   * Calls `onSlot(slot)` at the start of every slot from the current one (immediately for the current slot), until
   * `signal` aborts. Calls never overlap: a slow handler delays the next call, and skipped slots are reported
   * once each in order. Resolves when aborted.
   */
  async run(onSlot: (slot: number) => Promise<void> | void, signal: AbortSignal): Promise<void> {
    let next = this.currentSlot;
    if (this.nowMs() < this.genesisTime * 1000) await sleep(this.msUntilGenesis, signal);
    while (!signal.aborted) {
      const current = this.currentSlot;
      while (next <= current && !signal.aborted) {
        await onSlot(next);
        next++;
      }
      if (signal.aborted) break;
      await sleep(Math.max(1, this.slotStartMs(next) - this.nowMs()), signal);
    }
  }
}

/** setTimeout as a promise that resolves early (never rejects) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, {once: true});
  });
}
