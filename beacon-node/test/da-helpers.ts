/**
 * Shared fixture of the da-*.test.ts files (not a test itself): an in-process dev beacon node (64 interop validators,
 * every fork up to `fork` at genesis, manual clock, no dev signing) on a mock execution engine that puts
 * `blobsPerBlock` real blobs (real KZG commitments, blob or cell proofs) into every payload, and a helper that
 * produces and signs the block of a slot with the interop key of its proposer (the block is NOT imported).
 *
 * The caller must have loaded the consensus packages with the preset it wants (CEIBO_PRESET) before importing this.
 */
import {existsSync, mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {computeSigningRoot} from "@ceibo/config";
import {DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO, type ForkName} from "@ceibo/params";
import {
  computeEpochAtSlot,
  forkTypes,
  getDomain,
  interopSecretKey,
  processSlots,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {BeaconChain} from "../src/chain/index.ts";
import type {BlobsBundle} from "../src/execution/index.ts";
import {forkTimesFromGenesis, MockEngineServer} from "../src/execution/mock/index.ts";
import {DevBeaconNode} from "../src/node/dev.ts";
import type {BeaconNode} from "../src/node/index.ts";

/** The consensus-specs KZG setup (shared spec-test assets); c-kzg's bundled copy (the same points) when absent. */
const SHARED_SETUP = new URL(
  "../../../shared/spec-tests/presets/mainnet/trusted_setups/trusted_setup_4096.json",
  import.meta.url,
).pathname;
export const trustedSetupFile = existsSync(SHARED_SETUP) ? SHARED_SETUP : undefined;

export const SLOT_MS = 6000;
export const GENESIS_TIME = 1_700_000_000;

export interface ProducedSignedBlock {
  signed: SignedBeaconBlockAllForks;
  blobsBundle: BlobsBundle;
  proposerIndex: number;
}

export interface DaChain {
  node: BeaconNode;
  chain: BeaconChain;
  server: MockEngineServer;
  /** Sets the manual clock to `ms` after the start of `slot`. */
  setSlot(slot: number, ms?: number): void;
  /** Fork choice tick to `slot`, then the block of `slot` on the head, signed by its proposer (not imported). */
  produce(slot: number): Promise<ProducedSignedBlock>;
  close(): Promise<void>;
}

export async function startDaChain(fork: ForkName, blobsPerBlock: number): Promise<DaChain> {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-da-"));
  const jwtSecret = new Uint8Array(32).fill(7);
  const server = new MockEngineServer({
    host: "127.0.0.1",
    port: 0,
    jwtSecret,
    genesisBlockHash: new Uint8Array(32).fill(0x42),
    forkTimes: forkTimesFromGenesis(fork),
    blobsPerBlock,
    trustedSetupFile,
  });
  const url = await server.start();
  let nowMs = GENESIS_TIME * 1000;
  const setSlot = (slot: number, ms = 100): void => {
    nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + ms;
  };
  let node: BeaconNode;
  try {
    node = await DevBeaconNode.init({
      network: "dev",
      dataDir: join(dir, "data"),
      devValidators: 64,
      genesisTime: GENESIS_TIME,
      slotDurationMs: SLOT_MS,
      devFork: fork,
      executionUrl: url,
      jwtSecret,
      devSigning: false,
      nowMs: () => nowMs,
    });
  } catch (e) {
    await server.close();
    rmSync(dir, {recursive: true, force: true});
    throw e;
  }
  const chain = node.chain;

  async function produce(slot: number): Promise<ProducedSignedBlock> {
    setSlot(slot);
    await chain.onSlot(slot);
    const state = chain.getHeadState().clone();
    if (state.state.slot < slot) processSlots(state, slot);
    const proposerIndex = state.epochCtx.getBeaconProposer(slot);
    const epoch = computeEpochAtSlot(slot);
    const sk = interopSecretKey(proposerIndex);
    const randaoReveal = sk
      .sign(computeSigningRoot(ssz.phase0.Epoch, epoch, getDomain(state.state, DOMAIN_RANDAO, epoch)))
      .toBytes(true);
    const produced = await chain.produceBlock({slot, randaoReveal});
    const type = forkTypes(state.fork).BeaconBlock as unknown as {hashTreeRoot(v: unknown): Uint8Array};
    const signature = sk
      .sign(computeSigningRoot(type, produced.block, getDomain(state.state, DOMAIN_BEACON_PROPOSER, epoch)))
      .toBytes(true);
    if (produced.blobsBundle === undefined) throw Error(`no blobs bundle at slot ${slot}`);
    return {signed: {message: produced.block, signature}, blobsBundle: produced.blobsBundle, proposerIndex};
  }

  return {
    node,
    chain,
    server,
    setSlot,
    produce,
    async close() {
      await node.close();
      await server.close();
      rmSync(dir, {recursive: true, force: true});
    },
  };
}

/** Signs a block header with the interop key of `signer` (default: the header's proposer). */
export function signHeader(
  chain: BeaconChain,
  header: {slot: number; proposerIndex: number; parentRoot: Uint8Array; stateRoot: Uint8Array; bodyRoot: Uint8Array},
  signer = header.proposerIndex,
): {message: typeof header; signature: Uint8Array} {
  const epoch = computeEpochAtSlot(header.slot);
  const domain = chain.beaconConfig.getDomain(epoch, DOMAIN_BEACON_PROPOSER, epoch);
  const signature = interopSecretKey(signer)
    .sign(computeSigningRoot(ssz.phase0.BeaconBlockHeader, header, domain))
    .toBytes(true);
  return {message: header, signature};
}
