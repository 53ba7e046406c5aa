/**
 * Runs ceibo processes as separate supervised children: restart with exponential backoff, a crash-loop
 * limit, exit codes that mean "do not restart" (the validator client's doppelganger exit), and a ring
 * buffer of log lines per child. Secrets never go through argv or the environment: the caller passes
 * a 0600 file path, or `stdin` text written to the child's stdin once at start.
 */
import {type ChildProcess, spawn} from "node:child_process";
import {createInterface} from "node:readline";
import type {LogLine, ProcessName, ProcessState, ProcessStatus} from "../shared/contract.ts";

export const LOG_LINES = 2000;

export interface ChildSpec {
  name: ProcessName;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin once at each start (e.g. a password line); never logged. */
  stdin?: string;
  /** Exit codes that stop restarts, with the reason shown to the user. */
  stopCodes?: Record<number, {code: ProcessStatus["reasonCode"]; state: ProcessState; reason: string}>;
  /** A log line matching this also marks the child as stopped-by-doppelganger when it then exits. */
  doppelgangerLine?: RegExp;
  /** Backoff: base delay, doubled per restart up to maxDelay. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Give up (state failed) after this many restarts within `crashWindowMs`. */
  maxRestarts?: number;
  crashWindowMs?: number;
}

export const DOPPELGANGER_EXIT_CODE = 3;
export const DOPPELGANGER_REASON =
  "The validator client stopped because doppelganger protection saw these keys attesting elsewhere. " +
  "Running the same keys in two places gets them slashed: stop the other client, wait two epochs, then start again.";

export class RingBuffer<T> {
  private readonly items: T[] = [];
  private readonly cap: number;
  constructor(cap: number) {
    this.cap = cap;
  }
  push(v: T): void {
    this.items.push(v);
    if (this.items.length > this.cap) this.items.splice(0, this.items.length - this.cap);
  }
  last(n: number): T[] {
    return this.items.slice(Math.max(0, this.items.length - n));
  }
}

export class SupervisedChild {
  readonly spec: ChildSpec;
  readonly logs = new RingBuffer<LogLine>(LOG_LINES);
  private proc: ChildProcess | null = null;
  private state: ProcessState = "stopped";
  private restarts = 0;
  private restartTimes: number[] = [];
  private lastExitCode: number | null = null;
  private reason: string | null = null;
  private reasonCode: ProcessStatus["reasonCode"] = "none";
  private wanted = false;
  private timer: NodeJS.Timeout | null = null;
  private sawDoppelganger = false;
  private exitWaiters: (() => void)[] = [];
  private readonly onStatus: (s: ProcessStatus) => void;
  private readonly onLog: (l: LogLine) => void;

  constructor(spec: ChildSpec, onStatus: (s: ProcessStatus) => void, onLog: (l: LogLine) => void) {
    this.spec = spec;
    this.onStatus = onStatus;
    this.onLog = onLog;
  }

  status(): ProcessStatus {
    return {
      name: this.spec.name,
      state: this.state,
      pid: this.proc?.pid ?? null,
      restarts: this.restarts,
      lastExitCode: this.lastExitCode,
      reason: this.reason,
      reasonCode: this.reasonCode,
    };
  }

  start(): void {
    if (this.wanted && this.state !== "failed" && this.state !== "doppelganger") return;
    this.wanted = true;
    this.restarts = 0;
    this.restartTimes = [];
    this.reason = null;
    this.reasonCode = "none";
    this.launch();
  }

  /** SIGTERM, then SIGKILL after `killAfterMs`; resolves once the child is gone. */
  async stop(killAfterMs = 15_000): Promise<void> {
    this.wanted = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const p = this.proc;
    if (p === null || p.exitCode !== null || p.signalCode !== null) {
      this.setState("stopped");
      return;
    }
    const gone = new Promise<void>((r) => this.exitWaiters.push(r));
    p.kill("SIGTERM");
    const k = setTimeout(() => p.kill("SIGKILL"), killAfterMs);
    await gone;
    clearTimeout(k);
  }

  private launch(): void {
    this.sawDoppelganger = false;
    this.setState(this.restarts === 0 ? "starting" : "restarting");
    let proc: ChildProcess;
    try {
      proc = spawn(this.spec.command, this.spec.args, {
        cwd: this.spec.cwd,
        env: this.spec.env ?? process.env,
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (e) {
      this.fail("spawnError", `could not start ${this.spec.name}: ${(e as Error).message}`);
      return;
    }
    this.proc = proc;
    proc.on("error", (e) => this.line("stderr", `[supervisor] ${e.message}`));
    proc.stdin?.on("error", () => {});
    if (this.spec.stdin !== undefined) proc.stdin?.write(this.spec.stdin);
    proc.stdin?.end();
    for (const stream of ["stdout", "stderr"] as const) {
      const rl = createInterface({input: proc[stream]!});
      rl.on("line", (text) => this.line(stream, text));
    }
    proc.once("spawn", () => {
      if (this.proc === proc) this.setState("running");
    });
    proc.once("exit", (code, signal) => this.exited(proc, code, signal));
  }

  private line(stream: LogLine["stream"], text: string): void {
    const l = {ts: Date.now(), stream, text};
    if (this.spec.doppelgangerLine?.test(text)) this.sawDoppelganger = true;
    this.logs.push(l);
    this.onLog(l);
  }

  private exited(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.proc !== proc) return;
    this.lastExitCode = code;
    const waiters = this.exitWaiters.splice(0);
    if (!this.wanted) {
      this.setState("stopped");
      for (const w of waiters) w();
      return;
    }
    const stop = code !== null ? this.spec.stopCodes?.[code] : undefined;
    if (stop !== undefined) {
      this.wanted = false;
      this.reason = stop.reason;
      this.reasonCode = stop.code;
      this.setState(stop.state);
    } else if (this.sawDoppelganger) {
      this.wanted = false;
      this.reason = DOPPELGANGER_REASON;
      this.reasonCode = "doppelganger";
      this.setState("doppelganger");
    } else {
      const now = Date.now();
      const window = this.spec.crashWindowMs ?? 10 * 60_000;
      this.restartTimes = this.restartTimes.filter((t) => now - t < window);
      if (this.restartTimes.length >= (this.spec.maxRestarts ?? 5)) {
        this.fail(
          "crashLoop",
          `${this.spec.name} exited ${signal ?? `with code ${code}`} ${this.restartTimes.length + 1} times ` +
            "in a row; not restarting it again. See its log.",
        );
      } else {
        const base = this.spec.backoffMs ?? 1000;
        const delay = Math.min(base * 2 ** this.restartTimes.length, this.spec.maxBackoffMs ?? 30_000);
        this.restartTimes.push(now);
        this.restarts++;
        this.line(
          "stderr",
          `[supervisor] ${this.spec.name} exited (${signal ?? `code ${code}`}); restart in ${delay} ms`,
        );
        this.setState("restarting");
        this.timer = setTimeout(() => {
          this.timer = null;
          if (this.wanted) this.launch();
        }, delay);
      }
    }
    for (const w of waiters) w();
  }

  private fail(code: ProcessStatus["reasonCode"], reason: string): void {
    this.wanted = false;
    this.reason = reason;
    this.reasonCode = code;
    this.setState("failed");
  }

  private setState(s: ProcessState): void {
    this.state = s;
    this.onStatus(this.status());
  }
}
