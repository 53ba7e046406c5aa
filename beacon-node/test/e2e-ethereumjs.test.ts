/**
 * A dev chain on a REAL execution client: EthereumJS 0.10.5 (installed once by scripts/install-ethereumjs.sh into a
 * cache folder outside the project's dependencies) runs the Shanghai genesis of ../shared/interop/ethereumjs with
 * JWT on loopback ports; `ceibo beacon --network dev --dev.fork capella --dev.eth1-block-hash <its genesis hash>`
 * (CEIBO_PRESET=minimal, 64 interop validators, dev signing ON: the node proposes and attests) uses it as its
 * execution engine. Every block's payload must be built by EthereumJS (engine_forkchoiceUpdatedV2 with attributes
 * → engine_getPayloadV2), imported by it as VALID (engine_newPayloadV2) and become its head, and the chain must
 * finalize epoch 2. Slow (about 1.5 min): runs only with EJS_TEST=1 (`npm run test:ethereumjs`).
 */

import {spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {BeaconApiClient} from "@ceibo/api";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ceibo, freePort, NODE, type Proc, Proc as ProcClass, ROOT} from "./fixtures/processes.ts";

const ENABLED = process.env.EJS_TEST === "1";
const GENESIS = join(ROOT, "../shared/interop/ethereumjs/genesis-shanghai.json");
const SLOTS_PER_EPOCH = 8; // minimal
const SLOT_MS = 2000;
const FEE_RECIPIENT = `0x${"c0".repeat(20)}`;

// Blocks are decoded with the minimal preset's SSZ types: load the consensus packages with CEIBO_PRESET=minimal
// (this file runs in its own worker process), then put the variable back.
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {createBeaconApiClient} = await import("@ceibo/api");
const {ssz} = await import("@ceibo/types");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;

type EthBlock = {
  hash: string;
  number: string;
  parentHash: string;
  miner: string;
  timestamp: string;
  parentBeaconBlockRoot?: string;
} | null;

/** The CL fork of the dev chain and what the Shanghai genesis needs to be at the matching EL fork from time 0. */
const CASES = [
  {fork: "capella", genesis: {}},
  {
    fork: "deneb",
    genesis: {
      config: {
        cancunTime: 0,
        blobSchedule: {cancun: {target: 3, max: 6, baseFeeUpdateFraction: 3338477}},
      },
      excessBlobGas: "0x0",
      blobGasUsed: "0x0",
    },
  },
] as const;

describe.skipIf(!ENABLED)("dev chain on EthereumJS 0.10.5 (real execution client)", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-e2e-ejs-"));
  const jwtFile = join(dir, "jwt.hex");
  writeFileSync(jwtFile, `0x${"3c".repeat(32)}\n`);
  const procs: Proc[] = [];
  let bin = "";
  let rpcUrl = "";

  async function eth(method: string, params: unknown[]): Promise<unknown> {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: {"content-type": "application/json"},
      body: JSON.stringify({jsonrpc: "2.0", id: 1, method, params}),
    });
    const body = (await res.json()) as {result?: unknown; error?: {message: string}};
    if (body.error !== undefined) throw Error(`${method}: ${body.error.message}`);
    return body.result;
  }

  beforeAll(() => {
    expect(ACTIVE_PRESET_NAME).toBe("minimal");
    const r = spawnSync("bash", [join(ROOT, "scripts/install-ethereumjs.sh")], {encoding: "utf8", timeout: 300_000});
    if (r.status !== 0) throw Error(`install-ethereumjs.sh failed: ${r.stderr}`);
    bin = r.stdout.trim().split("\n").at(-1) as string;
  }, 320_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill("SIGINT", 5000)));
    rmSync(dir, {recursive: true, force: true});
  });

  for (const c of CASES) {
    it(`${c.fork}: every payload is built and validated by EthereumJS and the chain finalizes epoch 2`, async () => {
      const t0 = Date.now();
      const base = JSON.parse(readFileSync(GENESIS, "utf8"));
      const elGenesis = {
        ...base,
        ...c.genesis,
        config: {...base.config, ...("config" in c.genesis ? c.genesis.config : {})},
      };
      const genesisFile = join(dir, `genesis-${c.fork}.json`);
      writeFileSync(genesisFile, JSON.stringify(elGenesis));
      const [rpcPort, enginePort, p2pPort] = [await freePort(), await freePort(), await freePort()];
      // bin is a node script: run it on Node 24
      const ejs = new ProcClass(`ethereumjs-${c.fork}`, NODE, [
        bin,
        ...["--gethGenesis", genesisFile, "--dataDir", join(dir, `ejs-${c.fork}`)],
        ...["--rpc", "--rpcPort", String(rpcPort), "--rpcAddr", "127.0.0.1"],
        ...["--rpcEngine", "--rpcEnginePort", String(enginePort), "--rpcEngineAddr", "127.0.0.1"],
        ...["--jwtSecret", jwtFile],
        ...["--port", String(p2pPort), "--extIP", "127.0.0.1", "--maxPeers", "0"],
        ...["--discDns", "false", "--discV4", "false"],
      ]);
      procs.push(ejs);
      rpcUrl = `http://127.0.0.1:${rpcPort}`;
      let genesis: EthBlock = null;
      for (let i = 0; i < 120 && genesis === null; i++) {
        if (!ejs.running) throw Error(`ethereumjs exited:\n${ejs.output.slice(-3000)}`);
        genesis = (await eth("eth_getBlockByNumber", ["0x0", false]).catch(() => null)) as EthBlock;
        if (genesis === null) await new Promise((r) => setTimeout(r, 500));
      }
      if (genesis === null) throw Error(`ethereumjs RPC did not come up:\n${ejs.output.slice(-3000)}`);
      const elGenesisHash = genesis.hash;
      const ejsUpMs = Date.now() - t0;

      const beacon = ceibo(
        `beacon-${c.fork}`,
        [
          ...["beacon", "--network", "dev", "--dev.fork", c.fork, "--dev.eth1-block-hash", elGenesisHash],
          ...["--dev.validators", "64", "--dev.slot-duration-ms", String(SLOT_MS)],
          ...["--dev.genesis-time", String(Math.ceil(Date.now() / 1000) + 4)],
          ...["--execution-urls", `http://127.0.0.1:${enginePort}`, "--jwt-secret", jwtFile],
          ...["--suggested-fee-recipient", FEE_RECIPIENT],
          ...["--rest.port", "0", "--data-dir", join(dir, `beacon-${c.fork}`)],
        ],
        {CEIBO_PRESET: "minimal"},
      );
      procs.push(beacon);
      const url = (await beacon.waitFor(/Beacon API listening url=(http:\/\/127\.0\.0\.1:\d+)/, 20_000))[1];
      expect(beacon.output).toMatch(new RegExp(`Wrote dev genesis validators=64 genesisTime=\\d+ fork=${c.fork}\\b`));
      const api: BeaconApiClient = createBeaconApiClient({baseUrl: url});
      const genesisBlock = await api.getBlockV2({blockId: "genesis"});
      expect(genesisBlock.version).toBe(c.fork);
      const genesisState = await api.getStateV2({stateId: "genesis"});
      expect(genesisState.version).toBe(c.fork);
      const header = ssz[c.fork].BeaconState.deserialize(genesisState.data).latestExecutionPayloadHeader;
      expect(toHex(header.blockHash)).toBe(elGenesisHash);

      // wait for finality (32 slots of 2 s and the genesis delay)
      let finalized = 0;
      const deadline = Date.now() + 40 * SLOTS_PER_EPOCH * SLOT_MS;
      while (finalized < 2) {
        if (Date.now() > deadline) throw Error(`no finality; beacon output:\n${beacon.output.slice(-3000)}`);
        if (!beacon.running) throw Error(`beacon exited:\n${beacon.output.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, SLOT_MS / 2));
        finalized = (await api.getStateFinalityCheckpoints({stateId: "head"})).data.finalized.epoch;
      }
      const finalityMs = Date.now() - t0;

      // every block from slot 1 to the head: a capella payload that EthereumJS built and holds, chained from its genesis
      const headSlot = (await api.getBlockHeader({blockId: "head"})).data.header.message.slot;
      let parent = elGenesisHash;
      let blocks = 0;
      for (let slot = 1; slot <= headSlot; slot++) {
        const block = await api.getBlockV2({blockId: slot}).catch(() => null);
        if (block === null) continue; // an empty slot
        expect(block.version).toBe(c.fork);
        expect(block.executionOptimistic).toBe(false);
        const p = (block.data.message.body as {executionPayload: Record<string, unknown>}).executionPayload as {
          blockHash: Uint8Array;
          parentHash: Uint8Array;
          blockNumber: number;
          feeRecipient: Uint8Array;
          timestamp: number;
        };
        expect(toHex(p.parentHash)).toBe(parent);
        expect(toHex(p.feeRecipient)).toBe(FEE_RECIPIENT);
        const el = (await eth("eth_getBlockByHash", [toHex(p.blockHash), false])) as EthBlock;
        expect(el, `EthereumJS does not know the payload of slot ${slot}`).not.toBeNull();
        expect(Number(el?.number)).toBe(p.blockNumber);
        expect(el?.parentHash).toBe(parent);
        expect(el?.miner).toBe(FEE_RECIPIENT);
        expect(Number(el?.timestamp)).toBe(p.timestamp);
        // deneb: the EL block commits to the parent beacon block root it was given (EIP-4788, engine V3)
        if (c.fork === "deneb") expect(el?.parentBeaconBlockRoot).toBe(toHex(block.data.message.parentRoot));
        parent = toHex(p.blockHash);
        blocks++;
      }
      expect(blocks).toBeGreaterThanOrEqual(headSlot - 2);
      // EthereumJS's canonical chain follows the beacon head (engine_forkchoiceUpdatedV2)
      const latest = (await eth("eth_getBlockByNumber", ["latest", false])) as EthBlock;
      expect(Number(latest?.number)).toBeGreaterThanOrEqual(blocks - 1);
      // the node saw VALID from the engine on every slot, never SYNCING/INVALID
      const statuses = [...beacon.output.matchAll(/Slot \d+ \|.*\| EL (\S+)/g)].map((m) => m[1]);
      expect(statuses.length).toBeGreaterThan(4 * SLOTS_PER_EPOCH - 1);
      expect(new Set(statuses)).toEqual(new Set(["VALID"]));
      console.log(
        `e2e-ethereumjs ${c.fork}: ${JSON.stringify({
          ethereumjsUpS: ejsUpMs / 1000,
          finalizedEpoch: finalized,
          finalizedAfterS: finalityMs / 1000,
          headSlot,
          blocks,
          elHead: Number(latest?.number),
          elGenesisHash,
        })}`,
      );
      // stop this case's processes before the next case
      await beacon.kill("SIGTERM");
      await ejs.kill("SIGINT", 5000);
    }, 180_000);
  }
});
