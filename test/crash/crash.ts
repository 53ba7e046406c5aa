/**
 * `npm run test:crash -- [--trials N] [--bn-trials N] [--vc-trials N] [--slot-ms MS] [--keep]`: the SIGKILL crash
 * campaign (issue 14 item 2). One dev chain (minimal preset, 64 interop validators, fulu from genesis): a beacon
 * node (`ceibo beacon --network dev`) and a validator client (`ceibo validator`, all 64 keys), separate processes
 * with persistent data directories.
 *
 * - Beacon-node trials (default 100): at a random instant (blocks import every slot; finalization and archiving
 *   every epoch) read its finalized checkpoint and head block, SIGKILL it, start it again on the same data
 *   directory and REST port. Pass: the database opens (the API listens), the finalized epoch is at or after the
 *   pre-kill one, the pre-kill head block is served, and the head moves past it again.
 * - Validator-client trials (default 100): SIGKILL it at a random instant (it signs every slot), start it again on
 *   the same data directory (its slashing-protection database).
 * - At the end, a scan of everything the node saw: every block in fork choice (two blocks of one proposer at one
 *   slot = a double proposal) and every attestation in those blocks, expanded to validator indices through the
 *   committees (two votes of one validator for one target with different data = a double vote; a vote that
 *   surrounds another = a surround vote).
 * Prints every failure and a summary line; exit status 1 on any failure or slashable message.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {ceibo, freePort, getJson, head, type Proc, until} from "../harness/processes.ts";

const {values} = parseArgs({
  options: {
    trials: {type: "string"},
    "bn-trials": {type: "string"},
    "vc-trials": {type: "string"},
    "slot-ms": {type: "string"},
    keep: {type: "boolean"},
    seed: {type: "string"},
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
const slotMs = intOpt("slot-ms", values["slot-ms"], 1000);
const SLOTS_PER_EPOCH = 8; // minimal preset
const VALIDATORS = 64;

let rngState = intOpt("seed", values.seed, Date.now() % 2 ** 31) || 1;
const random = (): number => {
  rngState ^= rngState << 13;
  rngState ^= rngState >>> 17;
  rngState ^= rngState << 5;
  return (rngState >>> 0) / 2 ** 32;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = mkdtempSync(join(tmpdir(), "ceibo-crash-"));
const genesisTime = Math.floor(Date.now() / 1000) + 8;
const env = {CEIBO_PRESET: "minimal"};
const restPort = await freePort();
const api = `http://127.0.0.1:${restPort}`;
const failures: string[] = [];
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
      "--dataDir",
      join(dir, "bn"),
      "--dev.validators",
      String(VALIDATORS),
      "--dev.genesisTime",
      String(genesisTime),
      "--dev.slotDurationMs",
      String(slotMs),
      "--dev.signing",
      "false",
      "--rest.port",
      String(restPort),
      // a solo node: without p2p it is the whole network (with p2p and no peers it would wait for peers to sync
      // from after every restart)
    ],
    env,
    {logFile: join(dir, "bn.log")},
  );
}

function startValidator(): Proc {
  vcStarts++;
  return ceibo(
    `vc#${vcStarts}`,
    [
      "validator",
      "--beacon-nodes",
      api,
      "--interop-indexes",
      `0..${VALIDATORS - 1}`,
      "--dataDir",
      join(dir, "vc"),
      "--doppelganger-protection",
      "false",
    ],
    env,
    {logFile: join(dir, "vc.log")},
  );
}

async function finality(): Promise<{epoch: number; root: string}> {
  const r = await getJson<{data: {finalized: {epoch: string; root: string}}}>(
    `${api}/eth/v1/beacon/states/head/finality_checkpoints`,
  );
  return {epoch: Number(r.data.finalized.epoch), root: r.data.finalized.root};
}

async function served(root: string): Promise<boolean> {
  const res = await fetch(`${api}/eth/v1/beacon/headers/${root}`);
  await res.arrayBuffer();
  return res.ok;
}

let lastFinalized = -1;

async function bnTrial(i: number): Promise<void> {
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
  ).catch(() => failures.push(`bn trial ${i}: finality did not advance past epoch ${lastFinalized} before the kill`));
  lastFinalized = (await finality().catch(() => ({epoch: lastFinalized}))).epoch;
  // … then a random instant within the next epoch: block import, the epoch transition, finalization, archiving
  await sleep(random() * slotMs * SLOTS_PER_EPOCH);
  let pre: {fin: {epoch: number; root: string}; head: {root: string; slot: number}};
  try {
    pre = {fin: await finality(), head: await head(api)};
  } catch (e) {
    failures.push(`bn trial ${i}: could not read the pre-kill state: ${(e as Error).message}`);
    return;
  }
  await bn.kill("SIGKILL");
  bn = startBeacon();
  try {
    await bn.waitFor(/Beacon API listening/, 120_000);
  } catch (e) {
    failures.push(
      `bn trial ${i}: DATABASE / START FAILURE after kill at slot ${pre.head.slot}: ${(e as Error).message.slice(0, 800)}`,
    );
    return;
  }
  try {
    const fin = await finality();
    if (fin.epoch < pre.fin.epoch) {
      failures.push(`bn trial ${i}: finalized epoch ${fin.epoch} after restart < ${pre.fin.epoch} before the kill`);
    }
    if (!(await served(pre.head.root)))
      failures.push(`bn trial ${i}: pre-kill head ${pre.head.root} (slot ${pre.head.slot}) not served`);
    await until(
      "the head to move past the pre-kill head",
      60_000 + 10 * slotMs,
      async () => (await head(api)).slot > pre.head.slot,
      [bn],
    );
  } catch (e) {
    failures.push(`bn trial ${i}: resume failure: ${(e as Error).message.slice(0, 800)}`);
  }
}

async function vcTrial(i: number): Promise<void> {
  await sleep(500 + random() * slotMs * SLOTS_PER_EPOCH);
  await vc.kill("SIGKILL");
  vc = startValidator();
  try {
    await vc.waitFor(/./, 30_000);
  } catch (e) {
    failures.push(`vc trial ${i}: did not start again: ${(e as Error).message.slice(0, 500)}`);
  }
}

// ---------------------------------------------------------------- the scan

const hexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.slice(2), "hex"));
const bitsOf = (bytes: Uint8Array, n: number): boolean[] =>
  Array.from({length: n}, (_, i) => ((bytes[i >> 3] >> (i & 7)) & 1) === 1);
function bitlist(h: string): boolean[] {
  const b = hexBytes(h);
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

/** Scans the blocks in fork choice not scanned yet: proposals and the votes of their attestations. */
async function scan(): Promise<void> {
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
      const cb = hexBytes(a.committee_bits);
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

// ---------------------------------------------------------------- run

const start = Date.now();
try {
  bn = startBeacon();
  await bn.waitFor(/Beacon API listening/, 120_000);
  vc = startValidator();
  console.log(
    `crash campaign in ${dir}: ${bnTrials} beacon-node and ${vcTrials} validator-client SIGKILLs, ${slotMs} ms slots`,
  );
  await until(
    "finalization",
    180_000,
    async () => {
      await scan();
      return (await finality()).epoch >= 1;
    },
    [bn],
  );
  const order = [...Array(bnTrials).fill("bn"), ...Array(vcTrials).fill("vc")] as ("bn" | "vc")[];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  let nb = 0;
  let nv = 0;
  for (const kind of order) {
    if (kind === "bn") await bnTrial(++nb);
    else await vcTrial(++nv);
    await scan().catch((e: unknown) =>
      failures.push(`scan after ${kind} trial: ${(e as Error).message.slice(0, 300)}`),
    );
    const fin = await finality().catch(() => ({epoch: -1}));
    console.log(
      `${kind} trial ${kind === "bn" ? nb : nv}: finalized epoch ${fin.epoch}, failures so far ${failures.length}`,
    );
  }
  // let the last restarts settle, then the chain must still finalize
  const fin0 = (await finality()).epoch;
  await until("finality to advance after the last trial", 120_000, async () => (await finality()).epoch > fin0, [bn]);
  await scan();
  for (const f of failures) console.log(`FAILURE ${f}`);
  for (const m of scanned.slashable) console.log(`SLASHABLE ${m}`);
  let votes = 0;
  for (const l of scanned.votes.values()) votes += l.length;
  console.log(
    `crash campaign: ${nb} beacon-node trials, ${nv} validator-client trials, ${failures.length} failures; scanned ${scanned.blocks.size} blocks, ${scanned.attestations} attestations (${scanned.unscannable} without committees), ${votes} distinct votes of ${scanned.votes.size} validators: ${scanned.slashable.length} slashable; ${Math.round((Date.now() - start) / 1000)} s`,
  );
  process.exitCode = failures.length > 0 || scanned.slashable.length > 0 ? 1 : 0;
} catch (e) {
  console.error(`crash campaign aborted: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await Promise.all([vc?.kill("SIGTERM", 10_000), bn?.kill("SIGTERM", 10_000)]);
  if (values.keep) console.log(`kept ${dir}`);
  else rmSync(dir, {recursive: true, force: true});
}
