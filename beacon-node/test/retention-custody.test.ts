/**
 * Validator custody and what survives a restart: an in-process fulu dev node (minimal preset) with its p2p network
 * on 127.0.0.1 and 64 attached interop validators (32 ETH each) custodies
 * get_validators_custody_requirement = min(max(2048 ETH / BALANCE_PER_ADDITIONAL_CUSTODY_GROUP,
 * VALIDATOR_CUSTODY_REQUIREMENT), NUMBER_OF_CUSTODY_GROUPS) groups (fulu/validator.md), announced in the ENR `cgc`
 * and MetaData. Restarted on the same data dir WITHOUT validators, it announces the same custody group count
 * (it never goes down) and a MetaData seq_number above the one of the first run.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {ENR} from "@chainsafe/enr";
import {afterAll, describe, expect, it} from "vitest";
import {freePort} from "../../test/harness/processes.ts";
import type {BeaconNode as BeaconNodeType} from "../src/node/index.ts";

const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {ACTIVE_PRESET_NAME} = await import("@ceibo/params");
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {readEth2Fields} = await import("../src/network/discovery/enr.ts");
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;
if (ACTIVE_PRESET_NAME !== "minimal") throw Error(`@ceibo/params was already loaded with ${ACTIVE_PRESET_NAME}`);

const GENESIS_TIME = 1_700_000_000;
const dir = mkdtempSync(join(tmpdir(), "ceibo-custody-"));
let node: BeaconNodeType | null = null;

afterAll(async () => {
  await node?.close();
  rmSync(dir, {recursive: true, force: true});
});

async function start(devSigning: boolean): Promise<BeaconNodeType> {
  const port = await freePort();
  return BeaconNode.init({
    network: "dev",
    dataDir: join(dir, "data"),
    devValidators: 64,
    genesisTime: GENESIS_TIME,
    slotDurationMs: 6000,
    nowMs: () => GENESIS_TIME * 1000 + 100,
    devFork: "fulu",
    devSigning,
    p2p: {
      listenAddress: "127.0.0.1",
      port,
      discoveryPort: port,
      bootnodes: [],
      staticPeers: [],
      targetPeers: 0,
      discv5: false,
      subscribeAllSubnets: false,
    },
  });
}

describe("validator custody; custody group count and MetaData seq across a restart", () => {
  it("64 attached validators raise the custody group count, which survives a restart without them", async () => {
    node = await start(true);
    const cfg = node.config;
    const expected = Math.min(
      Math.max(Math.floor((64 * 32e9) / cfg.BALANCE_PER_ADDITIONAL_CUSTODY_GROUP), cfg.VALIDATOR_CUSTODY_REQUIREMENT),
      cfg.NUMBER_OF_CUSTODY_GROUPS,
    );
    expect(expected).toBeGreaterThan(cfg.CUSTODY_REQUIREMENT);
    const net = node.network;
    if (net === null) throw Error("no network");
    expect(net.custody.custodyGroupCount).toBe(expected);
    expect(net.peerManager.getMetadata().custodyGroupCount).toBe(expected);
    expect(readEth2Fields(ENR.decodeTxt(net.enr)).cgc).toBe(expected);
    // the columns the chain custodies follow the raised count
    expect(node.chain.custody.custodyColumns.length).toBe(net.custody.custodyColumns.length);
    const seq1 = net.peerManager.getMetadata().seqNumber;
    expect(seq1).toBeGreaterThan(0n);
    await node.close();
    node = null;

    node = await start(false);
    const net2 = node.network;
    if (net2 === null) throw Error("no network");
    expect(net2.custody.custodyGroupCount).toBe(expected);
    expect(net2.peerManager.getMetadata().custodyGroupCount).toBe(expected);
    expect(readEth2Fields(ENR.decodeTxt(net2.enr)).cgc).toBe(expected);
    const seq2 = net2.peerManager.getMetadata().seqNumber;
    expect(seq2).toBeGreaterThan(seq1);
    await node.close();
    node = null;

    // a third run starts above the second one's seq_number
    node = await start(false);
    expect(node.network?.peerManager.getMetadata().seqNumber).toBeGreaterThan(seq2);
  }, 120_000);
});
