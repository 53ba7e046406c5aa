/**
 * The ONE typed contract between the renderer and the host. Browser mode carries it over
 * `POST /rpc/<channel>` (JSON) + `GET /events` (SSE); Electron carries it over the preload's
 * `window.ceibo` object. Channel names exist only here (`CHANNELS`); a missing handler is a compile
 * error (`HostHandlers`). Runtime input validation lives in the host (`host/validate.ts`).
 */

import type {DutyRecord, LedgerRow, SlotSample} from "./monitorTypes.ts";

export type {DutyRecord, LedgerRow, SlotSample};

export type NetworkName = "dev" | "hoodi" | "sepolia" | "mainnet";
export const NETWORK_NAMES: readonly NetworkName[] = ["dev", "hoodi", "sepolia", "mainnet"];

export type Language = "en" | "es";
export type Theme = "system" | "light" | "dark";

export interface Settings {
  network: NetworkName;
  language: Language;
  theme: Theme;
  /** Set once keys were generated and the node was started at least once. */
  onboarded: boolean;
  /** External beacon node (mainnet/testnets); the dev network uses the supervised `ceibo dev`. */
  beaconUrl: string | null;
  /** Execution client Engine API URL (mainnet/testnets only). */
  executionUrl: string | null;
  checkpointSyncUrl: string | null;
  /** Written by `keys.generate`; paths inside the data dir. */
  keystoresDir: string | null;
  depositDataFile: string | null;
}

export interface NetworkInfo {
  name: NetworkName;
  /** What the user needs before choosing it (machine-readable; the renderer translates). */
  needs: ("nothing" | "executionClient" | "checkpointSync" | "realEth" | "testnetEth")[];
  depositAmountEth: number;
}

export type WithdrawalKind = "eth1" | "compounding";

export interface LogLine {
  ts: number;
  stream: "stdout" | "stderr";
  text: string;
}

export type ProcessName = "dev" | "beacon" | "validator";
export type ProcessState = "stopped" | "starting" | "running" | "restarting" | "failed" | "doppelganger";

export interface ProcessStatus {
  name: ProcessName;
  state: ProcessState;
  pid: number | null;
  restarts: number;
  lastExitCode: number | null;
  /** A sentence for the user when state is failed/doppelganger (English; code gives the key). */
  reason: string | null;
  reasonCode: "none" | "doppelganger" | "crashLoop" | "spawnError" | "exited";
}

/** Every channel: its request and its response. */
export interface Channels {
  "app.info": {
    req: Record<string, never>;
    /** attached: the node is run by `ceibo dev` (show the dashboard; node.start/stop are refused). */
    res: {version: string; mode: "browser" | "electron"; dataDir: string; networks: NetworkInfo[]; attached: boolean};
  };
  "settings.get": {req: Record<string, never>; res: Settings};
  "settings.set": {req: Partial<Settings>; res: Settings};
  /** A fresh 24-word mnemonic, held in host memory only; the renderer shows it once. */
  "keys.newMnemonic": {
    req: Record<string, never>;
    res: {sessionId: string; words: string[]; confirmIndices: [number, number, number]};
  };
  /** The user re-enters the 3 words asked for (0-based indices from keys.newMnemonic). */
  "keys.confirmMnemonic": {
    req: {sessionId: string; words: [string, string, string]};
    res: {confirmed: boolean};
  };
  /** An existing mnemonic; validated (word list + checksum), then held in host memory only. */
  "keys.importMnemonic": {req: {mnemonic: string}; res: {sessionId: string}};
  /** Keystores + deposit_data written into the data dir; the session's mnemonic is then wiped. */
  "keys.generate": {
    req: {
      sessionId: string;
      withdrawalKind: WithdrawalKind;
      withdrawalAddress: string;
      count: number;
      /** Decimal ETH as typed, e.g. "32" (up to "2048" for compounding). */
      amountEth: string;
      /** Keystore password (≥ 8 characters); written only to a 0600 file for the validator client. */
      password: string;
      startIndex?: number;
    };
    res: {keystoresDir: string; depositDataFile: string; pubkeys: string[]; problems: string[]};
  };
  "keys.forget": {req: {sessionId: string}; res: {forgotten: boolean}};
  /**
   * Pubkeys (0x…): those the running validator client reports over its Keymanager API (the host holds the
   * token), else those of the keystores in settings.keystoresDir (empty before keys exist).
   */
  "keys.list": {req: Record<string, never>; res: {pubkeys: string[]; source: "validatorClient" | "keystores"}};
  /** Start the node (dev: `ceibo dev --deposit-data … --keystores …`) as supervised children. */
  "node.start": {req: Record<string, never>; res: {processes: ProcessStatus[]}};
  "node.stop": {req: Record<string, never>; res: {processes: ProcessStatus[]}};
  "node.status": {req: Record<string, never>; res: {processes: ProcessStatus[]; beaconApi: string | null}};
  "logs.tail": {req: {process: ProcessName; lines?: number}; res: {lines: LogLine[]}};
  // ---- key management (the validator client's Keymanager API, through the host: the token stays there)
  /** Local and remote keys of the running validator client with their chain status and per-key settings. */
  "km.list": {req: Record<string, never>; res: KmList};
  /** EIP-2335 keystores (JSON text) with one password each and an optional EIP-3076 interchange (JSON text). */
  "km.import": {
    req: {keystores: string[]; passwords: string[]; slashingProtection?: string};
    res: {statuses: KmStatus[]};
  };
  /** Deletes local keys; the returned EIP-3076 interchange is written to `interchangeFile` before answering. */
  "km.delete": {req: {pubkeys: string[]}; res: {statuses: KmStatus[]; interchangeFile: string}};
  /** Per-key settings; a field left out is unchanged, `null` goes back to the validator client's default. */
  "km.setConfig": {
    req: {pubkey: string; feeRecipient?: string | null; graffiti?: string | null; gasLimit?: string | null};
    res: KmKeyConfig;
  };
  /**
   * Voluntary exit (irreversible): `confirmPubkey` must repeat `pubkey`. Signed through the Keymanager API,
   * submitted to the beacon node's pool; the exit queue ahead is read from the head state.
   */
  "km.exit": {
    req: {pubkey: string; confirmPubkey: string};
    res: {validatorIndex: number; epoch: number; queueAhead: number; inPool: boolean};
  };
  // --- migration wizard, system check, alerts (issue 10 items 1, 5, 6) ---
  /** Checks another client's keystores folder + its EIP-3076 export: every key covered, the network's root. */
  "migration.check": {req: {keystoresDir: string; interchangeFile: string}; res: MigrationCheck};
  /**
   * The user confirmed the old client is stopped: keys + interchange are imported into ceibo's validator client
   * (`ceibo validator import`), which then starts with doppelganger protection on. The password only reaches a
   * 0600 file, removed after the import.
   */
  "migration.start": {
    req: {keystoresDir: string; interchangeFile: string; password: string; oldClientStopped: boolean};
    res: MigrationStatus;
  };
  "migration.status": {req: Record<string, never>; res: MigrationStatus};
  /** Free disk against the network's needs, RAM, CPU cores, p2p port, clock offset. */
  "system.check": {req: {network?: NetworkName}; res: {items: SystemCheckItem[]}};
  /** The alerts in force now (browser mode shows them in the app; Electron also as desktop notifications). */
  "alerts.list": {req: Record<string, never>; res: {alerts: Alert[]}};
  // --- missed-duty explanations and the rewards ledger (host/monitor.ts) ---
  /** Every missed or late duty of the user's validators seen since the host watched, newest first. */
  "duties.list": {
    req: Record<string, never>;
    res: {records: DutyRecord[]; lastSample: SlotSample | null; watchingSinceSlot: number | null};
  };
  /** The local rewards ledger: per epoch and validator, balance and reward; totals per epoch for the chart. */
  "ledger.get": {
    req: Record<string, never>;
    res: {rows: LedgerRow[]; totals: {epoch: number; totalGwei: number}[]; columns: string[]; file: string | null};
  };
  /** Writes the ledger as CSV into `<dataDir>/exports/` and returns it (browser mode downloads it). */
  "ledger.exportCsv": {req: Record<string, never>; res: {file: string; csv: string}};
}

export interface KmKeyConfig {
  feeRecipient: string;
  graffiti: string;
  gasLimit: string;
}

export interface KmKey {
  pubkey: string;
  kind: "local" | "remote";
  readonly: boolean;
  /** Remote keys: the signer's URL. */
  url: string | null;
  derivationPath: string | null;
  /** From the beacon node's head state (null: not known to the chain, or the node is unreachable). */
  index: number | null;
  status: string | null;
  balanceGwei: number | null;
  exitEpoch: number | null;
  /** "0x00" BLS, "0x01" execution address, "0x02" compounding. */
  withdrawalPrefix: string | null;
  config: KmKeyConfig | null;
}

export interface KmList {
  /** false: no validator client with a Keymanager API is running. */
  available: boolean;
  keys: KmKey[];
  /** Where interchange files of deleted keys are written. */
  exportsDir: string;
}

export interface KmStatus {
  status: string;
  message?: string;
}

export type Channel = keyof Channels;
export type Req<C extends Channel> = Channels[C]["req"];
export type Res<C extends Channel> = Channels[C]["res"];

/** Runtime list of channel names; `satisfies` keeps it equal to the interface's keys. */
const CHANNEL_SET = {
  "app.info": true,
  "settings.get": true,
  "settings.set": true,
  "keys.newMnemonic": true,
  "keys.confirmMnemonic": true,
  "keys.importMnemonic": true,
  "keys.generate": true,
  "keys.forget": true,
  "keys.list": true,
  "node.start": true,
  "node.stop": true,
  "node.status": true,
  "logs.tail": true,
  "km.list": true,
  "km.import": true,
  "km.delete": true,
  "km.setConfig": true,
  "km.exit": true,
  "migration.check": true,
  "migration.start": true,
  "migration.status": true,
  "system.check": true,
  "alerts.list": true,
  "duties.list": true,
  "ledger.get": true,
  "ledger.exportCsv": true,
} as const satisfies Record<Channel, true>;
export const CHANNELS = Object.keys(CHANNEL_SET) as Channel[];

export function isChannel(name: string): name is Channel {
  return Object.hasOwn(CHANNEL_SET, name);
}

/** The host implements every channel; leaving one out does not compile. */
export type HostHandlers = {[C in Channel]: (req: Req<C>) => Promise<Res<C>>};

/** Events pushed host → renderer (SSE `GET /events` in browser mode, `onEvent` in Electron). */
export type HostEvent =
  | {type: "keys.progress"; done: number; total: number}
  | {type: "process"; status: ProcessStatus}
  | {type: "log"; process: ProcessName; line: LogLine}
  | {type: "migration"; status: MigrationStatus}
  | {type: "alert"; alert: Alert};

/** What the renderer calls: the same shape over HTTP and over the preload bridge. */
export interface HostTransport {
  call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
  /** Returns an unsubscribe function. */
  onEvent(listener: (event: HostEvent) => void): () => void;
  /** Base URL of the host's Beacon API proxy for `@ceibo/api`'s client (browser mode: `${origin}/beacon`). */
  beaconBaseUrl(): string;
}

/** Errors cross the boundary as `{error: {code, message}}` with HTTP 4xx/5xx. */
export interface HostErrorBody {
  error: {code: "BAD_REQUEST" | "UNKNOWN_CHANNEL" | "UNAUTHORIZED" | "FORBIDDEN" | "INTERNAL"; message: string};
}

/** Browser-mode paths, shared by server and renderer. */
export const HTTP_PATHS = {
  rpc: "/rpc/",
  events: "/events",
  beacon: "/beacon",
  /** Header carrying the session token (alternative to the session cookie). */
  tokenHeader: "x-ceibo-token",
  cookie: "ceibo_session",
} as const;

/** Electron IPC: the two names used by main and preload (the channel name travels as an argument). */
export const IPC = {rpc: "ceibo:rpc", event: "ceibo:event"} as const;

/** What the preload exposes as `window.ceibo` in Electron (the renderer's transport wraps it). */
export interface PreloadBridge {
  call<C extends Channel>(channel: C, req: Req<C>): Promise<Res<C>>;
  onEvent(listener: (event: HostEvent) => void): () => void;
}

/** What the renderer learns of the app at start (`app.info`). */
export type AppInfo = Channels["app.info"]["res"];

// --- migration wizard, system check, alerts (issue 10 items 1, 5, 6) ---

export interface MigrationCheck {
  /** 0x pubkeys of the keystores found (deposit_data-*.json skipped). */
  pubkeys: string[];
  genesisValidatorsRoot: string;
  /** Per key: how much history the export carries for it. */
  history: {pubkey: string; blocks: number; attestations: number}[];
  /** deposit_data files recognised and skipped. */
  skipped: string[];
}

export type MigrationPhase = "idle" | "importing" | "watching" | "enabled" | "doppelganger" | "failed";

export interface MigrationStatus {
  phase: MigrationPhase;
  pubkeys: string[];
  /** Doppelganger watch: the epoch it began, the first epoch the keys may sign, the chain's current epoch. */
  watch: {startEpoch: number; signingFromEpoch: number; currentEpoch: number | null} | null;
  /** What happened, in plain words (English; `phase` gives the translated text's key). */
  message: string | null;
}

export type CheckLevel = "pass" | "warn" | "fail";

export interface SystemCheckItem {
  id: "disk" | "ram" | "cpu" | "p2pPort" | "clock";
  level: CheckLevel;
  /** Measured value and the need, for the translated sentence (e.g. {freeGb: 120, needGb: 1000}). */
  values: Record<string, number | string>;
}

export type AlertKind = "outOfSync" | "lowDisk" | "upcomingProposal" | "missedDuties";

export interface Alert {
  /** Stable id: the same condition keeps its id, so a notification is shown once. */
  id: string;
  kind: AlertKind;
  level: "info" | "warn" | "critical";
  values: Record<string, number | string>;
  since: number;
}
