/**
 * Child processes for end-to-end tests and simulations: `ceibo …` commands (and other programs) started on the
 * project's Node 24, their output kept in memory (optionally also written to a log file), lines awaited by
 * pattern, and killed at the end. Plus small Beacon API readers the tests poll.
 */
import {type ChildProcess, spawn} from "node:child_process";
import {createSocket} from "node:dgram";
import {createWriteStream, type WriteStream} from "node:fs";
import {createServer} from "node:net";
import {join, resolve} from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const NODE = join(ROOT, "node_modules/.bin/node");
export const CEIBO = join(ROOT, "cli/bin/ceibo.js");

export interface ProcOpts {
  /** Also append everything the process writes to this file. */
  logFile?: string;
  cwd?: string;
}

export class Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr, in order. */
  output = "";
  readonly exited: Promise<number | null>;
  private readonly waiters: {re: RegExp; done: (m: RegExpMatchArray) => void}[] = [];
  private readonly log: WriteStream | null;

  constructor(
    name: string,
    command: string,
    args: string[],
    env: Record<string, string | undefined> = {},
    opts: ProcOpts = {},
  ) {
    this.name = name;
    this.log = opts.logFile !== undefined ? createWriteStream(opts.logFile, {flags: "a"}) : null;
    this.child = spawn(command, args, {
      cwd: opts.cwd ?? ROOT,
      env: {...process.env, ...env},
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onData = (d: Buffer): void => {
      this.output += d.toString();
      this.log?.write(d);
      // keep memory bounded on long runs: waiters only need recent output
      if (this.output.length > 8_000_000) this.output = this.output.slice(-4_000_000);
      for (const w of [...this.waiters]) {
        const m = this.output.match(w.re);
        if (m !== null) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.done(m);
        }
      }
    };
    this.child.stdout?.on("data", onData);
    this.child.stderr?.on("data", onData);
    this.exited = new Promise((r) =>
      this.child.once("exit", (code) => {
        this.log?.end();
        r(code);
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first match of `re` in the output so far or to come; rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const m = this.output.match(re);
    if (m !== null) return Promise.resolve(m);
    return new Promise((resolveMatch, reject) => {
      const waiter = {
        re,
        done: (x: RegExpMatchArray) => {
          clearTimeout(timer);
          resolveMatch(x);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(Error(`${this.name}: no ${re} within ${timeoutMs} ms; output:\n${this.output.slice(-3000)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      void this.exited.then((code) => {
        if (!this.waiters.includes(waiter)) return;
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(Error(`${this.name} exited (${code}) before ${re}; output:\n${this.output.slice(-3000)}`));
      });
    });
  }

  /** Process ids of the children `ceibo dev` reported starting. */
  childPids(): number[] {
    return [...this.output.matchAll(/\[dev\] started the .* \[\w+\], pid (\d+)/g)].map((m) => Number(m[1]));
  }

  /** Sends `signal`, then SIGKILL after `graceMs`; resolves with the exit code. */
  async kill(signal: NodeJS.Signals = "SIGKILL", graceMs = 20_000): Promise<number | null> {
    if (this.running) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** Kills this process and any child it reported (they run in their own process groups). */
  async killAll(): Promise<void> {
    await this.kill("SIGKILL");
    for (const pid of this.childPids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/**
 * `ceibo <args>` as a child process on Node 24. The preset is handed down from the test runner's environment
 * unless `inheritPreset` is false (`ceibo dev` passes the preset to its own children).
 */
export function ceibo(
  name: string,
  args: string[],
  env: Record<string, string> = {},
  opts: ProcOpts & {inheritPreset?: boolean; nodeArgs?: string[]} = {},
): Proc {
  const childEnv: Record<string, string | undefined> = {...env};
  if (opts.inheritPreset === false && !("CEIBO_PRESET" in env)) childEnv.CEIBO_PRESET = undefined;
  // nodeArgs: options for Node itself, before the script (V8 flags such as --trace-gc are refused in NODE_OPTIONS)
  return new Proc(name, NODE, [...(opts.nodeArgs ?? []), CEIBO, ...args], childEnv, opts);
}

/** A TCP port free on 127.0.0.1 right now (for programs that cannot bind port 0 and report it). */
/** Ports this process handed out: never twice. */
const handedOut = new Set<number>();

/** Whether `port` can be bound on 127.0.0.1 for TCP and UDP (a node uses one port for libp2p and discv5). */
async function canBind(port: number): Promise<boolean> {
  const tcp = createServer();
  const tcpOk = await new Promise<boolean>((r) => {
    tcp.once("error", () => r(false));
    tcp.listen(port, "127.0.0.1", () => r(true));
  });
  if (tcpOk) await new Promise<void>((r) => tcp.close(() => r()));
  if (!tcpOk) return false;
  const udp = createSocket("udp4");
  const udpOk = await new Promise<boolean>((r) => {
    udp.once("error", () => r(false));
    udp.bind(port, "127.0.0.1", () => r(true));
  });
  await new Promise<void>((r) => {
    try {
      udp.close(() => r());
    } catch {
      r();
    }
  });
  return udpOk;
}

/**
 * A port that is free on 127.0.0.1 (TCP and UDP), chosen at random BELOW the kernel's ephemeral range (Linux: 32768
 * and up). A port from `listen(0)` is an ephemeral one: between this check and the child's bind, any outgoing
 * connection on the machine could take it (seen as EADDRINUSE in a 6-node simulation); ports below that range are
 * only taken by explicit binds. The same port is never handed out twice by one process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the await: concurrent callers never get the same port
    if (await canBind(port)) return port;
    handedOut.delete(port);
  }
  throw Error("freePort: no free port found in 20000-31999 after 500 tries");
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw Error(`GET ${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function finalizedEpoch(api: string): Promise<number> {
  const r = await getJson<{data: {finalized: {epoch: string}}}>(
    `${api}/eth/v1/beacon/states/head/finality_checkpoints`,
  );
  return Number(r.data.finalized.epoch);
}

/** Polls until the finalized epoch reaches `epoch`; resolves with it. */
export async function waitForFinalized(api: string, epoch: number, timeoutMs: number, proc?: Proc): Promise<number> {
  const end = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    if (proc !== undefined && !proc.running) throw Error(`${proc.name} exited; output:\n${proc.output.slice(-3000)}`);
    try {
      last = await finalizedEpoch(api);
      if (last >= epoch) return last;
    } catch {
      // the API may be briefly unavailable
    }
    if (Date.now() > end) throw Error(`finalized epoch ${last} after ${timeoutMs} ms, wanted ${epoch}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function headSlot(api: string): Promise<number> {
  const r = await getJson<{data: {header: {message: {slot: string}}}}>(`${api}/eth/v1/beacon/headers/head`);
  return Number(r.data.header.message.slot);
}

/** The head block root (0x hex) and slot. */
export async function head(api: string): Promise<{root: string; slot: number}> {
  const r = await getJson<{data: {root: string; header: {message: {slot: string}}}}>(
    `${api}/eth/v1/beacon/headers/head`,
  );
  return {root: r.data.root, slot: Number(r.data.header.message.slot)};
}

/**
 * Polls `fn` until it returns something other than null / undefined / false and resolves with it; rejects after
 * `timeoutMs` (with the last error `fn` threw) or as soon as one of the `watched` processes has exited.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  fn: () => Promise<T | null | undefined | false>,
  watched: Proc[] | (() => Proc[]) = [],
  intervalMs = 500,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      lastErr = e;
    }
    for (const p of typeof watched === "function" ? watched() : watched) {
      if (!p.running) throw Error(`${p.name} exited while waiting for ${what}:\n${p.output.slice(-4000)}`);
    }
    if (Date.now() > end) throw Error(`timed out after ${timeoutMs} ms waiting for ${what} (${String(lastErr)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
