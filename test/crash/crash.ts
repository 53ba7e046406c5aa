/**
 * `npm run test:crash -- [--trials N] [--bn-trials N] [--vc-trials N] [--cp-trials N] [--backfill-trials N]
 * [--slot-ms MS] [--seed N] [--results FILE] [--keep]`: the SIGKILL crash campaign (issue 14 item 2). One dev
 * chain (minimal preset, 64 interop validators, fulu from genesis, 1 s slots): beacon node 1 (`ceibo beacon
 * --network dev --p2p true`, the chain's only producer) and a validator client (`ceibo validator`, all 64 keys),
 * plus a second beacon node (node 2): first synced from genesis as node 1's peer, then, for its trials, on fresh
 * data dirs that checkpoint-sync from node 1's Beacon API and backfill from it over p2p. Every process is
 * separate, with persistent data directories.
 *
 * Beacon-node trials (default 100, `--bn-trials`), in four phases (`--cp-trials` and `--backfill-trials` of them
 * go to node 2; default 15 and 20 per 100):
 * - import / finalization+archiving (node 1): finality first moves on since the previous node-1 trial, then a
 *   random instant — half of them within the first 1.5 slots of an epoch (the epoch transition, finalization and
 *   archiving of the epoch's first block), half anywhere in the epoch. The trial is counted by where the kill
 *   fell: the first 1.5 slots of an epoch = finalization/archiving, else import. Read its finalized checkpoint and
 *   head, SIGKILL, start it again on the same data dir and ports. Pass: the database opens (the API listens), the
 *   finalized epoch is at or after the pre-kill one, the pre-kill head block is served, the head moves past it.
 * - checkpoint sync (node 2): node 2 starts on a FRESH data dir with `--checkpoint-sync-url` node 1 and is
 *   SIGKILLed at a random instant between "fetching the finalized state" and a little after the anchor is
 *   written (the window is measured on the earlier runs). Restarted on the same dir: the database opens; if the
 *   anchor had been written it resumes from it (no second download), at or after that finalized epoch, and serves
 *   the anchor block; either way it then follows node 1's head.
 * - backfill (node 2): while node 2 backfills (on the dir of the last checkpoint trial, or a fresh one when that
 *   backfill is complete), a random instant within the expected remaining backfill time (from the measured
 *   backfill rate). Before the kill: its finalized checkpoint, head and oldest served block (binary search
 *   over node 1's chain). Restarted: the database opens, finalized ≥ before, the pre-kill head is served, the
 *   backfill restarts at or below the pre-kill oldest block (its "Backfill started fromSlot"), not from the
 *   anchor, and the head moves on. A dir whose backfill had kills is checked when its backfill completes (and the
 *   last one at the end): node 2's chain from its anchor down to the backfill's lowest slot is served block by
 *   block, each the parent of the one above, each root the same as node 1's.
 * Validator-client trials (default 100), in their own loop beside the node trials: SIGKILL it at a random instant
 * while node 1 answers (it signs every slot), start it again on the same data directory (its slashing-protection
 * database).
 * Every 5 s and at the end, a scan of everything node 1 saw: every block in fork choice (two blocks of one proposer at one
 * slot = a double proposal) and every attestation in those blocks, expanded to validator indices through the
 * committees (two votes of one validator for one target with different data = a double vote; a vote that
 * surrounds another = a surround vote).
 * Prints every failure and a summary, writes it as JSON (`--results`, default test/crash/results/last.json; also
 * after every trial, with complete: false);
 * exit status 1 on any failure or slashable message.
 */

import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {dirname, join} from "node:path";
import {parseArgs} from "node:util";
import {fromHex, sleep} from "@ceibo/utils";
import {identity} from "../harness/devnet.ts";
import {ceibo, freePort, getJson, head, type Proc, ROOT, until} from "../harness/processes.ts";
import {CanonicalChain, checkLinkedChain, finalityOf, header, linesWith, logField, oldestServed} from "./chainWalk.ts";

const {values} = parseArgs({
  options: {
    trials: {type: "string"},
    "bn-trials": {type: "string"},
    "vc-trials": {type: "string"},
    "cp-trials": {type: "string"},
    "backfill-trials": {type: "string"},
    "slot-ms": {type: "string"},
    keep: {type: "boolean"},
    seed: {type: "string"},
    results: {type: "string"},
  },
});
const intOpt = (name: string, v: string | undefined, dflt: number): number => {
  const n = v === undefined ? dflt : Number(v);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`--${name} must be a non-negative integer, got ${v}`);
    process.exit(2);
  }
  return n;
};
const trials = intOpt("trials", values.trials, 100);
const bnTrials = intOpt("bn-trials", values["bn-trials"], trials);
const vcTrials = intOpt("vc-trials", values["vc-trials"], trials);
const cpTrials = intOpt("cp-trials", values["cp-trials"], Math.round(bnTrials * 0.15));
const bfTrials = intOpt("backfill-trials", values["backfill-trials"], Math.round(bnTrials * 0.2));
if (cpTrials + bfTrials > bnTrials) {
  console.error(`--cp-trials + --backfill-trials (${cpTrials + bfTrials}) exceed --bn-trials (${bnTrials})`);
  process.exit(2);
}
const slotMs = intOpt("slot-ms", values["slot-ms"], 1000);
const seed = intOpt("seed", values.seed, Date.now() % 2 ** 31) || 1;
const resultsFile = values.results ?? join(ROOT, "test/crash/results/last.json");
const SLOTS_PER_EPOCH = 8; // minimal preset
const VALIDATORS = 64;

let rngState = seed;
const random = (): number => {
  rngState ^= rngState << 13;
  rngState ^= rngState >>> 17;
  rngState ^= rngState << 5;
  return (rngState >>> 0) / 2 ** 32;
};

const dir = mkdtempSync(join(tmpdir(), "ceibo-crash-"));
const genesisTime = Math.floor(Date.now() / 1000) + 8;
const env = {CEIBO_PRESET: "minimal"};
const [restPort, p2pPort, cpRestPort, cpP2pPort] = [
  await freePort(),
  await freePort(),
  await freePort(),
  await freePort(),
];
const api = `http://127.0.0.1:${restPort}`;
const cpApi = `http://127.0.0.1:${cpRestPort}`;

type Phase = "import" | "finalization" | "checkpointSync" | "backfill" | "vcSigning";
interface Failure {
  trial: string;
  phase: Phase | "campaign";
  kind: "dbOpen" | "resume" | "backfill" | "other";
  message: string;
}
const failures: Failure[] = [];
const fail = (trial: string, phase: Failure["phase"], kind: Failure["kind"], message: string): void => {
  failures.push({trial, phase, kind, message});
  console.log(`FAILURE ${trial} (${phase}, ${kind}): ${message.slice(0, 600)}`);
};
const phases: Record<Phase, number> = {
  import: 0,
  finalization: 0,
  checkpointSync: 0,
  backfill: 0,
  vcSigning: 0,
};
/** Checkpoint-sync kills: before the anchor was written (per the log) / after. */
const cpStats = {killedBeforeAnchor: 0, killedAfterAnchor: 0, resumedFromAnchor: 0, refetched: 0};
/** Backfill kills: blocks the node had backfilled at the kill and where it resumed. */
const bfStats = {kills: [] as {oldestBefore: number; resumedFrom: number; anchorSlot: number}[], checkedDirs: 0};
const backfillChecks: {dir: string; anchorSlot: number; minSlot: number; blocks: number; problems: string[]}[] = [];

let bn = undefined as unknown as Proc;
let vc = undefined as unknown as Proc;
let bnStarts = 0;
let vcStarts = 0;

function startBeacon(): Proc {
  bnStarts++;
  return ceibo(
    `bn#${bnStarts}`,
    [
      "beacon",
      "--network",
      "dev",
      "--data-dir",
      join(dir, "bn"),
      "--dev.validators",
      String(VALIDATORS),
      "--dev.genesis-time",
      String(genesisTime),
      "--dev.slot-duration-ms",
      String(slotMs),
      "--dev.signing",
      "false",
      "--rest.port",
      String(restPort),
      // p2p for node 2 to sync and backfill from; node 1 is the only producer: synced by its own clock
      // (restarted within SLOTS_PER_EPOCH slots) or because its only peer, node 2, is not ahead of it
      "--p2p",
      "true",
      "--listen-address",
      "127.0.0.1",
      "--port",
      String(p2pPort),
      "--discovery-port",
      String(p2pPort),
      "--target-peers",
      "10",
      // node 2 (when it runs): dialled at once on start, so a restarted node 1 has its peer back within a second
      // or two (a peer's redial waits for its next 30 s heartbeat)
      ...(node2Addr === "" ? [] : ["--static-peers", node2Addr]),
    ],
    env,
    {logFile: join(dir, "bn.log")},
  );
}

function startValidator(): Proc {
  vcStarts++;
  vcStartedAt = Date.now();
  return ceibo(
    `vc#${vcStarts}`,
    [
      "validator",
      "--beacon-nodes",
      api,
      "--interop-indexes",
      `0..${VALIDATORS - 1}`,
      "--data-dir",
      join(dir, "vc"),
      "--doppelganger-protection",
      "false",
    ],
    env,
    {logFile: join(dir, "vc.log")},
  );
}

async function finality(): Promise<{epoch: number; root: string}> {
  return finalityOf(api);
}

async function served(base: string, root: string): Promise<boolean> {
  const res = await fetch(`${base}/eth/v1/beacon/headers/${root}`);
  await res.arrayBuffer();
  return res.ok;
}

const slotPosition = (timeMs: number): number => (timeMs - genesisTime * 1000) / slotMs;

let lastFinalized = -1;

async function bnTrial(i: number): Promise<void> {
  const name = `bn trial ${i}`;
  // finality first moves on since the previous node trial (restarts cost slots; without this, kills would come
  // faster than the chain can finalize and none would hit finalization or archiving) …
  await until(
    "finality to advance before the kill",
    30 * slotMs * SLOTS_PER_EPOCH,
    async () => {
      const f = (await finality()).epoch;
      return f > lastFinalized ? f : null;
    },
    [bn],
  ).catch(() =>
    fail(name, "campaign", "other", `finality did not advance past epoch ${lastFinalized} before the kill`),
  );
  lastFinalized = (await finality().catch(() => ({epoch: lastFinalized}))).epoch;
  // … then a random instant: half within the first 1.5 slots of the next epoch (its first block's import runs the
  // epoch transition, moves finality and archives), half within the next epoch
  const now = slotPosition(Date.now());
  const nextEpoch = Math.ceil(now / SLOTS_PER_EPOCH) * SLOTS_PER_EPOCH;
  const target = random() < 0.5 ? nextEpoch + random() * 1.5 : now + random() * SLOTS_PER_EPOCH;
  await sleep(Math.max(0, (target - now) * slotMs));
  let pre: {fin: {epoch: number; root: string}; head: {root: string; slot: number}};
  try {
    pre = {fin: await finality(), head: await head(api)};
  } catch (e) {
    fail(name, "import", "other", `could not read the pre-kill state: ${(e as Error).message}`);
    return;
  }
  const killPos = slotPosition(Date.now());
  const phase: Phase = killPos % SLOTS_PER_EPOCH < 1.5 ? "finalization" : "import";
  phases[phase]++;
  await bn.kill("SIGKILL");
  bn = startBeacon();
  try {
    await bn.waitFor(/Beacon API listening/, 120_000);
  } catch (e) {
    fail(name, phase, "dbOpen", `after kill at slot ${killPos.toFixed(2)}: ${(e as Error).message.slice(0, 800)}`);
    return;
  }
  try {
    const fin = await finality();
    if (fin.epoch < pre.fin.epoch) {
      fail(name, phase, "resume", `finalized epoch ${fin.epoch} after restart < ${pre.fin.epoch} before the kill`);
    }
    if (!(await served(api, pre.head.root)))
      fail(name, phase, "resume", `pre-kill head ${pre.head.root} (slot ${pre.head.slot}) not served`);
    await until(
      "the head to move past the pre-kill head",
      60_000 + 10 * slotMs,
      async () => (await head(api)).slot > pre.head.slot,
      [bn],
    );
  } catch (e) {
    fail(name, phase, "resume", (e as Error).message.slice(0, 800));
  }
}

/** When the running validator client was started. */
let vcStartedAt = 0;

async function vcTrial(i: number): Promise<void> {
  // the client runs two epochs between kills: a client down for a few seconds every few seconds would leave too
  // few votes for epochs to be justified (and the kills would test nothing but that)
  await sleep(Math.max(0, vcStartedAt + 2 * slotMs * SLOTS_PER_EPOCH - Date.now()));
  await sleep(500 + random() * slotMs * SLOTS_PER_EPOCH);
  // while it signs: its beacon node answers (not while node 1 is itself down or restarting)
  await until("node 1's API for a validator-client kill", 600_000, async () => (await head(api)).slot >= 0);
  phases.vcSigning++;
  await vc.kill("SIGKILL");
  vc = startValidator();
  try {
    await vc.waitFor(/./, 30_000);
  } catch (e) {
    fail(`vc trial ${i}`, "vcSigning", "other", `did not start again: ${(e as Error).message.slice(0, 500)}`);
  }
}

// ---------------------------------------------------------------- node 2: checkpoint sync and backfill

interface CpDir {
  path: string;
  /** Started with --checkpoint-sync-url (the first dir syncs from genesis: node 1's peer from the start). */
  checkpoint: boolean;
  /** The checkpoint it started from (from its "starting from the checkpoint" log line). */
  anchor: {epoch: number; slot: number; root: string} | null;
  /** The lowest slot its backfill goes to ("Backfill started … toSlot="). */
  minSlot: number | null;
  backfillComplete: boolean;
  /** Kills that hit its backfill: its chain is checked once the backfill completes. */
  backfillKills: number;
  checked: boolean;
}
let cp: {proc: Proc; dir: CpDir} | null = null;
/** Node 2 now (a function: assignments inside the trial functions do not narrow `cp` at the top level). */
const currentCp = (): {proc: Proc; dir: CpDir} | null => cp;
let cpDirs = 0;
let cpStarts = 0;
const canonical = new CanonicalChain(() => api);
/** Measured: ms from "fetching the finalized state" to "starting from the checkpoint"; backfill blocks per second. */
const measured = {checkpointMs: [] as number[], backfillRate: [] as number[]};
const median = (xs: number[], dflt: number): number =>
  xs.length === 0 ? dflt : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function startCp(d: CpDir): Proc {
  cpStarts++;
  const proc = ceibo(
    `cp#${cpStarts}`,
    [
      "beacon",
      "--network",
      "dev",
      "--data-dir",
      d.path,
      "--dev.validators",
      String(VALIDATORS),
      "--dev.genesis-time",
      String(genesisTime),
      "--dev.slot-duration-ms",
      String(slotMs),
      "--dev.signing",
      "false",
      "--rest.port",
      String(cpRestPort),
      "--p2p",
      "true",
      "--listen-address",
      "127.0.0.1",
      "--port",
      String(cpP2pPort),
      "--discovery-port",
      String(cpP2pPort),
      "--target-peers",
      "10",
      "--static-peers",
      node1Addr,
      ...(d.checkpoint ? ["--checkpoint-sync-url", api] : []),
    ],
    env,
    {logFile: join(dir, "cp.log")},
  );
  cp = {proc, dir: d};
  // what the log says about this dir, whenever it says it
  const watch = (): void => {
    const a = linesWith(proc.output, "Checkpoint sync: starting from the checkpoint")[0];
    if (a !== undefined && d.anchor === null) {
      d.anchor = {
        epoch: Number(logField(a, "epoch")),
        slot: Number(logField(a, "slot")),
        root: logField(a, "blockRoot") ?? "",
      };
    }
    const b = linesWith(proc.output, "Backfill started")[0];
    if (b !== undefined) d.minSlot = Number(logField(b, "toSlot"));
    if (proc.output.includes("Backfill complete")) d.backfillComplete = true;
    if (!askedIdentity && proc.output.includes("Beacon API listening")) {
      askedIdentity = true;
      void until("node 2's p2p address", 120_000, async () => p2pAddr(await identity(cpApi)), [proc])
        .then((a) => {
          node2Addr = a;
        })
        .catch(() => undefined);
    }
  };
  let askedIdentity = false;
  proc.child.stdout?.on("data", watch);
  return proc;
}

let node1Addr = "";
/** Node 2's multiaddr (its peer id changes with every fresh dir). */
let node2Addr = "";
/** The node's TCP multiaddr with its peer id (null until its libp2p host listens). */
const p2pAddr = (id: {p2p_addresses: string[]; peer_id: string}): string | null => {
  const a = id.p2p_addresses.find((x) => x.startsWith("/ip4/"));
  if (a === undefined) return null;
  return a.includes("/p2p/") ? a : `${a}/p2p/${id.peer_id}`;
};

async function freshCp(checkpoint = true): Promise<Proc> {
  if (cp !== null) await retireCp();
  const d: CpDir = {
    checkpoint,
    path: join(dir, `cp${++cpDirs}`),
    anchor: null,
    minSlot: null,
    backfillComplete: false,
    backfillKills: 0,
    checked: false,
  };
  return startCp(d);
}

/** Stops node 2; a dir whose backfill was killed is checked first (its backfill is let complete). */
async function retireCp(): Promise<void> {
  if (cp === null) return;
  const {proc, dir: d} = cp;
  if (d.backfillKills > 0 && !d.checked && proc.running) await checkBackfilledChain(d, proc);
  await proc.kill("SIGTERM", 15_000);
  rmSync(d.path, {recursive: true, force: true});
  cp = null;
}

/** Node 2's chain from its anchor down to its backfill's lowest slot: served, linked, node 1's. */
async function checkBackfilledChain(d: CpDir, proc: Proc): Promise<void> {
  d.checked = true;
  const name = `backfill check of ${d.path}`;
  try {
    await until("node 2's backfill to complete", 300_000, async () => d.backfillComplete, [proc], 1000);
    if (d.anchor === null || d.minSlot === null) throw Error("no anchor / backfill range in the log");
    const ref = await canonical.below(d.anchor.root);
    const r = await checkLinkedChain(cpApi, d.anchor.root, d.minSlot, ref);
    backfillChecks.push({dir: d.path, anchorSlot: d.anchor.slot, minSlot: d.minSlot, ...r});
    bfStats.checkedDirs++;
    console.log(
      `${name}: ${r.blocks} blocks from slot ${d.anchor.slot} down to ${r.oldestSlot} (backfill to ${d.minSlot}): ${r.problems.length} problems`,
    );
    for (const p of r.problems.slice(0, 20)) fail(name, "backfill", "backfill", p);
  } catch (e) {
    fail(name, "backfill", "backfill", (e as Error).message.slice(0, 800));
  }
}

/** Node 2 restarted after a kill follows node 1's head again. */
async function cpFollows(proc: Proc): Promise<void> {
  await until(
    "node 2 to follow node 1's head",
    240_000,
    async () => {
      const [h2, h1] = await Promise.all([head(cpApi), head(api)]);
      return h2.slot >= h1.slot - 2;
    },
    () => [proc, bn],
    1000,
  );
}

/**
 * A dir killed between the anchor write and its log line resumes without logging the anchor: then it is node 2's
 * finalized checkpoint right after the restart (finality moves only once it has synced past it).
 */
async function ensureAnchor(d: CpDir): Promise<void> {
  if (d.anchor !== null) return;
  const fin = await finalityOf(cpApi);
  const h = await header(cpApi, fin.root);
  if (h !== null) d.anchor = {epoch: fin.epoch, slot: h.slot, root: h.root};
}

async function cpTrial(i: number): Promise<void> {
  const name = `checkpoint trial ${i}`;
  const proc = await freshCp();
  const d = (cp as unknown as {dir: CpDir}).dir;
  try {
    await proc.waitFor(/Checkpoint sync: fetching/, 120_000);
  } catch (e) {
    fail(
      name,
      "checkpointSync",
      "other",
      `node 2 did not start checkpoint sync: ${(e as Error).message.slice(0, 800)}`,
    );
    return;
  }
  // a random instant from the download to a little after the anchor write (as measured on earlier runs)
  const windowMs = median(measured.checkpointMs, 1500) * 1.3;
  await sleep(random() * windowMs);
  await proc.kill("SIGKILL");
  phases.checkpointSync++;
  const anchorLogged = d.anchor !== null;
  if (anchorLogged) cpStats.killedAfterAnchor++;
  else cpStats.killedBeforeAnchor++;
  const restarted = startCp(d);
  const t = Date.now();
  try {
    const m = await until(
      "node 2 to resume from its anchor or fetch a checkpoint again",
      180_000,
      async () =>
        restarted.output.includes("already holds a chain")
          ? "resumed"
          : restarted.output.includes("Checkpoint sync: fetching")
            ? "refetch"
            : null,
      [restarted],
      100,
    );
    if (m === "refetch") {
      cpStats.refetched++;
      const t0 = Date.now();
      await restarted.waitFor(/Checkpoint sync: starting from the checkpoint/, 180_000);
      measured.checkpointMs.push(Date.now() - t0);
    } else cpStats.resumedFromAnchor++;
    if (anchorLogged && m === "refetch")
      fail(name, "checkpointSync", "resume", "the anchor was written, but the restart downloaded a checkpoint again");
    await restarted.waitFor(/Beacon API listening/, 180_000 - (Date.now() - t));
  } catch (e) {
    fail(name, "checkpointSync", "dbOpen", `after the kill: ${(e as Error).message.slice(0, 800)}`);
    return;
  }
  try {
    const pre = d.anchor;
    if (pre === null) await ensureAnchor(d);
    else {
      const fin = await finalityOf(cpApi);
      if (fin.epoch < pre.epoch)
        fail(name, "checkpointSync", "resume", `finalized epoch ${fin.epoch} < the anchor's ${pre.epoch}`);
      if (!(await served(cpApi, pre.root)))
        fail(name, "checkpointSync", "resume", `the anchor block ${pre.root} is not served`);
    }
    await cpFollows(restarted);
  } catch (e) {
    fail(name, "checkpointSync", "resume", (e as Error).message.slice(0, 800));
  }
}

async function bfTrial(i: number): Promise<void> {
  const name = `backfill trial ${i}`;
  // node 2 while it backfills: the current dir if its backfill is still going, else a fresh checkpoint sync; a
  // backfill that completes before the chosen instant is not a trial: again on a fresh dir, sooner
  let fraction = 0.9;
  for (let attempt = 1; ; attempt++) {
    if (cp === null || !cp.proc.running || !cp.dir.checkpoint || cp.dir.backfillComplete) await freshCp();
    const {proc, dir: d} = cp as unknown as {proc: Proc; dir: CpDir};
    let pre: {fin: {epoch: number; root: string}; head: {root: string; slot: number}; oldest: number};
    try {
      await proc.waitFor(/Backfill started/, 300_000);
      await ensureAnchor(d);
      if (d.anchor === null) throw Error("no anchor");
      const ref = (await canonical.below(d.anchor.root)).filter((h) => h.slot >= (d.minSlot ?? 0));
      const t0 = Date.now();
      const oldest0 = await oldestServed(cpApi, ref);
      if (oldest0 === null) throw Error("node 2 serves none of its chain below the anchor");
      // a random instant within the expected remaining backfill time
      const remaining = ref.filter((h) => h.slot < oldest0).length;
      const rate = median(measured.backfillRate, 100);
      await sleep(Math.min(60_000, random() * (remaining / rate) * 1000 * fraction));
      if (d.backfillComplete) throw Error("complete");
      pre = {
        fin: await finalityOf(cpApi),
        head: await head(cpApi),
        oldest: (await oldestServed(cpApi, ref)) ?? oldest0,
      };
      const done = ref.filter((h) => h.slot < oldest0 && h.slot >= pre.oldest).length;
      if (done > 0) measured.backfillRate.push(done / ((Date.now() - t0) / 1000));
      // the backfill had nothing left (its last batch written): not a backfill kill
      if (d.backfillComplete || pre.oldest <= (d.minSlot ?? 0)) throw Error("complete");
    } catch (e) {
      if ((e as Error).message === "complete" && attempt < 6) {
        fraction /= 2;
        continue;
      }
      fail(name, "backfill", "other", `no backfill to kill: ${(e as Error).message.slice(0, 800)}`);
      return;
    }
    await proc.kill("SIGKILL");
    await killedBackfillRestarts(name, d, pre);
    return;
  }
}

/** After a kill during backfill: the checks on node 2's restart. */
async function killedBackfillRestarts(
  name: string,
  d: CpDir,
  pre: {fin: {epoch: number; root: string}; head: {root: string; slot: number}; oldest: number},
): Promise<void> {
  const kind: Phase = "backfill";
  phases.backfill++;
  d.backfillKills++;
  const restarted = startCp(d);
  try {
    await restarted.waitFor(/Beacon API listening/, 180_000);
  } catch (e) {
    fail(name, kind, "dbOpen", `after the kill: ${(e as Error).message.slice(0, 800)}`);
    return;
  }
  try {
    const fin = await finalityOf(cpApi);
    if (fin.epoch < pre.fin.epoch)
      fail(name, kind, "resume", `finalized epoch ${fin.epoch} after restart < ${pre.fin.epoch} before`);
    if (!(await served(cpApi, pre.head.root)))
      fail(name, kind, "resume", `pre-kill head ${pre.head.root} (slot ${pre.head.slot}) not served`);
    // the restart's backfill begins at the oldest block in its db: at or below the oldest one served before
    const line = (await restarted.waitFor(/Backfill started[^\n]*/, 300_000))[0];
    const from = Number(logField(line, "fromSlot"));
    bfStats.kills.push({oldestBefore: pre.oldest, resumedFrom: from, anchorSlot: d.anchor?.slot ?? -1});
    if (!(from <= pre.oldest)) {
      fail(
        name,
        kind,
        "backfill",
        `backfill restarted from slot ${from}, above the pre-kill oldest block ${pre.oldest} (anchor ${d.anchor?.slot})`,
      );
    }
    await until(
      "node 2's head to move past the pre-kill head",
      240_000,
      async () => (await head(cpApi)).slot > pre.head.slot,
      () => [restarted, bn],
      1000,
    );
  } catch (e) {
    fail(name, kind, "resume", (e as Error).message.slice(0, 800));
  }
}

// ---------------------------------------------------------------- the scan

const bitsOf = (bytes: Uint8Array, n: number): boolean[] =>
  Array.from({length: n}, (_, i) => ((bytes[i >> 3] >> (i & 7)) & 1) === 1);
function bitlist(h: string): boolean[] {
  const b = fromHex(h);
  let last = b.length * 8 - 1;
  while (last >= 0 && ((b[last >> 3] >> (last & 7)) & 1) === 0) last--;
  return bitsOf(b, Math.max(0, last));
}

interface Vote {
  source: number;
  target: number;
  data: string;
}

/** What the scans saw so far (blocks are scanned while they are still in fork choice, before pruning). */
const scanned = {
  blocks: new Set<string>(),
  proposals: new Map<string, string>(),
  votes: new Map<number, Vote[]>(),
  committees: new Map<number, Map<string, number[]>>(),
  attestations: 0,
  unscannable: 0,
  slashable: [] as string[],
};

async function committeesOf(epoch: number): Promise<Map<string, number[]> | null> {
  const cached = scanned.committees.get(epoch);
  if (cached !== undefined) return cached;
  // a state of the epoch (finalized states are not kept: scan often), else the head state
  for (const stateId of [String(epoch * SLOTS_PER_EPOCH), "head"]) {
    const r = await getJson<{data: {index: string; slot: string; validators: string[]}[]}>(
      `${api}/eth/v1/beacon/states/${stateId}/committees?epoch=${epoch}`,
    ).catch(() => null);
    if (r === null) continue;
    const m = new Map(r.data.map((c) => [`${c.slot}/${c.index}`, c.validators.map(Number)]));
    scanned.committees.set(epoch, m);
    return m;
  }
  return null;
}

let scanning: Promise<void> | null = null;
/** One scan at a time (the background timer and the one after each trial share it). */
function scan(): Promise<void> {
  scanning ??= scanForkChoice().finally(() => {
    scanning = null;
  });
  return scanning;
}

/** Scans the blocks in fork choice not scanned yet: proposals and the votes of their attestations. */
async function scanForkChoice(): Promise<void> {
  const fc = await getJson<{fork_choice_nodes: {slot: string; block_root: string}[]}>(
    `${api}/eth/v1/debug/fork_choice`,
  );
  for (const node of fc.fork_choice_nodes) {
    if (scanned.blocks.has(node.block_root)) continue;
    const blk = await getJson<{
      data: {message: {slot: string; proposer_index: string; body: {attestations: unknown[]}}};
    }>(`${api}/eth/v2/beacon/blocks/${node.block_root}`).catch(() => null);
    if (blk === null) continue;
    scanned.blocks.add(node.block_root);
    const {slot, proposer_index, body} = blk.data.message;
    const key = `${slot}/${proposer_index}`;
    const other = scanned.proposals.get(key);
    if (other !== undefined && other !== node.block_root) {
      scanned.slashable.push(
        `double proposal: validator ${proposer_index} at slot ${slot}: ${other} and ${node.block_root}`,
      );
    }
    scanned.proposals.set(key, node.block_root);
    for (const a of body.attestations as {
      aggregation_bits: string;
      committee_bits: string;
      data: {slot: string; source: {epoch: string}; target: {epoch: string}};
    }[]) {
      scanned.attestations++;
      const committees = await committeesOf(Math.floor(Number(a.data.slot) / SLOTS_PER_EPOCH));
      if (committees === null) {
        scanned.unscannable++;
        continue;
      }
      const cb = fromHex(a.committee_bits);
      const members: number[] = [];
      bitsOf(cb, cb.length * 8).forEach((set, ci) => {
        if (set) members.push(...(committees.get(`${a.data.slot}/${ci}`) ?? []));
      });
      const data = JSON.stringify(a.data);
      const vote = {source: Number(a.data.source.epoch), target: Number(a.data.target.epoch), data};
      bitlist(a.aggregation_bits).forEach((set, k) => {
        const v = members[k];
        if (!set || v === undefined) return;
        const list = scanned.votes.get(v) ?? [];
        for (const w of list) {
          if (w.data === vote.data) continue;
          if (w.target === vote.target) scanned.slashable.push(`double vote: validator ${v} target ${vote.target}`);
          else if (
            (w.source < vote.source && vote.target < w.target) ||
            (vote.source < w.source && w.target < vote.target)
          ) {
            scanned.slashable.push(
              `surround vote: validator ${v}: ${w.source}→${w.target} and ${vote.source}→${vote.target}`,
            );
          }
        }
        if (!list.some((w) => w.data === vote.data)) list.push(vote);
        scanned.votes.set(v, list);
      });
    }
  }
}

/** The campaign's summary so far (`complete` at the end). */
function summarize(complete: boolean): Record<string, unknown> {
  let votes = 0;
  for (const l of scanned.votes.values()) votes += l.length;
  const seconds = Math.round((Date.now() - start) / 1000);
  const count = (k: Failure["kind"]) => failures.filter((f) => f.kind === k).length;
  return {
    complete,
    seed,
    slotMs,
    seconds,
    trials: {
      beaconNode: phases.import + phases.finalization + phases.checkpointSync + phases.backfill,
      validatorClient: phases.vcSigning,
    },
    phases,
    checkpointSync: cpStats,
    backfill: {
      kills: bfStats.kills.length,
      resumedBelowOrAtPreKillOldest: bfStats.kills.filter((k) => k.resumedFrom <= k.oldestBefore).length,
      killedBelowAnchor: bfStats.kills.filter((k) => k.oldestBefore < k.anchorSlot).length,
      detail: bfStats.kills,
      chainChecks: backfillChecks.map((c) => ({...c, problems: c.problems.length})),
    },
    failures: {
      total: failures.length,
      dbOpen: count("dbOpen"),
      resume: count("resume"),
      backfill: count("backfill"),
      other: count("other"),
      list: failures,
    },
    scan: {
      blocks: scanned.blocks.size,
      canonicalBlocks: coverage.canonicalBlocks,
      canonicalBlocksScanned: coverage.scanned,
      attestations: scanned.attestations,
      withoutCommittees: scanned.unscannable,
      distinctVotes: votes,
      validators: scanned.votes.size,
      slashable: scanned.slashable.length,
      slashableList: scanned.slashable,
    },
    finalizedEpoch: lastSeenFinalized,
    processStarts: {beaconNode1: bnStarts, node2: cpStarts, validatorClient: vcStarts},
  };
}

/** Written after every trial too, so a run stopped early still leaves its numbers. */
function writeSummary(complete: boolean): void {
  try {
    mkdirSync(dirname(resultsFile), {recursive: true});
    writeFileSync(resultsFile, `${JSON.stringify(summarize(complete), null, 2)}\n`);
  } catch (e) {
    console.error(`could not write ${resultsFile}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------- run

const start = Date.now();
let nb = 0;
let nv = 0;
let lastSeenFinalized = -1;
let coverage = {canonicalBlocks: 0, scanned: 0};
try {
  bn = startBeacon();
  await bn.waitFor(/Beacon API listening/, 120_000);
  node1Addr = await until("node 1's p2p address", 120_000, async () => p2pAddr(await identity(api)), [bn]);
  // node 2 runs from the start (this first one syncs from genesis; the trials' ones checkpoint-sync): node 1's
  // peer. Node 1 is the only producer: with p2p and no peer at all it would stop as "stalled" once it fell more
  // than an epoch behind the clock (a restart, a busy machine) and never catch up; a peer that is not ahead of
  // it makes it "synced"
  await freshCp(false);
  await (currentCp() as {proc: Proc}).proc.waitFor(/Beacon API listening/, 180_000);
  vc = startValidator();
  console.log(
    `crash campaign in ${dir}: ${bnTrials} beacon-node SIGKILLs (${cpTrials} during checkpoint sync and ${bfTrials} during backfill of node 2), ${vcTrials} validator-client SIGKILLs, ${slotMs} ms slots, seed ${seed}`,
  );
  await until(
    "finalization",
    180_000,
    async () => {
      await scan();
      return (await finality()).epoch >= 2;
    },
    [bn],
  );
  type Kind = "bn" | "cp" | "bf";
  const shuffle = (xs: Kind[]): Kind[] => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  // node 2's trials come after the first quarter: by then the chain has a history worth backfilling
  const others = shuffle(Array(bnTrials - cpTrials - bfTrials).fill("bn"));
  const quarter = Math.floor(others.length / 4);
  const order = [
    ...others.slice(0, quarter),
    ...shuffle([...others.slice(quarter), ...Array(cpTrials).fill("cp"), ...Array(bfTrials).fill("bf")]),
  ];
  // the scan also runs every 5 s in the background: blocks leave fork choice (and their epochs' states the
  // caches) soon after finalization, trials can take longer than that
  const scanTimer = setInterval(() => void scan().catch(() => undefined), 5000);
  // validator-client trials run in their own loop beside the beacon-node trials
  let stop = false;
  const vcLoop = (async () => {
    while (nv < vcTrials && !stop) {
      const t = Date.now();
      await vcTrial(++nv).catch((e: unknown) =>
        fail(`vc trial ${nv}`, "vcSigning", "other", (e as Error).message.slice(0, 800)),
      );
      console.log(`vc trial ${nv}: ${Math.round((Date.now() - t) / 1000)} s, failures so far ${failures.length}`);
      writeSummary(false);
    }
  })();
  let nc = 0;
  let nf = 0;
  try {
    for (const kind of order) {
      const t = Date.now();
      if (kind === "bn") await bnTrial(++nb);
      else if (kind === "cp") await cpTrial(++nc);
      else await bfTrial(++nf);
      const fin = await finality().catch(() => ({epoch: -1}));
      lastSeenFinalized = Math.max(lastSeenFinalized, fin.epoch);
      writeSummary(false);
      const n = {bn: nb, cp: nc, bf: nf}[kind];
      console.log(
        `${kind} trial ${n}: ${Math.round((Date.now() - t) / 1000)} s, finalized epoch ${fin.epoch}, failures so far ${failures.length}`,
      );
    }
  } finally {
    if (nb + nc + nf < order.length) stop = true;
    await vcLoop;
  }
  nb += nc + nf;
  clearInterval(scanTimer);
  // let the last restarts settle, then the chain must still finalize
  const fin0 = (await finality()).epoch;
  await until("finality to advance after the last trial", 120_000, async () => (await finality()).epoch > fin0, [bn]);
  await scan();
  // how much of the canonical chain the scans saw
  const chain = await canonical.below((await head(api)).root);
  coverage = {canonicalBlocks: chain.length, scanned: chain.filter((h) => scanned.blocks.has(h.root)).length};
  // node 2's last backfill (if it was killed) completes and links to its anchor
  const last = currentCp();
  if (last !== null && last.dir.backfillKills > 0 && !last.dir.checked) await checkBackfilledChain(last.dir, last.proc);
} catch (e) {
  fail("campaign", "campaign", "other", `aborted: ${(e as Error).message.slice(0, 2000)}`);
} finally {
  lastSeenFinalized = (await finality().catch(() => ({epoch: lastSeenFinalized}))).epoch;
  let votes = 0;
  for (const l of scanned.votes.values()) votes += l.length;
  const seconds = Math.round((Date.now() - start) / 1000);
  for (const m of scanned.slashable) console.log(`SLASHABLE ${m}`);
  const count = (k: Failure["kind"]) => failures.filter((f) => f.kind === k).length;
  console.log(
    `crash campaign: ${nb} beacon-node trials (import ${phases.import}, finalization/archiving ${phases.finalization}, checkpoint sync ${phases.checkpointSync}, backfill ${phases.backfill}), ${nv} validator-client trials; ${failures.length} failures (database open ${count("dbOpen")}, resume ${count("resume")}, backfill ${count("backfill")}, other ${count("other")}); scanned ${scanned.blocks.size} blocks (${coverage.scanned} of the ${coverage.canonicalBlocks} canonical ones), ${scanned.attestations} attestations (${scanned.unscannable} without committees), ${votes} distinct votes of ${scanned.votes.size} validators: ${scanned.slashable.length} slashable; ${seconds} s`,
  );
  writeSummary(true);
  console.log(`summary written to ${resultsFile}`);
  process.exitCode = failures.length > 0 || scanned.slashable.length > 0 ? 1 : 0;
  await Promise.all([
    vc?.kill("SIGTERM", 10_000),
    bn?.kill("SIGTERM", 10_000),
    currentCp()?.proc.kill("SIGTERM", 10_000),
  ]);
  if (values.keep) console.log(`kept ${dir}`);
  else rmSync(dir, {recursive: true, force: true});
}
