/**
 * Integration with a real execution client: EthereumJS 0.10.5 (installed once by scripts/install-ethereumjs.sh into a
 * cache folder outside the project's dependencies), started as a process with JWT on loopback ports. Slow (the first
 * install takes ~1.5 min, each client start ~10 s): runs only with EJS_TEST=1, i.e. `npm run test:ethereumjs`.
 */

import {type ChildProcess, spawn, spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {createServer} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {fromHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
  bytesToData,
  computeHeaderHash,
  EMPTY_OMMERS_HASH,
  type ExecutionBlockHeader,
  ExecutionEngineHttp,
  type ExecutionPayloadCapella,
  isValidBlockHash,
  JsonRpcHttpClient,
  type PayloadAttributes,
} from "../src/execution/index.ts";
import {forkTimesFromGenesis, MockEngineServer} from "../src/execution/mock/index.ts";

const ENABLED = process.env.EJS_TEST === "1";
const ROOT = new URL("../../", import.meta.url).pathname;
const GENESIS = new URL("../../../shared/interop/ethereumjs/genesis-shanghai.json", import.meta.url).pathname;

/** The execution forks to try: the genesis config activating each at time 0, and the CL fork it maps to. */
const CASES = [
  {fork: "capella", config: {}},
  {fork: "deneb", config: {cancunTime: 0}},
  {fork: "electra", config: {cancunTime: 0, pragueTime: 0}},
] as const;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as {port: number}).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** eth_getBlockByNumber JSON → header (to check our RLP/keccak against the client's own block hash). */
function headerOfBlockJson(b: Record<string, string>): ExecutionBlockHeader {
  const header: ExecutionBlockHeader = {
    parentHash: fromHex(b.parentHash),
    ommersHash: fromHex(b.sha3Uncles),
    beneficiary: fromHex(b.miner),
    stateRoot: fromHex(b.stateRoot),
    transactionsRoot: fromHex(b.transactionsRoot),
    receiptsRoot: fromHex(b.receiptsRoot),
    logsBloom: fromHex(b.logsBloom),
    difficulty: BigInt(b.difficulty),
    number: BigInt(b.number),
    gasLimit: BigInt(b.gasLimit),
    gasUsed: BigInt(b.gasUsed),
    timestamp: BigInt(b.timestamp),
    extraData: fromHex(b.extraData),
    mixHash: fromHex(b.mixHash),
    nonce: fromHex(b.nonce),
    baseFeePerGas: BigInt(b.baseFeePerGas),
  };
  if (b.withdrawalsRoot) header.withdrawalsRoot = fromHex(b.withdrawalsRoot);
  if (b.blobGasUsed) header.blobGasUsed = BigInt(b.blobGasUsed);
  if (b.excessBlobGas) header.excessBlobGas = BigInt(b.excessBlobGas);
  if (b.parentBeaconBlockRoot) header.parentBeaconBlockRoot = fromHex(b.parentBeaconBlockRoot);
  if (b.requestsHash) header.requestsHash = fromHex(b.requestsHash);
  return header;
}

describe.skipIf(!ENABLED)("EthereumJS 0.10.5 as the execution engine", () => {
  let bin: string;
  const dir = mkdtempSync(join(tmpdir(), "ceibo-ejs-"));
  const secret = new Uint8Array(32).fill(0x17);
  const jwtFile = join(dir, "jwt.hex");
  writeFileSync(jwtFile, Buffer.from(secret).toString("hex"));
  const children: ChildProcess[] = [];
  /** What the client answered, printed at the end (the interop record). */
  const summary: string[] = [];

  beforeAll(() => {
    const r = spawnSync("bash", [join(ROOT, "scripts/install-ethereumjs.sh")], {encoding: "utf8", timeout: 300_000});
    if (r.status !== 0) throw Error(`install-ethereumjs.sh failed: ${r.stderr}`);
    bin = r.stdout.trim().split("\n").at(-1) as string;
  }, 320_000);

  afterAll(() => {
    if (summary.length > 0) console.log(`EthereumJS 0.10.5 results:\n${summary.join("\n")}`);
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    rmSync(dir, {recursive: true, force: true});
  });

  for (const c of CASES) {
    it(`${c.fork}: exchangeCapabilities, forkchoiceUpdated+attributes → getPayload → newPayload → forkchoiceUpdated`, async () => {
      const genesis = JSON.parse(readFileSync(GENESIS, "utf8"));
      Object.assign(genesis.config, c.config);
      if ("cancunTime" in c.config) {
        genesis.config.blobSchedule = {
          cancun: {target: 3, max: 6, baseFeeUpdateFraction: 3338477},
          prague: {target: 6, max: 9, baseFeeUpdateFraction: 5007716},
        };
        genesis.excessBlobGas = "0x0";
        genesis.blobGasUsed = "0x0";
      }
      const genesisFile = join(dir, `genesis-${c.fork}.json`);
      writeFileSync(genesisFile, JSON.stringify(genesis));
      const [rpcPort, enginePort, p2pPort] = [await freePort(), await freePort(), await freePort()];
      // bin is a node script: run it on this Node (24)
      const child = spawn(
        process.execPath,
        [
          bin,
          "--gethGenesis",
          genesisFile,
          "--dataDir",
          join(dir, `data-${c.fork}`),
          "--rpc",
          "--rpcPort",
          String(rpcPort),
          "--rpcAddr",
          "127.0.0.1",
          "--rpcEngine",
          "--rpcEnginePort",
          String(enginePort),
          "--rpcEngineAddr",
          "127.0.0.1",
          "--jwtSecret",
          jwtFile,
          "--port",
          String(p2pPort),
          "--extIP",
          "127.0.0.1",
          "--maxPeers",
          "0",
          "--discDns",
          "false",
          "--discV4",
          "false",
        ],
        {stdio: ["ignore", "pipe", "pipe"]},
      );
      children.push(child);
      let log = "";
      child.stdout?.on("data", (d: Buffer) => {
        log += d.toString();
      });
      child.stderr?.on("data", (d: Buffer) => {
        log += d.toString();
      });
      const url = `http://127.0.0.1:${enginePort}`;
      const engine = new ExecutionEngineHttp({url, jwtSecret: secret});
      const rpc = new JsonRpcHttpClient({url, jwtSecret: secret});
      try {
        // wait for the engine port
        let caps: string[] | undefined;
        for (let i = 0; i < 120 && caps === undefined; i++) {
          if (child.exitCode !== null) throw Error(`ethereumjs exited (${child.exitCode}):\n${log.slice(-3000)}`);
          caps = await engine.exchangeCapabilities().catch(() => undefined);
          if (caps === undefined) await new Promise((r) => setTimeout(r, 500));
        }
        if (caps === undefined) throw Error(`ethereumjs engine API did not come up:\n${log.slice(-3000)}`);
        const m = {capella: "V2", deneb: "V3", electra: "V4"}[c.fork];
        expect(caps).toContain(`engine_newPayload${m}`);
        expect(caps).toContain(`engine_getPayload${m}`);

        // Our RLP + keccak reproduces the client's genesis block hash.
        const g = (await rpc.request("eth_getBlockByNumber", ["0x0", false], 2000)) as Record<string, string>;
        expect(fromHex(g.sha3Uncles)).toEqual(EMPTY_OMMERS_HASH);
        expect(bytesToData(computeHeaderHash(headerOfBlockJson(g)))).toBe(g.hash);
        const genesisHash = fromHex(g.hash);

        const attributes: PayloadAttributes = {
          timestamp: Math.floor(Date.now() / 1000),
          prevRandao: new Uint8Array(32).fill(0x21),
          suggestedFeeRecipient: new Uint8Array(20).fill(0x22),
          withdrawals: [{index: 0, validatorIndex: 7, address: new Uint8Array(20).fill(0x23), amount: 1_000_000}],
        };
        if (c.fork !== "capella") attributes.parentBeaconBlockRoot = new Uint8Array(32).fill(0x24);
        const state = {headBlockHash: genesisHash, safeBlockHash: genesisHash, finalizedBlockHash: genesisHash};
        const fcu = await engine.notifyForkchoiceUpdated(c.fork, state, attributes);
        expect(fcu.payloadStatus).toEqual({status: "VALID", latestValidHash: genesisHash, validationError: null});
        expect(fcu.payloadId).not.toBeNull();
        await new Promise((r) => setTimeout(r, 300));
        const built = await engine.getPayload(c.fork, fcu.payloadId as string);
        const p = built.executionPayload as ExecutionPayloadCapella;
        expect(p.parentHash).toEqual(genesisHash);
        expect(p.timestamp).toBe(attributes.timestamp);
        expect(p.prevRandao).toEqual(attributes.prevRandao);
        expect(p.feeRecipient).toEqual(attributes.suggestedFeeRecipient);
        expect(p.withdrawals).toEqual(attributes.withdrawals);
        // our block hash of the client's payload is the client's block hash
        const ctx = {
          parentBeaconBlockRoot: attributes.parentBeaconBlockRoot,
          executionRequestsList: c.fork === "electra" ? [] : undefined,
        };
        expect(isValidBlockHash(c.fork, p, ctx)).toBe(true);

        const extras = {
          versionedHashes: [],
          parentBeaconBlockRoot: attributes.parentBeaconBlockRoot,
          executionRequests: built.executionRequests,
        };
        // a tampered block hash is rejected
        const tampered = {...p, blockHash: new Uint8Array(32).fill(0xee)};
        const bad = await engine.notifyNewPayload(c.fork, tampered, extras);
        expect(["INVALID", "INVALID_BLOCK_HASH"]).toContain(bad.status);
        summary.push(`  ${c.fork}: tampered blockHash → ${bad.status}`);

        expect(await engine.notifyNewPayload(c.fork, p, extras)).toEqual({
          status: "VALID",
          latestValidHash: p.blockHash,
          validationError: null,
        });
        const fcu2 = await engine.notifyForkchoiceUpdated(c.fork, {...state, headBlockHash: p.blockHash});
        expect(fcu2.payloadStatus).toEqual({status: "VALID", latestValidHash: p.blockHash, validationError: null});
        const head = (await rpc.request("eth_getBlockByNumber", ["latest", false], 2000)) as Record<string, string>;
        expect(head.hash).toBe(bytesToData(p.blockHash));
        summary.push(
          `  ${c.fork}: ${caps.filter((x) => /V\d$/.test(x)).length} versioned methods; fcU${m === "V4" ? "V3" : m}+attributes → ` +
            `getPayload${m} → newPayload${m} VALID → fcU VALID (block ${p.blockNumber} ${bytesToData(p.blockHash)})`,
        );

        // The mock engine, on the same genesis, accepts the payload EthereumJS built.
        const mock = new MockEngineServer({
          jwtSecret: secret,
          forkTimes: forkTimesFromGenesis(c.fork),
          genesisBlockHash: genesisHash,
        });
        const mockEngine = new ExecutionEngineHttp({url: await mock.start(), jwtSecret: secret});
        try {
          expect((await mockEngine.notifyNewPayload(c.fork, p, extras)).status).toBe("VALID");
        } finally {
          await mock.close();
        }
      } finally {
        const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once("exit", () => r())));
        child.kill("SIGINT");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    }, 120_000);
  }
});
