/**
 * network/discovery: ENR entries against published records (EIP-778's example, mainnet and hoodi bootnodes),
 * compute_subscribed_subnets against pyspec-generated vectors, and real discv5 nodes on 127.0.0.1 that find each
 * other through a bootnode while a node of another network is filtered out.
 */

import {createSocket} from "node:dgram";
import {BeaconConfig, computeForkDigest, hoodiChainConfig, mainnetChainConfig, networks} from "@ceibo/config";
import {ACTIVE_PRESET_NAME} from "@ceibo/params";
import {fromHex, silentLogger, toHexUnprefixed} from "@ceibo/utils";
import {ENR, SignableENR} from "@chainsafe/enr";
import {generateKeyPair} from "@libp2p/crypto/keys";
import {peerIdFromPrivateKey} from "@libp2p/peer-id";
import {afterAll, describe, expect, it} from "vitest";
import {type DiscoveredPeer, Discovery} from "../src/network/discovery/discv5.ts";
import {
  computeEnrForkId,
  computeNextForkDigest,
  decodeBitvector,
  decodeCgc,
  decodeEnrForkId,
  decodeEnrTxt,
  ENR_KEY,
  encodeBitvector,
  encodeCgc,
  encodeEnrForkId,
  readEth2Fields,
  updateLocalEnr,
} from "../src/network/discovery/enr.ts";
import {computeSubscribedSubnets, SubnetSubscriptions} from "../src/network/peers/subnets.ts";

const mainnet = new BeaconConfig(mainnetChainConfig, networks.mainnet.genesis!.genesisValidatorsRoot);
const hoodi = new BeaconConfig(hoodiChainConfig, networks.hoodi.genesis!.genesisValidatorsRoot);

/** EIP-778 "Test Vectors": the example record and its private key. */
const EIP778_ENR =
  "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8";
const EIP778_KEY = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291";
const EIP778_NODE_ID = "a448f24c6d18e575453db13171562b71999873db5b286df957af199ec94617f7";

/** eth-clients/mainnet metadata/bootstrap_nodes.yaml */
const MAINNET_EF_BOOTNODE = // 3.17.30.69 | aws-us-east-2-ohio
  "enr:-Ku4QHqVeJ8PPICcWk1vSn_XcSkjOkNiTg6Fmii5j6vUQgvzMc9L1goFnLKgXqBJspJjIsB91LTOleFmyWWrFVATGngBh2F0dG5ldHOIAAAAAAAAAACEZXRoMpC1MD8qAAAAAP__________gmlkgnY0gmlwhAMRHkWJc2VjcDI1NmsxoQKLVXFOhp2uX6jeT0DvvDpPcU8FWMjQdR4wMuORMhpX24N1ZHCCIyg";
const MAINNET_LIGHTHOUSE_BOOTNODE = // 172.105.173.25 | linode-au-sydney
  "enr:-Le4QPUXJS2BTORXxyx2Ia-9ae4YqA_JWX3ssj4E_J-3z1A-HmFGrU8BpvpqhNabayXeOZ2Nq_sbeDgtzMJpLLnXFgAChGV0aDKQtTA_KgEAAAAAIgEAAAAAAIJpZIJ2NIJpcISsaa0Zg2lwNpAkAIkHAAAAAPA8kv_-awoTiXNlY3AyNTZrMaEDHAD2JKYevx89W0CcFJFiskdcEzkH_Wdv9iW42qLK79ODdWRwgiMohHVkcDaCI4I";
const MAINNET_TEKU_BOOTNODE = // 3.107.124.68 | aws-ap-southeast-2-sydney
  "enr:-KG4QF4B5WrlFcRhUU6dZETwY5ZzAXnA0vGC__L1Kdw602nDZwXSTs5RFXFIFUnbQJmhNGVU6OIX7KVrCSTODsz1tK4DhGV0aDKQu6TalgMAAAD__________4JpZIJ2NIJpcIQExNYEiXNlY3AyNTZrMaECQmM9vp7KhaXhI-nqL_R0ovULLCFSFTa9CPPSdb1zPX6DdGNwgiMog3VkcIIjKA";
/** eth-clients/hoodi metadata/bootstrap_nodes.yaml */
const HOODI_EF_BOOTNODE =
  "enr:-LK4QAYuLujoiaqCAs0-qNWj9oFws1B4iy-Hff1bRB7wpQCYSS-IIMxLWCn7sWloTJzC1SiH8Y7lMQ5I36ynGV1ASj4Eh2F0dG5ldHOIYAAAAAAAAACEZXRoMpDS8Zl_YAAJEAAIAAAAAAAAgmlkgnY0gmlwhIbRilSJc2VjcDI1NmsxoQOmI5MlAu3f5WEThAYOqoygpS2wYn0XS5NV2aYq7T0a04N0Y3CCIyiDdWRwgiMo";
const HOODI_EF_BOOTNODE_2 =
  "enr:-Mq4QLkmuSwbGBUph1r7iHopzRpdqE-gcm5LNZfcE-6T37OCZbRHi22bXZkaqnZ6XdIyEDTelnkmMEQB8w6NbnJUt9GGAZWaowaYh2F0dG5ldHOIABgAAAAAAACEZXRoMpDS8Zl_YAAJEAAIAAAAAAAAgmlkgnY0gmlwhNEmfKCEcXVpY4IyyIlzZWNwMjU2azGhA0hGa4jZJZYQAS-z6ZFK-m4GCFnWS8wfjO0bpSQn6hyEiHN5bmNuZXRzAIN0Y3CCIyiDdWRwgiMo";
const HOODI_GENESIS_VERSION_BOOTNODE =
  "enr:-Ku4QLVumWTwyOUVS4ajqq8ZuZz2ik6t3Gtq0Ozxqecj0qNZWpMnudcvTs-4jrlwYRQMQwBS8Pvtmu4ZPP2Lx3i2t7YBh2F0dG5ldHOIAAAAAAAAAACEZXRoMpBd9cEGEAAJEP__________gmlkgnY0gmlwhNEmfKCJc2VjcDI1NmsxoQLdRlI8aCa_ELwTJhVN8k7km7IDc3pYu-FMYBs5_FiigIN1ZHCCIyk";

describe("ENR (EIP-778)", () => {
  it("decodes the EIP-778 example to its published node id, ip and udp port", () => {
    const enr = decodeEnrTxt(EIP778_ENR);
    expect(enr).not.toBeNull();
    expect(enr!.nodeId).toBe(EIP778_NODE_ID);
    expect(enr!.ip).toBe("127.0.0.1");
    expect(enr!.udp).toBe(30303);
    expect(enr!.seq).toBe(1n);
  });

  it("signing the example's entries with its key reproduces the record byte for byte", () => {
    const enr = SignableENR.createV4(Buffer.from(EIP778_KEY, "hex"));
    enr.ip = "127.0.0.1";
    enr.udp = 30303;
    // createV4 starts at seq 1, each setter bumps it: rebuild at seq 1 with the same entries
    const signed = new SignableENR(new Map(enr.kvs), 1n, Buffer.from(EIP778_KEY, "hex"));
    expect(signed.encodeTxt()).toBe(EIP778_ENR);
    expect(signed.nodeId).toBe(EIP778_NODE_ID);
  });

  it("refuses tampered, garbage and seq-0 records instead of throwing", () => {
    // flip one character of the signature
    const tampered = `${EIP778_ENR.slice(0, 12)}${EIP778_ENR[12] === "A" ? "B" : "A"}${EIP778_ENR.slice(13)}`;
    expect(decodeEnrTxt(tampered)).toBeNull();
    expect(decodeEnrTxt("enr:not-a-record")).toBeNull();
    expect(decodeEnrTxt("")).toBeNull();
    const seq0 = new SignableENR(new Map(decodeEnrTxt(EIP778_ENR)!.kvs), 0n, Buffer.from(EIP778_KEY, "hex"));
    expect(decodeEnrTxt(seq0.encodeTxt())).toBeNull();
  });
});

describe("ENR eth2 / attnets / syncnets / cgc / nfd", () => {
  it("mainnet EF bootnode: eth2 is the phase0 digest of mainnet with no next fork", () => {
    const enr = decodeEnrTxt(MAINNET_EF_BOOTNODE)!;
    expect(enr.ip).toBe("3.17.30.69");
    expect(enr.udp).toBe(9000);
    const fields = readEth2Fields(enr);
    expect(toHexUnprefixed(fields.eth2!.forkDigest)).toBe("b5303f2a");
    expect(toHexUnprefixed(fields.eth2!.forkDigest)).toBe(toHexUnprefixed(mainnet.computeForkDigest(0)));
    expect(toHexUnprefixed(fields.eth2!.nextForkVersion)).toBe("00000000");
    expect(fields.eth2!.nextForkEpoch).toBe(Number.POSITIVE_INFINITY);
    expect(fields.attnets).toEqual(new Array(64).fill(false));
  });

  it("mainnet Lighthouse bootnode: our ENRForkID at genesis is its eth2 entry byte for byte (altair next)", () => {
    const enr = decodeEnrTxt(MAINNET_LIGHTHOUSE_BOOTNODE)!;
    const published = enr.kvs.get(ENR_KEY.eth2)!;
    expect(toHexUnprefixed(encodeEnrForkId(computeEnrForkId(mainnet, 0)))).toBe(toHexUnprefixed(published));
    expect(decodeEnrForkId(published).nextForkEpoch).toBe(mainnetChainConfig.ALTAIR_FORK_EPOCH);
  });

  it("mainnet Teku bootnode: capella digest, no fork scheduled after capella at the time", () => {
    const enr = decodeEnrTxt(MAINNET_TEKU_BOOTNODE)!;
    const capellaOnly = new BeaconConfig(
      {...mainnetChainConfig, DENEB_FORK_EPOCH: Infinity, ELECTRA_FORK_EPOCH: Infinity, FULU_FORK_EPOCH: Infinity},
      networks.mainnet.genesis!.genesisValidatorsRoot,
    );
    const ours = encodeEnrForkId(computeEnrForkId(capellaOnly, mainnetChainConfig.CAPELLA_FORK_EPOCH + 10));
    expect(toHexUnprefixed(ours)).toBe(toHexUnprefixed(enr.kvs.get(ENR_KEY.eth2)!));
    expect(toHexUnprefixed(ours)).toBe("bba4da9603000000ffffffffffffffff");
  });

  it("hoodi bootnodes: genesis ENRForkID with electra next, a genesis-version bootnode, attnets bit order", () => {
    const ef = decodeEnrTxt(HOODI_EF_BOOTNODE)!;
    expect(toHexUnprefixed(encodeEnrForkId(computeEnrForkId(hoodi, 0)))).toBe(
      toHexUnprefixed(ef.kvs.get(ENR_KEY.eth2)!),
    );
    expect(readEth2Fields(ef).eth2!.nextForkEpoch).toBe(2048);
    // a bootnode that advertises GENESIS_FORK_VERSION: compute_fork_digest(GENESIS_FORK_VERSION, hoodi's root)
    const pre = readEth2Fields(decodeEnrTxt(HOODI_GENESIS_VERSION_BOOTNODE)!).eth2!;
    const digest = computeForkDigest(hoodiChainConfig.GENESIS_FORK_VERSION, hoodi.genesisValidatorsRoot);
    expect(toHexUnprefixed(pre.forkDigest)).toBe(toHexUnprefixed(digest));
    expect(toHexUnprefixed(pre.nextForkVersion)).toBe(toHexUnprefixed(hoodiChainConfig.GENESIS_FORK_VERSION));
    // attnets 0x0018000000000000: bits 11 and 12 (SSZ bitvector: bit i is bit i%8 of byte i/8)
    const fields = readEth2Fields(decodeEnrTxt(HOODI_EF_BOOTNODE_2)!);
    expect(fields.attnets!.flatMap((b, i) => (b ? [i] : []))).toEqual([11, 12]);
    expect(fields.syncnets).toEqual([false, false, false, false]);
  });

  it("fulu: next fork epoch counts BPO forks, the version only regular forks; nfd is the next digest", () => {
    const fulu = mainnetChainConfig.FULU_FORK_EPOCH;
    const bpo = mainnetChainConfig.BLOB_SCHEDULE.map((e) => e.EPOCH)
      .filter((e) => e > fulu)
      .sort((a, b) => a - b);
    expect(bpo.length).toBeGreaterThan(0);
    const atFulu = computeEnrForkId(mainnet, fulu);
    expect(atFulu.nextForkEpoch).toBe(bpo[0]);
    expect(toHexUnprefixed(atFulu.nextForkVersion)).toBe(toHexUnprefixed(mainnetChainConfig.FULU_FORK_VERSION));
    expect(toHexUnprefixed(computeNextForkDigest(mainnet, fulu))).toBe(
      toHexUnprefixed(mainnet.computeForkDigest(bpo[0])),
    );
    expect(toHexUnprefixed(computeNextForkDigest(mainnet, fulu))).not.toBe(toHexUnprefixed(atFulu.forkDigest));
    // before fulu: the next fork is fulu itself, with its version
    const beforeFulu = computeEnrForkId(mainnet, fulu - 1);
    expect(beforeFulu.nextForkEpoch).toBe(fulu);
    expect(toHexUnprefixed(beforeFulu.nextForkVersion)).toBe(toHexUnprefixed(mainnetChainConfig.FULU_FORK_VERSION));
    // after the last scheduled fork: nothing next, nfd is zero
    const last = bpo[bpo.length - 1];
    expect(computeEnrForkId(mainnet, last).nextForkEpoch).toBe(Number.POSITIVE_INFINITY);
    expect(toHexUnprefixed(computeNextForkDigest(mainnet, last))).toBe("00000000");
  });

  it("cgc is big-endian without leading zeros (0 is empty); bitvectors are length-checked", () => {
    expect(toHexUnprefixed(encodeCgc(0))).toBe("");
    expect(toHexUnprefixed(encodeCgc(4))).toBe("04");
    expect(toHexUnprefixed(encodeCgc(128))).toBe("80");
    expect(toHexUnprefixed(encodeCgc(256))).toBe("0100");
    expect(decodeCgc(fromHex("0x0100"))).toBe(256);
    expect(decodeCgc(new Uint8Array(0))).toBe(0);
    expect(() => decodeCgc(fromHex("0x0004"))).toThrow();
    const bits = new Array(64).fill(false);
    bits[0] = true;
    bits[9] = true;
    expect(toHexUnprefixed(encodeBitvector(bits))).toBe("0102000000000000");
    expect(() => decodeBitvector(fromHex("0x00"), 64)).toThrow();
    expect(() => decodeBitvector(fromHex("0x10"), 4)).toThrow(); // bit 4 set in a 4-bit vector
  });

  it("updateLocalEnr writes the entries once (seq bumps only on change) and they read back", async () => {
    const key = await generateKeyPair("secp256k1");
    const enr = SignableENR.createV4(key.raw);
    const attnets = new Array(64).fill(false);
    attnets[5] = true;
    const local = {attnets, syncnets: [false, true, false, false], custodyGroupCount: 4};
    expect(updateLocalEnr(enr, mainnet, 1000, local)).toBe(true);
    const seq = enr.seq;
    expect(updateLocalEnr(enr, mainnet, 1000, local)).toBe(false);
    expect(enr.seq).toBe(seq);
    const read = readEth2Fields(ENR.decodeTxt(enr.encodeTxt()));
    expect(toHexUnprefixed(read.eth2!.forkDigest)).toBe(toHexUnprefixed(mainnet.computeForkDigest(1000)));
    expect(read.attnets).toEqual(attnets);
    expect(read.syncnets).toEqual([false, true, false, false]);
    expect(read.cgc).toBe(4);
    expect(toHexUnprefixed(read.nfd!)).toBe(toHexUnprefixed(computeNextForkDigest(mainnet, 1000)));
    // without fulu scheduled there is no cgc / nfd
    const noFulu = new BeaconConfig({...mainnetChainConfig, FULU_FORK_EPOCH: Infinity}, mainnet.genesisValidatorsRoot);
    expect(updateLocalEnr(enr, noFulu, 1000, local)).toBe(true);
    expect(enr.kvs.has(ENR_KEY.cgc)).toBe(false);
    expect(enr.kvs.has(ENR_KEY.nfd)).toBe(false);
  });
});

describe("compute_subscribed_subnets (phase0 p2p-interface.md)", () => {
  // pyspec-generated vectors for the mainnet preset and config, as published in Lighthouse's and Lodestar's tests
  const vectors: [string, number, number[]][] = [
    ["0", 54321, [4, 5]],
    ["88752428858350697756262172400162263450541348766581994718383409852729519486397", 1017090249, [61, 62]],
    ["18732750322395381632951253735273868184515463718109267674920115648614659369468", 1827566880, [23, 24]],
    ["27726842142488109545414954493849224833670205008410190955613662332153332462900", 846255942, [38, 39]],
    ["39755236029158558527862903296867805548949739810920318269566095185775868999998", 766597383, [53, 54]],
    ["31899136003441886988955119620035330314647133604576220223892254902004850516297", 1204990115, [39, 40]],
    ["58579998103852084482416614330746509727562027284701078483890722833654510444626", 1616209495, [48, 49]],
    ["28248042035542126088870192155378394518950310811868093527036637864276176517397", 1774367616, [39, 40]],
    ["60930578857433095740782970114409273483106482059893286066493409689627770333527", 1484598751, [34, 35]],
    ["103822458477361691467064888613019442068586830412598673713899771287914656699997", 3525502229, [37, 38]],
  ];
  it.runIf(ACTIVE_PRESET_NAME === "mainnet")("matches the pyspec vectors (mainnet preset)", () => {
    for (const [nodeId, epoch, expected] of vectors) {
      expect(computeSubscribedSubnets(mainnetChainConfig, BigInt(nodeId), epoch)).toEqual(expected);
    }
  });

  it("long-lived subnets stay for EPOCHS_PER_SUBNET_SUBSCRIPTION epochs; duty subnets expire", () => {
    const nodeId = BigInt(vectors[1][0]);
    const subs = new SubnetSubscriptions({config: mainnetChainConfig, nodeId});
    // node_offset = node_id % 256: the period boundary is where (epoch + offset) crosses a multiple of 256
    const offset = Number(nodeId % 256n);
    const periodStart = 256 * 10 - offset;
    const a = subs.longLivedSubnets(periodStart);
    expect(subs.longLivedSubnets(periodStart + 255)).toEqual(a);
    // the neighbouring periods are computed afresh (not served from the cached period)
    for (const e of [periodStart - 1, periodStart + 256, periodStart + 9 * 256]) {
      expect(subs.longLivedSubnets(e)).toEqual(
        computeSubscribedSubnets(mainnetChainConfig, nodeId, e).sort((x, y) => x - y),
      );
    }
    expect(subs.longLivedSubnets(periodStart)).toEqual(a);
    expect(a).toHaveLength(2);
    expect((a[1] - a[0] + 64) % 64).toBe(1);
    const slot = periodStart * 32;
    const other = [...Array(64).keys()].find((s) => !a.includes(s))!;
    subs.requestAttestationSubnet(other, slot + 3);
    subs.requestSyncCommitteeSubnet(2, periodStart);
    const now = subs.stateAt(slot);
    expect(now.attnets).toEqual([...a, other].sort((x, y) => x - y));
    // ENR / MetaData attnets are the long-lived subnets only; syncnets include the duty
    expect(now.advertisedAttnets.flatMap((b, i) => (b ? [i] : []))).toEqual(a);
    expect(now.advertisedSyncnets).toEqual([false, false, true, false]);
    const later = subs.stateAt(slot + 32);
    expect(later.attnets).toEqual(a);
    expect(later.syncnets).toEqual([]);
    const all = new SubnetSubscriptions({config: mainnetChainConfig, nodeId, subscribeAllSubnets: true});
    expect(all.stateAt(slot).attnets).toHaveLength(64);
    expect(all.stateAt(slot).advertisedSyncnets).toEqual([true, true, true, true]);
  });
});

describe("discv5 on 127.0.0.1", () => {
  const nodes: Discovery[] = [];
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });

  async function startNode(config: BeaconConfig, tcp: number, bootnodes: string[], attnet: number) {
    const privateKey = await generateKeyPair("secp256k1");
    const enr = SignableENR.createV4(privateKey.raw);
    enr.ip = "127.0.0.1";
    enr.tcp = tcp;
    const attnets = new Array(64).fill(false);
    attnets[attnet] = true;
    updateLocalEnr(enr, config, 0, {attnets, syncnets: [false, false, false, false], custodyGroupCount: 4});
    const node = new Discovery({
      privateKey,
      enr,
      bindAddress: "127.0.0.1",
      port: 0,
      bootnodes,
      config,
      currentEpoch: () => 0,
      logger: silentLogger,
      discv5Config: {lookupTimeout: 2_000, requestTimeout: 500},
    });
    const found = new Map<string, DiscoveredPeer>();
    node.on("discovered", (p) => found.set(p.peerId, p));
    await node.start();
    nodes.push(node);
    return {node, found, peerId: peerIdFromPrivateKey(privateKey).toString(), tcp};
  }

  it("a UDP port in use is an error from start(), not a crash", async () => {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
    try {
      const privateKey = await generateKeyPair("secp256k1");
      const node = new Discovery({
        privateKey,
        enr: SignableENR.createV4(privateKey.raw),
        bindAddress: "127.0.0.1",
        port: socket.address().port,
        bootnodes: [],
        config: mainnet,
        currentEpoch: () => 0,
        logger: silentLogger,
      });
      await expect(node.start()).rejects.toThrow(/EADDRINUSE/);
      expect(node.isStarted).toBe(false);
    } finally {
      socket.close();
    }
  });

  it("nodes find each other through a bootnode; a node of another network is filtered out", async () => {
    const other = new BeaconConfig(mainnetChainConfig, new Uint8Array(32).fill(9)); // another genesis
    const boot = await startNode(mainnet, 40001, [], 1);
    expect(boot.node.enr.udp).toBeGreaterThan(0); // bound port written into the ENR
    const bootEnr = boot.node.enrTxt;
    const b = await startNode(mainnet, 40002, [bootEnr], 2);
    const c = await startNode(mainnet, 40003, [bootEnr], 3);
    const d = await startNode(other, 40004, [bootEnr], 4);
    // c and d make themselves known to the bootnode with a lookup of their own
    await Promise.all([c.node.findRandomPeers(), d.node.findRandomPeers()]);
    const deadline = Date.now() + 30_000;
    while (!b.found.has(c.peerId) && Date.now() < deadline) await b.node.findRandomPeers();
    const seenC = b.found.get(c.peerId);
    expect(seenC).toBeDefined();
    expect(seenC!.multiaddr).toBe(`/ip4/127.0.0.1/tcp/40003/p2p/${c.peerId}`);
    expect(seenC!.attnets!.flatMap((x, i) => (x ? [i] : []))).toEqual([3]);
    expect(seenC!.custodyGroupCount).toBe(4);
    // the bootnode is in the routing table from its ENR and passes the filter
    expect(b.node.knownPeers().map((p) => p.peerId)).toContain(boot.peerId);
    // d is in b's routing table (discv5 knows it) but never surfaces as a peer: its fork digest is not ours
    while (!b.node.routingTableNodeIds().includes(d.node.enr.nodeId) && Date.now() < deadline) {
      await b.node.findRandomPeers();
    }
    expect(b.node.routingTableNodeIds()).toContain(d.node.enr.nodeId);
    expect(b.found.has(d.peerId)).toBe(false);
    expect(b.node.knownPeers().map((p) => p.peerId)).not.toContain(d.peerId);
    expect(b.node.knownPeers().map((p) => p.peerId)).toContain(c.peerId);
  });
});
