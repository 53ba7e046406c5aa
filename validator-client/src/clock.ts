import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {sleep} from "@ceibo/utils";

/** Wall-clock slots of a chain: genesis time (seconds) and slot duration (ms, SLOT_DURATION_MS). */
export class SlotClock {
  readonly genesisTime: number;
  readonly slotDurationMs: number;
  private readonly now: () => number;

  constructor(genesisTime: number, slotDurationMs: number, now: () => number = Date.now) {
    this.genesisTime = genesisTime;
    this.slotDurationMs = slotDurationMs;
    this.now = now;
  }

  /** The current slot (0 before genesis). */
  get currentSlot(): number {
    return Math.max(0, Math.floor((this.now() - this.genesisTime * 1000) / this.slotDurationMs));
  }

  get currentEpoch(): number {
    return Math.floor(this.currentSlot / SLOTS_PER_EPOCH);
  }

  /** Unix ms at which `slot` starts, plus `bps` basis points of a slot (e.g. ATTESTATION_DUE_BPS). */
  timeAt(slot: number, bps = 0): number {
    return this.genesisTime * 1000 + slot * this.slotDurationMs + Math.floor((this.slotDurationMs * bps) / 10_000);
  }

  /** Resolves at `timeAt(slot, bps)` (at once if that is past); rejects with the signal's reason when aborted. */
  sleepUntil(slot: number, bps: number, signal: AbortSignal): Promise<void> {
    return sleep(this.timeAt(slot, bps) - this.now(), signal);
  }

  /**
   * Calls `onSlot` at the start of every slot from `fromSlot` (default: the next one) on; slots that passed
   * while the process was stalled are skipped (their duties are late anyway).
   */
  async runEverySlot(signal: AbortSignal, onSlot: (slot: number) => void, fromSlot?: number): Promise<void> {
    let slot = fromSlot ?? (this.now() < this.genesisTime * 1000 ? 0 : this.currentSlot + 1);
    while (!signal.aborted) {
      try {
        await this.sleepUntil(slot, 0, signal);
      } catch {
        return;
      }
      onSlot(slot);
      slot = Math.max(slot + 1, this.currentSlot + 1);
    }
  }
}
