/**
 * The `--prune-history` mode record (node/history.ts checkHistoryMode) on a real LevelDB: the flag is recorded;
 * turning it off after pruning warns once per start naming the first missing-history slot and asks for a backfill
 * to genesis; turning it off before anything was deleted only notes it.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createDevChainConfig} from "@ceibo/config";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {BeaconDb} from "../src/db/index.ts";
import {checkHistoryMode} from "../src/node/history.ts";

const dir = mkdtempSync(join(tmpdir(), "ceibo-history-mode-"));
const config = createDevChainConfig({preset: "mainnet"});
let db: BeaconDb;
const lines: {level: string; message: string}[] = [];
const logger = {
  error(message: string) {
    lines.push({level: "error", message});
  },
  warn(message: string) {
    lines.push({level: "warn", message});
  },
  info(message: string) {
    lines.push({level: "info", message});
  },
  debug() {},
};

beforeAll(async () => {
  db = await BeaconDb.open(dir, {network: "dev", chainConfig: config});
});

afterAll(async () => {
  await db?.close();
  rmSync(dir, {recursive: true, force: true});
});

describe("checkHistoryMode", () => {
  it("a database that never pruned: nothing to say, nothing recorded", async () => {
    lines.length = 0;
    expect(await checkHistoryMode(db, false, logger)).toEqual({prune: false, refill: false, earliestSlot: null});
    expect(lines).toEqual([]);
    expect(await db.metadata.get("pruneHistory")).toBeNull();
  });

  it("the flag is recorded; turned off before anything was deleted it is only noted", async () => {
    expect((await checkHistoryMode(db, true, logger)).prune).toBe(true);
    expect(await db.metadata.get("pruneHistory")).toBe(1);
    lines.length = 0;
    expect(await checkHistoryMode(db, false, logger)).toEqual({prune: false, refill: false, earliestSlot: null});
    expect(lines.map((l) => l.level)).toEqual(["info"]);
    expect(await db.metadata.get("pruneHistory")).toBe(0);
  });

  it("turned off after pruning: one warning naming the slot and the refill, on every start until refilled", async () => {
    await checkHistoryMode(db, true, logger);
    await db.metadata.put("historyPrunedToSlot", 4096);
    for (let start = 0; start < 2; start++) {
      lines.length = 0;
      expect(await checkHistoryMode(db, false, logger)).toEqual({prune: false, refill: true, earliestSlot: null});
      const warnings = lines.filter((l) => l.level === "warn");
      expect(warnings).toHaveLength(1);
      expect(warnings[0].message).toContain("blocks before slot 4096 were deleted");
      expect(warnings[0].message).toContain("backfill downloads them again from peers toward genesis");
      expect(await db.metadata.get("pruneHistory")).toBe(0);
    }
  });
});
