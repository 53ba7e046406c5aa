/**
 * The builder "liveness failsafe" (builder-specs specs/bellatrix/validator.md "Liveness failsafe"): when the chain
 * looks unhealthy the proposer builds locally. Unhealthy = more than `allowedFaults` missed slots (no block on the
 * canonical chain) among the `faultInspectionWindow` slots before the proposal slot. It recovers by itself once
 * the missed slots leave the window.
 *
 * Defaults: a window of 32 slots with 5 allowed faults (Teku's builder circuit breaker; Prysm allows 5 per epoch,
 * Lighthouse 8 per epoch). `--builder.fault-inspection-window` / `--builder.allowed-faults` change them.
 */
import type {RootHex} from "@ceibo/fork-choice";

export const DEFAULT_FAULT_INSPECTION_WINDOW = 32;
export const DEFAULT_ALLOWED_FAULTS = 5;

export interface CircuitBreakerOpts {
  faultInspectionWindow: number;
  allowedFaults: number;
}

interface BlockLookup {
  getBlock(root: RootHex): {slot: number; parentRoot: RootHex} | undefined | null;
}

/**
 * Missed slots in [slot - window, slot) on the chain of `headRoot` (slot 0, the genesis, never counts; slots
 * before the oldest block fork choice still knows are not counted).
 */
export function countMissedSlots(forkChoice: BlockLookup, headRoot: RootHex, slot: number, window: number): number {
  const start = Math.max(1, slot - window);
  const filled = new Set<number>();
  let node = forkChoice.getBlock(headRoot);
  let complete = false;
  let oldestKnown = slot;
  while (node != null) {
    if (node.slot < start) {
      complete = true; // walked past the window's start (the genesis block at the latest): every slot is judged
      break;
    }
    if (node.slot < slot) filled.add(node.slot);
    oldestKnown = node.slot;
    node = forkChoice.getBlock(node.parentRoot);
  }
  const judgedFrom = complete ? start : Math.max(start, oldestKnown);
  let missed = 0;
  for (let s = judgedFrom; s < slot; s++) if (!filled.has(s)) missed++;
  return missed;
}

export class CircuitBreaker {
  readonly opts: CircuitBreakerOpts;
  private tripped = false;

  constructor(opts: Partial<CircuitBreakerOpts> = {}) {
    const window = opts.faultInspectionWindow ?? DEFAULT_FAULT_INSPECTION_WINDOW;
    const allowed = opts.allowedFaults ?? DEFAULT_ALLOWED_FAULTS;
    if (!Number.isSafeInteger(window) || window < 1) throw Error(`fault inspection window ${window} must be ≥ 1`);
    if (!Number.isSafeInteger(allowed) || allowed < 0 || allowed >= window) {
      throw Error(`allowed faults ${allowed} must be between 0 and the window (${window}) - 1`);
    }
    this.opts = {faultInspectionWindow: window, allowedFaults: allowed};
  }

  /**
   * Whether builder payloads may be used for a proposal at `slot` on `headRoot`; `changed` is set when the
   * verdict differs from the previous one (trip or recovery, to log once).
   */
  check(forkChoice: BlockLookup, headRoot: RootHex, slot: number): {ok: boolean; missed: number; changed: boolean} {
    const missed = countMissedSlots(forkChoice, headRoot, slot, this.opts.faultInspectionWindow);
    const tripped = missed > this.opts.allowedFaults;
    const changed = tripped !== this.tripped;
    this.tripped = tripped;
    return {ok: !tripped, missed, changed};
  }
}
