import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createDevChainConfig} from "@ceibo/config";
import {ssz} from "@ceibo/types";
import {ClassicLevel} from "classic-level";
import {afterEach, describe, expect, it} from "vitest";
import {BeaconDb, Bucket, DbError} from "../src/db/index.ts";

const chainConfig = createDevChainConfig({preset: "mainnet"});
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true});
});

describe("LightClientRepository", () => {
  it("keeps best updates by period and bootstraps by root, each in its fork's form, across a reopen", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ceibo-lcdb-"));
    dirs.push(dataDir);
    const altairUpdate = ssz.altair.LightClientUpdate.defaultValue();
    altairUpdate.signatureSlot = 77;
    altairUpdate.attestedHeader.beacon.slot = 76;
    const electraUpdate = ssz.electra.LightClientUpdate.defaultValue();
    electraUpdate.signatureSlot = 9000;
    electraUpdate.finalityBranch = electraUpdate.finalityBranch.map((_, i) => new Uint8Array(32).fill(i + 1));
    const bootstrap = ssz.capella.LightClientBootstrap.defaultValue();
    bootstrap.header.execution.blockNumber = 5;
    const root = new Uint8Array(32).fill(0xab);

    let db = await BeaconDb.open(dataDir, {network: "dev", chainConfig});
    expect(await db.lightClient.getBestUpdate(0)).toBeNull();
    await db.lightClient.putBestUpdate(0, {fork: "altair", data: altairUpdate});
    await db.lightClient.putBestUpdate(3, {fork: "electra", data: electraUpdate});
    await db.lightClient.putBootstrap(root, {fork: "capella", data: bootstrap});
    await db.close();

    db = await BeaconDb.open(dataDir, {network: "dev", chainConfig});
    const u0 = await db.lightClient.getBestUpdate(0);
    expect(u0?.fork).toBe("altair");
    expect(ssz.altair.LightClientUpdate.equals(u0?.data, altairUpdate)).toBe(true);
    const u3 = await db.lightClient.getBestUpdate(3);
    expect(u3?.fork).toBe("electra");
    expect(ssz.electra.LightClientUpdate.equals(u3?.data, electraUpdate)).toBe(true);
    expect(await db.lightClient.getBestUpdate(1)).toBeNull();
    const b = await db.lightClient.getBootstrap(root);
    expect(b?.fork).toBe("capella");
    expect(b?.data.header.execution.blockNumber).toBe(5);
    expect(await db.lightClient.getBootstrap(new Uint8Array(32))).toBeNull();
    // a replaced best update overwrites the period's record
    await db.lightClient.putBestUpdate(0, {fork: "electra", data: electraUpdate});
    expect((await db.lightClient.getBestUpdate(0))?.fork).toBe("electra");
    await expect(db.lightClient.getBootstrap(new Uint8Array(31))).rejects.toThrow(DbError);
    await expect(db.lightClient.putBestUpdate(-1, {fork: "altair", data: altairUpdate})).rejects.toThrow(/period/);
    await db.close();
  });

  it("a corrupt record is a CORRUPT_VALUE error naming it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "ceibo-lcdb-"));
    dirs.push(dataDir);
    const db = await BeaconDb.open(dataDir, {network: "dev", chainConfig});
    await db.lightClient.putBestUpdate(2, {fork: "deneb", data: ssz.deneb.LightClientUpdate.defaultValue()});
    const location = db.location;
    await db.close();
    // rewrite the record behind the db's back: an unknown fork byte, then a truncated payload
    const level = new ClassicLevel<Uint8Array, Uint8Array>(location, {keyEncoding: "view", valueEncoding: "view"});
    const key = Uint8Array.from([Bucket.lightClientBestUpdate, 0, 0, 0, 0, 0, 0, 0, 2]);
    await level.put(key, Uint8Array.from([0x42, 1, 2, 3]));
    await level.close();
    let db2 = await BeaconDb.open(dataDir, {network: "dev", chainConfig});
    await expect(db2.lightClient.getBestUpdate(2)).rejects.toMatchObject({code: "CORRUPT_VALUE"});
    await db2.close();
    const level2 = new ClassicLevel<Uint8Array, Uint8Array>(location, {keyEncoding: "view", valueEncoding: "view"});
    await level2.put(key, Uint8Array.from([4, 1, 2, 3]));
    await level2.close();
    db2 = await BeaconDb.open(dataDir, {network: "dev", chainConfig});
    await expect(db2.lightClient.getBestUpdate(2)).rejects.toThrow(/period 2: not a deneb LightClientUpdate/);
    await db2.close();
  });
});
