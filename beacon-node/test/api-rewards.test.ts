/**
 * The rewards routes against a dev chain where 4 of 64 validators are offline (fixtures/rewardsDriver.ts, minimal
 * preset, fulu at genesis). The test reads the rewards from the Beacon API and the balances at the window's
 * boundaries, and checks that they agree exactly:
 *
 * For epoch N the window is the state at the last slot of epoch N + 1 (B0) → the state at the last slot of epoch
 * N + 2 (B1). In between: the epoch transition into N + 2, which pays the attestation rewards of epoch N (and
 * nothing else changes balances on this chain: no slashings, deposits or consolidations; effective-balance updates
 * do not touch balances), then the blocks of epoch N + 2, which pay their proposers (block rewards: attestations,
 * sync aggregate, slashings), the sync committee (sync committee rewards) and withdraw the execution payload's
 * withdrawals. So for every validator i:
 *   B1[i] - B0[i] + withdrawn[i] = attestation rewards of epoch N [i]
 *                                  + Σ block rewards of epoch N + 2 blocks proposed by i + Σ their sync rewards [i]
 * Every JSON answer is also checked against the beacon-APIs OpenAPI schema.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {findOperation, validate} from "../../packages/api/test/openapi.ts";
import {NODE, Proc} from "./fixtures/processes.ts";

const DRIVER = join(import.meta.dirname, "fixtures/rewardsDriver.ts");
const SLOTS = 8; // minimal preset SLOTS_PER_EPOCH
const N = 2; // the epoch whose rewards are checked
const TO_SLOT = (N + 3) * SLOTS; // the window's end (last slot of N + 2) is then in the past
const OFFLINE = [0, 1, 2, 3];
const VALIDATORS = 64;

let proc: Proc | undefined;
let url: string;
const dirs: string[] = [];

/** Starts a driver chain (the previous one stopped) and points the helpers at its API. */
async function startChain(toSlot: number, offline: number): Promise<void> {
  await proc?.kill("SIGTERM");
  const dir = mkdtempSync(join(tmpdir(), "ceibo-rewards-"));
  dirs.push(dir);
  const genesisTime = Math.floor(Date.now() / 1000) - 3600;
  proc = new Proc("rewards-driver", NODE, [DRIVER, dir, String(genesisTime), String(toSlot), String(offline)], {
    CEIBO_PRESET: "minimal",
  });
  const m = await proc.waitFor(/\{"type":"ready".*\}/, 300_000);
  url = (JSON.parse(m[0]) as {url: string}).url;
}

afterAll(async () => {
  await proc?.kill("SIGTERM");
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** A raw request whose request body and 200 answer are validated against the OpenAPI operation `opPath`. */
async function call<T>(method: "GET" | "POST", opPath: string, path: string, body?: unknown): Promise<T> {
  const op = findOperation(method, opPath);
  if (op === undefined) throw Error(`no OpenAPI operation ${method} ${opPath}`);
  if (body !== undefined) {
    const reqSchema = op.requestBody?.content["application/json"]?.schema;
    if (reqSchema === undefined) throw Error(`${opPath} takes no JSON body`);
    expect(validate(reqSchema, body)).toBeUndefined();
  }
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body !== undefined ? {"content-type": "application/json"} : {},
    ...(body !== undefined ? {body: JSON.stringify(body)} : {}),
  });
  const json = (await res.json()) as T;
  if (res.status !== 200) throw Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  const schema = op.responses["200"]?.content?.["application/json"]?.schema;
  if (schema === undefined) throw Error(`${opPath}: no 200 schema`);
  expect(validate(schema, json)).toBeUndefined();
  return json;
}

async function status(method: "GET" | "POST", path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body !== undefined ? {"content-type": "application/json"} : {},
    ...(body !== undefined ? {body: JSON.stringify(body)} : {}),
  });
  await res.arrayBuffer();
  return res.status;
}

async function balancesAt(slot: number): Promise<number[]> {
  const r = await fetch(`${url}/eth/v1/beacon/states/${slot}/validator_balances`);
  const j = (await r.json()) as {data: {index: string; balance: string}[]};
  const out = new Array<number>(VALIDATORS).fill(0);
  for (const b of j.data) out[Number(b.index)] = Number(b.balance);
  return out;
}

interface AttRewards {
  data: {
    ideal_rewards: {effective_balance: string; head: string; target: string; source: string; inactivity: string}[];
    total_rewards: {validator_index: string; head: string; target: string; source: string; inactivity: string}[];
  };
}
interface BlockRewards {
  data: {
    proposer_index: string;
    total: string;
    attestations: string;
    sync_aggregate: string;
    proposer_slashings: string;
    attester_slashings: string;
  };
}
interface SyncRewards {
  data: {validator_index: string; reward: string}[];
}

const ATT_OP = "/eth/v1/beacon/rewards/attestations/{epoch}";
const BLOCK_OP = "/eth/v1/beacon/rewards/blocks/{block_id}";
const SYNC_OP = "/eth/v1/beacon/rewards/sync_committee/{block_id}";

/** Checks the window of epoch `n` (see the file comment) for every validator; returns the attestation rewards. */
async function expectRewardsEqualBalanceChange(n: number, offline: number[]): Promise<AttRewards> {
  const start = (n + 2) * SLOTS - 1; // last slot of N + 1
  const end = (n + 3) * SLOTS - 1; // last slot of N + 2
  const b0 = await balancesAt(start);
  const b1 = await balancesAt(end);

  const att = await call<AttRewards>("POST", ATT_OP, `/eth/v1/beacon/rewards/attestations/${n}`, []);
  expect(att.data.total_rewards).toHaveLength(VALIDATORS); // every genesis validator is eligible
  const expected = new Array<number>(VALIDATORS).fill(0);
  for (const r of att.data.total_rewards) {
    expected[Number(r.validator_index)] += Number(r.head) + Number(r.target) + Number(r.source) + Number(r.inactivity);
  }

  const withdrawn = new Array<number>(VALIDATORS).fill(0);
  let blocks = 0;
  let syncEntries = 0;
  let attestationRewards = 0;
  for (let slot = start + 1; slot <= end; slot++) {
    const res = await fetch(`${url}/eth/v2/beacon/blocks/${slot}`);
    if (res.status === 404) {
      await res.arrayBuffer();
      continue;
    }
    const block = (await res.json()) as {
      data: {message: {body: {execution_payload: {withdrawals: {validator_index: string; amount: string}[]}}}};
    };
    blocks++;
    for (const w of block.data.message.body.execution_payload.withdrawals) {
      withdrawn[Number(w.validator_index)] += Number(w.amount);
    }
    const br = await call<BlockRewards>("GET", BLOCK_OP, `/eth/v1/beacon/rewards/blocks/${slot}`);
    const d = br.data;
    expect(Number(d.total)).toBe(
      Number(d.attestations) + Number(d.sync_aggregate) + Number(d.proposer_slashings) + Number(d.attester_slashings),
    );
    expect(offline).not.toContain(Number(d.proposer_index));
    expected[Number(d.proposer_index)] += Number(d.total);
    attestationRewards += Number(d.attestations);
    const sr = await call<SyncRewards>("POST", SYNC_OP, `/eth/v1/beacon/rewards/sync_committee/${slot}`, []);
    for (const s of sr.data) {
      expected[Number(s.validator_index)] += Number(s.reward);
      syncEntries++;
    }
  }
  expect(blocks).toBeGreaterThan(4);
  expect(syncEntries).toBeGreaterThan(0);
  expect(attestationRewards).toBeGreaterThan(0);

  const actual = b1.map((b, i) => b - b0[i] + withdrawn[i]);
  expect(actual).toEqual(expected);
  // something did change: the check is not 0 = 0
  expect(actual.filter((x) => x !== 0).length).toBeGreaterThan(VALIDATORS / 2);
  return att;
}

describe("rewards routes on a dev chain with 4 of 64 validators offline", () => {
  beforeAll(() => startChain(TO_SLOT, OFFLINE.length), 320_000);

  it("attestation + block + sync committee rewards of a window equal the balance change (withdrawals added back)", async () => {
    await expectRewardsEqualBalanceChange(N, OFFLINE);
  });

  it("offline validators show negative attestation rewards: the source and target penalties, no head reward", async () => {
    const att = await call<AttRewards>("POST", ATT_OP, `/eth/v1/beacon/rewards/attestations/${N}`, [
      ...OFFLINE.map(String),
      "10",
    ]);
    const byIndex = new Map(att.data.total_rewards.map((r) => [Number(r.validator_index), r]));
    expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual([...OFFLINE, 10]);
    const ideal = att.data.ideal_rewards[0];
    expect(att.data.ideal_rewards.map((r) => r.effective_balance)).toEqual(["32000000000"]);
    for (const i of OFFLINE) {
      const r = byIndex.get(i);
      expect(Number(r?.source)).toBeLessThan(0);
      expect(Number(r?.target)).toBeLessThan(0);
      expect(Number(r?.head)).toBe(0);
      // no inactivity leak (the chain finalizes): no inactivity penalty
      expect(Number(r?.inactivity)).toBe(0);
      // the penalty of a missed flag: base_reward * weight // WEIGHT_DENOMINATOR, the ideal reward's order of size
      expect(-Number(r?.source)).toBeGreaterThan(Number(ideal.source) / 2);
      expect(-Number(r?.target)).toBeGreaterThan(Number(ideal.target) / 2);
    }
    const online = byIndex.get(10);
    for (const k of ["source", "target", "head"] as const) {
      expect(Number(online?.[k])).toBeGreaterThan(0);
      expect(Number(online?.[k])).toBeLessThanOrEqual(Number(ideal[k]));
    }
  });

  it("sync committee penalties for offline members; ids deduplicated; pubkeys accepted", async () => {
    const end = (N + 3) * SLOTS - 1;
    let slot = end;
    while ((await status("GET", `/eth/v1/beacon/rewards/blocks/${slot}`)) === 404) slot--;
    const all = await call<SyncRewards>("POST", SYNC_OP, `/eth/v1/beacon/rewards/sync_committee/${slot}`, []);
    const members = all.data.map((r) => Number(r.validator_index));
    for (const r of all.data) {
      if (OFFLINE.includes(Number(r.validator_index))) expect(Number(r.reward)).toBeLessThan(0);
      else expect(Number(r.reward)).toBeGreaterThan(0);
    }
    const member = members[0];
    const v = (await (await fetch(`${url}/eth/v1/beacon/states/head/validators/${member}`)).json()) as {
      data: {validator: {pubkey: string}};
    };
    const some = await call<SyncRewards>("POST", SYNC_OP, `/eth/v1/beacon/rewards/sync_committee/${slot}`, [
      String(member),
      v.data.validator.pubkey, // the same validator twice: answered once
    ]);
    expect(some.data).toEqual(all.data.filter((r) => Number(r.validator_index) === member));
  });

  it("an epoch whose rewards are not paid yet answers 404; bad ids 400", async () => {
    expect(await status("POST", `/eth/v1/beacon/rewards/attestations/${N + 3}`, [])).toBe(404);
    expect(await status("POST", `/eth/v1/beacon/rewards/attestations/${N}`, ["not-an-id"])).toBe(400);
    expect(await status("GET", "/eth/v1/beacon/rewards/blocks/0x" + "11".repeat(32))).toBe(404);
  });
});

describe("rewards routes in an inactivity leak: 24 of 64 validators offline, no finality", () => {
  const LEAK_N = 6; // finality delay at its epoch transition: 6 - 0 > MIN_EPOCHS_TO_INACTIVITY_PENALTY (4)
  const LEAK_OFFLINE = Array.from({length: 24}, (_, i) => i);
  beforeAll(() => startChain((LEAK_N + 3) * SLOTS, LEAK_OFFLINE.length), 320_000);

  it("the sum still holds; offline validators pay inactivity penalties, online ones earn no flag rewards", async () => {
    const att = await expectRewardsEqualBalanceChange(LEAK_N, LEAK_OFFLINE);
    const fin = (await (await fetch(`${url}/eth/v1/beacon/states/head/finality_checkpoints`)).json()) as {
      data: {finalized: {epoch: string}};
    };
    expect(fin.data.finalized.epoch).toBe("0");
    for (const r of att.data.total_rewards) {
      const i = Number(r.validator_index);
      if (LEAK_OFFLINE.includes(i)) {
        expect(Number(r.inactivity), `validator ${i}`).toBeLessThan(0);
        expect(Number(r.source)).toBeLessThan(0);
      } else {
        // is_in_inactivity_leak: no flag rewards; a timely target vote: no inactivity penalty
        expect(Number(r.source), `validator ${i}`).toBe(0);
        expect(Number(r.head)).toBe(0);
      }
    }
    expect(att.data.ideal_rewards.every((r) => r.source === "0" && r.target === "0" && r.head === "0")).toBe(true);
  });
});
