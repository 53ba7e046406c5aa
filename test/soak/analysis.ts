/**
 * The soak run's arithmetic, kept apart from the processes so it can be unit-tested: duration parsing, the
 * least-squares RSS slope, ERROR line detection and the finality verdict per epoch.
 */

/** `1h`, `30m`, `90s`, `1h30m`, `2500ms` or a bare number of seconds → milliseconds; null when malformed. */
export function parseDuration(s: string): number | null {
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    const unit = {ms: 1, s: 1000, m: 60_000, h: 3_600_000}[m[2] as "ms" | "s" | "m" | "h"];
    total += Number(m[1]) * unit;
    end = re.lastIndex;
  }
  return end === 0 || end !== t.length ? null : Math.round(total);
}

export interface Sample {
  /** Milliseconds since the run started. */
  t: number;
  /** Resident set size in bytes. */
  rss: number;
}

/**
 * Least-squares slope of RSS over time, in MB (10^6 bytes) per hour, over the samples taken at or after
 * `warmupMs`; null with fewer than 3 such samples or no time spread.
 */
export function rssSlopeMbPerHour(samples: Sample[], warmupMs: number): number | null {
  const s = samples.filter((x) => x.t >= warmupMs);
  if (s.length < 3) return null;
  const n = s.length;
  const mt = s.reduce((a, x) => a + x.t, 0) / n;
  const mr = s.reduce((a, x) => a + x.rss, 0) / n;
  let num = 0;
  let den = 0;
  for (const x of s) {
    num += (x.t - mt) * (x.rss - mr);
    den += (x.t - mt) ** 2;
  }
  if (den === 0) return null;
  const bytesPerMs = num / den;
  return (bytesPerMs * 3_600_000) / 1e6;
}

/** VmRSS of a /proc/PID/status text, in bytes; null when absent. */
export function vmRssBytes(status: string): number | null {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m === null ? null : Number(m[1]) * 1024;
}

/**
 * Whether a log line is an error: ceibo's human format (`HH:MM:SS.mmm ERROR [module] …`, also with a date), its
 * JSON format (`"level":"error"`), or Node's own fatal output (an uncaught exception or unhandled rejection).
 */
export function isErrorLine(line: string): boolean {
  return (
    /(^|\s)(ERROR|FATAL)\s+\[/.test(line) ||
    /"level"\s*:\s*"(error|fatal)"/.test(line) ||
    /^(Uncaught|UnhandledPromiseRejection|FATAL ERROR|\S*Error \[ERR_)/.test(line)
  );
}

/**
 * What kind of error a log line is, for grouping: its message and context with times, numbers, hex values and
 * URLs' ports replaced (`Block proposal failed slot=N proposer=N error="… getPayload 0x… …"`).
 */
export function errorKind(line: string): string {
  const m = /(?:ERROR|FATAL)\s+\[[^\]]*\]\s+(.*)$/.exec(line);
  const text = m !== null ? m[1] : line;
  return text.replace(/0x[0-9a-fA-F]+|\d+/g, (m) => (m.startsWith("0x") ? "0x…" : "N")).slice(0, 200);
}

/** Error lines grouped by errorKind, most frequent first. */
export function groupErrors(lines: string[]): {kind: string; count: number}[] {
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(errorKind(l), (counts.get(errorKind(l)) ?? 0) + 1);
  return [...counts].map(([kind, count]) => ({kind, count})).sort((a, b) => b.count - a.count);
}

/**
 * Finality of one node at one epoch sample, taken in the middle of `epoch` (its epoch transition is then
 * behind the head even if the first slots were empty). A healthy chain has justified `epoch - 1` and finalized
 * `epoch - 2` then, so the lag `epoch - finalized` is 2; `stall` is how many epochs finality is behind that (0
 * when healthy). The spec skips justification until GENESIS_EPOCH + 1 has ended and justification bits start at
 * zero, so the first finalization (of epoch 2) comes with the transition into epoch 4 — epochs below
 * `firstExpected` never count as stalled.
 * [process_justification_and_finalization](https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#justification-and-finalization)
 */
export function finalityStall(epoch: number, finalized: number, firstExpected = 4): number {
  if (epoch < firstExpected) return 0;
  return Math.max(0, epoch - finalized - 2);
}

export interface Verdict {
  ok: boolean;
  reasons: string[];
}

export interface Thresholds {
  /** Fail when any node's finality stall (finalityStall) exceeds this many epochs. */
  maxFinalityStall: number;
  /** Fail when more than this many ERROR lines were logged across all processes. */
  maxErrors: number;
  /** Fail when a beacon node's RSS slope exceeds this (MB/hour); null: report only. */
  maxRssSlope: number | null;
}

export interface RunFacts {
  /** Processes that exited before the end (name + code). */
  died: string[];
  /** Largest finality stall seen per node. */
  maxStall: Record<string, number>;
  errorsPerProcess: Record<string, number>;
  /** Beacon node RSS slopes (MB/h). */
  bnSlopes: Record<string, number | null>;
  /** Epoch samples taken: a run that finalized nothing because it never got going must not pass. */
  epochsSampled: number;
}

/** The pass/fail decision of a soak run with each reason spelled out. */
export function verdict(f: RunFacts, th: Thresholds): Verdict {
  const reasons: string[] = [];
  for (const d of f.died) reasons.push(`process died: ${d}`);
  for (const [n, s] of Object.entries(f.maxStall)) {
    if (s > th.maxFinalityStall) reasons.push(`${n}: finality stalled ${s} epochs (limit ${th.maxFinalityStall})`);
  }
  const errors = Object.values(f.errorsPerProcess).reduce((a, b) => a + b, 0);
  if (errors > th.maxErrors) {
    const which = Object.entries(f.errorsPerProcess)
      .filter(([, c]) => c > 0)
      .map(([n, c]) => `${n}=${c}`)
      .join(" ");
    reasons.push(`${errors} ERROR log lines (limit ${th.maxErrors}): ${which}`);
  }
  if (th.maxRssSlope !== null) {
    for (const [n, s] of Object.entries(f.bnSlopes)) {
      if (s !== null && s > th.maxRssSlope) {
        reasons.push(`${n}: RSS grows ${s.toFixed(1)} MB/h (limit ${th.maxRssSlope})`);
      }
    }
  }
  if (f.epochsSampled < 4) reasons.push(`only ${f.epochsSampled} epochs sampled (need at least 4 to judge finality)`);
  return {ok: reasons.length === 0, reasons};
}
