import {type ChildProcess, spawn} from "node:child_process";
import {createHash} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join, resolve} from "node:path";
import {pathToFileURL} from "node:url";
import {createDevChainConfig} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {afterAll, describe, expect, it} from "vitest";
import {BeaconDb} from "../src/db/index.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const NODE = join(ROOT, "node_modules/.bin/node");
const DB_URL = pathToFileURL(resolve(import.meta.dirname, "../src/db/index.ts")).href;

/**
 * The writer: batch i holds a hot block (slot i+1), its two blob sidecars (~262 KB, so one batch spans several
 * write() calls of the LevelDB log and a kill can land inside it), the anchor naming batch i, and metadata
 * genesisTime = i. It prints i once the batch's write resolved. Everything is derived from i so the checker
 * can recompute it.
 */
const WRITER = `
const {BeaconDb} = await import(process.env.DB_URL);
const {createDevChainConfig} = await import("@ceibo/config");
const {ssz} = await import("@ceibo/types");
const {createHash} = await import("node:crypto");
const h = (s) => new Uint8Array(createHash("sha256").update(s).digest());
const config = createDevChainConfig({preset: "mainnet", forkEpochs: {altair: 0, fulu: Number.POSITIVE_INFINITY}});
const db = await BeaconDb.open(process.env.DATA_DIR, {network: "dev", chainConfig: config});
console.log("ready");
for (let i = Number(process.env.START); ; i++) {
  const header = {slot: i + 1, proposerIndex: i % 1000, parentRoot: h("p" + i), stateRoot: h("s" + i), bodyRoot: h("b" + i)};
  const root = ssz.phase0.BeaconBlockHeader.hashTreeRoot(header);
  const block = ssz.electra.SignedBeaconBlock.defaultValue();
  Object.assign(block.message, {slot: header.slot, proposerIndex: header.proposerIndex, parentRoot: header.parentRoot, stateRoot: header.stateRoot});
  block.message.body.graffiti = h("g" + i);
  const sidecars = [0, 1].map((index) => {
    const s = ssz.deneb.BlobSidecar.defaultValue();
    s.index = index;
    s.blob.fill((i + index) % 251);
    s.signedBlockHeader = {message: header, signature: block.signature};
    return s;
  });
  await db.batch()
    .putBlock(root, block)
    .putBlobSidecars(root, sidecars)
    .putAnchor({checkpoint: {epoch: i, root}, stateRoot: header.stateRoot, stateSlot: i + 1, blockSlot: i + 1})
    .putMetadata("genesisTime", i)
    .write();
  console.log(String(i));
}
`;

const h = (s: string): Uint8Array => new Uint8Array(createHash("sha256").update(s).digest());
function rootOf(i: number): Uint8Array {
  return ssz.phase0.BeaconBlockHeader.hashTreeRoot({
    slot: i + 1,
    proposerIndex: i % 1000,
    parentRoot: h(`p${i}`),
    stateRoot: h(`s${i}`),
    bodyRoot: h(`b${i}`),
  });
}
const config = createDevChainConfig({preset: "mainnet", forkEpochs: {altair: 0, fulu: Number.POSITIVE_INFINITY}});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** Runs the writer from batch `start`, SIGKILLs it after `killAfterMs` of writing; returns the last acknowledged batch. */
async function writeAndKill(dataDir: string, start: number, killAfterMs: number): Promise<number> {
  const proc: ChildProcess = spawn(NODE, ["--input-type=module", "-e", WRITER], {
    cwd: ROOT,
    env: {...process.env, CEIBO_PRESET: "mainnet", DB_URL, DATA_DIR: dataDir, START: String(start)},
    stdio: ["ignore", "pipe", "pipe"],
  });
  let lastAcked = start - 1;
  let out = "";
  let err = "";
  proc.stderr?.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<string | null>((r) => proc.on("exit", (_code, signal) => r(signal)));
  await new Promise<void>((ready, fail) => {
    proc.stdout?.on("data", (d) => {
      out += d;
      const lines = out.split("\n");
      out = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "ready") {
          setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
          ready();
        } else if (/^\d+$/.test(line)) {
          lastAcked = Number(line);
        }
      }
    });
    proc.on("exit", () => fail(new Error(`writer exited before it was ready: ${err}`)));
  });
  expect(await exited).toBe("SIGKILL");
  return lastAcked;
}

describe("crash safety", () => {
  it("after SIGKILL mid-writing, every batch is either complete or absent, never half", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ceibo-dbcrash-"));
    dirs.push(dataDir);
    let next = 0;
    const rounds: {acked: number; found: number}[] = [];
    for (let round = 0; round < 3; round++) {
      const acked = await writeAndKill(dataDir, next, 250 + Math.floor(Math.random() * 750));
      const db = await BeaconDb.open(dataDir, {network: "dev", chainConfig: config});
      try {
        const anchor = await db.anchor.get();
        // the last complete batch: every acknowledged batch survived the kill (at most one more, in flight, did)
        const n = anchor === null ? -1 : anchor.checkpoint.epoch;
        expect(n).toBeGreaterThanOrEqual(acked);
        expect(n).toBeLessThanOrEqual(acked + 1);
        rounds.push({acked, found: n});
        if (n >= 0) {
          expect(anchor?.checkpoint.root).toEqual(rootOf(n));
          expect(await db.metadata.get("genesisTime")).toBe(n);
        }

        // batches 0…n complete: block and both sidecars, with their content
        const hot = await db.hotBlocks.all();
        expect(hot.map((b) => b.slot)).toEqual(Array.from({length: n + 1}, (_, i) => i + 1));
        for (let i = 0; i <= n; i++) {
          expect(hot[i].root).toEqual(rootOf(i));
          const sidecars = await db.blobSidecars.get(rootOf(i));
          expect(sidecars?.sidecars.map((s) => [s.index, s.blob[0], s.blob[s.blob.length - 1]])).toEqual([
            [0, i % 251, i % 251],
            [1, (i + 1) % 251, (i + 1) % 251],
          ]);
        }
        for (const i of [n - 3, n - 1, n].filter((x) => x >= 0)) {
          expect((await db.hotBlocks.get(rootOf(i)))?.block.message.body.graffiti).toEqual(h(`g${i}`));
        }
        // batch n+1 (the one the kill may have cut) left nothing behind
        expect(await db.hotBlocks.get(rootOf(n + 1))).toBeNull();
        expect(await db.blobSidecars.get(rootOf(n + 1))).toBeNull();
        next = n + 1;
      } finally {
        await db.close();
      }
    }
    // the writer made progress in every round (otherwise the test checked nothing)
    expect(rounds.every((r, i) => r.found > (i === 0 ? -1 : rounds[i - 1].found))).toBe(true);
    console.log(`crash rounds (last acknowledged / last found batch): ${JSON.stringify(rounds)}`);
  });
});
