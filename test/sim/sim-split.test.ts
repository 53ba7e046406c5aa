/**
 * Network split and heal (npm run sim; SIM_TEST=1), issue 14 item 3: six beacon nodes on one dev genesis
 * (separate processes on 127.0.0.1, node 1 the discv5 bootnode) and two validator clients holding half of the 64
 * keys each — one on node 1, one on node 4. Every node reads a peer block list (`--dev.peer-block-list FILE`,
 * re-read when the file changes).
 * - The six link into one network (not necessarily a full mesh), finalize and agree on the head.
 * - Split 3|3: nodes 1–3 list the peer ids of nodes 4–6 and the other way round. Every connection across is
 *   closed and stays refused for 2 epochs (checked all along); each half links up on its own and builds its own
 *   chain (each half's head block is unknown to the other) and, with half the stake each, neither finalizes
 *   anything new.
 * - Heal: the lists are emptied; the halves reconnect, all six agree on one head, and finality resumes: every
 *   node finalizes (the same checkpoint) an epoch after the one the split ended in.
 * Writes sim-split-report.json in its run directory and prints it.
 */
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {connectedPeers, DevNet, type DevNetNode, identity, sameHead} from "../harness/devnet.ts";
import {getJson, head} from "../harness/processes.ts";

const RUN = process.env.SIM_TEST === "1";
const VALIDATORS = 64;
const SLOTS_PER_EPOCH = 8; // minimal preset
const SLOT_MS = Number(process.env.SIM_SLOT_MS ?? 4000);
const SPLIT_EPOCHS = 2;

interface Finality {
  epoch: number;
  root: string;
}
async function finality(api: string): Promise<Finality> {
  const r = await getJson<{data: {finalized: {epoch: string; root: string}}}>(
    `${api}/eth/v1/beacon/states/head/finality_checkpoints`,
  );
  return {epoch: Number(r.data.finalized.epoch), root: r.data.finalized.root};
}

/** Whether `api` knows the block `root` (its header is served). */
async function knowsBlock(api: string, root: string): Promise<boolean> {
  const res = await fetch(`${api}/eth/v1/beacon/headers/${root}`);
  await res.text();
  if (res.status === 404) return false;
  if (res.ok) return true;
  throw Error(`GET headers/${root}: HTTP ${res.status}`);
}

const dir = mkdtempSync(join(tmpdir(), "ceibo-sim-split-"));
const report: Record<string, unknown> = {dir, slotMs: SLOT_MS, validators: VALIDATORS};

describe.runIf(RUN)("simulation: a 3|3 network split for 2 epochs, then healed", () => {
  let net: DevNet | undefined;
  afterAll(async () => {
    report.shutdownMs = await net?.stop();
    console.log(`split simulation report:\n${JSON.stringify(report, null, 2)}`);
    if (process.env.SIM_KEEP === "1")
      writeFileSync(join(dir, "sim-split-report.json"), JSON.stringify(report, null, 2));
    else rmSync(dir, {recursive: true, force: true});
  }, 60_000);

  it("neither half finalizes while split; after healing one head and finality resumes", {
    timeout: 1_200_000,
  }, async () => {
    const genesisTime = Math.ceil(Date.now() / 1000) + 60;
    const genesisMs = genesisTime * 1000;
    const slotNow = () => Math.floor((Date.now() - genesisMs) / SLOT_MS);
    const devnet = new DevNet({dir, validators: VALIDATORS, slotMs: SLOT_MS, genesisTime});
    net = devnet;
    const blockListOf = (i: number) => join(dir, `blocklist-node${i + 1}.txt`);
    const n1 = await devnet.startBeacon("node1", ["--dev.peer-block-list", blockListOf(0)]);
    const enr = (await identity(n1.api)).enr;
    const rest = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        devnet.startBeacon(`node${i + 1}`, ["--bootnodes", enr, "--dev.peer-block-list", blockListOf(i)]),
      ),
    );
    const nodes: DevNetNode[] = [n1, ...rest];
    const apis = nodes.map((n) => n.api);
    const ids = await Promise.all(apis.map(async (a) => (await identity(a)).peer_id));
    const sideA = [0, 1, 2];
    const sideB = [3, 4, 5];
    const otherSide = (i: number) => (sideA.includes(i) ? sideB : sideA);
    // half the stake on each side
    devnet.startValidator("node1", nodes[0].api, 0, VALIDATORS / 2 - 1);
    devnet.startValidator("node4", nodes[3].api, VALIDATORS / 2, VALIDATORS - 1);

    const peersOf = async (i: number) => new Set(await connectedPeers(apis[i]));
    /** Whether the connections among `members` link them all (each reaches every other, maybe through others). */
    const linked = async (members: number[]): Promise<boolean> => {
      const peers = new Map(await Promise.all(members.map(async (i) => [i, await peersOf(i)] as const)));
      // a connection is seen from both ends; either end reporting it is enough
      const edge = (i: number, j: number) => peers.get(i)?.has(ids[j]) || peers.get(j)?.has(ids[i]);
      const reached = new Set([members[0]]);
      const queue = [members[0]];
      for (let i = queue.pop(); i !== undefined; i = queue.pop()) {
        for (const j of members) {
          if (!reached.has(j) && edge(i, j)) {
            reached.add(j);
            queue.push(j);
          }
        }
      }
      return reached.size === members.length;
    };
    // one connected network (a full mesh is not needed: gossip relays)
    await devnet.until("the 6 nodes linked into one network", 240_000, () => linked([0, 1, 2, 3, 4, 5]));
    await devnet.until("finalized epoch >= 2 on all 6 nodes", 600_000, async () =>
      (await Promise.all(apis.map(finality))).every((f) => f.epoch >= 2),
    );
    report.commonHeadBeforeSplit = await devnet.until("one head before the split", 60_000, () => sameHead(apis));

    // ---- split: each half blocks the other's peer ids
    for (let i = 0; i < 6; i++)
      writeFileSync(
        blockListOf(i),
        `${otherSide(i)
          .map((j) => ids[j])
          .join("\n")}\n`,
      );
    const splitSlot = slotNow();
    const before = await Promise.all(apis.map(finality));
    const finalizedAtSplit = Math.max(...before.map((f) => f.epoch));
    report.split = {slot: splitSlot, epoch: Math.floor(splitSlot / SLOTS_PER_EPOCH), finalizedAtSplit};
    const crossLinks = async (): Promise<string[]> => {
      const links: string[] = [];
      for (let i = 0; i < 6; i++) {
        const p = await peersOf(i);
        for (const j of otherSide(i)) if (p.has(ids[j])) links.push(`node${i + 1}→node${j + 1}`);
      }
      return links;
    };
    await devnet.until("every connection across the split closed", 60_000, async () => {
      return (await crossLinks()).length === 0;
    });
    // each half is one network of its own (nodes that only had peers across dial their own half's nodes)
    await devnet.until("each half linked on its own", 180_000, async () => {
      expect(await crossLinks(), "a connection across the split").toEqual([]);
      return (await linked(sideA)) && (await linked(sideB));
    });
    // the halves stay apart for SPLIT_EPOCHS epochs: no connection across re-forms (they keep finding each other
    // through discv5 and are refused); each node keeps at least one peer of its own half
    const healSlot = Math.max(splitSlot + SPLIT_EPOCHS * SLOTS_PER_EPOCH, slotNow() + 2);
    while (slotNow() < healSlot) {
      const links = await crossLinks();
      expect(links, "a connection across the split").toEqual([]);
      for (const t of devnet.procs) expect(t.running, `${t.name} running`).toBe(true);
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(await linked(sideA)).toBe(true);
    expect(await linked(sideB)).toBe(true);
    // two chains: each half's head block is unknown to the other half
    const [headA, headB] = await Promise.all([head(apis[0]), head(apis[3])]);
    expect(headA.root).not.toBe(headB.root);
    for (const j of sideB)
      expect(await knowsBlock(apis[j], headA.root), `node${j + 1} knows half A's head`).toBe(false);
    for (const j of sideA)
      expect(await knowsBlock(apis[j], headB.root), `node${j + 1} knows half B's head`).toBe(false);
    // neither half finalized anything new (at most the step already under way when the split began)
    const during = await Promise.all(apis.map(finality));
    report.finalizedAtHeal = during.map((f) => f.epoch);
    report.headsAtHeal = {A: headA, B: headB};
    for (const f of during) expect(f.epoch).toBeLessThanOrEqual(finalizedAtSplit + 1);
    const finalizedAtHeal = Math.max(...during.map((f) => f.epoch));

    // ---- heal
    for (let i = 0; i < 6; i++) writeFileSync(blockListOf(i), "");
    const healedAt = Date.now();
    const healEpoch = Math.floor(slotNow() / SLOTS_PER_EPOCH);
    await devnet.until("connections across the former split", 240_000, async () => (await crossLinks()).length > 0);
    await devnet.until("the 6 nodes linked into one network again", 240_000, () => linked([0, 1, 2, 3, 4, 5]));
    const reconnectMs = Date.now() - healedAt;
    const common = await devnet.until("one head on all 6 nodes after healing", 300_000, async () => {
      const h = await sameHead(apis);
      return h !== null && h.slot > healSlot ? h : null;
    });
    const oneHeadMs = Date.now() - healedAt;
    const resumed = await devnet.until(`finality past epoch ${healEpoch} on all 6 nodes`, 600_000, async () => {
      const f = await Promise.all(apis.map(finality));
      return f.every((x) => x.epoch > healEpoch && x.epoch > finalizedAtHeal) ? f : null;
    });
    // one finalized chain: all six name the same finalized checkpoint (read together until they agree)
    const agreed = await devnet.until("the same finalized checkpoint on all 6 nodes", 120_000, async () => {
      const f = await Promise.all(apis.map(finality));
      return f.every((x) => x.epoch === f[0].epoch && x.root === f[0].root) ? f[0] : null;
    });
    report.heal = {
      epoch: healEpoch,
      reconnectMs,
      oneHeadMs,
      commonHead: common,
      finalizedAfter: resumed.map((f) => f.epoch),
      finalityResumedMs: Date.now() - healedAt,
      finalized: agreed,
    };
    expect(agreed.epoch).toBeGreaterThan(healEpoch);
  });
});
