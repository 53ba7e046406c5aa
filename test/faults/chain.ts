/**
 * The dev chain the fault scenarios run on, assembled as `ceibo dev` does it but with every process under the
 * test's control: `ceibo mock-engine` (own JWT secret), `ceibo beacon --network dev --dev.signing false` on it and
 * `ceibo validator` with interop keys — separate processes, persistent data dirs in the run directory, free
 * ports on 127.0.0.1. Each process can be given extra environment (e.g. libfaketime's LD_PRELOAD).
 */

import {randomBytes} from "node:crypto";
import {mkdirSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {ceibo, freePort, getJson, type Proc} from "../harness/processes.ts";

export const SLOTS_PER_EPOCH = 8; // minimal preset
export const VALIDATORS = 64;
const GENESIS_BLOCK_HASH = `0x${"42".repeat(32)}`;

export interface FaultChainOpts {
  /** Run directory: data dirs, logs, the JWT secret. */
  dir: string;
  slotMs: number;
  /** Seconds from now to genesis. */
  genesisDelay?: number;
}

export interface EngineProc {
  proc: Proc;
  url: string;
  port: number;
}

export interface BeaconOpts {
  dataDir: string;
  engineUrl: string;
  restPort?: number;
  /** Join p2p on this port (TCP and discv5), with these static peers. */
  p2p?: {port: number; staticPeers: string[]};
  env?: Record<string, string>;
  extra?: string[];
}

export class FaultChain {
  readonly dir: string;
  readonly slotMs: number;
  readonly genesisTime: number;
  readonly jwtFile: string;
  /** Every process started, in order (stopped by `stop`). */
  readonly procs: Proc[] = [];
  private starts = new Map<string, number>();

  constructor(opts: FaultChainOpts) {
    this.dir = opts.dir;
    this.slotMs = opts.slotMs;
    this.genesisTime = Math.floor(Date.now() / 1000) + (opts.genesisDelay ?? 10);
    mkdirSync(this.dir, {recursive: true});
    this.jwtFile = join(this.dir, "jwt.hex");
    writeFileSync(this.jwtFile, `0x${randomBytes(32).toString("hex")}\n`, {mode: 0o600});
  }

  private nameOf(base: string): string {
    const n = (this.starts.get(base) ?? 0) + 1;
    this.starts.set(base, n);
    return n === 1 ? base : `${base}#${n}`;
  }

  /** `ceibo mock-engine` (every fork at timestamp 0: fulu from genesis) on `port` (default a free one). */
  async startEngine(base: string, port?: number, extra: string[] = [], env: Record<string, string> = {}) {
    const p = port ?? (await freePort());
    const proc = ceibo(
      this.nameOf(base),
      [
        "mock-engine",
        "--host",
        "127.0.0.1",
        "--port",
        String(p),
        "--genesis-block-hash",
        GENESIS_BLOCK_HASH,
        "--jwt-secret",
        this.jwtFile,
        ...extra,
      ],
      {CEIBO_PRESET: "minimal", ...env},
      {logFile: join(this.dir, `${base}.log`)},
    );
    this.procs.push(proc);
    const m = await proc.waitFor(/mock engine listening on (http:\/\/\S+)/, 60_000);
    return {proc, url: m[1], port: p} satisfies EngineProc;
  }

  /** `ceibo beacon --network dev` on the engine; resolves once its Beacon API listens. */
  async startBeacon(base: string, opts: BeaconOpts): Promise<{proc: Proc; api: string; restPort: number}> {
    const restPort = opts.restPort ?? (await freePort());
    const args = [
      "beacon",
      "--network",
      "dev",
      "--data-dir",
      opts.dataDir,
      "--dev.validators",
      String(VALIDATORS),
      "--dev.genesis-time",
      String(this.genesisTime),
      "--dev.slot-duration-ms",
      String(this.slotMs),
      "--dev.signing",
      "false",
      "--execution-urls",
      opts.engineUrl,
      "--jwt-secret",
      this.jwtFile,
      "--rest.address",
      "127.0.0.1",
      "--rest.port",
      String(restPort),
    ];
    if (opts.p2p !== undefined) {
      args.push(
        "--p2p",
        "true",
        "--listen-address",
        "127.0.0.1",
        "--port",
        String(opts.p2p.port),
        "--discovery-port",
        String(opts.p2p.port),
        "--subscribe-all-subnets",
        "--target-peers",
        "4",
      );
      if (opts.p2p.staticPeers.length > 0) args.push("--static-peers", opts.p2p.staticPeers.join(","));
    }
    args.push(...(opts.extra ?? []));
    const proc = ceibo(
      this.nameOf(base),
      args,
      {CEIBO_PRESET: "minimal", ...opts.env},
      {logFile: join(this.dir, `${base}.log`)},
    );
    this.procs.push(proc);
    await proc.waitFor(/Beacon API listening/, 120_000);
    return {proc, api: `http://127.0.0.1:${restPort}`, restPort};
  }

  /** `ceibo validator` with the interop keys from..to on `api` (no doppelganger wait: its own fresh chain). */
  startValidator(base: string, api: string, from: number, to: number, env: Record<string, string> = {}): Proc {
    const proc = ceibo(
      this.nameOf(base),
      [
        "validator",
        "--beacon-nodes",
        api,
        "--interop-indexes",
        `${from}..${to}`,
        "--data-dir",
        join(this.dir, base),
        "--doppelganger-protection",
        "false",
      ],
      {CEIBO_PRESET: "minimal", ...env},
      {logFile: join(this.dir, `${base}.log`)},
    );
    this.procs.push(proc);
    return proc;
  }

  /** The wall-clock slot (real time). */
  get wallSlot(): number {
    return Math.max(0, Math.floor((Date.now() - this.genesisTime * 1000) / this.slotMs));
  }

  /** SIGTERM to every process still running, newest first (SIGKILL after the grace). */
  async stop(graceMs = 15_000): Promise<void> {
    for (const p of [...this.procs].reverse()) {
      if (p.running) {
        try {
          process.kill(p.child.pid as number, "SIGCONT"); // a stopped process cannot handle SIGTERM
        } catch {
          // gone
        }
      }
      await p.kill("SIGTERM", graceMs);
    }
  }
}

export interface SyncingStatus {
  head_slot: string;
  sync_distance: string;
  is_syncing: boolean;
  is_optimistic: boolean;
  el_offline: boolean;
}

export async function syncing(api: string): Promise<SyncingStatus> {
  return (await getJson<{data: SyncingStatus}>(`${api}/eth/v1/node/syncing`)).data;
}

/** Lines of `proc`'s output matching `re` (global). */
export function lines(proc: Proc, re: RegExp): string[] {
  return proc.output.split("\n").filter((l) => re.test(l));
}

/** The "Attested" lines of a validator client: slot and head root of each. */
export function attested(vcOutput: string): {slot: number; head: string}[] {
  return [...vcOutput.matchAll(/Attested slot=(\d+) count=\d+ head=(0x[0-9a-f]{64})/g)].map((m) => ({
    slot: Number(m[1]),
    head: m[2],
  }));
}
