/**
 * The host's alerts (pure), the migration checks (real files in a temp dir, the validator client's own
 * doppelganger log lines) and the system check's grading and port probe (real sockets).
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {createServer as createHttpServer} from "node:http";
import {createServer} from "node:net";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createLogger, Doppelganger} from "@ceibo/validator-client";
import {afterAll, describe, expect, it} from "vitest";
import {AlertCenter} from "../src/host/alerts.ts";
import {HostError} from "../src/host/errors.ts";
import {upcomingProposals} from "../src/host/extras.ts";
import {checkMigration, isWatchPassedLine, parseWatchLine} from "../src/host/migration.ts";
import {clockItem, cpuItem, diskItem, portFree, ramItem} from "../src/host/systemCheck.ts";

const GB = 1024 ** 3;

describe("AlertCenter", () => {
  it("out of sync: raised once while it lasts, cleared when synced, raised again later", () => {
    const a = new AlertCenter({syncDistanceSlots: 8});
    expect(a.update({now: 1, sync: {isSyncing: false, syncDistance: 2, headSlot: 100}})).toEqual([]);
    const fresh = a.update({now: 2, sync: {isSyncing: false, syncDistance: 9, headSlot: 100}});
    expect(fresh.map((x) => [x.kind, x.values.behindSlots, x.since])).toEqual([["outOfSync", 9, 2]]);
    // still behind: no new notification, the numbers follow
    expect(a.update({now: 3, sync: {isSyncing: true, syncDistance: 20, headSlot: 101}})).toEqual([]);
    expect(a.list().map((x) => [x.kind, x.values.behindSlots, x.since])).toEqual([["outOfSync", 20, 2]]);
    expect(a.update({now: 4, sync: {isSyncing: false, syncDistance: 0, headSlot: 130}})).toEqual([]);
    expect(a.list()).toEqual([]);
    expect(a.update({now: 5, sync: {isSyncing: true, syncDistance: 1, headSlot: 130}}).length).toBe(1);
  });

  it("low disk: warn below the threshold, critical below half of it; nothing when unmeasured", () => {
    const a = new AlertCenter({lowDiskGb: 20});
    expect(a.update({now: 1, disk: {freeBytes: 25 * GB}})).toEqual([]);
    expect(a.update({now: 2, disk: {freeBytes: 15 * GB}}).map((x) => [x.kind, x.level, x.values.freeGb])).toEqual([
      ["lowDisk", "warn", 15],
    ]);
    a.update({now: 3, disk: {freeBytes: 5 * GB}});
    expect(a.list().map((x) => x.level)).toEqual(["critical"]);
    a.update({now: 4});
    expect(a.list()).toEqual([]);
  });

  it("upcoming proposal: only within the lead time, one alert per slot", () => {
    const a = new AlertCenter({proposalLeadSeconds: 60});
    const fresh = a.update({
      now: 1,
      proposals: [
        {slot: 10, validatorIndex: 3, inSeconds: 30},
        {slot: 20, validatorIndex: 4, inSeconds: 150},
        {slot: 5, validatorIndex: 3, inSeconds: -12},
      ],
    });
    expect(fresh.map((x) => x.id)).toEqual(["upcomingProposal:10:3"]);
    expect(a.update({now: 2, proposals: [{slot: 10, validatorIndex: 3, inSeconds: 18}]})).toEqual([]);
    // several within the lead time: only the next one; once it passed, the following one
    const many = [
      {slot: 12, validatorIndex: 4, inSeconds: 30},
      {slot: 11, validatorIndex: 5, inSeconds: 6},
    ];
    expect(a.update({now: 3, proposals: many}).map((x) => x.id)).toEqual(["upcomingProposal:11:5"]);
    expect(a.list().map((x) => x.id)).toEqual(["upcomingProposal:11:5"]);
    expect(a.update({now: 4, proposals: [{slot: 12, validatorIndex: 4, inSeconds: 24}]}).map((x) => x.id)).toEqual([
      "upcomingProposal:12:4",
    ]);
  });

  it("N missed duties in a row (recordDuty): a done duty resets the count", () => {
    const a = new AlertCenter({missedInARow: 3});
    expect(a.recordDuty(7, "missed", 1)).toEqual([]);
    expect(a.recordDuty(7, "missed", 2)).toEqual([]);
    expect(a.recordDuty(7, "done", 3)).toEqual([]);
    expect(a.recordDuty(7, "missed", 4)).toEqual([]);
    expect(a.recordDuty(8, "missed", 4)).toEqual([]);
    expect(a.recordDuty(7, "missed", 5)).toEqual([]);
    const fresh = a.recordDuty(7, "missed", 6);
    expect(fresh.map((x) => [x.id, x.values.count, x.level])).toEqual([["missedDuties:7", 3, "critical"]]);
    expect(a.recordDuty(7, "missed", 7)).toEqual([]);
    expect(a.list()[0].values.count).toBe(4);
    // a measurement round does not clear duty alerts
    a.update({now: 8});
    expect(a.list().map((x) => x.id)).toEqual(["missedDuties:7"]);
    a.recordDuty(7, "done", 9);
    expect(a.list()).toEqual([]);
  });
});

const root = mkdtempSync(join(tmpdir(), "ceibo-migration-"));
afterAll(() => rmSync(root, {recursive: true, force: true}));
const ROOT_A = `0x${"ab".repeat(32)}`;
const ROOT_B = `0x${"cd".repeat(32)}`;
const pk = (n: number): string => `0x${n.toString(16).padStart(2, "0").repeat(48)}`;

function folder(name: string, pubkeys: string[], extra: Record<string, string> = {}): string {
  const d = join(root, name);
  mkdirSync(d);
  pubkeys.forEach((p, i) => {
    const ks = {version: 4, pubkey: p.slice(2), path: `m/12381/3600/${i}/0/0`, uuid: `u${i}`, crypto: {kdf: {}}};
    writeFileSync(join(d, `keystore-m_12381_3600_${i}_0_0-1.json`), JSON.stringify(ks));
  });
  for (const [f, c] of Object.entries(extra)) writeFileSync(join(d, f), c);
  return d;
}

function interchange(name: string, gvr: string, pubkeys: string[]): string {
  const f = join(root, name);
  writeFileSync(
    f,
    JSON.stringify({
      metadata: {interchange_format_version: "5", genesis_validators_root: gvr},
      data: pubkeys.map((p) => ({
        pubkey: p,
        signed_blocks: [{slot: "17"}],
        signed_attestations: [
          {source_epoch: "1", target_epoch: "2"},
          {source_epoch: "2", target_epoch: "3"},
        ],
      })),
    }),
  );
  return f;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HostError);
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("migration checks", () => {
  it("accepts a folder whose every key has history in the export of this network; deposit data skipped", () => {
    const d = folder("ok", [pk(1), pk(2)], {"deposit_data-1.json": "[]", "notes.txt": "x"});
    const f = interchange("ok.json", ROOT_A, [pk(2), pk(1), pk(9)]);
    const r = checkMigration(d, f, ROOT_A.toUpperCase().replace("0X", "0x"));
    expect(r.pubkeys).toEqual([pk(1), pk(2)]);
    expect(r.skipped).toEqual(["deposit_data-1.json"]);
    expect(r.history).toEqual([
      {pubkey: pk(1), blocks: 1, attestations: 2},
      {pubkey: pk(2), blocks: 1, attestations: 2},
    ]);
  });

  it("names the keys the export does not cover", () => {
    const d = folder("missing", [pk(1), pk(2), pk(3)]);
    const f = interchange("missing.json", ROOT_A, [pk(2)]);
    const msg = refusal(() => checkMigration(d, f, ROOT_A));
    expect(msg).toContain("2 of the 3 keys");
    expect(msg).toContain(pk(1));
    expect(msg).toContain(pk(3));
    expect(msg).not.toContain(pk(2));
  });

  it("names both roots when the export is of another network", () => {
    const d = folder("wrongroot", [pk(1)]);
    const f = interchange("wrongroot.json", ROOT_B, [pk(1)]);
    const msg = refusal(() => checkMigration(d, f, ROOT_A));
    expect(msg).toContain(ROOT_B);
    expect(msg).toContain(ROOT_A);
  });

  it("refuses a missing folder, an empty one, a non-keystore, a missing or malformed export", () => {
    const f = interchange("any.json", ROOT_A, [pk(1)]);
    expect(refusal(() => checkMigration(join(root, "nope"), f, ROOT_A))).toContain("does not exist");
    mkdirSync(join(root, "empty"));
    expect(refusal(() => checkMigration(join(root, "empty"), f, ROOT_A))).toContain("no keystores");
    const bad = folder("bad", [], {"keystore-x.json": JSON.stringify({version: 3, pubkey: pk(1).slice(2)})});
    expect(refusal(() => checkMigration(bad, f, ROOT_A))).toContain("keystore-x.json is not an EIP-2335 keystore");
    const d = folder("ok2", [pk(1)]);
    expect(refusal(() => checkMigration(d, join(root, "none.json"), ROOT_A))).toContain("does not exist");
    writeFileSync(join(root, "v4.json"), JSON.stringify({metadata: {interchange_format_version: "4"}, data: []}));
    expect(refusal(() => checkMigration(d, join(root, "v4.json"), ROOT_A))).toContain("not an EIP-3076 interchange");
  });

  it("reads the doppelganger watch from the validator client's own log lines (human and JSON)", () => {
    for (const format of ["human", "json"] as const) {
      const lines: string[] = [];
      const log = createLogger({format, write: (l) => lines.push(l)});
      const d = new Doppelganger({api: {} as never, log}, {enabled: true, startEpoch: 5});
      expect(d.isSafe()).toBe(false);
      expect(lines.map(parseWatchLine).filter((x) => x !== null)).toEqual([7]);
    }
    expect(parseWatchLine("INFO  [validator] Published attestation signingFromEpoch=3")).toBeNull();
    expect(isWatchPassedLine("INFO  [validator] Doppelganger protection passed: signing enabled epoch=7")).toBe(true);
  });
});

describe("system check", () => {
  it("grades disk, RAM and cores against the network's needs", () => {
    expect(diskItem(3000 * GB, "mainnet").level).toBe("pass");
    expect(diskItem(1000 * GB, "mainnet")).toEqual({id: "disk", level: "warn", values: {freeGb: 1000, needGb: 2000}});
    expect(diskItem(200 * GB, "mainnet").level).toBe("fail");
    expect(diskItem(10 * GB, "dev").level).toBe("pass");
    expect(ramItem(15.6 * GB, "mainnet").level).toBe("pass"); // a "16 GB" machine
    expect(ramItem(7.7 * GB, "hoodi").level).toBe("warn");
    expect(ramItem(4 * GB, "mainnet").level).toBe("fail");
    expect(cpuItem(2, "mainnet").level).toBe("warn");
    expect(cpuItem(1, "sepolia").level).toBe("fail");
    expect(cpuItem(1, "dev").level).toBe("warn");
  });

  it("grades the clock offset; without a reference it trusts only a synchronised-clock flag", () => {
    expect(clockItem(0.1, false).level).toBe("pass");
    expect(clockItem(-0.9, false)).toEqual({id: "clock", level: "warn", values: {source: "http", offsetMs: -900}});
    expect(clockItem(3, true).level).toBe("fail");
    expect(clockItem(null, true).level).toBe("pass");
    expect(clockItem(null, false).level).toBe("warn");
  });

  it("sees a port in use (a real listener) and a free one", async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, "0.0.0.0", r));
    const port = (srv.address() as {port: number}).port;
    expect(await portFree(port)).toBe(false);
    await new Promise<void>((r) => srv.close(() => r()));
    expect(await portFree(port)).toBe(true);
  });
});

describe("upcoming proposals from a Beacon API", () => {
  it("keeps the user's proposals of the current and next epoch with the seconds until each", async () => {
    const genesisTime = 1_000_000;
    const now = (genesisTime + 12 * 40 + 3) * 1000; // slot 40 (epoch 1 of 32-slot epochs), 3 s in
    const mine = pk(1);
    const duties: Record<string, {pubkey: string; validator_index: string; slot: string}[]> = {
      "1": [
        {pubkey: pk(9), validator_index: "9", slot: "41"},
        {pubkey: mine.toUpperCase().replace("0X", "0x"), validator_index: "1", slot: "45"},
      ],
      "2": [{pubkey: mine, validator_index: "1", slot: "70"}],
    };
    const srv = createHttpServer((req, res) => {
      const u = req.url ?? "";
      const send = (b: unknown) => res.writeHead(200, {"content-type": "application/json"}).end(JSON.stringify(b));
      if (u === "/eth/v1/config/spec") send({data: {SECONDS_PER_SLOT: "12", SLOTS_PER_EPOCH: "32"}});
      else if (u === "/eth/v1/beacon/genesis") send({data: {genesis_time: String(genesisTime)}});
      else {
        const m = /^\/eth\/v1\/validator\/duties\/proposer\/(\d+)$/.exec(u);
        if (m !== null && duties[m[1]] !== undefined) send({data: duties[m[1]]});
        else res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(srv.address() as {port: number}).port}`;
    try {
      expect(await upcomingProposals(url, [mine], now)).toEqual([
        {slot: 45, validatorIndex: 1, inSeconds: 57},
        {slot: 70, validatorIndex: 1, inSeconds: 357},
      ]);
      expect(await upcomingProposals(url, [], now)).toEqual([]);
      // the next epoch unknown: the current one still counts; the current one unknown: an error
      delete duties["2"];
      expect((await upcomingProposals(url, [mine], now)).map((p) => p.slot)).toEqual([45]);
      delete duties["1"];
      await expect(upcomingProposals(url, [mine], now)).rejects.toThrow(/HTTP 404/);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });
});
