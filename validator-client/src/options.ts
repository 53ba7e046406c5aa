import type {Logger} from "@ceibo/utils";
import type {ValidatorClientMetrics} from "./metrics.ts";

export interface ValidatorClientOptions {
  /** Beacon API URLs, in order of preference (fallback to the next when one fails or is syncing). */
  beaconNodes: string[];
  /** The slashing-protection database lives in `<dataDir>/slashing-protection`. */
  dataDir: string;
  /** 20-byte execution address for prepare_beacon_proposer (default: none sent). */
  feeRecipient?: Uint8Array;
  /** UTF-8, at most 32 bytes. */
  graffiti?: string;
  /** Watch liveness for 2 epochs before signing (default true). */
  doppelganger?: boolean;
  /** Per-request timeout to a beacon node (default 12 s). */
  requestTimeoutMs?: number;
  log?: Logger;
  /** Start with no keys (keys are added later through the Keymanager API). Default false. */
  allowNoKeys?: boolean;
  /**
   * Distributed validator mode (--distributed): the client is one node of a DVT cluster behind a middleware; it
   * exchanges its partial selection proofs for combined ones (beacon_committee_selections,
   * sync_committee_selections) before deciding and performing aggregation duties. Default false.
   */
  distributed?: boolean;
  /** Prometheus metrics (--metrics): the client reports to it; the CLI serves its registry. */
  metrics?: ValidatorClientMetrics;
  /** While no beacon node answers at start: a reminder line this often (default 60 s). */
  waitReminderMs?: number;
  /** Stops waiting for a beacon node at start (start() then rejects). */
  signal?: AbortSignal;
  /**
   * Dev and test chains only: slots at which this client does not propose (missed slots made on purpose, e.g.
   * every epoch's first slot, so the finalized checkpoint's block is from the epoch before).
   */
  skipProposal?: (slot: number) => boolean;
  /**
   * Builder (MEV-boost) proposals (--builder): validator registrations each epoch and produceBlockV3 with
   * `builderBoostFactor` (percent; default omitted = 100). Without it the client asks for local payloads only
   * (builder_boost_factor=0).
   */
  builder?: {boostFactor?: bigint};
  /** Gas limit registered for validators without a Keymanager API override (default 60_000_000). */
  gasLimit?: bigint;
}

/** gasLimit: what current clients register by default (as keymanagerBackend's DEFAULT_GAS_LIMIT). */
export const defaultValidatorClientOptions = {doppelganger: true, requestTimeoutMs: 12_000, gasLimit: 60_000_000n};
