/**
 * Faults of the execution engine, on two beacon nodes joined by p2p: A (its own mock engine, validators 0..47)
 * and B (its own mock engine, validators 48..63), each with a validator client.
 *
 * 1. B's engine is killed for an epoch: B must report it (`/eth/v1/node/syncing` el_offline, one clear log line,
 *    not one per slot), stay up, and when a fresh engine returns on the same port follow the chain again — first
 *    optimistically (the new engine knows only genesis and answers SYNCING), then, once the engine has the chain's
 *    payloads (handed over as `ceibo dev` does after a restart), fully verified: el_offline false, not optimistic,
 *    same head as A, finality moving on.
 * 2. B's engine then calls one of A's blocks INVALID (`mock_addInvalidPayloadTimestamps`): B must not import it,
 *    and B's validator client must never attest to it (its "Attested" lines name the head root of every vote).
 * `npm run test:faults` (FAULTS_TEST=1).
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {JsonRpcHttpClient, readJwtSecret} from "@ceibo/beacon-node/execution";
import {sleep} from "@ceibo/utils";
import {afterAll, describe, expect, it} from "vitest";
import {replayPayloads} from "../../cli/src/commands/devReplay.ts";
import {identity, sameHead} from "../harness/devnet.ts";
import {finalizedEpoch, freePort, getJson, head, type Proc, until} from "../harness/processes.ts";
import {attested, type EngineProc, FaultChain, lines, SLOTS_PER_EPOCH, syncing} from "./chain.ts";

const RUN = process.env.FAULTS_TEST === "1";
const SLOT_MS = Number(process.env.FAULTS_SLOT_MS ?? 2000);
const EPOCH_MS = SLOT_MS * SLOTS_PER_EPOCH;
const B_FROM = 48; // B's validator client holds 48..63, A's 0..47

describe.runIf(RUN)("fault: the execution engine", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-fault-engine-"));
  const chain = new FaultChain({dir, slotMs: SLOT_MS, genesisDelay: 25});
  let a: {proc: Proc; api: string};
  let b: {proc: Proc; api: string};
  let elB: EngineProc;
  let vcA: Proc;
  let vcB: Proc;
  const watched = (): Proc[] => chain.procs.filter((p) => p.name !== "elB");

  afterAll(async () => {
    await chain.stop();
    if (process.env.FAULTS_KEEP !== "1") rmSync(dir, {recursive: true, force: true});
  });

  it("goes offline for an epoch and comes back: el_offline, optimistic, then verified; finality resumes", async () => {
    const elA = await chain.startEngine("elA");
    elB = await chain.startEngine("elB");
    const [portA, portB] = [await freePort(), await freePort()];
    a = await chain.startBeacon("bnA", {
      dataDir: join(dir, "bnA"),
      engineUrl: elA.url,
      p2p: {port: portA, staticPeers: []},
    });
    const idA = await identity(a.api);
    const addrA =
      idA.p2p_addresses.find((m) => m.includes("/tcp/")) ?? `/ip4/127.0.0.1/tcp/${portA}/p2p/${idA.peer_id}`;
    b = await chain.startBeacon("bnB", {
      dataDir: join(dir, "bnB"),
      engineUrl: elB.url,
      p2p: {port: portB, staticPeers: [addrA]},
    });
    vcA = chain.startValidator("vcA", a.api, 0, B_FROM - 1);
    vcB = chain.startValidator("vcB", b.api, B_FROM, 63);

    const before = await until(
      "both nodes to finalize on one head",
      14 * EPOCH_MS + 60_000,
      async () => {
        const f = await finalizedEpoch(b.api);
        return f >= 1 && (await sameHead([a.api, b.api])) !== null ? f : null;
      },
      watched,
    );

    // the engine dies
    const killedAt = chain.wallSlot;
    await elB.proc.kill("SIGKILL");
    const offline = await until(
      "el_offline on B",
      4 * SLOT_MS + 20_000,
      async () => {
        const s = await syncing(b.api);
        return s.el_offline ? s : null;
      },
      watched,
    );
    const warning = await b.proc.waitFor(/WARN[^\n]*Execution client[^\n]*not usable[^\n]*/, 30_000);
    // an epoch without it: B stays up; A goes on (B no longer follows)
    await sleep(EPOCH_MS);
    expect(b.proc.running).toBe(true);
    const during = await syncing(b.api);
    expect(during.el_offline).toBe(true);
    expect(Number(during.sync_distance)).toBeGreaterThanOrEqual(SLOTS_PER_EPOCH / 2);
    const headA = await head(a.api);
    const headB = await head(b.api);
    expect(headB.slot).toBeLessThan(headA.slot);
    // one warning when it went away (plus at most one an epoch), not one per slot
    const outageSlots = chain.wallSlot - killedAt;
    const warnings = lines(b.proc, /Execution client .* not usable/).length;
    expect(warnings).toBeLessThanOrEqual(1 + Math.ceil(outageSlots / SLOTS_PER_EPOCH));

    // a fresh engine on the same port: B imports optimistically again (the engine knows only genesis: SYNCING)
    elB = await chain.startEngine("elB", elB.port);
    const restartedAt = chain.wallSlot;
    let sawOptimistic = false;
    await until(
      "B to follow A again (optimistically)",
      6 * EPOCH_MS,
      async () => {
        const s = await syncing(b.api);
        if (s.is_optimistic) sawOptimistic = true;
        const [ha, hb] = [await head(a.api), await head(b.api)];
        return !s.el_offline && hb.slot > headB.slot && hb.slot >= ha.slot - 1 ? true : null;
      },
      watched,
      250,
    );
    const status = await syncing(b.api);
    sawOptimistic ||= status.is_optimistic;
    expect(sawOptimistic).toBe(true);

    // the engine gets the chain's payloads (what an execution client does while syncing): B is verified again.
    // The mock engine does not keep a payload whose parent it lacks (a real one would fetch the parent), so a
    // block that arrives while the payloads are handed over is handed over again in the next pass.
    const rpc = new JsonRpcHttpClient({url: elB.url, jwtSecret: readJwtSecret(chain.jwtFile)});
    let replayed = 0;
    let passes = 0;
    const verified = await until(
      "B's head verified (not optimistic), on A's head",
      8 * EPOCH_MS,
      async () => {
        const s = await syncing(b.api);
        if (!s.el_offline && !s.is_optimistic && (await sameHead([a.api, b.api])) !== null) return s;
        if (s.is_optimistic) {
          passes++;
          replayed = await replayPayloads(b.api, (method, params) => rpc.request(method, params, 10_000));
        }
        return null;
      },
      watched,
      SLOT_MS,
    );
    const after = await until(
      "finality to move on B",
      10 * EPOCH_MS,
      async () => {
        const f = await finalizedEpoch(b.api);
        return f > before && f >= Math.floor(killedAt / SLOTS_PER_EPOCH) ? f : null;
      },
      watched,
    );
    expect(b.proc.output).toMatch(/Execution client is reachable again/);
    console.log(
      `engine down: killed at slot ${killedAt} (el_offline ${JSON.stringify(offline)}; "${warning[0].trim().slice(0, 160)}", ` +
        `${warnings} warning lines in ${outageSlots} slots; an epoch later ${JSON.stringify(during)}); back at slot ${restartedAt}, optimistic seen, ` +
        `${replayed} payloads handed over (${passes} passes); verified at head ${verified.head_slot}; finalized ${before} → ${after}`,
    );
  }, 600_000);

  it("INVALID: B imports neither the block nor any vote for it", async () => {
    // a slot of the next epoch that one of A's validators proposes (B would not build an invalid block itself)
    const epoch = Math.floor(chain.wallSlot / SLOTS_PER_EPOCH) + 1;
    const duties = await getJson<{data: {slot: string; validator_index: string}[]}>(
      `${a.api}/eth/v1/validator/duties/proposer/${epoch}`,
    );
    // every such slot is marked INVALID at B's engine: on a loaded machine A's validator may miss one, and the
    // test needs just one of A's blocks that B's engine refuses
    const targets = duties.data
      .map((d) => ({slot: Number(d.slot), proposer: Number(d.validator_index)}))
      .filter((d) => d.proposer < B_FROM && d.slot >= chain.wallSlot + 3)
      .map((d) => d.slot);
    expect(targets.length).toBeGreaterThan(0);
    const timestampOf = (s: number) => chain.genesisTime + (s * SLOT_MS) / 1000;
    const rpc = new JsonRpcHttpClient({url: elB.url, jwtSecret: readJwtSecret(chain.jwtFile)});
    await rpc.request("mock_addInvalidPayloadTimestamps", [targets.map(timestampOf)], 10_000);

    // A imports its block at one of those slots; B's engine calls it INVALID
    const last = targets[targets.length - 1];
    const found = await until(
      `A's block at one of slots ${targets.join(", ")}`,
      (last - chain.wallSlot + 12) * SLOT_MS + 30_000,
      async () => {
        for (const s of targets) {
          const res = await fetch(`${a.api}/eth/v1/beacon/headers/${s}`);
          if (res.status === 200) return {slot: s, root: ((await res.json()) as {data: {root: string}}).data.root};
          await res.arrayBuffer();
        }
        return null;
      },
      watched,
    );
    const slot = found.slot;
    const blockAt = found.root;
    const timestamp = timestampOf(slot);
    // a few slots for B's validators to vote (on the parent) and for B to see A's chain on top of it
    await until(
      "B's validator client to attest after the invalid block",
      6 * SLOT_MS + 60_000,
      async () => {
        return attested(vcB.output).some((v) => v.slot > slot + 2) ? true : null;
      },
      watched,
    );
    const res = await fetch(`${b.api}/eth/v1/beacon/headers/${blockAt}`);
    await res.arrayBuffer();
    expect(res.status).toBe(404);
    // (B's head is on the block's parent, or on a block of B's own validators built there)
    const hb = await head(b.api);
    expect(b.proc.output).toMatch(/marked INVALID|EXECUTION_INVALID|payload INVALID/);
    const votes = attested(vcB.output);
    expect(votes.filter((v) => v.slot >= slot).length).toBeGreaterThan(0);
    expect(votes.filter((v) => v.head === blockAt)).toEqual([]);
    // A's own validators did vote for it (so the check above could have failed)
    expect(attested(vcA.output).filter((v) => v.head === blockAt).length).toBeGreaterThan(0);
    console.log(
      `INVALID: block ${blockAt} at slot ${slot} (timestamp ${timestamp}) refused by B (head ${hb.slot}); ` +
        `${votes.filter((v) => v.slot >= slot).length} of B's attestation slots since, none on it`,
    );
  }, 300_000);
});
