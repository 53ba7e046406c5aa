/**
 * Issue #4 end to end with SEPARATE PROCESSES and real time:
 *   `ceibo mock-engine` (its own process, JWT secret file, port 0)
 *   `ceibo beacon --network dev --dev.signing false --execution-urls … --jwt-secret …` (CEIBO_PRESET=minimal, fulu
 *   at genesis, 64 interop validators, 1 s slots, Beacon API on 127.0.0.1 port 0)
 *   and, in this test process, LiveValidators: every validator duty done ONLY through the Beacon API client, per slot
 *   on the wall clock. The chain must finalize epoch 2. Then the beacon process is SIGKILLed and started again on
 *   the same --data-dir (the mock engine keeps running: it is the execution client): the node resumes at or after
 *   the head it had and finality advances again.
 */

import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {BeaconApiClient} from "@ceibo/api";
import {toHex} from "@ceibo/utils";
import {afterAll, describe, expect, it} from "vitest";
import type {LiveValidators, SlotRecord} from "./fixtures/liveValidators.ts";
import {ceibo, type Proc} from "./fixtures/processes.ts";

// The driver decodes the node's JSON with the minimal preset's SSZ types, and the preset is fixed when
// @ceibo/params is first loaded: load the consensus packages only now, with CEIBO_PRESET=minimal (this test file
// runs in its own worker process), then put the variable back.
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {createBeaconApiClient} = await import("@ceibo/api");
const {LiveValidators: LiveValidatorsClass} = await import("./fixtures/liveValidators.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") {
  throw Error(`@ceibo/params was already loaded with the ${ACTIVE_PRESET_NAME} preset in this worker`);
}

const SLOTS_PER_EPOCH = 8; // minimal preset
const VALIDATORS = 64;
const SLOT_MS = 1000;
/** The interop genesis' latest_execution_payload_header.block_hash (INTEROP_ETH1_BLOCK_HASH): the mock's genesis. */
const EL_GENESIS_HASH = `0x${"42".repeat(32)}`;

const dir = mkdtempSync(join(tmpdir(), "ceibo-e2e-dev-"));
const jwtFile = join(dir, "jwt.hex");
writeFileSync(jwtFile, `0x${"5a".repeat(32)}\n`);
const dataDir = join(dir, "data");
const procs: Proc[] = [];
let driver: LiveValidators | null = null;

afterAll(async () => {
  await driver?.stop();
  await Promise.all(procs.map((p) => p.kill("SIGKILL")));
  rmSync(dir, {recursive: true, force: true});
});

function startBeacon(engineUrl: string, genesisTime: number): Proc {
  const p = ceibo(
    `beacon#${procs.length}`,
    [
      "beacon",
      "--network",
      "dev",
      "--dev.validators",
      String(VALIDATORS),
      "--dev.genesis-time",
      String(genesisTime),
      "--dev.slot-duration-ms",
      String(SLOT_MS),
      "--dev.signing",
      "false",
      "--execution-urls",
      engineUrl,
      "--jwt-secret",
      jwtFile,
      "--rest.address",
      "127.0.0.1",
      "--rest.port",
      "0",
      "--data-dir",
      dataDir,
    ],
    {CEIBO_PRESET: "minimal"},
  );
  procs.push(p);
  return p;
}

/** Resolves with the first slot record that satisfies `pred` (records come from the driver, one per slot). */
async function recordWhere(
  records: SlotRecord[],
  pred: (r: SlotRecord) => boolean,
  timeoutMs: number,
  what: string,
): Promise<SlotRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = records.find(pred);
    if (r !== undefined) return r;
    if (Date.now() > deadline) {
      throw Error(`${what}: not reached in ${timeoutMs} ms; last ${JSON.stringify(records.at(-1))}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe("dev chain: mock engine + beacon node + API-only validator loop, three processes, real time", () => {
  let engineUrl = "";
  let api: BeaconApiClient;
  let genesisTime = 0;
  const errors: string[] = [];
  let beforeKill: {headSlot: number; headRoot: string; finalized: number; slot: number} | null = null;
  const t0 = Date.now();

  it("the mock engine runs as its own process on a JWT secret file, genesis = the CL genesis payload's hash", async () => {
    const mock = ceibo("mock-engine", [
      "mock-engine",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--jwt-secret",
      jwtFile,
      "--genesis-block-hash",
      EL_GENESIS_HASH,
      "--fork",
      "fulu",
    ]);
    procs.push(mock);
    engineUrl = (await mock.waitFor(/mock engine listening on (http:\/\/127\.0\.0\.1:\d+)/, 15_000))[1];
    const genesisLine = (await mock.waitFor(/genesis block (0x[0-9a-f]{64})/, 5000))[1];
    expect(genesisLine).toBe(EL_GENESIS_HASH);
  });

  it("finalizes epoch 2 with every duty done over the Beacon API in real time", async () => {
    genesisTime = Math.ceil(Date.now() / 1000) + 4;
    const beacon = startBeacon(engineUrl, genesisTime);
    const url = (await beacon.waitFor(/Beacon API listening url=(http:\/\/127\.0\.0\.1:\d+)/, 90_000))[1];
    api = createBeaconApiClient({baseUrl: url});
    expect(beacon.output).toMatch(/Wrote dev genesis validators=64 genesisTime=\d+ fork=fulu/);
    expect(beacon.output).toContain(`Execution engine url=${engineUrl}`);

    driver = new LiveValidatorsClass({
      validators: VALIDATORS,
      slotsPerEpoch: SLOTS_PER_EPOCH,
      onError: (slot, e) => errors.push(`slot ${slot}: ${e.message}`),
    });
    driver.setUrl(url);
    await driver.start();
    expect((await api.getGenesis()).data.genesisTime).toBe(genesisTime);

    const fin = await recordWhere(driver.records, (r) => r.finalized >= 2, 60_000, "finalized epoch 2");
    // finality read back through the API's finality_checkpoints route
    const checkpoints = (await api.getStateFinalityCheckpoints({stateId: "head"})).data;
    expect(checkpoints.finalized.epoch).toBeGreaterThanOrEqual(2);
    const finalizedHeader = await api.getBlockHeader({blockId: "finalized"});
    expect(finalizedHeader.finalized).toBe(true);
    expect(finalizedHeader.data.header.message.slot).toBe(checkpoints.finalized.epoch * SLOTS_PER_EPOCH);

    // every slot up to finality: a block proposed by the driver was imported and became head; 8 attestations
    const upTo = driver.records.filter((r) => r.slot <= fin.slot);
    // (a slot can be missed when the machine is loaded: then there is no record of it, and it is attested late)
    expect(upTo.length).toBeGreaterThanOrEqual(3 * SLOTS_PER_EPOCH);
    for (const r of upTo) {
      expect(r.proposed).toBe(true);
      expect(r.headSlot).toBe(r.slot);
      expect(r.attestations).toBe(VALIDATORS / SLOTS_PER_EPOCH);
    }
    // the payloads were built by the mock in the other process: one execution block per beacon block, each on
    // the previous one, the first on the EL genesis the mock was started with
    let parentHash = EL_GENESIS_HASH;
    let number = 0;
    for (let slot = 1; slot <= fin.headSlot; slot++) {
      const block = await api.getBlockV2({blockId: slot}).catch(() => null);
      if (block === null) continue;
      expect(block.version).toBe("fulu");
      const payload = (block.data.message.body as {executionPayload: Record<string, unknown>}).executionPayload as {
        parentHash: Uint8Array;
        blockHash: Uint8Array;
        blockNumber: number;
      };
      expect(toHex(payload.parentHash)).toBe(parentHash);
      expect(payload.blockNumber).toBe(++number);
      parentHash = toHex(payload.blockHash);
    }
    expect(number).toBeGreaterThanOrEqual(upTo.length);
    beforeKill = {
      headSlot: fin.headSlot,
      headRoot: toHex((await api.getBlockRoot({blockId: "head"})).data.root),
      finalized: checkpoints.finalized.epoch,
      slot: fin.slot,
    };
  }, 75_000);

  it("after SIGKILL and a restart on the same data dir it resumes and finality advances again", async () => {
    if (beforeKill === null || driver === null) throw Error("the first part did not run");
    const old = procs.filter((p) => p.name.startsWith("beacon")).at(-1) as Proc;
    await old.kill("SIGKILL");
    expect(old.child.signalCode).toBe("SIGKILL");
    const killedAt = driver.currentSlot();

    const beacon = startBeacon(engineUrl, genesisTime);
    const url = (await beacon.waitFor(/Beacon API listening url=(http:\/\/127\.0\.0\.1:\d+)/, 90_000))[1];
    const resumed = await beacon.waitFor(/Resumed chain from the database headSlot=(\d+)/, 1000);
    expect(beacon.output).not.toContain("Wrote dev genesis");
    expect(Number(resumed[1])).toBeGreaterThanOrEqual(beforeKill.headSlot);
    api = createBeaconApiClient({baseUrl: url});
    const headAfter = (await api.getBlockHeader({blockId: "head"})).data.header.message.slot;
    expect(headAfter).toBeGreaterThanOrEqual(beforeKill.headSlot);
    // the block that was head before the kill is still known (stored before the kill)
    const oldHead = await api.getBlockHeader({blockId: beforeKill.headRoot as `0x${string}`});
    expect(oldHead.data.header.message.slot).toBe(beforeKill.headSlot);
    expect((await api.getStateFinalityCheckpoints({stateId: "head"})).data.finalized.epoch).toBeGreaterThanOrEqual(
      beforeKill.finalized,
    );

    const restartedFrom = driver.records.length;
    driver.setUrl(url);
    const advanced = await recordWhere(
      driver.records,
      (r) => r.slot > killedAt && r.finalized > (beforeKill?.finalized ?? 0),
      40_000,
      "finality after the restart",
    );
    // blocks are proposed again on the restarted node and extend the resumed head
    const resumedRecords = driver.records.slice(restartedFrom);
    expect(resumedRecords.length).toBeGreaterThan(0);
    expect(resumedRecords.every((r) => r.proposed && r.headSlot === r.slot)).toBe(true);
    expect(advanced.finalized).toBeGreaterThan(beforeKill.finalized);
    const timing = {
      totalS: (Date.now() - t0) / 1000,
      killedAtSlot: killedAt,
      finalizedBefore: beforeKill.finalized,
      finalizedAfter: advanced.finalized,
      finalizedAgainAtSlot: advanced.slot,
      firstSlotAfterRestart: resumedRecords[0]?.slot,
      catchUp: resumedRecords[0]?.catchUp,
      driverErrors: errors.length,
    };
    console.log(`e2e-dev: ${JSON.stringify(timing)}`);
  }, 60_000);
});
