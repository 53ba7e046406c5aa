/**
 * The dev-only peer block list (`--dev.peer-block-list`, network/peers/blockList.ts): file parsing and reloading,
 * and two real Networks on 127.0.0.1 (b keeps dialing a as a static peer): listing b in a's file closes the
 * connection and a refuses every re-dial; emptying the file lets b connect again.
 */
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createDevChainConfig} from "@ceibo/config";
import {ACTIVE_PRESET_NAME} from "@ceibo/params";
import {createInteropGenesisState} from "@ceibo/state-transition";
import {generateKeyPair} from "@libp2p/crypto/keys";
import {peerIdFromPrivateKey} from "@libp2p/peer-id";
import {afterAll, describe, expect, it} from "vitest";
import {BeaconChain, Clock, type Logger, silentLogger} from "../src/chain/index.ts";
import {BeaconDb} from "../src/db/index.ts";
import {Network, type NetworkOpts} from "../src/network/network.ts";
import {PeerBlockList, type PeerBlockListChange, parsePeerBlockList} from "../src/network/peers/blockList.ts";

const dirs: string[] = [];
const networks: Network[] = [];
const dbs: BeaconDb[] = [];
const tmp = (name: string): string => {
  const d = mkdtempSync(join(tmpdir(), `ceibo-blocklist-${name}-`));
  dirs.push(d);
  return d;
};
const newPeerId = async (): Promise<string> => peerIdFromPrivateKey(await generateKeyPair("secp256k1")).toString();

async function waitFor(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

afterAll(async () => {
  for (const n of networks) await n.stop().catch(() => {});
  for (const db of dbs) await db.close().catch(() => {});
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
}, 30_000);

describe("peer block list file", () => {
  it("parses peer ids, skipping blank lines and comments, and names a bad line", async () => {
    const [p1, p2] = [await newPeerId(), await newPeerId()];
    expect(parsePeerBlockList(`# half B\n${p1}\n\n  ${p2}  # node 5\n`, "f.txt")).toEqual(new Set([p1, p2]));
    expect(() => parsePeerBlockList(`${p1}\nnot-a-peer\n`, "f.txt")).toThrow(
      'f.txt line 2: "not-a-peer" is not a peer id',
    );
  });

  it("reloads when the file changes; a missing file is empty; a bad file at start throws, later keeps the list", async () => {
    const dir = tmp("file");
    const file = join(dir, "blocked.txt");
    const [p1, p2] = [await newPeerId(), await newPeerId()];
    const warnings: string[] = [];
    const logger: Logger = {...silentLogger, warn: (m, c) => warnings.push(`${m} ${JSON.stringify(c)}`)};
    const list = new PeerBlockList(file, logger, 50);
    expect(list.size).toBe(0);
    const changes: PeerBlockListChange[] = [];
    list.start((c) => changes.push(c));
    try {
      writeFileSync(file, `${p1}\n${p2}\n`);
      await waitFor("the first reload", () => changes.length === 1);
      expect(changes[0]).toEqual({blocked: [p1, p2], unblocked: []});
      expect(list.has(p1) && list.has(p2)).toBe(true);
      writeFileSync(file, `${p2}\n`);
      await waitFor("the second reload", () => changes.length === 2);
      expect(changes[1]).toEqual({blocked: [], unblocked: [p1]});
      expect(list.has(p1)).toBe(false);
      writeFileSync(file, "garbage\n");
      await waitFor("the warning", () => warnings.length === 1);
      expect(warnings[0]).toContain('line 1: \\"garbage\\" is not a peer id');
      expect(list.has(p2)).toBe(true);
      expect(changes).toHaveLength(2);
    } finally {
      list.stop();
    }
    expect(() => new PeerBlockList(file, silentLogger)).toThrow("line 1");
  });
});

describe("Networks with a peer block list on 127.0.0.1", () => {
  it("closes the connection to a listed peer, refuses its re-dials, and lets it back once unlisted", {
    timeout: 120_000,
  }, async () => {
    const config = createDevChainConfig({preset: ACTIVE_PRESET_NAME});
    const genesisTime = Math.floor(Date.now() / 1000);
    const genesis = createInteropGenesisState(config, {validatorCount: 64, genesisTime});
    const start = async (name: string, opts: NetworkOpts): Promise<Network> => {
      const dir = tmp(name);
      const db = await BeaconDb.open(dir, {network: "dev", chainConfig: config});
      dbs.push(db);
      await BeaconChain.initializeDb(db, genesis);
      const clock = new Clock({genesisTime, slotDurationMs: config.SLOT_DURATION_MS});
      const chain = await BeaconChain.fromDb({config, db, engine: null, clock});
      const network = await Network.create({
        config: chain.beaconConfig,
        chain,
        db,
        logger: silentLogger,
        dataDir: dir,
        opts: {
          listenAddress: "127.0.0.1",
          port: 0,
          discoveryPort: 0,
          discv5: false,
          dev: true,
          persistPeers: false,
          peerManager: {heartbeatIntervalMs: 200, pingIntervalMs: 1_000, statusIntervalMs: 2_000},
          ...opts,
        },
      });
      networks.push(network);
      await network.start();
      return network;
    };
    const listFile = join(tmp("list"), "blocked.txt");
    const a = await start("a", {peerBlockListFile: listFile});
    const b = await start("b", {staticPeers: [a.multiaddrs[0]]});
    const connected = (): boolean =>
      a.libp2p.getConnections().some((c) => c.remotePeer.toString() === b.peerId) &&
      b.libp2p.getConnections().some((c) => c.remotePeer.toString() === a.peerId);
    const aSeesB = (): boolean => a.libp2p.getConnections().some((c) => c.remotePeer.toString() === b.peerId);
    await waitFor("b connected to a", connected);

    // split: a lists b → the connection is closed, and b's re-dials of its static peer keep being refused
    writeFileSync(listFile, `${b.peerId}\n`);
    await waitFor("a closed its connection to b", () => !aSeesB());
    // b dials a again and again for 3 s (its static-peer re-dials, plus direct dials): a never keeps a connection
    // from b (the gater refuses it once b's identity is known), neither in libp2p nor in its peer table
    const deadline = Date.now() + 3_000;
    let refused = 0;
    while (Date.now() < deadline) {
      await b.libp2p.dial(a.libp2p.getMultiaddrs()[0]).then(
        () => {},
        () => refused++,
      );
      await new Promise((r) => setTimeout(r, 200));
      expect(aSeesB()).toBe(false);
      expect(
        a
          .getPeers()
          .filter((p) => p.state === "connected")
          .map((p) => p.peerId),
      ).not.toContain(b.peerId);
    }
    expect(refused).toBeGreaterThan(0);

    // heal: the file emptied → b's static-peer dial goes through again. b has no list of its own, so its refused
    // dials left it a 60 s dial-failure backoff; clear that (a node whose own list drops a peer does it itself)
    writeFileSync(listFile, "");
    b.peerManager.clearDialBackoff(a.peerId);
    await waitFor("b reconnected to a", connected, 60_000);
  });
});
