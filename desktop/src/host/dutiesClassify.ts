/**
 * Missed-duty explanations: a pure function from what the host recorded (per-slot samples of the validator
 * client, the beacon node and the execution client; block arrival times; the duty's outcome read from the
 * chain) to one cause in plain words and what to do about it. No I/O here: `duties.ts` records, this explains.
 *
 * Timing facts used (consensus-specs a08d8a6, phase0/validator.md "Attesting": an attestation is made
 * when the slot's block arrives or at 1/3 of the slot, i.e. `ATTESTATION_DUE_BPS` = 3333 basis points of
 * SLOT_DURATION_MS in the newer spec text; altair/beacon-chain.md "get_attestation_participation_flag_indices":
 * the head flag needs inclusion delay == MIN_ATTESTATION_INCLUSION_DELAY (1)).
 */
import type {Cause, CauseDetails, DutyKind, SlotSample} from "../shared/monitorTypes.ts";

export type {Cause, DutyKind, SlotSample};

/** Outcome of one duty of one validator, read from the chain after it could have been included. */
export type DutyOutcome =
  | {
      kind: "attestation";
      validatorIndex: number;
      slot: number;
      /** Found in a canonical block (first inclusion). */
      included: boolean;
      /** Inclusion slot − attestation slot (null if not included). */
      inclusionDistance: number | null;
      /** The voted head is the canonical block at the slot (null if not included). */
      headCorrect: boolean | null;
      /** The voted target is the canonical epoch boundary block (null if not included). */
      targetCorrect: boolean | null;
      /** The voted head is a block the node knew that is not on the canonical chain (it was reorged out). */
      votedHeadReorged: boolean | null;
    }
  | {
      kind: "proposal";
      validatorIndex: number;
      slot: number;
      /** A block of this slot by this proposer is on the canonical chain. */
      canonical: boolean;
      /** The host saw a block of this slot (from this proposer) that is not canonical. */
      seenNonCanonical: boolean;
    }
  | {kind: "sync"; validatorIndex: number; slot: number; included: boolean};

/** When the block of a slot reached the node (imported; ms after the slot's start). */
export interface BlockArrival {
  slot: number;
  offsetMs: number;
}

export interface ClassifyContext {
  slotMs: number;
  /** Samples around the slot (any order); the one of the duty's slot (or the slot before) is used. */
  samples: readonly SlotSample[];
  /** Arrival of the canonical block of the duty's slot, if one was seen. */
  arrival: BlockArrival | null;
}

export interface Explanation {
  cause: Cause;
  /** "missed" (no reward for it), "late" (included, with a smaller reward), "ok". */
  result: "missed" | "late" | "ok";
  /** Numbers the sentence needs (renderer translates `duty.cause.<cause>` and `duty.todo.<cause>`). */
  details: CauseDetails;
  /** The English sentence and advice (for logs, CSV and tests; the UI uses the i18n keys). */
  text: string;
  todo: string;
}

/** 1/3 of a slot: the attestation deadline (ATTESTATION_DUE_BPS = 3333). */
export function attestationDueMs(slotMs: number): number {
  return Math.floor((slotMs * 3333) / 10_000);
}

function sampleAt(samples: readonly SlotSample[], slot: number): SlotSample | null {
  let best: SlotSample | null = null;
  for (const s of samples) {
    if (s.slot === slot) return s;
    // the slot before is a fair stand-in when this slot's sample was not taken (host busy)
    if (s.slot === slot - 1) best = s;
  }
  return best;
}

const TEXT: Record<Exclude<Cause, "ok">, {text: (d: Explanation["details"]) => string; todo: string}> = {
  vcNotRunning: {
    text: () => "The validator client was not running at that slot, so nothing was signed.",
    todo: "Start the validator client (Dashboard → Start) and check its log for why it stopped.",
  },
  nodeUnreachable: {
    text: () => "The beacon node did not answer at that slot (stopped, restarting or overloaded).",
    todo: "Check that the beacon node is running and look at its log; restart it if it hangs.",
  },
  elOffline: {
    text: () => "The execution client was offline: the beacon node could not verify or build blocks.",
    todo: "Start the execution client, check its Engine API URL and JWT secret in Settings.",
  },
  noPeers: {
    text: () => "The beacon node had no peers, so it could neither hear blocks nor publish your messages.",
    todo: "Check the internet connection and that the p2p port is open (forwarded on the router).",
  },
  notSynced: {
    text: (d) => `The beacon node was not synced (${d.syncDistance ?? "?"} slots behind).`,
    todo: "Wait for sync to finish; if it keeps falling behind, check disk, CPU and peers.",
  },
  lateBlock: {
    text: (d) =>
      `The block of that slot arrived late (${((d.offsetMs ?? 0) / 1000).toFixed(2)} s into the slot, after the ` +
      "attestation deadline), so the vote went to the block before it.",
    todo: "Usually the proposer's or the network's fault, nothing to do; if it happens often, check your node's peers and CPU.",
  },
  headReorged: {
    text: () => "It voted for a head block that was later reorged out of the chain.",
    todo: "Nothing to do: a reorg of another proposer's block; it happens now and then.",
  },
  wrongHead: {
    text: () => "It voted for a head block that is not the one the chain kept at that slot.",
    todo: "If it repeats, your node sees blocks late: check peers, CPU load and the clock (NTP).",
  },
  wrongTarget: {
    text: () => "It voted for the wrong target (epoch boundary block), so the vote earned nothing for the target.",
    todo: "Your node was on another fork at the epoch start: check peers and sync; check the clock (NTP).",
  },
  includedLate: {
    text: (d) => `It was included late: ${d.distance ?? "?"} slots after its slot (1 is on time).`,
    todo: "Publishing or aggregation was slow: check peers and CPU load; nothing to do if it is rare.",
  },
  proposalOrphaned: {
    text: () =>
      "The block was proposed but did not stay on the chain (orphaned: the next proposer built on another block).",
    todo: "Usually the block was published late: check CPU load, the execution client's speed and peers.",
  },
  notWatched: {
    text: () => "The app was not watching at that slot (it was closed), so the cause is not known.",
    todo: "Keep the app (or ceibo ui) running to get explanations.",
  },
  unknown: {
    text: () => "Everything looked fine at that slot; the message was probably lost on the network.",
    todo: "Nothing to do if it is rare; if it repeats, check peers and the validator client's log.",
  },
};

function explain(cause: Exclude<Cause, "ok">, result: "missed" | "late", details: Explanation["details"]): Explanation {
  return {cause, result, details, text: TEXT[cause].text(details), todo: TEXT[cause].todo};
}

/** The cause of a missed or late duty (or `ok`). Pure: same inputs, same answer. */
export function classifyDuty(outcome: DutyOutcome, ctx: ClassifyContext): Explanation {
  let result: "missed" | "late";
  if (outcome.kind === "attestation") {
    if (outcome.included && outcome.headCorrect === true && outcome.targetCorrect === true) {
      if ((outcome.inclusionDistance ?? 1) <= 1) {
        return {cause: "ok", result: "ok", details: {}, text: "Done on time.", todo: ""};
      }
    }
    result = outcome.included ? "late" : "missed";
  } else if (outcome.kind === "proposal") {
    if (outcome.canonical) return {cause: "ok", result: "ok", details: {}, text: "Done on time.", todo: ""};
    result = "missed";
  } else {
    if (outcome.included) return {cause: "ok", result: "ok", details: {}, text: "Done on time.", todo: ""};
    result = "missed";
  }

  // 1. what the host saw of the processes at that slot
  const s = sampleAt(ctx.samples, outcome.slot);
  if (s !== null) {
    if (s.vc === "stopped" && result === "missed") return explain("vcNotRunning", result, {});
    if (!s.bnReachable) return explain("nodeUnreachable", result, {});
    if (s.elOffline === true) return explain("elOffline", result, {});
    if (s.peers === 0) return explain("noPeers", result, {peers: 0});
    // is_syncing, not sync_distance: a chain with empty slots (no blocks proposed) has a growing distance while
    // the node is in sync with it (seen on a dev chain whose only validator client was stopped)
    if (s.isSyncing === true) {
      return explain("notSynced", result, {syncDistance: s.syncDistance ?? undefined});
    }
  }

  // 2. what the chain says of the message itself
  if (outcome.kind === "proposal") {
    if (outcome.seenNonCanonical) return explain("proposalOrphaned", result, {});
  } else if (outcome.kind === "attestation" && outcome.included) {
    if (outcome.targetCorrect === false) return explain("wrongTarget", result, {});
    if (outcome.headCorrect === false) {
      if (outcome.votedHeadReorged === true) return explain("headReorged", result, {});
      const due = attestationDueMs(ctx.slotMs);
      if (ctx.arrival !== null && ctx.arrival.slot === outcome.slot && ctx.arrival.offsetMs > due) {
        return explain("lateBlock", result, {offsetMs: ctx.arrival.offsetMs});
      }
      return explain("wrongHead", result, {});
    }
    if ((outcome.inclusionDistance ?? 1) > 1) {
      return explain("includedLate", result, {distance: outcome.inclusionDistance ?? undefined});
    }
  }
  if (s === null) return explain("notWatched", result, {});
  return explain("unknown", result, {});
}
