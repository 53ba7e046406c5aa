import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {sleep} from "@ceibo/utils";

export interface ClockOpts {
  /** Genesis time in seconds since the Unix epoch (state.genesis_time). */
  genesisTime: number;
  /** SLOT_DURATION_MS of the chain config. */
  slotDurationMs: number;
  /** Wall clock in milliseconds (default Date.now); tests pass a manual clock. */
  nowMs?: () => number;
  /** A monotonic clock in milliseconds (default performance.now): tells a wall-clock jump from a late wake-up. */
  monotonicMs?: () => number;
}

/** A step of the wall clock seen by `Clock.run` (e.g. an NTP correction): not a process pause, which moves both. */
export interface ClockJump {
  /** How far the wall clock moved beyond the monotonic clock (ms; negative: backwards). */
  jumpMs: number;
  /** The slot the loop expected next, and the wall-clock slot after the jump. */
  fromSlot: number;
  toSlot: number;
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
  private readonly monotonicMs: () => number;

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
    this.monotonicMs = opts.monotonicMs ?? (() => performance.now());
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
   * once each in order. Resolves when aborted. `onJump` hears of every wall-clock step of at least half a slot
   * (and 1 s) against the monotonic clock, forward or back (the loop then just follows the wall clock).
   */
  async run(
    onSlot: (slot: number) => Promise<void> | void,
    signal: AbortSignal,
    onJump?: (jump: ClockJump) => void,
  ): Promise<void> {
    let next = this.currentSlot;
    if (this.nowMs() < this.genesisTime * 1000) await sleepUnlessAborted(this.msUntilGenesis, signal);
    let wall = this.nowMs();
    let mono = this.monotonicMs();
    while (!signal.aborted) {
      const [wallNow, monoNow] = [this.nowMs(), this.monotonicMs()];
      const jumpMs = wallNow - wall - (monoNow - mono);
      [wall, mono] = [wallNow, monoNow];
      const current = this.currentSlot;
      if (Math.abs(jumpMs) >= Math.max(1000, this.slotDurationMs / 2)) {
        onJump?.({jumpMs, fromSlot: next, toSlot: current});
      }
      while (next <= current && !signal.aborted) {
        await onSlot(next);
        next++;
      }
      if (signal.aborted) break;
      await sleepUnlessAborted(Math.max(1, this.slotStartMs(next) - this.nowMs()), signal);
    }
  }
}

/** utils' `sleep`, but an abort ends the wait quietly (the loop then sees `signal.aborted` and returns). */
async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}
