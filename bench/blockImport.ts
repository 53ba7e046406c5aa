/**
 * `npm run bench:import` — block import through gossip, measured on a real node (a benchmark: nothing asserts on
 * time). See bench/README.md.
 *
 * Two `ceibo beacon --network dev` processes on one genesis: the proposer signs with the interop keys inside the node
 * (`--dev.signing true`), the importer has no keys and imports every block from gossip (validation, then import).
 * After the run the importer's Prometheus metrics are read:
 *   beacon_block_gossip_arrival_to_import_seconds  arrival of a gossip block → end of its import
 *   beacon_block_import_seconds{result="ok"}        chain.importBlock alone
 *   beacon_block_import_stage_seconds{stage}        the import stages
 *   beacon_gossip_validation_seconds{topic="beacon_block",result="accept"}  gossip validation of blocks
 * Means come from _sum/_count; p50/p99 are the upper bounds of the histogram buckets they fall in.
 *
 * `--ceibo-root DIR` runs the CLI of another checkout (e.g. a worktree of an older commit) with the same harness,
 * for before/after figures on the same machine.
 */
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {freePort, getJson, NODE, Proc, ROOT, until} from "../test/harness/processes.ts";

const HELP = `Usage: npm run bench:import -- [--validators N] [--slots N] [--slot-ms MS] [--preset mainnet|minimal]
                            [--ceibo-root DIR] [--json FILE] [--keep]

Block import of gossip blocks on a real node: a proposing dev node and an importing node on one genesis; the
importer's metrics give the arrival → imported time, chain.importBlock time by stage, and block gossip validation.

  --validators N     interop validators of the dev genesis (default 8192)
  --slots N          slots to import after the first block (default 64: two mainnet epochs, with their transitions)
  --slot-ms MS       SLOT_DURATION_MS of the dev chain (default 3000)
  --preset NAME      CEIBO_PRESET of both nodes (default mainnet)
  --ceibo-root DIR   a ceibo checkout whose cli/bin/ceibo.js to run (default this one): before/after comparisons
  --json FILE        write the figures as JSON
  --keep             keep the run directory (logs, data dirs)`;

interface Histogram {
  buckets: {le: number; count: number}[];
  sum: number;
  count: number;
}

/** The series of one histogram in Prometheus text format, selected by a label filter. */
function histogram(text: string, name: string, labels: Record<string, string> = {}): Histogram {
  const buckets: {le: number; count: number}[] = [];
  let sum = 0;
  let count = 0;
  const matches = (labelText: string): boolean =>
    Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`));
  for (const line of text.split("\n")) {
    const m = line.match(/^([a-z_]+)(?:\{([^}]*)\})? ([0-9.eE+-]+|NaN|\+Inf)$/);
    if (m === null) continue;
    const [, metric, labelText = "", value] = m;
    if (!matches(labelText)) continue;
    if (metric === `${name}_bucket`) {
      const le = labelText.match(/le="([^"]+)"/)?.[1];
      if (le !== undefined)
        buckets.push({le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), count: Number(value)});
    } else if (metric === `${name}_sum`) sum += Number(value);
    else if (metric === `${name}_count`) count += Number(value);
  }
  buckets.sort((a, b) => a.le - b.le);
  return {buckets, sum, count};
}

/** Upper bound (seconds) of the bucket holding quantile q; null without observations. */
function quantile(h: Histogram, q: number): number | null {
  if (h.count === 0) return null;
  const rank = q * h.count;
  for (const b of h.buckets) if (b.count >= rank) return b.le;
  return null;
}

interface Row {
  what: string;
  count: number;
  meanMs: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

function row(what: string, h: Histogram): Row {
  const toMs = (s: number | null): number | null => (s === null ? null : Number.isFinite(s) ? s * 1000 : null);
  return {
    what,
    count: h.count,
    meanMs: h.count === 0 ? null : (h.sum / h.count) * 1000,
    p50Ms: toMs(quantile(h, 0.5)),
    p99Ms: toMs(quantile(h, 0.99)),
  };
}

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      validators: {type: "string", default: "8192"},
      slots: {type: "string", default: "64"},
      "slot-ms": {type: "string", default: "3000"},
      preset: {type: "string", default: "mainnet"},
      "ceibo-root": {type: "string"},
      json: {type: "string"},
      keep: {type: "boolean", default: false},
      help: {type: "boolean", default: false},
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const validators = Number(values.validators);
  const slots = Number(values.slots);
  const slotMs = Number(values["slot-ms"]);
  const preset = values.preset as string;
  if (!Number.isInteger(validators) || validators < 64)
    throw Error(`--validators: an integer ≥ 64, got ${values.validators}`);
  if (!Number.isInteger(slots) || slots < 1) throw Error(`--slots: a positive integer, got ${values.slots}`);
  if (!Number.isInteger(slotMs) || slotMs < 500) throw Error(`--slot-ms: an integer ≥ 500, got ${values["slot-ms"]}`);
  if (preset !== "mainnet" && preset !== "minimal") throw Error(`--preset: mainnet or minimal, got ${preset}`);
  const root = resolve(values["ceibo-root"] ?? ROOT);
  const cli = join(root, "cli/bin/ceibo.js");

  const dir = mkdtempSync(join(tmpdir(), "ceibo-bench-import-"));
  const procs: Proc[] = [];
  const log = (msg: string): void => {
    process.stderr.write(`[bench:import] ${msg}\n`);
  };
  // genesis far enough ahead for both nodes to derive the interop keys and start
  const genesisTime = Math.ceil(Date.now() / 1000) + 30 + Math.ceil(validators / 400);

  async function startBeacon(name: string, extra: string[]): Promise<{proc: Proc; api: string; metrics: string}> {
    const restPort = await freePort();
    const port = await freePort();
    const metricsPort = await freePort();
    const proc = new Proc(
      name,
      NODE,
      [
        cli,
        "beacon",
        "--network",
        "dev",
        "--data-dir",
        join(dir, name),
        "--dev.validators",
        String(validators),
        "--dev.genesis-time",
        String(genesisTime),
        "--dev.slot-duration-ms",
        String(slotMs),
        "--rest.port",
        String(restPort),
        "--p2p",
        "true",
        "--listen-address",
        "127.0.0.1",
        "--port",
        String(port),
        "--discovery-port",
        String(port),
        "--metrics",
        "--metrics.port",
        String(metricsPort),
        ...extra,
      ],
      {CEIBO_PRESET: preset},
      {logFile: join(dir, `${name}.log`), cwd: root},
    );
    procs.push(proc);
    await proc.waitFor(/Beacon API listening/, 600_000);
    return {proc, api: `http://127.0.0.1:${restPort}`, metrics: `http://127.0.0.1:${metricsPort}/metrics`};
  }

  try {
    log(`${root}: ${preset} preset, ${validators} validators, ${slotMs} ms slots, run dir ${dir}`);
    const proposer = await startBeacon("proposer", ["--dev.signing", "true"]);
    const enr = (await getJson<{data: {enr: string}}>(`${proposer.api}/eth/v1/node/identity`)).data.enr;
    const importer = await startBeacon("importer", ["--dev.signing", "false", "--bootnodes", enr]);
    const headSlot = async (api: string): Promise<number> =>
      Number(
        (await getJson<{data: {header: {message: {slot: string}}}}>(`${api}/eth/v1/beacon/headers/head`)).data.header
          .message.slot,
      );
    const startSlot = await until(
      "the importer's first gossip block",
      600_000,
      async () => {
        const s = await headSlot(importer.api);
        return s > 0 ? s : null;
      },
      procs,
    );
    const endSlot = startSlot + slots;
    log(`importing from slot ${startSlot} to ${endSlot}`);
    await until(
      `the importer's head at slot ${endSlot}`,
      (slots + 20) * slotMs * 3 + 120_000,
      async () => ((await headSlot(importer.api)) >= endSlot ? true : null),
      procs,
      Math.min(1000, slotMs / 2),
    );
    const text = await (await fetch(importer.metrics)).text();
    const rows: Row[] = [
      row("gossip block: arrival → imported", histogram(text, "beacon_block_gossip_arrival_to_import_seconds")),
      row(
        "gossip block validation (accept)",
        histogram(text, "beacon_gossip_validation_seconds", {topic: "beacon_block", result: "accept"}),
      ),
      row("chain.importBlock (ok)", histogram(text, "beacon_block_import_seconds", {result: "ok"})),
    ];
    for (const stage of [
      "pre_state",
      "signatures",
      "state_transition",
      "execution_payload",
      "fork_choice",
      "persist",
    ]) {
      const h = histogram(text, "beacon_block_import_stage_seconds", {stage});
      if (h.count > 0) rows.push(row(`  stage ${stage}`, h));
    }
    const width = Math.max(...rows.map((r) => r.what.length));
    const fmt = (v: number | null): string => (v === null ? "-" : v.toFixed(1));
    console.log(
      `\nblock import on the importing node (${validators} validators, ${preset}, slots ${startSlot}–${endSlot}, ${root})`,
    );
    console.log(`${"".padEnd(width)}  count   mean ms   p50 ≤ ms   p99 ≤ ms`);
    for (const r of rows) {
      console.log(
        `${r.what.padEnd(width)}  ${String(r.count).padStart(5)}  ${fmt(r.meanMs).padStart(8)}  ${fmt(r.p50Ms).padStart(9)}  ${fmt(r.p99Ms).padStart(9)}`,
      );
    }
    console.log("(p50/p99: upper bound of the histogram bucket the quantile falls in)");
    if (values.json !== undefined) {
      writeFileSync(
        values.json,
        `${JSON.stringify({validators, preset, slotMs, startSlot, endSlot, ceiboRoot: root, rows}, null, 2)}\n`,
      );
    }
  } finally {
    await Promise.all(procs.map((p) => p.kill("SIGTERM", 15_000)));
    if (values.keep) log(`kept ${dir}`);
    else rmSync(dir, {recursive: true, force: true});
  }
}

main().catch((e) => {
  console.error(`bench:import: ${(e as Error).message}`);
  process.exit(1);
});
