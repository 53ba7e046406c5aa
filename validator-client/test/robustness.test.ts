/**
 * Validator client robustness (issues 11 item 7 and 14): it waits for a beacon node that is not up yet; reads
 * SECONDS_PER_SLOT from a node that serves only that; warns (does not exit) when the genesis endpoint's fork
 * version disagrees with a fork schedule and config that agree; moves on to the next --beacon-nodes URL when a
 * node answers 404 for the route itself; fetches the next epoch's proposer duties ahead; asks for the next sync
 * committee period quietly; and gives keys imported at run time (Keymanager API) a doppelganger watch of their own.
 * Real Beacon API servers (TestChain over a real interop state) on 127.0.0.1.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {type BeaconApiBackend, type BeaconApiClient, createBeaconApiServer} from "@ceibo/api";
import {createDevChainConfig} from "@ceibo/config";
import {encryptKeystore} from "@ceibo/keymanager";
import {interopSecretKey} from "@ceibo/state-transition";
import {toHex} from "@ceibo/utils";
import {afterEach, describe, expect, it} from "vitest";
import {freePort} from "../../test/harness/processes.ts";
import {
  BeaconNodes,
  chainConfigFromSpec,
  createLogger,
  Doppelganger,
  fetchChainInfo,
  KeyStore,
  SyncCommitteeService,
  ValidatorClient,
  ValidatorClientKeymanagerBackend,
} from "../src/index.ts";
import {TestChain} from "./utils/testChain.ts";

const VALIDATORS = 64;
const SLOT_MS = 1000;
const config = createDevChainConfig({preset: "mainnet", slotDurationMs: SLOT_MS});

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-vc-robust-"));
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
  return dir;
}

function capture(): {lines: string[]; log: ReturnType<typeof createLogger>} {
  const lines: string[] = [];
  return {lines, log: createLogger({level: "debug", write: (l) => lines.push(l)})};
}

async function serveBackend(backend: BeaconApiBackend, port = 0, exclude?: (id: string) => boolean): Promise<string> {
  const server = createBeaconApiServer(backend, {logger: false, ...(exclude ? {exclude} : {})});
  const url = await server.listen({host: "127.0.0.1", port});
  cleanups.push(() => server.close());
  return url;
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const keys = (indices: number[]) => KeyStore.fromSecretKeys(indices.map((i) => interopSecretKey(i)));

describe("waiting for a beacon node", () => {
  it("waits with one waiting line and reminders, then starts when the node comes up", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const {lines, log} = capture();
    const ac = new AbortController();
    cleanups.push(() => ac.abort());
    const starting = ValidatorClient.start(
      {beaconNodes: [url], dataDir: tempDir(), log, waitReminderMs: 1000, signal: ac.signal, doppelganger: false},
      keys([0, 1]),
    );
    let settled: unknown = null;
    starting.then(
      (vc) => {
        settled = "started";
        cleanups.push(() => vc.close());
      },
      (e) => {
        settled = e;
      },
    );
    const waiting = () => lines.filter((l) => l.includes("Waiting for a beacon node"));
    const reminders = () => lines.filter((l) => l.includes("Still waiting for a beacon node"));
    await until(() => waiting().length === 1 && reminders().length >= 1, 20_000, "the waiting line and a reminder");
    expect(settled).toBeNull();
    expect(waiting()[0]).toContain(url);
    // the node comes up on that port
    const chain = new TestChain({config, validatorCount: VALIDATORS, genesisTime: Math.ceil(Date.now() / 1000) + 60});
    await serveBackend(chain.backend(), port);
    await until(() => settled !== null, 60_000, "the client to start");
    expect(settled).toBe("started");
    expect(waiting()).toHaveLength(1);
    expect(lines.some((l) => l.includes("A beacon node answers"))).toBe(true);
  });

  it("a node of another preset is an error at once, not waited for", async () => {
    const chain = new TestChain({config, validatorCount: 8, genesisTime: 1_700_000_000});
    const backend = chain.backend();
    const url = await serveBackend({
      ...backend,
      getSpec: async () => ({data: {...(await backend.getSpec(undefined as never)).data, PRESET_BASE: "minimal"}}),
    });
    const {log} = capture();
    await expect(ValidatorClient.start({beaconNodes: [url], dataDir: tempDir(), log}, keys([0]))).rejects.toMatchObject(
      {code: "CHAIN_MISMATCH"},
    );
  });
});

describe("chain info from nodes that differ", () => {
  it("SECONDS_PER_SLOT is the slot time when a node does not serve SLOT_DURATION_MS", () => {
    const c = chainConfigFromSpec({PRESET_BASE: "mainnet", SECONDS_PER_SLOT: "4"}, []);
    expect(c.SLOT_DURATION_MS).toBe(4000);
    // both: SLOT_DURATION_MS wins
    expect(chainConfigFromSpec({SECONDS_PER_SLOT: "4", SLOT_DURATION_MS: "2500"}, []).SLOT_DURATION_MS).toBe(2500);
    expect(() => chainConfigFromSpec({SECONDS_PER_SLOT: "four"}, [])).toThrow(/SECONDS_PER_SLOT/);
  });

  it("a genesis fork version that differs from an agreeing fork schedule and config is a warning", async () => {
    const chain = new TestChain({config, validatorCount: 8, genesisTime: 1_700_000_000});
    const backend = chain.backend();
    const genesis = await backend.getGenesis(undefined as never);
    const url = await serveBackend({
      ...backend,
      getGenesis: async () => ({data: {...genesis.data, genesisForkVersion: Uint8Array.from([9, 9, 9, 9])}}),
    });
    const {lines, log} = capture();
    const nodes = new BeaconNodes([url], {log});
    const info = await fetchChainInfo(nodes.api, log);
    expect(toHex(info.config.chain.GENESIS_FORK_VERSION)).toBe(toHex(config.GENESIS_FORK_VERSION));
    expect(lines.some((l) => /genesis fork version that differs/.test(l) && l.includes("0x09090909"))).toBe(true);
    // when config/spec does not agree with the fork schedule either, it stays an error
    const url2 = await serveBackend({
      ...backend,
      getGenesis: async () => ({data: {...genesis.data, genesisForkVersion: Uint8Array.from([9, 9, 9, 9])}}),
      getSpec: async () => ({
        data: {...(await backend.getSpec(undefined as never)).data, GENESIS_FORK_VERSION: "0x09090909"},
      }),
    });
    await expect(fetchChainInfo(new BeaconNodes([url2], {log}).api, log)).rejects.toMatchObject({
      code: "CHAIN_MISMATCH",
    });
  });
});

describe("a node that does not serve a route", () => {
  it("a 404 for the route moves on to the next --beacon-nodes URL; a 404 for the thing asked does not", async () => {
    const older = new TestChain({config, validatorCount: 8, genesisTime: 1_700_000_000});
    const newer = new TestChain({config, validatorCount: 8, genesisTime: 1_700_000_000});
    const olderUrl = await serveBackend(older.backend(), 0, (id) => id === "getLiveness");
    const newerUrl = await serveBackend(newer.backend());
    const {lines, log} = capture();
    const nodes = new BeaconNodes([olderUrl, newerUrl], {log});
    const res = await nodes.api.getLiveness({epoch: 0, indices: [1, 2]});
    expect(res.data.map((d) => d.index)).toEqual([1, 2]);
    expect(newer.calls.getLiveness).toHaveLength(1);
    expect(lines.filter((l) => l.includes("older Beacon API"))).toHaveLength(1);
    // the older node is not marked down: its other routes are still used first
    await nodes.api.postStateValidators({stateId: "head", validatorIds: [1]});
    expect(older.calls.postStateValidators).toHaveLength(1);
    // a spec 404 (unknown block) is the request's answer, not a reason to try elsewhere
    await expect(nodes.api.getBlockRoot({blockId: `0x${"11".repeat(32)}` as never})).rejects.toMatchObject({
      status: 404,
    });
    expect(newer.calls.getBlockRoot).toBeUndefined();
    // no node serves the route: says so
    const onlyOld = new BeaconNodes([olderUrl], {log});
    await expect(onlyOld.api.getLiveness({epoch: 0, indices: [1]})).rejects.toThrow(/older Beacon API/);
  });
});

describe("duties ahead of time", () => {
  it("fetches the next epoch's proposer duties before that epoch starts", async () => {
    // genesis a minute ahead: the client polls epoch 0's duties at start, nothing is due meanwhile
    const chain = new TestChain({config, validatorCount: VALIDATORS, genesisTime: Math.ceil(Date.now() / 1000) + 60});
    const url = await serveBackend(chain.backend());
    const {log} = capture();
    const vc = await ValidatorClient.start({beaconNodes: [url], dataDir: tempDir(), log}, keys([0, 1, 2, 3]));
    cleanups.push(() => vc.close());
    const asked = () => (chain.calls.getProposerDuties ?? []).map((c) => (c as {epoch: number}).epoch);
    await until(() => asked().includes(0) && asked().includes(1), 20_000, "proposer duties of epochs 0 and 1");
    expect(vc.clock.currentEpoch).toBe(0);
    expect(vc.duties.hasProposerDuties(1)).toBe(true);
  });

  it("the next sync committee period's duties failing is retried next epoch without an error", async () => {
    const calls: number[] = [];
    const api = {
      getSyncCommitteeDuties: async ({epoch}: {epoch: number}) => {
        calls.push(epoch);
        if (epoch >= 512) throw Object.assign(new Error("HTTP 400: epoch 512 is not in the current or next period"));
        return {data: [], executionOptimistic: false};
      },
      prepareSyncCommitteeSubnets: async () => {},
    } as unknown as BeaconApiClient;
    const {lines, log} = capture();
    const altairConfig = createDevChainConfig({preset: "mainnet", slotDurationMs: SLOT_MS});
    const {BeaconConfig} = await import("@ceibo/config");
    const signer = {config: new BeaconConfig(altairConfig, new Uint8Array(32))} as never;
    const indices = {indices: () => [1], get: () => undefined} as never;
    const svc = new SyncCommitteeService({api, signer, indices, log});
    // the clock at epoch 256 (period 1's first epoch): period 1 answered, period 2 (epoch 512) not yet
    await svc.poll(256);
    expect(calls).toEqual([256, 512]);
    expect(lines.filter((l) => /Z (ERROR|WARN)\s/.test(l))).toEqual([]);
    await svc.poll(257);
    expect(calls).toEqual([256, 512, 512]);
  });
});

describe("missed slots on purpose (dev/test chains)", () => {
  it("skipProposal: no block at the skipped slot, blocks around it", async () => {
    const chain = new TestChain({config, validatorCount: VALIDATORS, genesisTime: Math.ceil(Date.now() / 1000) + 2});
    const url = await serveBackend(chain.backend());
    const {lines, log} = capture();
    // the slot to skip is chosen once the client has proposed (on a loaded machine it may start a few slots late)
    let skip = Number.POSITIVE_INFINITY;
    const vc = await ValidatorClient.start(
      {beaconNodes: [url], dataDir: tempDir(), log, skipProposal: (slot) => slot === skip},
      keys(Array.from({length: VALIDATORS}, (_, i) => i)),
    );
    cleanups.push(() => vc.close());
    const slots = () => [...chain.blocks.keys()].filter((s) => s > 0);
    await until(() => slots().length > 0, 120_000, "a first block");
    skip = Math.max(...slots()) + 2;
    await until(
      () =>
        lines.some((l) => l.includes("Not proposing at this slot") && new RegExp(`slot=${skip}\\b`).test(l)) &&
        slots().some((s) => s > skip),
      120_000,
      "the skipped slot and a block after it",
    );
    expect(slots().some((s) => s < skip)).toBe(true);
    expect(chain.blocks.has(skip)).toBe(false);
  });
});

describe("doppelganger protection with many keys", () => {
  it("asks liveness in requests of at most 1000 indices (nodes cap a request's ids) and finds a live one in any", async () => {
    const sizes: number[] = [];
    const api = {
      getLiveness: async ({indices}: {epoch: number; indices: number[]}) => {
        sizes.push(indices.length);
        return {data: indices.map((index) => ({index, isLive: index === 2400}))};
      },
    } as unknown as BeaconApiClient;
    const {log} = capture();
    const d = new Doppelganger({api, log}, {enabled: true, startEpoch: 5});
    const validators = Array.from({length: 2500}, (_, index) => ({index, ownLastEpoch: -1}));
    await expect(d.check(5, validators)).rejects.toMatchObject({
      code: "DOPPELGANGER_DETECTED",
      details: {indices: [2400]},
    });
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
    expect(sizes.slice(0, 3).reduce((a, b) => a + b, 0)).toBe(2500);
  });
});

describe("doppelganger protection of keys imported at run time", () => {
  it("an imported key signs nothing while watched, and one that is live elsewhere stops the client", async () => {
    // at the genesis epoch the start-up watch is skipped (keys 0..7 sign at once); imports are watched anyway
    const genesisTime = Math.floor(Date.now() / 1000) - 4;
    const chain = new TestChain({config, validatorCount: VALIDATORS, genesisTime, liveElsewhere: [9]});
    const url = await serveBackend(chain.backend());
    const dataDir = tempDir();
    const {lines, log} = capture();
    const vc = await ValidatorClient.start({beaconNodes: [url], dataDir, log}, keys([0, 1, 2, 3, 4, 5, 6, 7]));
    cleanups.push(() => vc.close());
    expect(vc.doppelganger.isSafe()).toBe(true);
    const backend = new ValidatorClientKeymanagerBackend(vc, {dataDir, log});
    const keystore = async (i: number) =>
      JSON.stringify(await encryptKeystore(interopSecretKey(i).toBytes(), "pw", {kdf: "pbkdf2", cost: 2}));
    const pubkey = (i: number) => toHex(interopSecretKey(i).toPublicKey().toBytes());

    // key 8: not live elsewhere — watched, so not signing, and its liveness is asked
    expect((await backend.importKeystores([await keystore(8)], ["pw"]))[0].status).toBe("imported");
    expect(vc.doppelganger.isSafeKey(pubkey(8))).toBe(false);
    expect(vc.doppelganger.isSafeKey(pubkey(0))).toBe(true);
    const livenessFor = (i: number) =>
      (chain.calls.getLiveness ?? []).some((c) => (c as {indices: number[]}).indices.includes(i));
    await until(() => livenessFor(8), 10_000, "liveness asked for the imported key");
    expect(chain.attestations.some((a) => a.attesterIndex === 8)).toBe(false);

    // key 9: live elsewhere — the client stops before signing with it
    expect((await backend.importKeystores([await keystore(9)], ["pw"]))[0].status).toBe("imported");
    const reason = await Promise.race([vc.stopped, new Promise((r) => setTimeout(() => r("still running"), 15_000))]);
    expect(reason).toMatchObject({code: "DOPPELGANGER_DETECTED", details: {indices: [9]}});
    expect(chain.attestations.some((a) => a.attesterIndex === 9)).toBe(false);
    expect(lines.some((l) => l.includes("watching liveness of an added key"))).toBe(true);
  });
});
