/**
 * `npm run bench:gossip` — the mainnet gossip load test (issue 13 item 5). A benchmark, not a test: it prints a
 * table and writes JSON; nothing asserts on time.
 *
 * For each rate k (default 1, 2, 4): a real `ceibo beacon` process (mainnet preset, a custom network whose
 * SLOT_DURATION_MS is 12 s / k, the in-process mock execution engine) checkpoint-syncs from the corpus's anchor
 * (bench/gossip/corpus.ts: a synthetic state of N validators whose keys are known), a harness libp2p peer
 * connects and publishes, slot after slot, the block at the slot's start, the single attestations of the
 * subnets the node subscribes to and the sync committee messages at 1/3, the aggregates of every committee and
 * the sync contributions at 2/3 — all validly signed. The node's Prometheus metrics give the per-topic verdicts
 * and validation times, block import time (gossip arrival → imported, the new head) and event-loop lag; /proc
 * gives its CPU and RSS.
 *
 * k× rate = slots k times shorter, not k corpora per slot: gossip validity allows one attestation per validator
 * per epoch and one block per proposer per slot, so k distinct valid corpora for one slot do not exist (extra
 * copies would be IGNOREd as duplicates and cost nothing); shorter slots keep every message valid and multiply
 * all of the work (blocks, state transitions, attestations, sync messages) by k.
 *
 * The node's clock is put at the corpus's slots with libfaketime (LD_PRELOAD, Debian `faketime`): frozen at the
 * anchor while the node starts, then running from just before the first slot. So a cached corpus (keyed by N,
 * slot duration and slot count) is valid for every run.
 */
import {execFileSync} from "node:child_process";
import {randomBytes} from "node:crypto";
import {existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from "node:fs";
import {cpus, loadavg, tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {parseArgs} from "node:util";
import {ssz} from "@ceibo/types";
import {ENR} from "@chainsafe/enr";
import {compressSync} from "snappy";
import {ceibo, freePort, getJson, type Proc, ROOT, until} from "../../test/harness/processes.ts";
import {LodestarProbe} from "../../test/interop/probe.ts";
import {Cursor, decodeSszSnappy, encodeResponseChunk} from "../../test/interop/sszSnappy.ts";
import {type Corpus, type CorpusMessage, loadOrBuildCorpus, MESSAGE_KINDS, type MessageKind} from "./corpus.ts";
import {bucketDelta, buckets, count, parsePrometheus, quantile, type Sample, sum} from "./metrics.ts";

const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const MAINNET_SLOT_MS = 12_000;

const HELP = `Usage: npm run bench:gossip -- [--validators N] [--rates 1,2,4] [--slots N] [--all-subnets]
                            [--ignore-reasons] [--cpu-prof DIR] [--cache-dir DIR] [--json FILE] [--keep]

The mainnet gossip load test: a real ceibo beacon node (mainnet preset, N validators, checkpoint-synced from a
synthetic state whose keys are known) fed valid gossip by a harness libp2p peer at k× mainnet rate (slots 12/k s
long): a full block per slot, single attestations on the node's subnets, the aggregates of every committee (up
to 16 aggregators each), sync committee messages and contributions. Reports per rate p50/p99 gossip validation
time per topic, messages IGNOREd / never validated, block import time (arrival → head), event-loop lag (per 1-s
window, and p50/p99/p99.9 over the whole measured window from the node's beacon_event_loop_delay_seconds),
main-thread garbage collection by kind, CPU, RSS.

Options:
  --validators N      validators of the state (default 1000000; 16384 is a quick run)
  --rates LIST        rates to run, each a multiple of mainnet's (default 1,2,4; slot = 12000/k ms)
  --slots N           slots of gossip per rate (default 8): the first is a warm-up (the node's clock frozen
                      in it, not measured: a fresh node's one-off costs), the others are measured
  --all-subnets       run the node with --subscribe-all-subnets (default: the subnets a default node joins)
  --cache-dir DIR     corpus cache (default bench/out/gossip-corpus; keyed by N, slot duration and slots)
  --json FILE         write the report as JSON (default bench/out/gossip-<time>.json)
  --ignore-reasons    run the node with --log-level debug and count its IGNOREs by code (e.g. late
                      messages) from its log; debug logging costs the node some time
  --cpu-prof DIR      run the node under V8's CPU profiler (--cpu-prof): a .cpuprofile per rate in DIR,
                      written when the node stops (open it in Chrome DevTools or speedscope)
  --keep              keep the node's data dir and log (printed)
Environment: CEIBO_BENCH_NODE_OPTIONS is appended to the node's NODE_OPTIONS (e.g. --max-semi-space-size=64);
CEIBO_BENCH_NODE_ARGS (space-separated) go on the node's command line before the script, for the V8 flags
that NODE_OPTIONS refuses (e.g. "--trace-gc --trace-gc-nvp": the trace is in the node's log with --keep).
Needs Debian's faketime (apt-get install -y faketime) for the node's clock.`;

export interface TopicReport {
  published: number;
  accepted: number;
  ignored: number;
  rejected: number;
  /** Published but never given a verdict by the node (dropped before validation). */
  notValidated: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export interface RateReport {
  rate: number;
  slotMs: number;
  validators: number;
  slots: number;
  subnets: number[];
  topics: Record<MessageKind, TopicReport>;
  blockImport: {count: number; p50Ms: number | null; p99Ms: number | null};
  headSlot: number;
  lastSlot: number;
  /**
   * Two views of the event loop's delay over the measured window:
   * - over 1-s windows, from prom-client's `nodejs_eventloop_lag_*` (monitorEventLoopDelay, 10 ms resolution: values
   *   include that floor; reset at every scrape, one scrape a second): p50 = the median window's p50, p99 = the worst
   *   window's p99 (a window holds ~100 samples, so one stall of over ~1% of a second sets it: in effect the worst
   *   stall), max = the worst delay, windowsOver100Ms = windows whose p99 is over 100 ms;
   * - over the whole window, from the node's `beacon_event_loop_delay_seconds` (how late each wake of a 10-ms timer
   *   came, without the 10-ms floor; a cumulative histogram, so the difference of the first and last scrape):
   *   wholeP50Ms / wholeP99Ms / wholeP999Ms (interpolated inside the histogram's buckets, as Prometheus'
   *   histogram_quantile), wakes (the number of samples) and lateShare (the delays summed, over the wall time: the
   *   share of the time the loop ran late). Null when the node does not export it.
   */
  eventLoopLag: {
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    windows: number;
    windowsOver100Ms: number;
    wholeP50Ms: number | null;
    wholeP99Ms: number | null;
    wholeP999Ms: number | null;
    wakes: number;
    lateShare: number | null;
  };
  cpuPercent: number;
  rssMaxMb: number;
  /** The harness's own publishing delay behind schedule (ms, max): large values mean the harness was the bottleneck. */
  publishLagMaxMs: number;
  loadAverage: number[];
  /** The unmeasured first slot (clock frozen): its block's publish → head time on the fresh node. */
  warmupBlockMs: number;
  /**
   * Seconds from the node's start until its background public-key preload finished ("Public keys decoded and
   * checked" in its log); the measured slots start after it (null: no such line, e.g. a small registry at info level).
   */
  pubkeysReadyS: number | null;
  /**
   * Garbage collection of the node's main thread over the measured slots, by kind (prom-client's
   * `nodejs_gc_duration_seconds`: major = mark-compact, minor = scavenge, incremental = incremental marking steps,
   * weakcb = weak callbacks): count, total ms, and the largest pause's bucket bound (a "≤" figure).
   */
  gc: Record<string, {count: number; totalMs: number; maxLeMs: number | null}>;
  /** With --ignore-reasons: IGNOREs by "topic code" from the node's debug log (whole run). */
  ignoreCodes?: Record<string, number>;
}

function log(msg: string): void {
  process.stderr.write(`[gossip-bench] ${msg}\n`);
}

function setClock(file: string, content: string): void {
  writeFileSync(`${file}.tmp`, `${content}\n`);
  renameSync(`${file}.tmp`, file);
}

/** libfaketime's absolute (frozen) time format, UTC (the node runs with TZ=UTC). */
function frozenAt(unixMs: number): string {
  return new Date(unixMs).toISOString().replace("T", " ").slice(0, 19);
}

function procStat(pid: number): {cpuSeconds: number; rssBytes: number} | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssPages = Number(fields[21]);
    return {cpuSeconds: ticks / 100, rssBytes: rssPages * 4096};
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function topicString(digest: string, m: CorpusMessage): string {
  const name =
    m.kind === "beacon_attestation" || m.kind === "sync_committee" ? `${m.kind}_${m.subnet}` : (m.kind as string);
  return `/eth2/${digest}/${name}/ssz_snappy`;
}

export interface RunOpts {
  validators: number;
  rate: number;
  slots: number;
  allSubnets: boolean;
  cacheDir: string;
  keep: boolean;
  /** Run the node at --log-level debug and count its IGNOREs by topic and code from its log. */
  ignoreReasons?: boolean;
  /** Run the node under --cpu-prof, writing its profile into this directory. */
  cpuProfDir?: string;
}

/** One rate: builds / loads the corpus, runs the node and the publisher, returns the report. */
export async function runRate(opts: RunOpts): Promise<RateReport> {
  const slotMs = Math.round(MAINNET_SLOT_MS / opts.rate);
  const corpus: Corpus = loadOrBuildCorpus({
    validators: opts.validators,
    slotDurationMs: slotMs,
    slots: opts.slots,
    cacheDir: opts.cacheDir,
    log,
  });
  if (!existsSync(LIBFAKETIME)) {
    throw Error(`${LIBFAKETIME} is missing: install Debian's faketime (apt-get install -y faketime)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "ceibo-gossip-bench-"));
  const clockFile = join(dir, "faketime.txt");
  const slotStartMs = (slot: number) => (corpus.genesisTime * 1000 + slot * slotMs) as number;
  // frozen just after the anchor slot started, while the node starts
  setClock(clockFile, frozenAt(slotStartMs(corpus.anchorSlot) + 1000));
  const [p2pPort, restPort, metricsPort, enginePort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const jwtFile = join(dir, "jwt.hex");
  writeFileSync(jwtFile, randomBytes(32).toString("hex"), {mode: 0o600});
  const api = `http://127.0.0.1:${restPort}`;
  const args = [
    "beacon",
    "--network",
    "custom",
    "--config-file",
    corpus.configFile,
    "--genesis-state",
    corpus.anchorStateFile,
    "--checkpoint-state",
    corpus.anchorStateFile,
    "--checkpoint-block",
    corpus.anchorBlockFile,
    "--data-dir",
    join(dir, "bn"),
    "--listen-address",
    "127.0.0.1",
    "--port",
    String(p2pPort),
    "--discv5",
    "false",
    "--bootnodes",
    "none",
    "--rest.port",
    String(restPort),
    "--metrics",
    "--metrics.port",
    String(metricsPort),
    "--execution-urls",
    `http://127.0.0.1:${enginePort}`,
    "--jwt-secret",
    jwtFile,
  ];
  if (opts.allSubnets) args.push("--subscribe-all-subnets");
  if (opts.ignoreReasons === true) args.push("--log-level", "debug");
  const env = {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME_TIMESTAMP_FILE: clockFile,
    FAKETIME_CACHE_DURATION: "1",
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
    TZ: "UTC",
    CEIBO_PRESET: "mainnet",
    // a 1M-validator state and its caches need more than Node's default heap
    NODE_OPTIONS: ["--max-old-space-size=12288", process.env.CEIBO_BENCH_NODE_OPTIONS ?? ""].join(" ").trim(),
  };
  const bnEnv =
    opts.cpuProfDir === undefined
      ? env
      : {
          ...env,
          NODE_OPTIONS: `${env.NODE_OPTIONS} --cpu-prof --cpu-prof-dir=${opts.cpuProfDir} --cpu-prof-name=bn-${opts.rate}x.cpuprofile`,
        };
  log(`rate ${opts.rate}x: starting the node (slot ${slotMs} ms, ${opts.validators} validators), dir ${dir}`);
  // the execution engine: ceibo's mock engine whose genesis is the anchor's payload (under the same clock: JWT iat)
  const el: Proc = ceibo(
    `el-${opts.rate}x`,
    [
      "mock-engine",
      "--port",
      String(enginePort),
      "--jwt-secret",
      jwtFile,
      "--genesis-block-hash",
      corpus.anchorPayloadHash,
      "--genesis-timestamp",
      String(corpus.anchorPayloadTimestamp),
      "--fork",
      "fulu",
    ],
    env,
    {logFile: join(dir, "el.log")},
  );
  const nodeArgs = (process.env.CEIBO_BENCH_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const bn: Proc = ceibo(`bn-${opts.rate}x`, args, bnEnv, {logFile: join(dir, "bn.log"), nodeArgs});
  let probe: LodestarProbe | null = null;
  try {
    const t0 = Date.now();
    const tNodeStart = t0;
    // the Beacon API may answer before the p2p network is up: wait for an ENR with its eth2 field
    const {id, enr, eth2} = await until(
      "the node's Beacon API and p2p identity",
      30 * 60_000,
      async () => {
        const r = await getJson<{data: {peer_id: string; enr: string; metadata: {attnets?: string}}}>(
          `${api}/eth/v1/node/identity`,
        );
        const decoded = ENR.decodeTxt(r.data.enr);
        const e = decoded.kvs.get("eth2");
        return e === undefined ? null : {id: r.data, enr: decoded, eth2: e};
      },
      [bn, el],
      1000,
    );
    log(`node up in ${Math.round((Date.now() - t0) / 1000)} s`);
    const digest = Buffer.from(eth2.subarray(0, 4)).toString("hex");
    const subnets: number[] = [];
    if (opts.allSubnets) {
      for (let s = 0; s < 64; s++) subnets.push(s);
    } else {
      const hex =
        id.metadata.attnets ?? `0x${Buffer.from(enr.kvs.get("attnets") ?? new Uint8Array(8)).toString("hex")}`;
      const bytes = Buffer.from(hex.replace(/^0x/, ""), "hex");
      for (let s = 0; s < 64; s++) if ((bytes[s >> 3] >> (s & 7)) & 1) subnets.push(s);
    }
    const fin = await getJson<{data: {finalized: {epoch: string; root: string}}}>(
      `${api}/eth/v1/beacon/states/head/finality_checkpoints`,
    );
    const headHdr = await getJson<{data: {root: string; header: {message: {slot: string}}}}>(
      `${api}/eth/v1/beacon/headers/head`,
    );
    probe = await LodestarProbe.create({
      // the node's event loop may stall for seconds (that is measured): the harness must not hang up on it
      connectionMonitor: false,
      status: {
        forkDigest: Buffer.from(digest, "hex"),
        finalizedRoot: Buffer.from(fin.data.finalized.root.slice(2), "hex"),
        finalizedEpoch: Number(fin.data.finalized.epoch),
        headRoot: Buffer.from(headHdr.data.root.slice(2), "hex"),
        headSlot: Number(headHdr.data.header.message.slot),
      },
    });
    // fulu MetaData v3 (seq_number, attnets, syncnets, custody_group_count = 4): 25 zero-ish bytes
    const metadataV3 = new Uint8Array(25);
    metadataV3[17] = 4;
    await probe.node.handle("/eth2/beacon_chain/req/metadata/3/ssz_snappy", async (stream) => {
      stream.send(encodeResponseChunk(metadataV3));
      await stream.close();
    });
    // BeaconBlocksByRoot v2 from the corpus: a node that missed a block (its parent still importing) asks peers
    // for it by root, as it would on mainnet
    const blocksByRoot = new Map<string, Uint8Array>();
    for (const m of corpus.messages) {
      if (m.kind !== "beacon_block") continue;
      const signed = ssz.fulu.SignedBeaconBlock.deserialize(m.data);
      blocksByRoot.set(Buffer.from(ssz.fulu.BeaconBlock.hashTreeRoot(signed.message)).toString("hex"), m.data);
    }
    const digestBytes = Buffer.from(digest, "hex");
    await probe.node.handle("/eth2/beacon_chain/req/beacon_blocks_by_root/2/ssz_snappy", async (stream) => {
      try {
        let buf = new Uint8Array(0);
        let request: Uint8Array | null = null;
        for await (const chunk of stream) {
          buf = Buffer.concat([buf, chunk instanceof Uint8Array ? chunk : chunk.subarray()]);
          try {
            request = decodeSszSnappy(new Cursor(buf));
            break;
          } catch {
            // incomplete: read more
          }
        }
        for (let o = 0; request !== null && o + 32 <= request.length; o += 32) {
          const block = blocksByRoot.get(Buffer.from(request.subarray(o, o + 32)).toString("hex"));
          if (block !== undefined) stream.send(encodeResponseChunk(block, digestBytes));
        }
        await stream.close();
      } catch (e) {
        stream.abort(e as Error);
      }
    });
    // the node joins the sync committee subnets as for a validator client with sync duties (a default node
    // without validators has none)
    const untilEpoch = Math.floor((corpus.anchorSlot + opts.slots) / 32) + 2;
    const subRes = await fetch(`${api}/eth/v1/validator/sync_committee_subscriptions`, {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify(
        [0, 128, 256, 384].map((v, i) => ({
          validator_index: String(v),
          sync_committee_indices: [String(i * 128)],
          until_epoch: String(untilEpoch),
        })),
      ),
    });
    if (!subRes.ok) throw Error(`sync_committee_subscriptions: HTTP ${subRes.status} ${await subRes.text()}`);
    const addr = `/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${id.peer_id}`;
    await probe.dial(addr, 60_000);
    const p = probe;
    const wanted = [
      ...["beacon_block", "beacon_aggregate_and_proof", "sync_committee_contribution_and_proof"].map(
        (k) => `/eth2/${digest}/${k}/ssz_snappy`,
      ),
      ...subnets.map((s) => `/eth2/${digest}/beacon_attestation_${s}/ssz_snappy`),
      ...[0, 1, 2, 3].map((s) => `/eth2/${digest}/sync_committee_${s}/ssz_snappy`),
    ];
    await until(
      "the node's gossip subscriptions",
      120_000,
      async () => wanted.every((t) => p.remoteSubscribed(t)) || null,
      [bn],
    );
    log(`connected; node subscribes attestation subnets [${subnets.join(",")}] and the 4 sync subnets`);

    const bySlot = new Map<number, CorpusMessage[]>();
    for (const m of corpus.messages) {
      if (m.kind === "beacon_attestation" && !subnets.includes(m.subnet)) continue;
      const list = bySlot.get(m.slot) ?? [];
      list.push(m);
      bySlot.set(m.slot, list);
    }
    const publishNow = async (msgs: CorpusMessage[]): Promise<void> => {
      for (const m of msgs) {
        await p.node.services.pubsub.publish(topicString(digest, m), compressSync(m.data)).catch((e: Error) => {
          log(`publish ${m.kind} failed: ${e.message}`);
        });
      }
    };
    const headSlotNow = async () =>
      Number(
        (await getJson<{data: {header: {message: {slot: string}}}}>(`${api}/eth/v1/beacon/headers/head`)).data.header
          .message.slot,
      );

    // warm-up, not measured: the first corpus slot with the node's clock frozen half a second into it. A fresh
    // node pays one-off costs on its first block (e.g. public keys of a freshly loaded state); a node on mainnet
    // has paid them long ago.
    const warmSlot = corpus.anchorSlot + 1;
    setClock(clockFile, frozenAt(slotStartMs(warmSlot) + 500));
    await sleep(1200); // libfaketime re-reads the file once a second
    const warmMsgs = bySlot.get(warmSlot) ?? [];
    const tWarm = Date.now();
    await publishNow(warmMsgs.filter((m) => m.phase === 0));
    await until("the warm-up block as head", 30 * 60_000, async () => (await headSlotNow()) >= warmSlot || null, [
      bn,
      el,
    ]);
    const warmupBlockMs = Date.now() - tWarm;
    await publishNow(warmMsgs.filter((m) => m.phase !== 0));
    const scrapeWarm = async () =>
      sum(
        parsePrometheus(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()),
        "beacon_gossip_messages_total",
      );
    await until(
      "verdicts on the warm-up messages",
      30 * 60_000,
      async () => (await scrapeWarm()) >= warmMsgs.length || null,
      [bn, el],
    ).catch((e: Error) => log(`warm-up: ${e.message}`));
    log(
      `warm-up slot ${warmSlot}: block to head in ${warmupBlockMs} ms, ${warmMsgs.length} messages in ${Date.now() - tWarm} ms`,
    );

    if (p.node.getConnections(p.connection.remotePeer).length === 0) {
      throw Error("the node closed the harness's connection during the warm-up (see its log)");
    }

    // a node that has run for a few minutes has every validator's public key decoded (PubkeyCache.preload, on the
    // BLS workers); until then each signature check decodes its keys on the main thread. Measure that node: wait
    // for the preload (it logs its end at info level from 100,000 validators), and report how long it took.
    let pubkeysReadyS: number | null = null;
    if (opts.validators >= 100_000) {
      const bnLog = join(dir, "bn.log");
      await until(
        'the node\'s public-key preload ("Public keys decoded and checked")',
        30 * 60_000,
        async () => (readFileSync(bnLog, "utf8").includes("Public keys decoded and checked") ? true : null),
        [bn, el],
        1000,
      );
      pubkeysReadyS = Math.round((Date.now() - tNodeStart) / 1000);
      log(`public keys decoded and checked ${pubkeysReadyS} s after the node started`);
    }

    // the run: the node's clock from 1.5 s before the first measured slot (a jump forward from the frozen time)
    const firstSlot = warmSlot + 1;
    const lastSlot = corpus.anchorSlot + opts.slots;
    const offsetS = Math.round((slotStartMs(firstSlot) - 1500 - Date.now()) / 1000);
    const nodeNow = () => Date.now() + offsetS * 1000;
    setClock(clockFile, `${offsetS >= 0 ? "+" : ""}${offsetS}`);
    await sleep(1200);
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const scrape = async (): Promise<Sample[]> => parsePrometheus(await (await fetch(metricsUrl)).text());
    const before = await scrape(); // also resets prom-client's event-loop delay histogram
    const pid = bn.child.pid as number;
    const cpu0 = procStat(pid);
    const wall0 = Date.now();
    let rssMax = cpu0?.rssBytes ?? 0;
    // prom-client resets its event-loop delay histogram at every scrape: one scrape a second gives 1-s windows
    const lagWindows: {p50: number; p99: number; max: number}[] = [];
    let latest = before;
    let scraping = false;
    const sampleOnce = async (): Promise<void> => {
      const s = procStat(pid);
      if (s !== null) rssMax = Math.max(rssMax, s.rssBytes);
      if (scraping) return;
      scraping = true;
      try {
        latest = await scrape();
        lagWindows.push({
          p50: sum(latest, "nodejs_eventloop_lag_p50_seconds"),
          p99: sum(latest, "nodejs_eventloop_lag_p99_seconds"),
          max: sum(latest, "nodejs_eventloop_lag_max_seconds"),
        });
      } catch {
        // the next second
      } finally {
        scraping = false;
      }
    };
    const sampler = setInterval(() => void sampleOnce(), 1000);

    const published = new Map<MessageKind, number>();
    let publishLagMax = 0;
    const publishAll = async (msgs: CorpusMessage[], atNodeMs: number, spreadMs: number): Promise<void> => {
      await sleep(atNodeMs - nodeNow());
      const batches = 20;
      const per = Math.ceil(msgs.length / batches);
      for (let b = 0; b < batches && b * per < msgs.length; b++) {
        const due = atNodeMs + (spreadMs * b) / batches;
        await sleep(due - nodeNow());
        publishLagMax = Math.max(publishLagMax, nodeNow() - due);
        for (const m of msgs.slice(b * per, (b + 1) * per)) {
          try {
            await p.node.services.pubsub.publish(topicString(digest, m), compressSync(m.data));
            published.set(m.kind, (published.get(m.kind) ?? 0) + 1);
          } catch (e) {
            log(`publish ${m.kind} failed: ${(e as Error).message}`);
          }
        }
      }
    };
    for (let slot = firstSlot; slot <= lastSlot; slot++) {
      const msgs = bySlot.get(slot) ?? [];
      const start = slotStartMs(slot);
      await publishAll(
        msgs.filter((m) => m.phase === 0),
        start + 50,
        0,
      );
      await publishAll(
        msgs.filter((m) => m.phase === 1),
        start + slotMs / 3,
        slotMs / 6,
      );
      await publishAll(
        msgs.filter((m) => m.phase === 2),
        start + (2 * slotMs) / 3,
        slotMs / 6,
      );
      if (!bn.running) throw Error(`the node exited:\n${bn.output.slice(-3000)}`);
    }
    // let the node finish: until every published message has a verdict and the last block is the head (or
    // three slots passed)
    const verdicts = (s: Sample[]) => sum(s, "beacon_gossip_messages_total");
    const totalPublished = [...published.values()].reduce((a, b) => a + b, 0);
    const settleEnd = Date.now() + 3 * slotMs;
    while (Date.now() < settleEnd) {
      if (verdicts(latest) - verdicts(before) >= totalPublished && (await headSlotNow()) >= lastSlot) break;
      await sleep(250);
    }
    clearInterval(sampler);
    while (scraping) await sleep(50);
    await sampleOnce();
    const cpu1 = procStat(pid);
    const wallS = (Date.now() - wall0) / 1000;
    const after = latest;

    const topics = {} as Record<MessageKind, TopicReport>;
    for (const kind of MESSAGE_KINDS) {
      const c = (result: string) =>
        sum(after, "beacon_gossip_messages_total", {topic: kind, result}) -
        sum(before, "beacon_gossip_messages_total", {topic: kind, result});
      const h = bucketDelta(
        buckets(after, "beacon_gossip_validation_seconds", {topic: kind}),
        buckets(before, "beacon_gossip_validation_seconds", {topic: kind}),
      );
      const pub = published.get(kind) ?? 0;
      const [accepted, ignored, rejected] = [c("accept"), c("ignore"), c("reject")];
      const q = (x: number) => {
        const v = quantile(h, x);
        return v === null ? null : Math.round(v * 10_000) / 10;
      };
      topics[kind] = {
        published: pub,
        accepted,
        ignored,
        rejected,
        notValidated: Math.max(0, pub - accepted - ignored - rejected),
        p50Ms: q(0.5),
        p99Ms: q(0.99),
      };
    }
    const imp = bucketDelta(
      buckets(after, "beacon_block_gossip_arrival_to_import_seconds"),
      buckets(before, "beacon_block_gossip_arrival_to_import_seconds"),
    );
    const ms = (v: number | null) => (v === null ? null : Math.round(v * 10_000) / 10);
    const toMs = (v: number) => Math.round(v * 10_000) / 10;
    const sortedP50 = lagWindows.map((w) => w.p50).sort((a, b) => a - b);
    const delay = bucketDelta(
      buckets(after, "beacon_event_loop_delay_seconds"),
      buckets(before, "beacon_event_loop_delay_seconds"),
    );
    const delaySumS =
      sum(after, "beacon_event_loop_delay_seconds_sum") - sum(before, "beacon_event_loop_delay_seconds_sum");
    const gc: RateReport["gc"] = {};
    for (const kind of ["major", "minor", "incremental", "weakcb"]) {
      const h = bucketDelta(
        buckets(after, "nodejs_gc_duration_seconds", {kind}),
        buckets(before, "nodejs_gc_duration_seconds", {kind}),
      );
      const n = count(h);
      if (n === 0) continue;
      // the smallest bound holding every pause
      let maxLe: number | null = null;
      for (const [le, c] of [...h.entries()].sort((a, b) => a[0] - b[0])) {
        if (c >= n) {
          maxLe = Number.isFinite(le) ? toMs(le) : null;
          break;
        }
      }
      const total =
        sum(after, "nodejs_gc_duration_seconds_sum", {kind}) - sum(before, "nodejs_gc_duration_seconds_sum", {kind});
      gc[kind] = {count: n, totalMs: toMs(total), maxLeMs: maxLe};
    }
    const report: RateReport = {
      rate: opts.rate,
      slotMs,
      validators: opts.validators,
      slots: opts.slots,
      subnets,
      topics,
      blockImport: {count: count(imp), p50Ms: ms(quantile(imp, 0.5)), p99Ms: ms(quantile(imp, 0.99))},
      headSlot: await headSlotNow(),
      lastSlot,
      eventLoopLag: {
        p50Ms: toMs(sortedP50[Math.floor(sortedP50.length / 2)] ?? 0),
        p99Ms: toMs(Math.max(0, ...lagWindows.map((w) => w.p99))),
        maxMs: toMs(Math.max(0, ...lagWindows.map((w) => w.max))),
        windows: lagWindows.length,
        windowsOver100Ms: lagWindows.filter((w) => w.p99 > 0.1).length,
        wholeP50Ms: ms(quantile(delay, 0.5)),
        wholeP99Ms: ms(quantile(delay, 0.99)),
        wholeP999Ms: ms(quantile(delay, 0.999)),
        wakes: count(delay),
        lateShare: count(delay) > 0 ? Math.round((delaySumS / wallS) * 1000) / 1000 : null,
      },
      cpuPercent:
        cpu0 !== null && cpu1 !== null ? Math.round(((cpu1.cpuSeconds - cpu0.cpuSeconds) / wallS) * 1000) / 10 : -1,
      rssMaxMb: Math.round(rssMax / 1e6),
      publishLagMaxMs: Math.round(publishLagMax),
      warmupBlockMs,
      pubkeysReadyS,
      gc,
      loadAverage: loadavg().map((x) => Math.round(x * 10) / 10),
    };
    if (opts.ignoreReasons === true) {
      await sleep(500);
      const codes: Record<string, number> = {};
      for (const m of readFileSync(join(dir, "bn.log"), "utf8").matchAll(
        /Gossip message ignored type=(\S+)(?:.*?) code=(\S+)/g,
      )) {
        const k = `${m[1]} ${m[2]}`;
        codes[k] = (codes[k] ?? 0) + 1;
      }
      report.ignoreCodes = codes;
    }
    return report;
  } finally {
    await probe?.close().catch(() => {});
    await bn.kill("SIGTERM", 20_000);
    await el.kill("SIGTERM", 10_000);
    if (opts.keep) log(`kept ${dir} (node log: ${join(dir, "bn.log")})`);
    else rmSync(dir, {recursive: true, force: true});
  }
}

function fmt(v: number | null): string {
  return v === null ? "-" : String(v);
}

export function formatReport(reports: RateReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(
      `rate ${r.rate}x (slot ${r.slotMs} ms), ${r.validators} validators, ${r.slots - 1} slots measured after 1 ` +
        `warm-up slot (its block took ${r.warmupBlockMs} ms to head on the fresh node; public keys ready after ` +
        `${r.pubkeysReadyS ?? "-"} s), attestation subnets ` +
        `[${r.subnets.length === 64 ? "all" : r.subnets.join(",")}], load average ${r.loadAverage.join(" ")} on ${cpus().length} cores`,
    );
    lines.push(
      "  topic                                  published  accept  ignore  reject  not-validated  p50 ms  p99 ms",
    );
    for (const kind of MESSAGE_KINDS) {
      const t = r.topics[kind];
      lines.push(
        `  ${kind.padEnd(38)} ${String(t.published).padStart(9)} ${String(t.accepted).padStart(7)} ${String(t.ignored).padStart(7)} ` +
          `${String(t.rejected).padStart(7)} ${String(t.notValidated).padStart(14)} ${fmt(t.p50Ms).padStart(7)} ${fmt(t.p99Ms).padStart(7)}`,
      );
    }
    lines.push(
      `  block import (gossip arrival → imported as head): ${r.blockImport.count} blocks, p50 ${fmt(r.blockImport.p50Ms)} ms, ` +
        `p99 ${fmt(r.blockImport.p99Ms)} ms; head slot ${r.headSlot} (last block ${r.lastSlot})`,
    );
    lines.push(
      `  event-loop lag p50 ${r.eventLoopLag.p50Ms} ms, p99 ${r.eventLoopLag.p99Ms} ms (worst 1-s window; ` +
        `${r.eventLoopLag.windowsOver100Ms} of ${r.eventLoopLag.windows} windows over 100 ms), max ${r.eventLoopLag.maxMs} ms; ` +
        `node CPU ${r.cpuPercent}% (of one core), RSS max ${r.rssMaxMb} MB; harness publish lag max ${r.publishLagMaxMs} ms`,
    );
    const l = r.eventLoopLag;
    if (l.wholeP99Ms !== undefined && l.wakes > 0) {
      lines.push(
        `  event-loop delay over the whole window (${l.wakes} wakes of a 10-ms timer): p50 ${fmt(l.wholeP50Ms)} ms, ` +
          `p99 ${fmt(l.wholeP99Ms)} ms, p99.9 ${fmt(l.wholeP999Ms)} ms; late ${((l.lateShare ?? 0) * 100).toFixed(1)}% of the time`,
      );
    }
    const gcParts = Object.entries(r.gc ?? {}).map(
      ([kind, g]) => `${kind} ${g.count}× ${g.totalMs} ms (each ≤ ${g.maxLeMs ?? "+Inf"} ms)`,
    );
    lines.push(`  garbage collection (main thread): ${gcParts.length === 0 ? "none" : gcParts.join(", ")}`);
    if (r.ignoreCodes !== undefined) {
      const codes = Object.entries(r.ignoreCodes).map(([k, v]) => `${k}: ${v}`);
      lines.push(`  IGNOREs by code: ${codes.length === 0 ? "none" : codes.join(", ")}`);
    }
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      validators: {type: "string", default: "1000000"},
      rates: {type: "string", default: "1,2,4"},
      slots: {type: "string", default: "8"},
      "all-subnets": {type: "boolean", default: false},
      "cache-dir": {type: "string"},
      json: {type: "string"},
      keep: {type: "boolean", default: false},
      "ignore-reasons": {type: "boolean", default: false},
      "cpu-prof": {type: "string"},
      help: {type: "boolean", default: false},
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const validators = Number(values.validators);
  if (!Number.isSafeInteger(validators) || validators < 512) {
    throw Error(`--validators must be an integer ≥ 512 (the sync committee), got ${values.validators}`);
  }
  const slots = Number(values.slots);
  if (!Number.isSafeInteger(slots) || slots < 2 || slots > 30) {
    throw Error(`--slots must be an integer from 2 to 30 (a warm-up slot, then at least one), got ${values.slots}`);
  }
  const rates = values.rates.split(",").map((s) => Number(s.trim()));
  for (const r of rates) {
    if (!Number.isSafeInteger(r) || r < 1 || MAINNET_SLOT_MS % r !== 0) {
      throw Error(`--rates: ${r} is not a whole divisor of 12000 ms (e.g. 1,2,4)`);
    }
  }
  const cacheDir = resolve(values["cache-dir"] ?? join(ROOT, "bench/out/gossip-corpus"));
  const reports: RateReport[] = [];
  for (const rate of rates) {
    reports.push(
      await runRate({
        validators,
        rate,
        slots,
        allSubnets: values["all-subnets"],
        cacheDir,
        keep: values.keep,
        ignoreReasons: values["ignore-reasons"],
        cpuProfDir: values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]),
      }),
    );
    console.log(formatReport(reports.slice(-1)));
  }
  const jsonFile =
    values.json ?? join(ROOT, "bench/out", `gossip-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  mkdirSync(join(jsonFile, ".."), {recursive: true});
  let commit = "";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {cwd: ROOT}).toString().trim();
  } catch {
    // not a git checkout
  }
  writeFileSync(
    jsonFile,
    `${JSON.stringify({date: new Date().toISOString(), commit, cores: cpus().length, reports}, null, 2)}\n`,
  );
  log(`report: ${jsonFile}`);
}

if (import.meta.main) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
