/**
 * No signature verified on the main thread (issue 13 item 3): a fulu dev chain (minimal preset, 64 interop
 * validators, manual clock, dev signing off, `--bls.workers 1`, a mock engine that puts a real blob in every
 * payload) driven through its Beacon API for several slots — produceBlockV3 (RANDAO checked), publishBlockV2,
 * pool attestations of every committee member, an aggregate, sync committee messages, a contribution, beacon
 * committee selections — while the data column sidecars of every block are validated as gossip before the block is
 * imported. The blst verification functions of the main thread are wrapped by a counting spy (the worker threads
 * load the real module, outside vitest's module graph, so only main-thread calls count). The run must stay under
 * one main-thread verification per slot, while the pool receives every submitted signature.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it, vi} from "vitest";

const counts = vi.hoisted(() => ({
  verify: 0,
  verifyMultipleAggregateSignatures: 0,
  fastAggregateVerify: 0,
  aggregateVerify: 0,
}));
vi.mock("@chainsafe/blst", async (importOriginal) => {
  const real = await importOriginal<typeof import("@chainsafe/blst")>();
  const counted =
    <A extends unknown[], R>(name: keyof typeof counts, f: (...a: A) => R) =>
    (...a: A): R => {
      counts[name]++;
      return f(...a);
    };
  return {
    ...real,
    verify: counted("verify", real.verify),
    verifyMultipleAggregateSignatures: counted(
      "verifyMultipleAggregateSignatures",
      real.verifyMultipleAggregateSignatures,
    ),
    fastAggregateVerify: counted("fastAggregateVerify", real.fastAggregateVerify),
    aggregateVerify: counted("aggregateVerify", real.aggregateVerify),
  };
});

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {BlsWorkerPool} = await import("../src/chain/bls/pool.ts");
const da = await import("../src/chain/da/index.ts");
const {validateDataColumnSidecarGossip} = await import("../src/chain/validation/dataColumnSidecar.ts");
const {forkTimesFromGenesis, MockEngineServer} = await import("../src/execution/mock/index.ts");
const {createBeaconApiClient} = await import("@ceibo/api");
const {computeSigningRoot} = await import("@ceibo/config");
const params = await import("@ceibo/params");
const st = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
const {trustedSetupFile} = await import("./da-helpers.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const SLOTS = 10; // across an epoch boundary (minimal: 8 slots per epoch)
const mainThreadVerifications = () => Object.values(counts).reduce((a, b) => a + b, 0);

describe("signatures off the main thread over a dev-chain run with API submissions and sidecars", {
  timeout: 600_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-bls-main-"));
  let server: InstanceType<typeof MockEngineServer>;
  let node: Awaited<ReturnType<typeof BeaconNode.init>>;
  let nowMs = GENESIS_TIME * 1000;
  const setSlot = (slot: number) => {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + 100;
  };

  beforeAll(async () => {
    const jwtSecret = new Uint8Array(32).fill(7);
    server = new MockEngineServer({
      host: "127.0.0.1",
      port: 0,
      jwtSecret,
      genesisBlockHash: new Uint8Array(32).fill(0x42),
      forkTimes: forkTimesFromGenesis("fulu"),
      blobsPerBlock: 1,
      trustedSetupFile,
    });
    const executionUrl = await server.start();
    node = await BeaconNode.init({
      network: "dev",
      dataDir: join(dir, "data"),
      devValidators: 64,
      devFork: "fulu",
      genesisTime: GENESIS_TIME,
      slotDurationMs: SLOT_MS,
      executionUrl,
      jwtSecret,
      devSigning: false,
      nowMs: () => nowMs,
      rest: {address: "127.0.0.1", port: 0},
      chain: {blsWorkers: 1},
    });
  }, 120_000);

  afterAll(async () => {
    await node?.close();
    await server?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("verifies blocks, sidecars and every API submission on the worker pool", async () => {
    const chain = node.chain;
    const pool = chain.bls;
    if (!(pool instanceof BlsWorkerPool)) throw Error("the chain does not verify on the worker pool");
    const api = createBeaconApiClient({baseUrl: node.restUrl as string});
    const key = (i: number) => st.interopSecretKey(i);
    const domainAt = (type: Uint8Array, epoch: number) => st.getDomain(chain.getHeadState().state, type, epoch);
    const before = {main: mainThreadVerifications(), sets: pool.stats.sets};
    let submittedSignatures = 0;
    let sidecarsAccepted = 0;

    for (let slot = 1; slot <= SLOTS; slot++) {
      setSlot(slot);
      await node.runSlot(slot);
      const epoch = st.computeEpochAtSlot(slot);

      // block: RANDAO checked by produceBlockV3, sidecars validated as gossip, then the block published
      const pre = chain.getHeadState().clone();
      st.processSlots(pre, slot);
      const proposer = pre.epochCtx.getBeaconProposer(slot);
      const randaoReveal = key(proposer)
        .sign(computeSigningRoot(ssz.phase0.Epoch, epoch, domainAt(params.DOMAIN_RANDAO, epoch)))
        .toBytes(true);
      const produced = await api.produceBlockV3({slot, randaoReveal});
      const contents = produced.data as {block: never; kzgProofs: Uint8Array[]; blobs: Uint8Array[]};
      const signature = key(proposer)
        .sign(computeSigningRoot(ssz.fulu.BeaconBlock, contents.block, domainAt(params.DOMAIN_BEACON_PROPOSER, epoch)))
        .toBytes(true);
      const signed = {message: contents.block, signature};
      expect(contents.blobs).toHaveLength(1);
      const rows = da.cellsAndKzgProofsFromBlobs(chain.da.kzg, contents.blobs, contents.kzgProofs);
      const sidecars = da.getDataColumnSidecarsFromBlock(chain.beaconConfig, signed, rows);
      const tracker = new da.DataAvailabilityTracker({
        config: chain.beaconConfig,
        kzg: chain.da.kzg,
        reconstruct: false,
      });
      // 8 columns of the block as they arrive on gossip (all at once: they share worker batches)
      await Promise.all(
        sidecars
          .slice(0, 8)
          .map((s) =>
            validateDataColumnSidecarGossip(
              chain,
              s,
              da.computeSubnetForDataColumnSidecar(chain.config, s.index),
              tracker,
            ),
          ),
      );
      sidecarsAccepted += 8;
      submittedSignatures += 2;
      const outcome = await api.publishBlockV2({
        version: "fulu",
        signedBlockContents: {signedBlock: signed, kzgProofs: contents.kzgProofs, blobs: contents.blobs} as never,
      });
      expect(outcome).toBe("imported");

      // every committee member attests (one request), committee 0's first member aggregates
      const head = chain.getHeadState();
      const committees = head.epochCtx.getCommitteeCountPerSlot(epoch);
      const attestations = [];
      let c0Data: import("@ceibo/state-transition").AttestationData | null = null;
      for (let committeeIndex = 0; committeeIndex < committees; committeeIndex++) {
        const data = (await api.produceAttestationData({slot, committeeIndex})).data;
        if (committeeIndex === 0) c0Data = data;
        const root = computeSigningRoot(
          ssz.phase0.AttestationData,
          data,
          domainAt(params.DOMAIN_BEACON_ATTESTER, epoch),
        );
        for (const v of head.epochCtx.getBeaconCommittee(slot, committeeIndex)) {
          attestations.push({committeeIndex, attesterIndex: v, data, signature: key(v).sign(root).toBytes(true)});
        }
      }
      await api.submitPoolAttestationsV2({version: "fulu", attestations});
      submittedSignatures += attestations.length;
      const aggregator = head.epochCtx.getBeaconCommittee(slot, 0)[0];
      const agg = (
        await api.getAggregatedAttestationV2({
          attestationDataRoot: ssz.phase0.AttestationData.hashTreeRoot(c0Data as never),
          slot,
          committeeIndex: 0,
        })
      ).data;
      const selectionProof = key(aggregator)
        .sign(computeSigningRoot(ssz.phase0.Slot, slot, domainAt(params.DOMAIN_SELECTION_PROOF, epoch)))
        .toBytes(true);
      const aap = {aggregatorIndex: aggregator, aggregate: agg, selectionProof};
      const aapSig = key(aggregator)
        .sign(
          computeSigningRoot(
            ssz.electra.AggregateAndProof,
            aap as never,
            domainAt(params.DOMAIN_AGGREGATE_AND_PROOF, epoch),
          ),
        )
        .toBytes(true);
      await api.publishAggregateAndProofsV2({
        version: "fulu",
        signedAggregateAndProofs: [{message: aap, signature: aapSig}] as never,
      });
      await api.submitBeaconCommitteeSelections({selections: [{validatorIndex: aggregator, slot, selectionProof}]});
      submittedSignatures += 4;

      // sync committee: every member signs the head root; a contribution for subcommittee 0
      const headRoot = (await api.getBlockRoot({blockId: "head"})).data.root;
      const syncRoot = computeSigningRoot(ssz.phase0.Root, headRoot, domainAt(params.DOMAIN_SYNC_COMMITTEE, epoch));
      const members = [...new Set(head.epochCtx.currentSyncCommitteeIndices)];
      await api.submitPoolSyncCommitteeSignatures({
        signatures: members.map((v) => ({
          slot,
          beaconBlockRoot: headRoot,
          validatorIndex: v,
          signature: key(v).sign(syncRoot).toBytes(true),
        })),
      });
      submittedSignatures += members.length;
      const contribution = (
        await api.produceSyncCommitteeContribution({slot, subcommitteeIndex: 0, beaconBlockRoot: headRoot})
      ).data;
      const subAggregator = head.epochCtx.currentSyncCommitteeIndices[0];
      const syncSelection = key(subAggregator)
        .sign(
          computeSigningRoot(
            ssz.altair.SyncAggregatorSelectionData,
            {slot, subcommitteeIndex: 0},
            domainAt(params.DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epoch),
          ),
        )
        .toBytes(true);
      const cap = {aggregatorIndex: subAggregator, contribution, selectionProof: syncSelection};
      const capSig = key(subAggregator)
        .sign(
          computeSigningRoot(
            ssz.altair.ContributionAndProof,
            cap,
            domainAt(params.DOMAIN_CONTRIBUTION_AND_PROOF, epoch),
          ),
        )
        .toBytes(true);
      await api.publishContributionAndProofs({contributionAndProofs: [{message: cap, signature: capSig}]});
      submittedSignatures += 3;
    }

    const mainThread = mainThreadVerifications() - before.main;
    const poolSets = pool.stats.sets - before.sets;
    console.info("bls-main-thread:", {
      slots: SLOTS,
      mainThread,
      byFunction: {...counts},
      poolSets,
      submittedSignatures,
      sidecarsAccepted,
    });
    expect(chain.head.slot).toBe(SLOTS);
    // the work reached the pool: at least every signature submitted (blocks add their own sets)
    expect(poolSets).toBeGreaterThanOrEqual(submittedSignatures);
    expect(mainThread).toBeLessThanOrEqual(SLOTS);
  });
});
