/**
 * `npm run soak -- [--duration 1h] [--slot-ms 6000] [--nodes 4] …`: the soak run (issue 14 item 6). A dev
 * network of `--nodes` beacon nodes (`ceibo beacon --network dev --p2p true`, minimal preset, one genesis, node 1
 * the discv5 bootnode) each with its own validator client process (`ceibo validator`) holding an equal share of
 * the interop keys — the processes the simulation starts (test/harness/devnet.ts) — running for `--duration` of
 * chain time from genesis. Meanwhile:
 * - every `--sample-ms` the RSS of every process (VmRSS from /proc/PID/status) and the new lines of its log
 *   (ERROR lines counted and kept);
 * - in the middle of every epoch, per node: finalized epoch, head (slot, root), connected peers; whether all
 *   heads agree (re-read for a few seconds when a block is in flight).
 * At the end: a per-epoch finality table (epochs where finality fell behind flagged), a per-process table (RSS
 * first/last/max, least-squares RSS slope in MB/hour over the samples after `--warmup`, ERROR lines, peers), head
 * agreement, and a JSON report (its path printed; ERROR lines in errors-<process>.log beside it).
 *
 * Exit status 1 when (thresholds, all adjustable):
 * - any process exits before the end (a node or validator client died);
 * - any node's finality falls more than `--max-finality-stall` (default 3) epochs behind the healthy lag of 2
 *   (finalized = current epoch − 2), from epoch 4 on (see analysis.ts finalityStall);
 * - more than `--max-errors` (default 0) ERROR lines across all processes;
 * - a beacon node's RSS slope exceeds `--max-rss-slope` MB/hour (default: not checked, reported only);
 * - fewer than 4 epochs were sampled.
 * Exit status 2 for bad options. Ctrl-C ends the run early and still reports.
 */

import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {sleep} from "@ceibo/utils";
import {connectedPeers, DevNet, identity} from "../harness/devnet.ts";
import {finalizedEpoch, head, type Proc} from "../harness/processes.ts";
import {
  finalityStall,
  groupErrors,
  isErrorLine,
  parseDuration,
  rssSlopeMbPerHour,
  type Sample,
  type Thresholds,
  verdict,
  vmRssBytes,
} from "./analysis.ts";

const HELP = `npm run soak -- [options]

Runs a dev network of beacon nodes, each with its own validator client (separate processes, minimal preset,
127.0.0.1 only) for a while and reports memory growth, error log lines, finality every epoch, peers and head
agreement. Exit status 1 when a process dies, finality stalls or errors were logged (thresholds below).

  --duration D            how long the chain runs from genesis: 1h, 30m, 90s, 1h30m (default 1h)
  --slot-ms MS            slot duration (default 6000; 4000 is fine on an idle machine)
  --nodes N               beacon nodes, each with a validator client (default 4)
  --validators N          interop validators, split evenly over the validator clients (default 64)
  --sample-ms MS          RSS and log sampling interval (default 10000)
  --warmup D              samples before this (from genesis) are left out of the RSS slope (default 10m, at most
                          a third of the duration)
  --max-finality-stall N  fail when a node's finalized epoch is more than N epochs behind current − 2 (default 3)
  --max-errors N          fail when more than N ERROR lines were logged in total (default 0)
  --max-rss-slope MB      fail when a beacon node's RSS grows faster than MB per hour (default: report only)
  --out-dir DIR           where logs, ERROR lines and soak-report.json go (default: a new ceibo-soak-* folder
                          in the temp directory); data directories are removed at the end unless --keep
  --keep                  keep the nodes' data directories
  --help                  this text
`;

function fail(msg: string): never {
  console.error(`soak: ${msg}`);
  process.exit(2);
}

const {values} = (() => {
  try {
    return parseArgs({
      options: {
        duration: {type: "string"},
        "slot-ms": {type: "string"},
        nodes: {type: "string"},
        validators: {type: "string"},
        "sample-ms": {type: "string"},
        warmup: {type: "string"},
        "max-finality-stall": {type: "string"},
        "max-errors": {type: "string"},
        "max-rss-slope": {type: "string"},
        "out-dir": {type: "string"},
        keep: {type: "boolean"},
        help: {type: "boolean"},
      },
    });
  } catch (e) {
    fail((e as Error).message);
  }
})();
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const int = (name: string, dflt: number, min: number): number => {
  const v = values[name as "nodes"];
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isSafeInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got ${v}`);
  return n;
};
const dur = (name: string, dflt: string): number => {
  const v = values[name as "duration"] ?? dflt;
  const ms = parseDuration(v);
  if (ms === null || ms <= 0) fail(`--${name} must be a duration like 1h, 30m, 90s or 1h30m, got ${v}`);
  return ms;
};
const durationMs = dur("duration", "1h");
const slotMs = int("slot-ms", 6000, 500);
const nodeCount = int("nodes", 4, 1);
const validators = int("validators", 64, nodeCount);
const sampleMs = int("sample-ms", 10_000, 1000);
const warmupMs = Math.min(dur("warmup", "10m"), Math.floor(durationMs / 3));
const thresholds: Thresholds = {
  maxFinalityStall: int("max-finality-stall", 3, 0),
  maxErrors: int("max-errors", 0, 0),
  maxRssSlope:
    values["max-rss-slope"] === undefined
      ? null
      : (() => {
          const n = Number(values["max-rss-slope"]);
          if (!Number.isFinite(n)) fail(`--max-rss-slope must be a number of MB/hour, got ${values["max-rss-slope"]}`);
          return n;
        })(),
};
const SLOTS_PER_EPOCH = 8; // minimal preset
const epochMs = slotMs * SLOTS_PER_EPOCH;

const dir = values["out-dir"] !== undefined ? resolve(values["out-dir"]) : mkdtempSync(join(tmpdir(), "ceibo-soak-"));
mkdirSync(dir, {recursive: true});
// a folder of an earlier run would hand its chains (another genesis) to the new nodes
if (existsSync(join(dir, "node1")) || existsSync(join(dir, "soak-report.json"))) {
  fail(`--out-dir ${dir} already holds a soak run; give a new or empty folder`);
}
const mb = (b: number) => b / 1e6;

// ---- processes -------------------------------------------------------------------------------------------
interface Tracked {
  name: string;
  kind: "bn" | "vc";
  proc: Proc;
  logFile: string;
  logOffset: number;
  partial: string;
  samples: Sample[];
  errors: number;
  errorLines: string[];
}
const tracked: Tracked[] = [];
const track = (name: string, kind: "bn" | "vc", proc: Proc): void => {
  tracked.push({
    name,
    kind,
    proc,
    logFile: join(dir, `${proc.name}.log`),
    logOffset: 0,
    partial: "",
    samples: [],
    errors: 0,
    errorLines: [],
  });
};

const startedAt = new Date();
// the nodes need a while to start on a busy machine: genesis 30 s + 10 s per node ahead
const genesisTime = Math.ceil(Date.now() / 1000) + 30 + 10 * nodeCount;
const genesisMs = genesisTime * 1000;
const endMs = genesisMs + durationMs;
console.log(
  `soak: ${nodeCount} nodes × (beacon node + validator client), ${validators} validators, ${slotMs} ms slots, ` +
    `${(durationMs / 60_000).toFixed(1)} min from genesis at ${new Date(genesisMs).toISOString()}; run dir ${dir}`,
);
const net = new DevNet({dir, validators, slotMs, genesisTime});
const apis: string[] = [];
let interrupted = false;
process.on("SIGINT", () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  console.log("soak: interrupted, stopping and reporting (Ctrl-C again to quit at once)");
});

try {
  const n1 = await net.startBeacon("node1");
  const enr = (await identity(n1.api)).enr;
  const rest = await Promise.all(
    Array.from({length: nodeCount - 1}, (_, i) => net.startBeacon(`node${i + 2}`, ["--bootnodes", enr])),
  );
  const bns = [n1, ...rest];
  for (const b of bns) {
    apis.push(b.api);
    track(b.name, "bn", b.bn);
  }
  let from = 0;
  for (const [i, b] of bns.entries()) {
    const share = Math.floor(validators / nodeCount) + (i < validators % nodeCount ? 1 : 0);
    const vc = net.startValidator(b.name, b.api, from, from + share - 1);
    from += share;
    track(`${b.name}-vc`, "vc", vc);
  }
} catch (e) {
  console.error(`soak: the network did not start: ${(e as Error).message}`);
  await net.stop();
  process.exit(1);
}

// ---- sampling --------------------------------------------------------------------------------------------
function readNewLogLines(t: Tracked): void {
  let fd: number;
  try {
    fd = openSync(t.logFile, "r");
  } catch {
    return; // not created yet
  }
  try {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, t.logOffset);
      if (n === 0) break;
      t.logOffset += n;
      const lines = (t.partial + buf.subarray(0, n).toString()).split("\n");
      t.partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!isErrorLine(line)) continue;
        t.errors++;
        t.errorLines.push(line);
      }
    }
  } finally {
    closeSync(fd);
  }
}

function sampleRss(t: Tracked, now: number): void {
  const pid = t.proc.child.pid;
  if (pid === undefined || !t.proc.running) return;
  try {
    const rss = vmRssBytes(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (rss !== null) t.samples.push({t: now - genesisMs, rss});
  } catch {
    // exited between the check and the read
  }
}

interface EpochRow {
  epoch: number;
  /** Sample time, ms after genesis. */
  t: number;
  finalized: (number | null)[];
  headSlot: (number | null)[];
  peers: (number | null)[];
  headsAgree: boolean;
  stall: number[];
}
const epochs: EpochRow[] = [];
const died: string[] = [];

async function sampleEpoch(epoch: number): Promise<EpochRow> {
  // a node that does not answer within 10 s counts as no answer (null) rather than holding up the run
  const safe = <T>(p: Promise<T>): Promise<T | null> =>
    Promise.race([p.catch(() => null), sleep(10_000).then(() => null)]);
  const [finalized, heads, peers] = await Promise.all([
    Promise.all(apis.map((a) => safe(finalizedEpoch(a)))),
    Promise.all(apis.map((a) => safe(head(a)))),
    Promise.all(apis.map((a) => safe(connectedPeers(a).then((p) => p.length)))),
  ]);
  // a block may be in flight at the moment of sampling: re-read the heads for a few seconds before calling it
  let agreeHeads = heads;
  let headsAgree = false;
  for (let i = 0; i < 6; i++) {
    if (agreeHeads.every((h) => h !== null && h.root === agreeHeads[0]?.root)) {
      headsAgree = true;
      break;
    }
    await sleep(Math.min(1000, slotMs / 4));
    agreeHeads = await Promise.all(apis.map((a) => safe(head(a))));
  }
  return {
    epoch,
    t: Date.now() - genesisMs,
    finalized,
    headSlot: heads.map((h) => h?.slot ?? null),
    peers,
    headsAgree,
    // no answer is not a stall by itself (it shows as "?"); a node that stays unreachable stalls at the next rows
    stall: finalized.map((f) => (f === null ? 0 : finalityStall(epoch, f))),
  };
}

let nextSample = Date.now();
// sample each epoch in its middle (slot 4 of 8): its epoch transition is processed by then
let nextEpoch = Math.max(0, Math.floor((Date.now() - genesisMs) / epochMs));
const epochSampleAt = (e: number) => genesisMs + e * epochMs + epochMs / 2;
let lastProgress = 0;

while (Date.now() < endMs && !interrupted) {
  const now = Date.now();
  for (const t of tracked) {
    if (!t.proc.running && !died.some((d) => d.startsWith(`${t.name} `))) {
      died.push(`${t.name} (exit ${t.proc.child.exitCode ?? t.proc.child.signalCode})`);
    }
  }
  if (died.length > 0) {
    console.error(`soak: ${died.join(", ")} — stopping early`);
    break;
  }
  if (now >= nextSample) {
    for (const t of tracked) {
      sampleRss(t, now);
      readNewLogLines(t);
    }
    nextSample += sampleMs;
    if (nextSample < now) nextSample = now + sampleMs;
  }
  if (now >= epochSampleAt(nextEpoch) && now >= genesisMs) {
    const row = await sampleEpoch(nextEpoch);
    epochs.push(row);
    const errs = tracked.reduce((a, t) => a + t.errors, 0);
    if (now - lastProgress >= 5 * 60_000 || row.stall.some((s) => s > 0) || !row.headsAgree) {
      lastProgress = now;
      const rssBn = tracked
        .filter((t) => t.kind === "bn")
        .map((t) => mb(t.samples.at(-1)?.rss ?? 0).toFixed(0))
        .join("/");
      console.log(
        `soak: epoch ${row.epoch} finalized ${row.finalized.map((f) => f ?? "?").join("/")} head ` +
          `${row.headSlot.map((s) => s ?? "?").join("/")} peers ${row.peers.map((p) => p ?? "?").join("/")} ` +
          `${row.headsAgree ? "one head" : "HEADS DIFFER"} bn RSS ${rssBn} MB, ${errs} ERROR lines` +
          (row.stall.some((s) => s > 0) ? ` — FINALITY BEHIND by ${Math.max(...row.stall)}` : ""),
      );
    }
    nextEpoch = Math.max(nextEpoch + 1, Math.floor((Date.now() - genesisMs) / epochMs));
  }
  await sleep(250);
}
// one last RSS sample before stopping
for (const t of tracked) sampleRss(t, Date.now());

const runMs = Date.now() - genesisMs;
// validator clients first (a client whose node is gone logs failed duties), then the beacon nodes
const stopT0 = Date.now();
await Promise.all(tracked.filter((t) => t.kind === "vc").map((t) => t.proc.kill("SIGTERM", 15_000)));
await net.stop();
const shutdownMs = Date.now() - stopT0;
const exitCodes = Object.fromEntries(tracked.map((t) => [t.name, t.proc.child.exitCode ?? t.proc.child.signalCode]));
for (const t of tracked) {
  readNewLogLines(t);
  if (t.partial !== "" && isErrorLine(t.partial)) {
    t.errors++;
    t.errorLines.push(t.partial);
  }
}

// ---- report ----------------------------------------------------------------------------------------------
const names = tracked.filter((t) => t.kind === "bn").map((t) => t.name);
const maxStall: Record<string, number> = {};
names.forEach((n, i) => {
  maxStall[n] = Math.max(0, ...epochs.map((r) => r.stall[i]));
});
const slopes = Object.fromEntries(tracked.map((t) => [t.name, rssSlopeMbPerHour(t.samples, warmupMs)]));
const v = verdict(
  {
    died,
    maxStall,
    errorsPerProcess: Object.fromEntries(tracked.map((t) => [t.name, t.errors])),
    bnSlopes: Object.fromEntries(tracked.filter((t) => t.kind === "bn").map((t) => [t.name, slopes[t.name]])),
    epochsSampled: epochs.length,
  },
  thresholds,
);
const flagged = epochs.filter((r) => r.stall.some((s) => s > 0) || !r.headsAgree);
const agreed = epochs.filter((r) => r.headsAgree).length;

const pad = (s: string | number, n: number) => String(s).padStart(n);
const lines: string[] = [];
lines.push("finality per epoch (sampled mid-epoch; finalized epoch / head slot per node; ! = behind or heads differ)");
lines.push(`${pad("epoch", 5)}  ${names.map((n) => pad(n, 11)).join(" ")}  peers      heads`);
for (const r of epochs) {
  const cells = names.map((_, i) => pad(`${r.finalized[i] ?? "?"}/${r.headSlot[i] ?? "?"}`, 11)).join(" ");
  const flag = r.stall.some((s) => s > 0) ? `  ! finality behind by ${Math.max(...r.stall)}` : "";
  lines.push(
    `${pad(r.epoch, 5)}  ${cells}  ${r.peers.map((p) => p ?? "?").join("/")}`.padEnd(18 + 12 * names.length) +
      `${r.headsAgree ? "one" : "DIFFER !"}${flag}`,
  );
}
lines.push("");
lines.push(
  `${"process".padEnd(10)} ${pad("RSS first", 10)} ${pad("last", 8)} ${pad("max", 8)} ${pad("slope MB/h", 11)} ${pad("samples", 8)} ${pad("errors", 7)}`,
);
for (const t of tracked) {
  const rss = t.samples.map((s) => s.rss);
  const s = slopes[t.name];
  lines.push(
    `${t.name.padEnd(10)} ${pad(rss.length ? mb(rss[0]).toFixed(0) : "?", 10)} ${pad(rss.length ? mb(rss[rss.length - 1]).toFixed(0) : "?", 8)} ` +
      `${pad(rss.length ? mb(Math.max(...rss)).toFixed(0) : "?", 8)} ${pad(s === null ? "?" : s.toFixed(1), 11)} ` +
      `${pad(t.samples.filter((x) => x.t >= warmupMs).length, 8)} ${pad(t.errors, 7)}`,
  );
}
lines.push("");
const lastRow = epochs.at(-1);
lines.push(
  `chain time ${(runMs / 60_000).toFixed(1)} min, ${epochs.length} epochs sampled, ${flagged.length} flagged; ` +
    `heads agreed at ${agreed}/${epochs.length} samples; final finalized ${lastRow?.finalized.join("/") ?? "-"} ` +
    `at epoch ${lastRow?.epoch ?? "-"}; peers ${lastRow?.peers.join("/") ?? "-"}; RSS slope over samples after ` +
    `${(warmupMs / 60_000).toFixed(1)} min; shutdown ${shutdownMs} ms`,
);
const errorKinds = groupErrors(tracked.flatMap((t) => t.errorLines));
if (errorKinds.length > 0) {
  lines.push("ERROR lines by kind:");
  for (const k of errorKinds) lines.push(`${pad(k.count, 6)}  ${k.kind}`);
}
lines.push(v.ok ? "soak: PASS" : `soak: FAIL\n  ${v.reasons.join("\n  ")}`);

const report = {
  startedAt: startedAt.toISOString(),
  genesisTime,
  options: {durationMs, slotMs, nodes: nodeCount, validators, sampleMs, warmupMs, preset: "minimal"},
  thresholds,
  interrupted,
  chainTimeMs: runMs,
  shutdownMs,
  exitCodes,
  processes: tracked.map((t) => ({
    name: t.name,
    kind: t.kind,
    pid: t.proc.child.pid,
    rssSlopeMbPerHour: slopes[t.name],
    rssMb: {
      first: t.samples[0] ? mb(t.samples[0].rss) : null,
      last: t.samples.at(-1) ? mb(t.samples.at(-1)?.rss ?? 0) : null,
      max: t.samples.length ? mb(Math.max(...t.samples.map((s) => s.rss))) : null,
    },
    errors: t.errors,
    errorLines: t.errorLines.slice(0, 200),
    errorLog: t.errors > 0 ? join(dir, `errors-${t.name}.log`) : null,
    samples: t.samples.map((s) => [s.t, Math.round(mb(s.rss) * 10) / 10]),
  })),
  epochs,
  headAgreement: {samples: epochs.length, agreed},
  errorKinds,
  maxFinalityStall: maxStall,
  flaggedEpochs: flagged.map((r) => r.epoch),
  verdict: v,
};
for (const t of tracked)
  if (t.errors > 0) writeFileSync(join(dir, `errors-${t.name}.log`), `${t.errorLines.join("\n")}\n`);
const reportFile = join(dir, "soak-report.json");
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(dir, "soak-report.txt"), `${lines.join("\n")}\n`);
if (values.keep !== true) {
  for (const t of tracked) rmSync(join(dir, t.proc.name), {recursive: true, force: true});
}
console.log(lines.join("\n"));
console.log(`soak: report ${reportFile} (table: ${join(dir, "soak-report.txt")}; logs beside it)`);
process.exit(v.ok ? 0 : 1);
