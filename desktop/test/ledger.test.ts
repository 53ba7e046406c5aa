/** The rewards ledger's file: survives a reopen without duplicates, a torn last line is cut off, CSV columns. */
import {appendFileSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {Ledger} from "../src/host/ledger.ts";

const GVR = `0x${"ab".repeat(32)}`;
const PK = (n: number): string => `0x${n.toString(16).padStart(2, "0").repeat(48)}`;

describe("Ledger", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-ledger-"));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it("keeps epochs across reopen, never twice; rewards are balance differences of consecutive epochs", () => {
    const a = new Ledger(dir, GVR);
    const e = (epoch: number, b0: string, b1: string) => ({
      epoch,
      slot: epoch * 8,
      ts: 1,
      validators: [
        {index: 0, pubkey: PK(1), balanceGwei: b0},
        {index: 1, pubkey: PK(2), balanceGwei: b1},
      ],
    });
    expect(a.append(e(3, "32000000000", "32000000000"))).toBe(true);
    expect(a.append(e(4, "32000012345", "31999990000"))).toBe(true);
    expect(a.append(e(4, "1", "1"))).toBe(false);
    const b = new Ledger(dir, GVR); // a restart
    expect(b.epochList()).toEqual([3, 4]);
    expect(b.append(e(4, "1", "1"))).toBe(false);
    expect(b.append(e(6, "32000020000", "32000000000"))).toBe(true); // epoch 5 is a gap
    const rows = new Ledger(dir, GVR).rows();
    expect(rows.map((r) => [r.epoch, r.validatorIndex, r.rewardGwei])).toEqual([
      [3, 0, null],
      [3, 1, null],
      [4, 0, "12345"],
      [4, 1, "-10000"],
      [6, 0, null],
      [6, 1, null],
    ]);
    expect(readFileSync(b.file, "utf8").trim().split("\n")).toHaveLength(3);
    const csv = b.csv().trim().split("\n");
    expect(csv[0]).toBe("epoch,slot,validator_index,pubkey,balance_gwei,reward_gwei");
    expect(csv[3]).toBe(`4,32,0,${PK(1)},32000012345,12345`);
    expect(b.totals()).toEqual([
      {epoch: 3, totalGwei: 64e9},
      {epoch: 4, totalGwei: 64000002345},
      {epoch: 6, totalGwei: 64000020000},
    ]);
  });

  it("cuts off a line torn by a crash and appends after it", () => {
    const a = new Ledger(dir, GVR);
    appendFileSync(a.file, '{"epoch":7,"slot":56,"ts":1,"validators":[{"index":0,"pub');
    const b = new Ledger(dir, GVR);
    expect(b.epochList()).toEqual([3, 4, 6]);
    expect(b.append({epoch: 7, slot: 56, ts: 2, validators: [{index: 0, pubkey: PK(1), balanceGwei: "5"}]})).toBe(true);
    expect(new Ledger(dir, GVR).epochList()).toEqual([3, 4, 6, 7]);
  });

  it("refuses a malformed genesis validators root", () => {
    expect(() => new Ledger(dir, "0x1234")).toThrow(/genesis validators root/);
  });
});
