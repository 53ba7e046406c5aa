/**
 * Lodestar 1.5.1 interop harness check (INTEROP_TEST=1; skipped otherwise). Processes on 127.0.0.1 only:
 * - ceibo's mock engine (capella) as the execution layer of every beacon node here;
 * - `lodestar dev` with 8 interop validators on a minimal-preset chain with every fork through capella at
 *   genesis, 2 s slots;
 * - a bare libp2p host with ceibo's libp2p versions (test/interop/probe.ts) dialing Lodestar, and a second one
 *   Lodestar dials (given as an ENR bootnode);
 * - a second Lodestar (`lodestar beacon` on the first one's genesis.ssz and config.yaml).
 * It checks the facts the ceibo ↔ Lodestar interop depends on: genesis and fork digest agreement, the p2p stack
 * (noise, mplex, identify, req/resp ids, Status / MetaData / Ping, BeaconBlocksByRange v2, gossip topics and
 * message ids), ceibo's state transition over Lodestar's blocks, static peering by ENR, and that the chain
 * produces blocks for several epochs and finalizes. First run installs Lodestar (~1.5 min).
 */

import {mkdtempSync, readFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
  installLodestar,
  type LodestarNode,
  lodestarFinality,
  lodestarHead,
  lodestarPeers,
  type MockEngine,
  startLodestarBeacon,
  startLodestarDev,
  startMockEngine,
} from "./lodestar.ts";
import type {LodestarProbe, StatusValue} from "./probe.ts";

const RUN = process.env.INTEROP_TEST === "1";
const VALIDATORS = 8;
const SLOT_SECONDS = 2;
const SLOTS_PER_EPOCH = 8; // minimal preset
const ETH1_BLOCK_HASH = `0x${"cc".repeat(32)}`;

/** Polls `fn` until it returns a value other than undefined/false. */
async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined | false>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > end) throw Error(`no ${what} within ${timeoutMs} ms (${String(lastErr)})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// The consensus packages pick their preset when first loaded: load them (through genesis.ts / probe.ts) with
// the minimal preset Lodestar's dev chain uses.
type GenesisModule = typeof import("./genesis.ts");
type ProbeModule = typeof import("./probe.ts");
type TypesModule = typeof import("@ceibo/types");
type EnrModule = typeof import("@chainsafe/enr");

describe.skipIf(!RUN)("Lodestar 1.5.1 interop harness", () => {
  let g: GenesisModule;
  let p: ProbeModule;
  let types: TypesModule;
  let enrLib: EnrModule;
  const dir = mkdtempSync(join(tmpdir(), "ceibo-interop-lodestar-"));
  let el: MockEngine | undefined;
  let lodestar: LodestarNode | undefined;
  let second: LodestarNode | undefined;
  const probes: LodestarProbe[] = [];

  /** Shared by the tests below (set in beforeAll). */
  let genesisBytes: Uint8Array;
  let forkDigest: Uint8Array;
  let genesisRoot: string;
  let chainConfig: ReturnType<GenesisModule["chainConfigOfLodestar"]>;

  function ourStatus(): StatusValue {
    return {
      forkDigest,
      finalizedRoot: new Uint8Array(32),
      finalizedEpoch: 0,
      headRoot: Buffer.from(genesisRoot.slice(2), "hex"),
      headSlot: 0,
    };
  }

  beforeAll(async () => {
    const saved = process.env.CEIBO_PRESET;
    process.env.CEIBO_PRESET = "minimal";
    try {
      g = await import("./genesis.ts");
      p = await import("./probe.ts");
      types = await import("@ceibo/types");
      enrLib = await import("@chainsafe/enr");
    } finally {
      if (saved === undefined) delete process.env.CEIBO_PRESET;
      else process.env.CEIBO_PRESET = saved;
    }
    installLodestar();
    el = await startMockEngine({dir: join(dir, "el"), genesisBlockHash: ETH1_BLOCK_HASH, logFile: join(dir, "el.log")});
    lodestar = await startLodestarDev({
      dir: join(dir, "lodestar"),
      validators: VALIDATORS,
      genesisTime: Math.floor(Date.now() / 1000) + 8,
      secondsPerSlot: SLOT_SECONDS,
      eth1BlockHash: ETH1_BLOCK_HASH,
      executionUrl: el.url,
      jwtSecretFile: el.jwtSecretFile,
    });
    genesisBytes = readFileSync(lodestar.genesisSszPath);
    chainConfig = g.chainConfigOfLodestar(lodestar.configYaml);
    const state = g.decodeCapellaState(genesisBytes);
    forkDigest = g.beaconConfigFor(chainConfig, state).computeForkDigest(0);
    genesisRoot = g.genesisBlockRoot(state);
  }, 240_000);

  afterAll(async () => {
    for (const probe of probes) await probe.close().catch(() => {});
    await second?.stop();
    await lodestar?.stop();
    await el?.stop();
  }, 60_000);

  it("runs a capella chain ceibo reads: config, genesis state, genesis block root, fork digest", async () => {
    if (lodestar === undefined) throw Error("not started");
    // /eth/v1/config/spec → config.yaml → ceibo's ChainConfig
    expect(lodestar.spec.PRESET_BASE).toBe("minimal");
    expect(lodestar.spec.CAPELLA_FORK_EPOCH).toBe("0");
    expect(chainConfig.CAPELLA_FORK_EPOCH).toBe(0);
    expect(chainConfig.SLOT_DURATION_MS).toBe(SLOT_SECONDS * 1000);
    expect(toHex(chainConfig.CAPELLA_FORK_VERSION)).toBe(lodestar.spec.CAPELLA_FORK_VERSION);

    // genesis.ssz decodes with ceibo's capella types; its block root is Lodestar's slot-0 block root
    const header = (await (await fetch(`${lodestar.restUrl}/eth/v1/beacon/headers/0`)).json()) as {
      data: {root: string};
    };
    expect(genesisRoot).toBe(header.data.root);
    const genesis = (await (await fetch(`${lodestar.restUrl}/eth/v1/beacon/genesis`)).json()) as {
      data: {genesis_validators_root: string; genesis_fork_version: string};
    };
    const state = g.decodeCapellaState(genesisBytes);
    expect(toHex(state.genesisValidatorsRoot)).toBe(genesis.data.genesis_validators_root);

    // the fork digest ceibo computes is the one in Lodestar's ENR eth2 field (ENRForkID)
    const enr = enrLib.ENR.decodeTxt(lodestar.enr);
    const eth2 = enr.kvs.get("eth2");
    if (eth2 === undefined) throw Error("Lodestar's ENR has no eth2 field");
    const forkId = types.ssz.phase0.ENRForkID.deserialize(eth2);
    expect(toHex(forkId.forkDigest)).toBe(toHex(forkDigest));
    expect(toHex(forkId.nextForkVersion)).toBe(lodestar.spec.CAPELLA_FORK_VERSION);
    expect(forkId.nextForkEpoch).toBe(Number.POSITIVE_INFINITY);
    expect(enr.ip).toBe("127.0.0.1");
    expect(enr.tcp).toBe(lodestar.p2pPort);
  });

  it("has the genesis ceibo's interop genesis builds, except the fork's previous version and the payload header", () => {
    const state = g.decodeCapellaState(genesisBytes);
    const ours = g.ceiboInteropGenesis(chainConfig, {
      validators: VALIDATORS,
      genesisTime: state.genesisTime,
      eth1BlockHash: Buffer.from(ETH1_BLOCK_HASH.slice(2), "hex"),
    });
    const diffs = g.diffCapellaStates(state, ours);
    const fields = diffs.map((d) => d.field).sort();
    // Same validators, balances, randao mixes, eth1 data, sync committees, genesis_validators_root (so the same
    // fork digests and signing domains); Lodestar 1.5.1 sets fork.previous_version = CAPELLA_FORK_VERSION (the
    // v1.3 spec's pure-capella testing genesis) and fills the payload header as the pyspec test helper does.
    expect(fields).toEqual(
      [
        "fork.previousVersion",
        "latestExecutionPayloadHeader.baseFeePerGas",
        "latestExecutionPayloadHeader.gasLimit",
        "latestExecutionPayloadHeader.prevRandao",
        "latestExecutionPayloadHeader.timestamp",
      ].sort(),
    );
    const byField = new Map(diffs.map((d) => [d.field, d]));
    expect(byField.get("fork.previousVersion")?.lodestar).toBe(lodestar?.spec.CAPELLA_FORK_VERSION);
    expect(byField.get("latestExecutionPayloadHeader.prevRandao")?.lodestar).toBe(ETH1_BLOCK_HASH);
    expect(byField.get("latestExecutionPayloadHeader.timestamp")?.lodestar).toBe(String(2 ** 40));
  });

  it("speaks noise + mplex + identify to a libp2p 3 host and answers Status, MetaData v2 and Ping", async () => {
    if (lodestar === undefined) throw Error("not started");
    const probe = await p.LodestarProbe.create({status: ourStatus()});
    probes.push(probe);
    await probe.dial(lodestar.multiaddr);
    expect(probe.connection.encryption).toBe("/noise");
    expect(probe.connection.multiplexer).toBe("/mplex/6.7.0"); // we offered yamux first
    expect(probe.identify.agentVersion).toMatch(/^lodestar\/v1\.5\.1/);
    const protocols = probe.identify.protocols;
    for (const id of [
      p.reqRespProtocol("status", 1),
      p.reqRespProtocol("goodbye", 1),
      p.reqRespProtocol("ping", 1),
      p.reqRespProtocol("metadata", 2),
      p.reqRespProtocol("beacon_blocks_by_range", 2),
      p.reqRespProtocol("beacon_blocks_by_root", 2),
      "/meshsub/1.1.0",
    ]) {
      expect(protocols).toContain(id);
    }
    // from altair on only the v2 block and metadata protocols are registered
    expect(protocols).not.toContain(p.reqRespProtocol("metadata", 1));
    expect(protocols).not.toContain(p.reqRespProtocol("beacon_blocks_by_range", 1));
    expect(protocols).not.toContain("/meshsub/1.2.0");

    const status = await probe.requestStatus();
    expect(toHex(status.forkDigest)).toBe(toHex(forkDigest));
    expect(status.finalizedEpoch).toBe(0);
    const metadata = await probe.requestMetadata();
    expect(metadata.seqNumber).toBeGreaterThanOrEqual(0n);
    expect(await probe.requestPing(0n)).toBe(metadata.seqNumber);
    // Lodestar, dialed, keeps the connection and asks for our metadata
    await probe.waitFor("Lodestar metadata request", 10_000, () =>
      probe.inbound.find((r) => r.protocol === p.reqRespProtocol("metadata", 2)),
    );
    const peers = await lodestarPeers(lodestar.restUrl);
    expect(peers.map((x) => x.peer_id)).toContain(probe.node.peerId.toString());
  }, 30_000);

  it("gossips its blocks on the capella beacon_block topic and subscribes the core topics", async () => {
    const probe = probes[0];
    const digest = toHex(forkDigest).slice(2);
    const topic = (name: string): string => `/eth2/${digest}/${name}/ssz_snappy`;
    probe.node.services.pubsub.subscribe(topic("beacon_block"));
    await probe.waitFor("Lodestar's core topic subscriptions", 30_000, () =>
      probe.peerTopics.has(topic("beacon_block")) ? true : undefined,
    );
    for (const name of [
      "beacon_block",
      "beacon_aggregate_and_proof",
      "voluntary_exit",
      "proposer_slashing",
      "attester_slashing",
      "bls_to_execution_change",
      "sync_committee_contribution_and_proof",
    ]) {
      expect(probe.peerTopics).toContain(topic(name));
    }
    const message = await probe.waitFor("a gossip block from Lodestar", 30_000, () =>
      probe.gossip.find((m) => m.topic === topic("beacon_block")),
    );
    const block = types.ssz.capella.SignedBeaconBlock.deserialize(message.ssz);
    expect(block.message.slot).toBeGreaterThan(0);
    expect(message.msgId.length).toBe(20);
  }, 70_000);

  it("finalizes", async () => {
    if (lodestar === undefined) throw Error("not started");
    const restUrl = lodestar.restUrl;
    // on a quiet machine Lodestar 1.5.1's dev chain finalizes epoch 2 at slot 32 (about 65 s after genesis)
    const finality = await until("finalized epoch >= 1", 150_000, async () => {
      const f = await lodestarFinality(restUrl);
      return f.finalized >= 1 && f;
    });
    expect(finality.justified).toBeGreaterThanOrEqual(finality.finalized);
  }, 160_000);

  it("serves BeaconBlocksByRange v2 blocks that ceibo's state transition replays from genesis", async () => {
    if (lodestar === undefined) throw Error("not started");
    const probe = probes[0];
    // two epochs of blocks (epoch processing included)
    const restUrl = lodestar.restUrl;
    const head = await until("head past two epochs", 60_000, async () => {
      const h = await lodestarHead(restUrl);
      return h.slot > 2 * SLOTS_PER_EPOCH && h;
    });
    const blocks = await probe.blocksByRange(1, head.slot);
    expect(blocks.length).toBeGreaterThan(SLOTS_PER_EPOCH);
    for (const b of blocks) expect(toHex(b.context)).toBe(toHex(forkDigest));
    const post = g.replayCapellaBlocks(
      chainConfig,
      genesisBytes,
      blocks.map((b) => b.ssz),
    );
    const last = types.ssz.capella.SignedBeaconBlock.deserialize(blocks[blocks.length - 1].ssz).message;
    expect(post.state.slot).toBe(last.slot);
    const lastRoot = toHex(types.ssz.capella.BeaconBlock.hashTreeRoot(last));
    const lodestarRoot = (await (await fetch(`${lodestar.restUrl}/eth/v1/beacon/headers/${last.slot}`)).json()) as {
      data: {root: string};
    };
    expect(lastRoot).toBe(lodestarRoot.data.root);
  }, 90_000);

  it("a second Lodestar on genesis.ssz + config.yaml peers by ENR bootnode, follows the head, and dials an ENR", async () => {
    if (lodestar === undefined || el === undefined) throw Error("not started");
    // a host Lodestar must dial: its ENR carries the same eth2 field as Lodestar's own
    const target = await p.LodestarProbe.create({status: ourStatus()});
    probes.push(target);
    const lodestarEnr = enrLib.ENR.decodeTxt(lodestar.enr);
    const eth2 = lodestarEnr.kvs.get("eth2");
    second = await startLodestarBeacon({
      dir: join(dir, "lodestar-2"),
      name: "lodestar-2",
      genesisStateFile: lodestar.genesisSszPath,
      paramsFile: lodestar.configYamlPath,
      executionUrl: el.url,
      jwtSecretFile: el.jwtSecretFile,
      bootnodes: [lodestar.enr, target.enr(eth2)],
      connectToBootnodes: true,
    });
    // it dials the libp2p 3 host from its ENR and sends Status (and Ping) first, as the dialer
    await target.waitForInbound(30_000);
    expect(target.identify.agentVersion).toMatch(/^lodestar\/v1\.5\.1/);
    await target.waitFor("Lodestar's status request", 15_000, () =>
      target.inbound.find((r) => r.protocol === p.reqRespProtocol("status", 1)),
    );
    // it peers with the first Lodestar and reaches its head (range sync, then gossip)
    const first = lodestar;
    const follower = second;
    await until("the second Lodestar peered with the first and at its head", 60_000, async () => {
      const [a, b, peers] = await Promise.all([
        lodestarHead(first.restUrl),
        lodestarHead(follower.restUrl),
        lodestarPeers(follower.restUrl),
      ]);
      return peers.some((x) => x.peer_id === first.peerId) && b.slot > SLOTS_PER_EPOCH && b.slot >= a.slot - 1;
    });
    // done with it: free the (small, shared) CPU now
    await follower.stop();
    second = undefined;
  }, 150_000);
});
