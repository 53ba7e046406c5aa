import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createDevChainConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {SlashingProtection} from "@ceibo/slashing-protection";
import {interopSecretKey} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import type {BitArray} from "@chainsafe/ssz";
import {afterEach, describe, expect, it} from "vitest";
import {createLogger, KeyStore, ValidatorClient} from "../src/index.ts";
import {TestChain} from "./utils/testChain.ts";

const VALIDATORS = 64;
const SLOT_MS = 1000;
const config = createDevChainConfig({preset: "mainnet", slotDurationMs: SLOT_MS});
const keys = () => KeyStore.fromSecretKeys(Array.from({length: VALIDATORS}, (_, i) => interopSecretKey(i)));

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async (ctx) => {
  for (const c of cleanups.splice(0).reverse()) await c();
  if (ctx.task.result?.state === "fail" && process.env.VC_TEST_LOG)
    writeFileSync(process.env.VC_TEST_LOG, logLines.join("\n"));
  logLines.length = 0;
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-vc-e2e-"));
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
  return dir;
}

async function serve(chain: TestChain): Promise<string> {
  const {url, server} = await chain.serve();
  cleanups.push(() => server.close());
  return url;
}

/** A URL on which nothing listens (a server that was started and closed). */
async function deadUrl(): Promise<string> {
  const c = new TestChain({config, validatorCount: 1, genesisTime: 0});
  const {url, server} = await c.serve();
  await server.close();
  return url;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const logLines: string[] = [];
const log = createLogger({level: "debug", write: (l) => logLines.push(l)});

describe("validator client against a real Beacon API server on a real chain", () => {
  it("proposes, attests and aggregates; every block passes the state transition with signatures verified (first beacon node down)", async () => {
    // 2 s slots here: the chain (block production and every signature check) runs in this same process
    const dead = await deadUrl();
    // genesis a few seconds ahead; on a loaded machine the client may still start after slot 0, so the checks
    // below begin at the first slot the client could attest (the slot it started in)
    const genesisTime = Math.ceil(Date.now() / 1000) + 4;
    const slow = createDevChainConfig({preset: "mainnet", slotDurationMs: 2000});
    const chain = new TestChain({config: slow, validatorCount: VALIDATORS, genesisTime});
    const url = await serve(chain);
    const dataDir = tempDir();
    const feeRecipient = new Uint8Array(20).fill(0xfe);
    const vc = await ValidatorClient.start(
      {beaconNodes: [dead, url], dataDir, feeRecipient, graffiti: "ceibo-vc-test", log},
      keys(),
    );
    cleanups.push(() => vc.close());
    const firstSlot = vc.clock.currentSlot;
    const countBySlot = (slots: number[]): Map<number, number> => {
      const m = new Map<number, number>();
      for (const s of slots) if (s >= firstSlot) m.set(s, (m.get(s) ?? 0) + 1);
      return m;
    };
    const attBySlot = () => countBySlot(chain.attestations.map((a) => a.data.slot));
    const syncBySlot = () => countBySlot(chain.syncMessages.map((m) => m.slot));
    const full = (m: Map<number, number>, n: number) => [...m.values()].filter((c) => c >= n).length;
    await waitFor(
      () =>
        chain.headSlot >= firstSlot + 4 &&
        chain.aggregates.length >= 2 &&
        chain.contributions.length >= 1 &&
        full(attBySlot(), 2) >= 4 &&
        full(syncBySlot(), VALIDATORS) >= 4,
      150_000,
    );
    await vc.close();

    expect(chain.rejected).toEqual([]);
    // blocks by the slots' proposers, signed through the gate, with our graffiti (a slot may be missed when the
    // machine is overloaded: the client does not propose after the attestation due time)
    expect(chain.blocks.size).toBeGreaterThanOrEqual(3);
    for (const b of chain.blocks.values()) {
      expect(
        Buffer.from((b.message.body as {graffiti: Uint8Array}).graffiti)
          .toString("utf8")
          .replace(/\0+$/, ""),
      ).toBe("ceibo-vc-test");
    }
    // the attestations the VC made were included by later blocks (and verified again by the state transition)
    const included = [...chain.blocks.values()].reduce(
      (n, b) => n + (b.message.body as {attestations: unknown[]}).attestations.length,
      0,
    );
    expect(included).toBeGreaterThanOrEqual(2);
    // two validators per slot's committee (64 validators / 32 slots), each attests once per slot
    // (a slot the loaded machine skipped has none, so: the client's first slot, then every slot that has any)
    const bySlot = attBySlot();
    expect(bySlot.get(firstSlot), `attestations at the client's first slot ${firstSlot}`).toBe(2);
    for (const [slot, n] of bySlot) expect(n, `attestations at slot ${slot}`).toBe(2);
    expect(bySlot.size).toBeGreaterThanOrEqual(4);
    // attestations at slot s vote for the block of slot s (made at 1/3 of the slot, after the proposal)
    const rootOf = new Map(
      [...chain.blocks].map(([slot, b]) => [toHex(ssz.fulu.BeaconBlock.hashTreeRoot(b.message as never)), slot]),
    );
    rootOf.set(toHex(chain.genesisRoot), 0);
    let onTime = 0;
    for (const a of chain.attestations) {
      const votedSlot = rootOf.get(toHex(a.data.beaconBlockRoot));
      expect(votedSlot, "attestation votes for a known block").toBeDefined();
      expect(votedSlot as number).toBeLessThanOrEqual(a.data.slot);
      if (votedSlot === a.data.slot) onTime++;
    }
    expect(onTime).toBeGreaterThan(0);
    expect(chain.aggregates.length).toBeGreaterThanOrEqual(2);
    // sync committee: all 64 validators are in the (512-seat) committee; one message each per slot over the head,
    // contributions from the selected aggregators, and blocks carry sync aggregates the state transition verified
    const syncs = syncBySlot();
    expect(syncs.get(firstSlot), `sync messages at the client's first slot ${firstSlot}`).toBe(VALIDATORS);
    for (const [slot, n] of syncs) expect(n, `sync messages at ${slot}`).toBe(VALIDATORS);
    expect(chain.contributions.length).toBeGreaterThanOrEqual(1);
    // every block after the first carries a sync aggregate (verified by the state transition); normally all 512 seats
    const seats = [...chain.blocks.entries()]
      .filter(([slot]) => slot >= firstSlot + 2)
      .map(([, b]) => (b.message.body as unknown as {syncAggregate: {syncCommitteeBits: BitArray}}).syncAggregate)
      .map((agg) => agg.syncCommitteeBits.getTrueBitIndexes().length);
    expect(seats.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...seats)).toBeGreaterThan(0);
    expect(Math.max(...seats)).toBe(512);
    expect((chain.calls.prepareSyncCommitteeSubnets ?? []).length).toBeGreaterThanOrEqual(1);
    // proposer preparation with the fee recipient, subnet subscriptions for the duties
    const prep = chain.calls.prepareBeaconProposer as {
      preparations: {validatorIndex: number; feeRecipient: Uint8Array}[];
    }[];
    expect(prep.length).toBeGreaterThanOrEqual(1);
    expect(prep[0].preparations.length).toBe(VALIDATORS);
    expect(toHex(prep[0].preparations[0].feeRecipient)).toBe(toHex(feeRecipient));
    expect((chain.calls.prepareBeaconCommitteeSubnet ?? []).length).toBeGreaterThanOrEqual(1);
    // doppelganger protection was skipped at the genesis epoch
    expect(vc.doppelganger.enabled).toBe(false);
    // the slashing-protection store recorded each block and attestation that was signed
    const sp = await SlashingProtection.open({
      path: join(dataDir, "slashing-protection"),
      genesisValidatorsRoot: chain.head.state.genesisValidatorsRoot,
    });
    const exported = await sp.exportInterchange(chain.head.state.genesisValidatorsRoot);
    await sp.close();
    const signedBlocks = exported.data.flatMap((d) => d.signed_blocks.map((b) => Number(b.slot)));
    for (const slot of chain.blocks.keys()) expect(signedBlocks).toContain(slot);
    const signedAtts = exported.data.reduce((n, d) => n + d.signed_attestations.length, 0);
    expect(signedAtts).toBeGreaterThanOrEqual(chain.attestations.length);
    expect(logLines.some((l) => l.includes("Proposed block"))).toBe(true);
    expect(logLines.some((l) => l.includes("Attested"))).toBe(true);
    expect(logLines.some((l) => l.includes("Aggregated"))).toBe(true);
    expect(logLines.some((l) => l.includes("Sync committee contributions"))).toBe(true);
  });

  it("doppelganger protection stops the client when liveness says a key is live elsewhere", async () => {
    // genesis an epoch and two slots ago: not the genesis epoch, so doppelganger protection runs
    const genesisTime = Math.floor(Date.now() / 1000) - ((SLOTS_PER_EPOCH + 2) * SLOT_MS) / 1000;
    const chain = new TestChain({config, validatorCount: VALIDATORS, genesisTime, liveElsewhere: [5]});
    const url = await serve(chain);
    const vc = await ValidatorClient.start({beaconNodes: [url], dataDir: tempDir(), log}, keys());
    cleanups.push(() => vc.close());
    const reason = await Promise.race([vc.stopped, new Promise((r) => setTimeout(() => r("still running"), 10_000))]);
    expect(reason).toMatchObject({code: "DOPPELGANGER_DETECTED", details: {indices: [5]}});
    expect((reason as Error).message).toMatch(/doppelganger detected: validator\(s\) 5/);
    expect(chain.calls.produceBlockV3).toBeUndefined();
    expect(chain.calls.submitPoolAttestationsV2).toBeUndefined();
  });

  it("doppelganger protection keeps the client from signing while it watches; without it the client signs at once; a restart is not a doppelganger", async () => {
    const genesisTime = Math.floor(Date.now() / 1000) - ((SLOTS_PER_EPOCH + 2) * SLOT_MS) / 1000;
    const chain = new TestChain({config, validatorCount: VALIDATORS, genesisTime});
    const url = await serve(chain);
    const watching = await ValidatorClient.start({beaconNodes: [url], dataDir: tempDir(), log}, keys());
    cleanups.push(() => watching.close());
    await new Promise((r) => setTimeout(r, 2.5 * SLOT_MS));
    expect(watching.doppelganger.enabled).toBe(true);
    expect(watching.doppelganger.isSafe()).toBe(false);
    expect(chain.calls.getLiveness?.length).toBeGreaterThanOrEqual(1);
    expect(chain.calls.submitPoolAttestationsV2).toBeUndefined();
    expect(chain.calls.produceBlockV3).toBeUndefined();
    await watching.close();

    const dataDir = tempDir();
    const unguarded = await ValidatorClient.start({beaconNodes: [url], dataDir, log, doppelganger: false}, keys());
    cleanups.push(() => unguarded.close());
    await waitFor(() => chain.attestations.length >= 2 && chain.blocks.size >= 1, 20_000);
    await unguarded.close();
    expect(chain.rejected).toEqual([]);

    // a restart on the same data dir: the keys live in this epoch are live by this client's own signatures
    // (its slashing-protection records say so), which is not a doppelganger
    const liveNow = [...(chain.live.get(1) ?? [])];
    expect(liveNow.length).toBeGreaterThanOrEqual(2);
    const livenessCalls = chain.calls.getLiveness?.length ?? 0;
    const restarted = await ValidatorClient.start({beaconNodes: [url], dataDir, log}, keys());
    cleanups.push(() => restarted.close());
    await waitFor(() => (chain.calls.getLiveness?.length ?? 0) > livenessCalls, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const asked = (chain.calls.getLiveness ?? []).slice(livenessCalls) as {epoch: number; indices: number[]}[];
    for (const q of asked.filter((q) => q.epoch === 1)) for (const i of liveNow) expect(q.indices).not.toContain(i);
    const state = await Promise.race([restarted.stopped, new Promise((r) => setTimeout(() => r("running"), 200))]);
    expect(state).toBe("running");
    expect(restarted.doppelganger.isSafe()).toBe(false);
  });

  it("re-fetches attester duties when a head event reports another dependent root", async () => {
    const genesisTime = Math.ceil(Date.now() / 1000) + 30; // before genesis: no duties are due meanwhile
    const chain = new TestChain({config, validatorCount: VALIDATORS, genesisTime});
    const url = await serve(chain);
    const vc = await ValidatorClient.start({beaconNodes: [url], dataDir: tempDir(), log}, keys());
    cleanups.push(() => vc.close());
    const epochsAsked = () => (chain.calls.getAttesterDuties ?? []).map((c) => (c as {epoch: number}).epoch);
    await waitFor(() => epochsAsked().length === 2 && (chain.calls.eventstream ?? []).length === 1, 5000);
    expect(epochsAsked().sort()).toEqual([0, 1]);
    const head = (previous: Uint8Array, current: Uint8Array) =>
      chain.emit({
        type: "head",
        message: {
          slot: 0,
          block: chain.genesisRoot,
          state: new Uint8Array(32),
          epochTransition: false,
          previousDutyDependentRoot: previous,
          currentDutyDependentRoot: current,
          executionOptimistic: false,
        },
      });
    // the same dependent roots as the duties were fetched with: nothing to do
    head(chain.genesisRoot, chain.genesisRoot);
    await new Promise((r) => setTimeout(r, 300));
    expect(epochsAsked()).toHaveLength(2);
    // the current epoch's dependent root changed (a re-org): epoch 0 duties are fetched again
    head(new Uint8Array(32).fill(0xaa), chain.genesisRoot);
    await waitFor(() => epochsAsked().length === 3, 3000);
    expect(epochsAsked()[2]).toBe(0);
    // the next epoch's changed: epoch 1 again
    head(chain.genesisRoot, new Uint8Array(32).fill(0xbb));
    await waitFor(() => epochsAsked().length >= 4, 3000);
    expect(epochsAsked()[3]).toBe(1);
  });
});
