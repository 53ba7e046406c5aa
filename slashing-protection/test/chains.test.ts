import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {SlashingProtection} from "../src/index.ts";

const A = `0x${"aa".repeat(32)}`;
const B = `0x${"bb".repeat(32)}`;
const PUBKEY = `0x${"a1".repeat(48)}`;

describe("genesisValidatorsRoots: which chains a store has history for", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "ceibo-sp-chains-"));
  });
  afterEach(() => rmSync(dir, {recursive: true, force: true}));

  it("none when empty; each chain once, in the order first seen; kept across reopening", async () => {
    const path = join(dir, "db");
    let sp = await SlashingProtection.open({path, genesisValidatorsRoot: B, sync: false});
    expect(await sp.genesisValidatorsRoots()).toEqual([]);
    await sp.importInterchange(
      {
        metadata: {interchange_format_version: "5", genesis_validators_root: A},
        data: [{pubkey: PUBKEY, signed_blocks: [{slot: "1"}], signed_attestations: []}],
      },
      A,
    );
    expect(await sp.genesisValidatorsRoots()).toEqual([A]);
    await sp.checkAndInsertBlock(PUBKEY, 5, `0x${"01".repeat(32)}`);
    await sp.checkAndInsertBlock(PUBKEY, 6, `0x${"02".repeat(32)}`);
    expect(await sp.genesisValidatorsRoots()).toEqual([A, B]);
    await sp.close();
    sp = await SlashingProtection.open({path, genesisValidatorsRoot: A, sync: false});
    expect(await sp.genesisValidatorsRoots()).toEqual([A, B]);
    await sp.close();
  });
});
