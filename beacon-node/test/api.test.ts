/**
 * The Beacon API backend end to end: a dev beacon node with dev signing OFF (minimal preset, 64 interop validators,
 * fulu at genesis) is driven ONLY through the typed Beacon API client by fixtures/apiDriver.ts, which proposes,
 * attests, aggregates and signs sync committee messages with the interop keys. The chain must finalize; bad input
 * must give 404/400 with clear messages; SSZ answers must match the JSON ones. Then the node process is SIGKILLed
 * mid-run and restarted from the same data dir: it resumes and keeps finalizing through the API.
 */
import {type ChildProcess, spawn} from "node:child_process";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {afterAll, describe, expect, it} from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");
const DRIVER = resolve(import.meta.dirname, "fixtures/apiDriver.ts");
const CEIBO = join(ROOT, "cli/bin/ceibo.js");
const GENESIS_TIME = 1_700_000_000;
const SLOTS_PER_EPOCH = 8;
const VALIDATORS = 64;

type Rec = Record<string, unknown> & {type: string};

/** Runs the driver; `killWhen` SIGKILLs it at the first record it matches (then resolves with what was read). */
function drive(args: (string | number)[], killWhen?: (r: Rec) => boolean): Promise<{recs: Rec[]; killed: boolean}> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(NODE, [DRIVER, ...args.map(String)], {
      cwd: ROOT,
      env: {...process.env, CEIBO_PRESET: "minimal"},
      stdio: ["ignore", "pipe", "pipe"],
    });
    const recs: Rec[] = [];
    let buf = "";
    let stderr = "";
    let killed = false;
    child.stdout?.on("data", (d) => {
      buf += d;
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const rec = JSON.parse(buf.slice(0, nl)) as Rec;
        buf = buf.slice(nl + 1);
        recs.push(rec);
        if (!killed && killWhen?.(rec)) {
          killed = true;
          child.kill("SIGKILL");
        }
        nl = buf.indexOf("\n");
      }
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (!killed && code !== 0) return reject(Error(`driver exited ${code}: ${stderr}`));
      resolvePromise({recs, killed});
    });
  });
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

describe("Beacon API backend driven by an external validator loop (dev signing off)", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ceibo-api-"));
  dirs.push(dataDir);
  let lastSlot = 0;
  let finalizedBefore = 0;

  it("finalizes epoch 2 with every duty done over the API; 404/400/SSZ answers are right", async () => {
    const {recs} = await drive([dataDir, GENESIS_TIME, 1, 6 * SLOTS_PER_EPOCH, 2, 1]);
    expect(recs[0]).toMatchObject({type: "start", headSlot: 0, resumed: false});
    const slots = recs.filter((r) => r.type === "slot");
    // every slot: a block imported via publishBlockV2 and 64/8 attestations accepted via the pool route
    for (const s of slots) {
      expect(s.proposed).toBe(true);
      expect(s.headSlot).toBe(s.slot);
      expect(s.attestations).toBe(VALIDATORS / SLOTS_PER_EPOCH);
    }
    // epochs 2 and 3 justified in a row finalize epoch 2 at the first block of epoch 4
    const firstFinal = slots.find((s) => (s.finalized as number) >= 2);
    expect(firstFinal?.slot).toBe(4 * SLOTS_PER_EPOCH);
    const end = recs.at(-1) as Rec;
    expect(end.type).toBe("end");
    expect(end.finalized).toBe(2);
    // the finalized block is the checkpoint block of epoch 2 (slot 16: every slot has a block)
    expect(end.finalizedBlockSlot).toBe(2 * SLOTS_PER_EPOCH);
    expect(end.finalizedBlockFinalizedFlag).toBe(true);
    // minimal: a subcommittee has 8 positions and every sync committee member signed
    expect(end.contributionParticipants).toBe(8);
    const events = end.events as Record<string, number>;
    expect(events.block).toBe(slots.length);
    expect(events.head).toBe(slots.length);
    expect(events.finalized_checkpoint).toBe(1);
    expect(events.single_attestation).toBe(slots.length * (VALIDATORS / SLOTS_PER_EPOCH));
    expect(events.payload_attributes).toBe(slots.length);

    const check = Object.fromEntries(recs.filter((r) => r.type === "check").map((r) => [r.what, r]));
    expect(check["unknown block root"]).toMatchObject({
      status: 404,
      message: expect.stringContaining("Block not found"),
    });
    expect(check["unknown state root"]).toMatchObject({
      status: 404,
      message: expect.stringContaining("State not found"),
    });
    expect(check["future state slot"]).toMatchObject({status: 404, message: expect.stringContaining("future")});
    expect(check["unknown validator"]).toMatchObject({status: 404});
    expect(check["malformed state id"]).toMatchObject({status: 400, message: expect.stringContaining("state_id")});
    expect(check["attester duties too far ahead"]).toMatchObject({status: 400});
    expect(check["wrong randao"]).toMatchObject({status: 400, message: expect.stringContaining("randao")});
    expect(check["block signed by the wrong key"]).toMatchObject({
      status: 400,
      message: expect.stringContaining("INVALID_SIGNATURE"),
    });
    const bad = check["bad attestations"] as {status: number; failures: {index: number; message: string}[]};
    expect(bad.status).toBe(400);
    expect(bad.failures.map((f) => f.index)).toEqual([0, 1]);
    expect(bad.failures[0].message).toContain("not in committee");
    expect(bad.failures[1].message).toContain("invalid signature");
    expect(check["bad proposer slashing"]).toMatchObject({status: 400, message: expect.stringContaining("signature")});
    const pool = check["proposer slashing pool"] as {count: number; proposerIndex: number; expected: number};
    expect(pool.count).toBe(1);
    expect(pool.proposerIndex).toBe(pool.expected);
    // minimal SHARD_COMMITTEE_PERIOD is 64 epochs
    expect(check["early voluntary exit"]).toMatchObject({status: 400, message: expect.stringContaining("long enough")});
    // slot 11's two committees, each one aggregate of its 4 members
    expect(check["pool attestations"]).toMatchObject({count: 2});
    expect(check["produced block value headers"]).toMatchObject({blinded: false});
    expect(BigInt(check["produced block value headers"].consensusBlockValue as string)).toBeGreaterThan(0n);
    expect(check.ssz).toMatchObject({
      version: "fulu",
      blockRootMatches: true,
      stateRootMatches: true,
      attestationDataMatches: true,
    });
    expect(check.spec).toMatchObject({
      SLOTS_PER_EPOCH: "8",
      MAX_EFFECTIVE_BALANCE: "32000000000",
      DOMAIN_BEACON_ATTESTER: "0x01000000",
      FAR_FUTURE_EPOCH: "18446744073709551615",
      FULU_FORK_EPOCH: "0",
      PRESET_BASE: "minimal",
    });
    expect(check.validators).toMatchObject({active: VALIDATORS, statuses: ["active_ongoing"], pubkeyLookupIndex: 5});
    expect(check.syncing).toMatchObject({headSlot: 12, syncDistance: 0, isSyncing: false, elOffline: false});
    // the checks run at slot 12 (epoch 1): the attesters of slots 8..12 are live
    expect(check.liveness).toMatchObject({attestedSoFar: 5 * (VALIDATORS / SLOTS_PER_EPOCH), attestedAllLive: true});
    // minimal: 64 validators, 8 slots → 2 committees per slot, 16 committees covering every validator once
    expect(check.committees).toMatchObject({count: 16, members: VALIDATORS});
    // light-client server: after finality, the block of the next slot carries the finalizing block's sync aggregate
    expect(check["light client"]).toMatchObject({
      signatureSlot: 4 * SLOTS_PER_EPOCH + 1,
      attestedSlot: 4 * SLOTS_PER_EPOCH,
      finalityVersion: "fulu",
      finalizedHeaderIsFinalizedBlock: true,
      finalityBranchValid: true,
      bootstrapHeaderIsFinalizedBlock: true,
      bootstrapBranchValid: true,
      bootstrapSszMatches: true,
      // minimal: a period is 8 epochs, so everything so far is period 0 and period 1 has no update yet
      updates: 1,
      updateVersion: "fulu",
      updatePeriodOk: true,
      updateNextCommitteeBranchValid: true,
      updatesSszMatches: true,
      optimisticSameAttested: true,
      unknownBootstrapStatus: 404,
    });
    lastSlot = slots.at(-1)?.slot as number;
    finalizedBefore = end.finalized as number;
  });

  it("SIGKILLed mid-run, restarts from the same data dir, resumes and keeps finalizing", async () => {
    expect(lastSlot).toBeGreaterThan(0);
    const killAt = lastSlot + SLOTS_PER_EPOCH + 3;
    const phase2 = await drive(
      [dataDir, GENESIS_TIME, lastSlot + 1, lastSlot + 6 * SLOTS_PER_EPOCH, 99, 0],
      (r) => r.type === "slot" && (r.slot as number) >= killAt,
    );
    expect(phase2.killed).toBe(true);
    expect(phase2.recs[0]).toMatchObject({type: "start", resumed: true, headSlot: lastSlot});
    const lastBeforeKill = phase2.recs.filter((r) => r.type === "slot").at(-1) as Rec;

    const phase3 = await drive([
      dataDir,
      GENESIS_TIME,
      killAt + 1,
      killAt + 6 * SLOTS_PER_EPOCH,
      finalizedBefore + 2,
      0,
    ]);
    const start = phase3.recs[0];
    expect(start).toMatchObject({type: "start", resumed: true});
    // the restarted node has at least what the killed one imported before the record we saw
    expect(start.headSlot as number).toBeGreaterThanOrEqual(lastBeforeKill.headSlot as number);
    const end = phase3.recs.at(-1) as Rec;
    expect(end.type).toBe("end");
    expect(end.finalized as number).toBeGreaterThanOrEqual(finalizedBefore + 2);
    for (const s of phase3.recs.filter((r) => r.type === "slot")) expect(s.headSlot).toBe(s.slot);
  });
});

describe("ceibo beacon --dev.signing false", () => {
  it("serves the Beacon API and leaves proposing and attesting to a validator client", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ceibo-api-cli-"));
    dirs.push(dataDir);
    const child = spawn(
      NODE,
      [CEIBO, "beacon", "--network", "dev", "--data-dir", dataDir, "--dev.slot-duration-ms", "1000"]
        .concat(["--dev.genesis-time", String(Math.floor(Date.now() / 1000)), "--dev.signing", "false"])
        .concat(["--rest.port", "0"]),
      {cwd: ROOT, env: {...process.env, CEIBO_PRESET: "minimal"}, stdio: ["ignore", "pipe", "pipe"]},
    );
    try {
      let output = "";
      const url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(() => reject(Error(`no API URL in:\n${output}`)), 20_000);
        const onData = (d: Buffer): void => {
          output += d.toString();
          const m = output.match(/Beacon API listening url=(http:\/\/127\.0\.0\.1:\d+)/);
          if (m !== null) {
            clearTimeout(timer);
            resolveUrl(m[1]);
          }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", onData);
      });
      // slots pass (1 s each) but nobody proposes: the head stays at genesis and the sync distance grows
      let syncing: Record<string, unknown> = {};
      for (let i = 0; i < 50; i++) {
        syncing = ((await (await fetch(`${url}/eth/v1/node/syncing`)).json()) as {data: Record<string, unknown>}).data;
        if (Number(syncing.sync_distance) >= 3) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(syncing.head_slot).toBe("0");
      expect(Number(syncing.sync_distance)).toBeGreaterThanOrEqual(3);
      // the duties a validator client would ask for are served
      const duties = await fetch(`${url}/eth/v1/validator/duties/proposer/0`);
      expect(duties.status).toBe(200);
      expect(((await duties.json()) as {data: unknown[]}).data).toHaveLength(SLOTS_PER_EPOCH);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("close", r));
    }
  });
});
