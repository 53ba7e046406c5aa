/**
 * DVT selections against a real beacon node process (`ceibo beacon --network dev`, minimal preset, 64 interop
 * validators, dev signing off):
 * - the two selection routes return the selection proofs they are given once each verifies (the combined proof of a
 *   cluster of one), and refuse with 400 and the item's index a proof of the wrong key / a non-member;
 * - `ceibo validator --distributed` calls them (seen in the node's log) and still aggregates: its aggregates and
 *   sync contributions reach the node (event stream), and blocks carry the aggregated attestations and sync
 *   aggregates.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {computeDomain, computeSigningRoot} from "@ceibo/config";
import {DOMAIN_SELECTION_PROOF, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF} from "@ceibo/params";
import {interopSecretKey} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ceibo, freePort, getJson, type Proc, until} from "../../test/harness/processes.ts";

const VALIDATORS = 64;
const SLOT_MS = 3000;
const dir = mkdtempSync(join(tmpdir(), "ceibo-dvt-"));
const procs: Proc[] = [];
let api: string;
let bn: Proc;

beforeAll(async () => {
  const restPort = await freePort();
  const port = await freePort();
  const genesisTime = Math.floor(Date.now() / 1000) + 6;
  bn = ceibo(
    "bn",
    [
      "beacon",
      "--network",
      "dev",
      "--dataDir",
      join(dir, "bn"),
      "--dev.validators",
      String(VALIDATORS),
      "--dev.genesisTime",
      String(genesisTime),
      "--dev.slotDurationMs",
      String(SLOT_MS),
      "--dev.signing",
      "false",
      "--rest.port",
      String(restPort),
      // with p2p on, aggregates the API accepts are kept for blocks (as gossip aggregates are); no peers here
      "--p2p",
      "true",
      "--listenAddress",
      "127.0.0.1",
      "--port",
      String(port),
      "--discoveryPort",
      String(port),
    ],
    {CEIBO_PRESET: "minimal"},
  );
  procs.push(bn);
  api = `http://127.0.0.1:${restPort}`;
  await bn.waitFor(/Beacon API listening/, 120_000);
}, 150_000);

afterAll(async () => {
  for (const p of procs.reverse()) await p.kill("SIGTERM");
  rmSync(dir, {recursive: true, force: true});
});

async function post(path: string, body: unknown): Promise<{status: number; json: unknown}> {
  const res = await fetch(`${api}${path}`, {
    method: "POST",
    headers: {"content-type": "application/json"},
    body: JSON.stringify(body),
  });
  return {status: res.status, json: await res.json()};
}

async function domainOf(type: Uint8Array): Promise<Uint8Array> {
  const genesis = await getJson<{data: {genesis_validators_root: string}}>(`${api}/eth/v1/beacon/genesis`);
  const fork = await getJson<{data: {current_version: string}}>(`${api}/eth/v1/beacon/states/head/fork`);
  return computeDomain(type, fromHex(fork.data.current_version), fromHex(genesis.data.genesis_validators_root));
}

describe("committee selection routes (a node without DVT middleware)", () => {
  it("beacon_committee_selections: valid proofs come back unchanged; a proof by another key is refused by index", async () => {
    const domain = await domainOf(DOMAIN_SELECTION_PROOF);
    const proof = (key: number, slot: number) =>
      toHex(
        interopSecretKey(key)
          .sign(computeSigningRoot(ssz.phase0.Slot, slot, domain))
          .toBytes(true),
      );
    const good = [
      {validator_index: "5", slot: "3", selection_proof: proof(5, 3)},
      {validator_index: "9", slot: "10", selection_proof: proof(9, 10)},
    ];
    const ok = await post("/eth/v1/validator/beacon_committee_selections", good);
    expect(ok.status).toBe(200);
    expect((ok.json as {data: unknown}).data).toEqual(good);
    const bad = await post("/eth/v1/validator/beacon_committee_selections", [
      good[0],
      {validator_index: "5", slot: "4", selection_proof: proof(6, 4)},
    ]);
    expect(bad.status).toBe(400);
    expect((bad.json as {failures: {index: number}[]}).failures.map((f) => f.index)).toEqual([1]);
  });

  it("sync_committee_selections: a member's proof comes back; a non-member of the subcommittee is refused", async () => {
    const domain = await domainOf(DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF);
    const committee = await getJson<{data: {validators: string[]}}>(`${api}/eth/v1/beacon/states/head/sync_committees`);
    const sub0 = committee.data.validators.slice(0, committee.data.validators.length / 4).map(Number);
    const member = sub0[0];
    const outsider = Array.from({length: VALIDATORS}, (_, i) => i).find((i) => !sub0.includes(i)) as number;
    const proof = (key: number, slot: number, subcommitteeIndex: number) =>
      toHex(
        interopSecretKey(key)
          .sign(computeSigningRoot(ssz.altair.SyncAggregatorSelectionData, {slot, subcommitteeIndex}, domain))
          .toBytes(true),
      );
    const good = [
      {validator_index: String(member), slot: "1", subcommittee_index: "0", selection_proof: proof(member, 1, 0)},
    ];
    const ok = await post("/eth/v1/validator/sync_committee_selections", good);
    expect(ok.status).toBe(200);
    expect((ok.json as {data: unknown}).data).toEqual(good);
    const bad = await post("/eth/v1/validator/sync_committee_selections", [
      {validator_index: String(outsider), slot: "1", subcommittee_index: "0", selection_proof: proof(outsider, 1, 0)},
    ]);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain(`validator ${outsider} is not in sync subcommittee 0`);
  });
});

describe("ceibo validator --distributed", () => {
  it("exchanges selection proofs at the node and still aggregates; blocks carry the aggregated votes", async () => {
    const vc = ceibo(
      "vc",
      [
        "validator",
        "--distributed",
        "--beacon-nodes",
        api,
        "--interop-indexes",
        `0..${VALIDATORS - 1}`,
        "--dataDir",
        join(dir, "vc"),
        "--doppelganger-protection",
        "false",
      ],
      {CEIBO_PRESET: "minimal"},
    );
    procs.push(vc);
    // raw JSON (SSE and blocks): this test process runs the mainnet preset, the node minimal
    interface AggregateJson {
      aggregation_bits: string;
      committee_bits: string;
      data: {slot: string; beacon_block_root: string; source: unknown; target: unknown; index: string};
    }
    const aggregates: AggregateJson[] = [];
    let contributions = 0;
    const stream = new AbortController();
    void (async () => {
      const res = await fetch(`${api}/eth/v1/events?topics=attestation,contribution_and_proof`, {
        headers: {accept: "text/event-stream"},
        signal: stream.signal,
      });
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buf = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) return;
        buf += decoder.decode(value, {stream: true});
        let end = buf.indexOf("\n\n");
        while (end >= 0) {
          const chunk = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const type = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (type === "attestation" && data !== undefined) aggregates.push(JSON.parse(data) as AggregateJson);
          if (type === "contribution_and_proof") contributions++;
          end = buf.indexOf("\n\n");
        }
      }
    })().catch(() => {});
    /** Set bit positions of an SSZ bitlist / bitvector in hex (bitlist: the length bit is dropped). */
    const bitsOf = (hexBits: string, list: boolean): number[] => {
      const bytes = Buffer.from(hexBits.slice(2), "hex");
      const out: number[] = [];
      for (let i = 0; i < bytes.length * 8; i++) if ((bytes[i >> 3] >> (i & 7)) & 1) out.push(i);
      if (list) out.pop();
      return out;
    };
    try {
      const seen = () => ({
        beaconSelections: /Beacon committee selections verified/.test(bn.output),
        syncSelections: /Sync committee selections verified/.test(bn.output),
        aggregated: /Aggregated/.test(vc.output),
        contributed: /Sync committee contributions/.test(vc.output),
        aggregates: aggregates.length,
        contributions,
      });
      try {
        await until(
          "selections at the node, aggregates and contributions from the VC",
          240_000,
          async () => Object.values(seen()).every((v) => v !== false && v !== 0),
          [bn, vc],
        );
      } catch (e) {
        throw Error(
          `${(e as Error).message}\n${JSON.stringify(seen())}\n--- bn\n${bn.output.slice(-3000)}\n--- vc\n${vc.output.slice(-5000)}`,
        );
      }
      // an aggregate's votes in a later block: same attestation data, its committee, at least its participants
      const agg = aggregates[0];
      const aggCommittee = bitsOf(agg.committee_bits, false)[0];
      const aggBits = bitsOf(agg.aggregation_bits, true).length;
      const aggSlot = Number(agg.data.slot);
      const included = await until(
        "the aggregate's votes in a block",
        120_000,
        async () => {
          for (let slot = aggSlot + 1; slot <= aggSlot + 8; slot++) {
            const res = await fetch(`${api}/eth/v2/beacon/blocks/${slot}`);
            if (res.status !== 200) {
              await res.arrayBuffer();
              continue;
            }
            const block = (await res.json()) as {
              data: {
                message: {
                  body: {attestations: AggregateJson[]; sync_aggregate: {sync_committee_bits: string}};
                };
              };
            };
            const body = block.data.message.body;
            const att = body.attestations.find(
              (a) =>
                JSON.stringify(a.data) === JSON.stringify(agg.data) &&
                bitsOf(a.committee_bits, false).includes(aggCommittee),
            );
            if (att !== undefined) {
              return {
                slot,
                bits: bitsOf(att.aggregation_bits, true).length,
                sync: bitsOf(body.sync_aggregate.sync_committee_bits, false).length,
              };
            }
          }
          return null;
        },
        [bn, vc],
      );
      expect(included.bits).toBeGreaterThanOrEqual(aggBits);
      expect(included.sync).toBeGreaterThan(0);
      expect(vc.output).not.toMatch(/No combined (sync )?selection proofs/);
    } finally {
      stream.abort();
    }
  }, 400_000);
});
