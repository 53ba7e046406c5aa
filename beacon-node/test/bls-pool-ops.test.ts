/**
 * Beacon API pool submissions and the builder bid verified off the main thread (issue 13): a fulu dev node
 * (minimal preset, 64 interop validators, SHARD_COMMITTEE_PERIOD 0 so validators may exit at once, `--bls.workers
 * 1`) takes an attester slashing, a proposer slashing, a voluntary exit and BLS-to-execution changes through its
 * real Beacon API, each valid and with a bad signature; and process_bid checks a builder bid on a real BLS worker
 * pool. The blst verification functions of the main thread are wrapped by a counting spy (the worker threads load
 * the real module outside vitest's module graph, so only main-thread calls count): 0 main-thread verifications,
 * while the pool receives every signature. A bad signature is refused with the 400 message of the state-transition
 * operation run with signatures on (phase0/capella beacon-chain.md process_*), computed here afterwards.
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
const {DevBeaconNode} = await import("../src/node/dev.ts");
const {BlsWorkerPool} = await import("../src/chain/bls/pool.ts");
const builder = await import("../src/execution/builder/index.ts");
const {createBeaconApiClient, ApiClientError} = await import("@ceibo/api");
const {computeDomain, computeSigningRoot} = await import("@ceibo/config");
const params = await import("@ceibo/params");
const st = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;

const mainThreadVerifications = () => Object.values(counts).reduce((a, b) => a + b, 0);
const GENESIS_TIME = 1_700_000_000;

/** The 400 of a refused submission: the server's message and its per-item failures. */
async function refusal(f: () => Promise<unknown>): Promise<{status: unknown; message: string; failures: unknown}> {
  try {
    await f();
  } catch (e) {
    if (e instanceof ApiClientError)
      return {status: e.status, message: e.serverMessage ?? e.message, failures: e.failures};
    throw e;
  }
  throw Error("the submission was accepted");
}

/** The error message of a state-transition operation run with signatures on (the expected reason). */
function reasonOf(apply: () => void): string {
  try {
    apply();
  } catch (e) {
    return (e as Error).message;
  }
  throw Error("the operation was valid");
}

describe("Beacon API pool submissions: signatures on the BLS worker pool", {timeout: 300_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-bls-pool-ops-"));
  let node: Awaited<ReturnType<typeof DevBeaconNode.init>>;

  beforeAll(async () => {
    node = await DevBeaconNode.init({
      network: "dev",
      dataDir: join(dir, "data"),
      devValidators: 64,
      devFork: "fulu",
      devShardCommitteePeriod: 0,
      genesisTime: GENESIS_TIME,
      slotDurationMs: 6000,
      devSigning: false,
      nowMs: () => GENESIS_TIME * 1000 + 100,
      rest: {address: "127.0.0.1", port: 0},
      chain: {blsWorkers: 1},
    });
  }, 120_000);

  afterAll(async () => {
    await node?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("verifies slashings, exits and BLS changes off the main thread and refuses bad signatures as before", async () => {
    const chain = node.chain;
    const pool = chain.bls;
    if (!(pool instanceof BlsWorkerPool)) throw Error("the chain does not verify on the worker pool");
    const api = createBeaconApiClient({baseUrl: node.restUrl as string});
    const key = (i: number) => st.interopSecretKey(i);
    const head = chain.getHeadState();
    const gvr = head.state.genesisValidatorsRoot;
    const domainAt = (type: Uint8Array, epoch: number) => st.getDomain(head.state, type, epoch);
    const before = {main: mainThreadVerifications(), calls: pool.stats.calls, sets: pool.stats.sets};

    // attester slashing (electra containers): validator 5 votes twice for target epoch 0
    const data = (root: number) => ({
      slot: 0,
      index: 0,
      beaconBlockRoot: new Uint8Array(32).fill(root),
      source: {epoch: 0, root: new Uint8Array(32)},
      target: {epoch: 0, root: new Uint8Array(32)},
    });
    const indexed = (root: number, signer: number) => {
      const d = data(root);
      const signingRoot = computeSigningRoot(ssz.phase0.AttestationData, d, domainAt(params.DOMAIN_BEACON_ATTESTER, 0));
      return {attestingIndices: [5], data: d, signature: key(signer).sign(signingRoot).toBytes(true)};
    };
    const badAttesterSlashing = {attestation1: indexed(1, 5), attestation2: indexed(2, 7)};
    const attesterSlashing = {attestation1: indexed(1, 5), attestation2: indexed(2, 5)};
    const badAttester = await refusal(() =>
      api.submitPoolAttesterSlashingsV2({version: "fulu", attesterSlashing: badAttesterSlashing as never}),
    );
    await api.submitPoolAttesterSlashingsV2({version: "fulu", attesterSlashing: attesterSlashing as never});

    // proposer slashing: two headers of validator 8 for one slot, the bad one's second header signed by another key
    const header = (stateRoot: number) => ({
      slot: 0,
      proposerIndex: 8,
      parentRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32).fill(stateRoot),
      bodyRoot: new Uint8Array(32),
    });
    const signHeader = (h: ReturnType<typeof header>, signer: number) => ({
      message: h,
      signature: key(signer)
        .sign(computeSigningRoot(ssz.phase0.BeaconBlockHeader, h, domainAt(params.DOMAIN_BEACON_PROPOSER, 0)))
        .toBytes(true),
    });
    const badProposerSlashing = {signedHeader1: signHeader(header(1), 8), signedHeader2: signHeader(header(2), 9)};
    const badProposer = await refusal(() => api.submitPoolProposerSlashings({proposerSlashing: badProposerSlashing}));
    await api.submitPoolProposerSlashings({
      proposerSlashing: {signedHeader1: signHeader(header(1), 8), signedHeader2: signHeader(header(2), 8)},
    });

    // voluntary exit of validator 10 (deneb+: signed under CAPELLA_FORK_VERSION, EIP-7044)
    const exitDomain = computeDomain(params.DOMAIN_VOLUNTARY_EXIT, chain.config.CAPELLA_FORK_VERSION, gvr);
    const signExit = (signer: number) => {
      const message = {epoch: 0, validatorIndex: 10};
      return {
        message,
        signature: key(signer)
          .sign(computeSigningRoot(ssz.phase0.VoluntaryExit, message, exitDomain))
          .toBytes(true),
      };
    };
    const badExit = await refusal(() => api.submitPoolVoluntaryExit({signedVoluntaryExit: signExit(11)}));
    await api.submitPoolVoluntaryExit({signedVoluntaryExit: signExit(10)});

    // BLS changes of validators 20, 21, 22 (interop credentials are 0x00 of the validator key); 21 signed wrongly
    const changeDomain = computeDomain(params.DOMAIN_BLS_TO_EXECUTION_CHANGE, chain.config.GENESIS_FORK_VERSION, gvr);
    const change = (index: number, signer: number) => {
      const message = {
        validatorIndex: index,
        fromBlsPubkey: key(index).toPublicKey().toBytes(true),
        toExecutionAddress: new Uint8Array(20).fill(index),
      };
      const root = computeSigningRoot(ssz.capella.BLSToExecutionChange, message, changeDomain);
      return {message, signature: key(signer).sign(root).toBytes(true)};
    };
    const changes = [change(20, 20), change(21, 30), change(22, 22)];
    const badChanges = await refusal(() => api.submitPoolBLSToExecutionChange({changes}));

    const mainThread = mainThreadVerifications() - before.main;
    const poolCalls = pool.stats.calls - before.calls;
    const poolSets = pool.stats.sets - before.sets;
    console.info("bls-pool-ops:", {mainThread, byFunction: {...counts}, poolCalls, poolSets});
    expect(mainThread).toBe(0);
    // every signature reached the pool: 2 + 2 (+1 naming the bad attestation) + 2 + 2 + 1 + 1 + 3
    expect(poolSets).toBeGreaterThanOrEqual(13);

    // the valid ones are pooled, the bad ones are not
    expect((await api.getPoolAttesterSlashingsV2()).data).toHaveLength(1);
    expect((await api.getPoolProposerSlashings()).data).toHaveLength(1);
    expect((await api.getPoolVoluntaryExits()).data.map((e) => e.message.validatorIndex)).toEqual([10]);
    const pooledChanges = (await api.getPoolBLSToExecutionChanges()).data.map((c) => c.message.validatorIndex);
    expect(pooledChanges.sort()).toEqual([20, 22]);

    // the refusals carry the reasons of the operations run with signatures on (on the main thread, here)
    const copy = () => chain.getHeadState().clone();
    expect(badAttester.status).toBe(400);
    expect(badAttester.message).toBe(
      `Invalid attester slashing: ${reasonOf(() => st.processAttesterSlashing(copy(), badAttesterSlashing as never, true))}`,
    );
    expect(badAttester.message).toMatch(/attestation 2 is not a valid indexed attestation/);
    expect(badProposer.status).toBe(400);
    expect(badProposer.message).toBe(
      `Invalid proposer slashing: ${reasonOf(() => st.processProposerSlashing(copy(), badProposerSlashing, true))}`,
    );
    expect(badExit.status).toBe(400);
    expect(badExit.message).toBe(
      `Invalid voluntary exit: ${reasonOf(() => st.processVoluntaryExit(copy(), signExit(11), true))}`,
    );
    expect(badChanges.status).toBe(400);
    expect(badChanges.failures).toEqual([
      {
        index: 1,
        message: `Invalid BLS to execution change: ${reasonOf(() => st.processBlsToExecutionChange(copy(), changes[1], true))}`,
      },
    ]);
  });
});

describe("builder bid: process_bid with the signature on the BLS worker pool", () => {
  it("accepts a bid signed by its builder and refuses a forged one, with 0 main-thread verifications", async () => {
    const pool = new BlsWorkerPool({workers: 1});
    try {
      const genesisForkVersion = Uint8Array.from([0x10, 0, 0, 0x38]);
      const builderKey = st.interopSecretKey(63);
      const otherKey = st.interopSecretKey(62);
      const parentHash = new Uint8Array(32).fill(0x11);
      const feeRecipient = new Uint8Array(20).fill(0xfe);
      const prevRandao = new Uint8Array(32).fill(0x22);
      const bid = (signer: typeof builderKey) => {
        const message = {
          header: {
            ...ssz.electra.ExecutionPayloadHeader.defaultValue(),
            parentHash,
            feeRecipient,
            prevRandao,
            timestamp: 99,
          },
          blobKzgCommitments: [],
          executionRequests: {deposits: [], withdrawals: [], consolidations: []},
          value: 7n,
          pubkey: builderKey.toPublicKey().toBytes(true),
        };
        // builder-specs: compute_domain(DOMAIN_APPLICATION_BUILDER = 0x00000001, GENESIS_FORK_VERSION, zero root)
        const domain = computeDomain(Uint8Array.from([0, 0, 0, 1]), genesisForkVersion, new Uint8Array(32));
        const root = computeSigningRoot(
          builder.builderBidTypes("electra").BuilderBid as never,
          message as never,
          domain,
        );
        return {
          message,
          signature: signer.sign(root).toBytes(true),
        } as unknown as import("../src/execution/builder/index.ts").SignedBuilderBid;
      };
      const want = {fork: "electra" as const, parentHash, feeRecipient, genesisForkVersion, timestamp: 99, prevRandao};
      const before = {main: mainThreadVerifications(), calls: pool.stats.calls};
      await builder.processBidAsync("electra", bid(builderKey), want, pool);
      let refused = "";
      try {
        await builder.processBidAsync("electra", bid(otherKey), want, pool);
      } catch (e) {
        expect(e).toBeInstanceOf(builder.BidError);
        refused = (e as Error).message;
      }
      expect(mainThreadVerifications() - before.main).toBe(0);
      expect(pool.stats.calls - before.calls).toBe(2);
      // the same reason as the main-thread process_bid gives
      expect(refused).toBe(reasonOf(() => builder.processBid("electra", bid(otherKey), want)));
      expect(refused).toMatch(/invalid signature/);
    } finally {
      await pool.close();
    }
  });
});
