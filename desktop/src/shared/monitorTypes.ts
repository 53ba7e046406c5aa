/** Types of the missed-duty explanations and the rewards ledger, shared by host and renderer (contract.ts). */

export type DutyKind = "attestation" | "proposal" | "sync";

export type Cause =
  | "ok"
  | "vcNotRunning"
  | "nodeUnreachable"
  | "elOffline"
  | "noPeers"
  | "notSynced"
  | "lateBlock"
  | "headReorged"
  | "wrongHead"
  | "wrongTarget"
  | "includedLate"
  | "proposalOrphaned"
  | "notWatched"
  | "unknown";

/** What the host saw at one slot (sampled once per slot; null = could not be read / does not apply). */
export interface SlotSample {
  slot: number;
  /** Validator client: running (supervisor state / its Keymanager API answered), stopped, or unknown. */
  vc: "running" | "stopped" | "unknown";
  /** The beacon node's API answered at all. */
  bnReachable: boolean;
  isSyncing: boolean | null;
  syncDistance: number | null;
  /** Connected peers; null when the node runs without p2p (a single-node dev network). */
  peers: number | null;
  /** `el_offline` of /eth/v1/node/syncing. */
  elOffline: boolean | null;
}

export interface CauseDetails {
  offsetMs?: number;
  distance?: number;
  peers?: number;
  syncDistance?: number;
}

/** One missed or late duty with its explanation (the UI translates `duty.cause.<cause>` / `duty.todo.<cause>`). */
export interface DutyRecord {
  kind: DutyKind;
  slot: number;
  epoch: number;
  validatorIndex: number;
  result: "missed" | "late" | "ok";
  cause: Cause;
  details: CauseDetails;
  /** English sentence and advice (CSV, logs). */
  text: string;
  todo: string;
  ts: number;
}

/** One ledger row. `rewardGwei`: balance change since the previous epoch (null when that epoch is not recorded). */
export interface LedgerRow {
  epoch: number;
  slot: number;
  validatorIndex: number;
  pubkey: string;
  balanceGwei: string;
  rewardGwei: string | null;
}
