import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {SlashingProtection, SlashingProtectionError} from "../src/index.ts";
import {GVR, pubkey, root, tempStore} from "./helpers.ts";

const PK = pubkey(0xaa);
let store: SlashingProtection;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({store, cleanup} = await tempStore());
});
afterEach(async () => {
  await cleanup();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof SlashingProtectionError) return e.code;
    throw e;
  }
}

describe("blocks", () => {
  it("records a block and refuses a different one at the same slot", async () => {
    expect(await store.checkAndInsertBlock(PK, 100, root(1))).toBe("new");
    expect(await codeOf(store.checkAndInsertBlock(PK, 100, root(2)))).toBe("DOUBLE_BLOCK");
  });

  it("allows re-signing the identical block", async () => {
    await store.checkAndInsertBlock(PK, 100, root(1));
    expect(await store.checkAndInsertBlock(PK, 100, root(1))).toBe("repeat");
  });

  it("refuses a slot below the lowest recorded slot, allows gaps above it", async () => {
    await store.checkAndInsertBlock(PK, 100, root(1));
    await store.checkAndInsertBlock(PK, 200, root(2));
    expect(await codeOf(store.checkAndInsertBlock(PK, 99, root(3)))).toBe("BELOW_LOWER_BOUND");
    expect(await store.checkAndInsertBlock(PK, 150, root(4))).toBe("new");
  });

  it("keeps validators apart", async () => {
    await store.checkAndInsertBlock(PK, 100, root(1));
    expect(await store.checkAndInsertBlock(pubkey(0xbb), 100, root(2))).toBe("new");
    expect(await store.checkAndInsertBlock(pubkey(0xbb), 101, root(2))).toBe("new");
    expect(await codeOf(store.checkAndInsertBlock(pubkey(0xbb), 99, root(2)))).toBe("BELOW_LOWER_BOUND");
  });

  it("accepts bigint, number and decimal string slots up to 2^64-1", async () => {
    await store.checkAndInsertBlock(PK, "18446744073709551615", root(1));
    expect(await codeOf(store.checkAndInsertBlock(PK, 2n ** 64n - 1n, root(2)))).toBe("DOUBLE_BLOCK");
  });
});

describe("attestations", () => {
  it("refuses source > target", async () => {
    expect(await codeOf(store.checkAndInsertAttestation(PK, 5, 4, root(1)))).toBe("SOURCE_EXCEEDS_TARGET");
  });

  it("refuses a double vote and allows an identical re-sign", async () => {
    await store.checkAndInsertAttestation(PK, 1, 2, root(1));
    expect(await codeOf(store.checkAndInsertAttestation(PK, 1, 2, root(2)))).toBe("DOUBLE_VOTE");
    expect(await codeOf(store.checkAndInsertAttestation(PK, 0, 2, root(1)))).toBe("DOUBLE_VOTE");
    expect(await store.checkAndInsertAttestation(PK, 1, 2, root(1))).toBe("repeat");
  });

  it("refuses surrounding and surrounded votes", async () => {
    await store.checkAndInsertAttestation(PK, 10, 20, root(1));
    expect(await codeOf(store.checkAndInsertAttestation(PK, 9, 21, root(2)))).toBe("SURROUNDING_VOTE");
    expect(await codeOf(store.checkAndInsertAttestation(PK, 11, 19, root(2)))).toBe("SURROUNDED_VOTE");
    // Sharing a source or target edge is not a surround.
    expect(await store.checkAndInsertAttestation(PK, 10, 21, root(3))).toBe("new");
    expect(await store.checkAndInsertAttestation(PK, 20, 22, root(4))).toBe("new");
  });

  it("finds a surround deep in a long history", async () => {
    for (let e = 1; e <= 300; e++) await store.checkAndInsertAttestation(PK, e - 1, e, root(e));
    await store.checkAndInsertAttestation(PK, 400, 500, root(500));
    expect(await codeOf(store.checkAndInsertAttestation(PK, 399, 501, root(7)))).toBe("SURROUNDING_VOTE");
    expect(await codeOf(store.checkAndInsertAttestation(PK, 401, 499, root(7)))).toBe("SURROUNDED_VOTE");
    // Fills a gap in the history without conflict.
    expect(await store.checkAndInsertAttestation(PK, 300, 350, root(8))).toBe("new");
  });

  it("enforces the low watermarks: source >= min source, target > min target", async () => {
    await store.checkAndInsertAttestation(PK, 10, 20, root(1));
    const low = await codeOf(store.checkAndInsertAttestation(PK, 9, 9, root(2)));
    expect(low).toBe("BELOW_LOWER_BOUND");
    expect(await codeOf(store.checkAndInsertAttestation(PK, 10, 15, root(2)))).toBe("BELOW_LOWER_BOUND");
  });

  it("puts the offending values and the conflicting record in the error", async () => {
    await store.checkAndInsertAttestation(PK, 10, 20, root(1));
    const err = await store.checkAndInsertAttestation(PK, 9, 21, root(2)).catch((e) => e);
    expect(err).toBeInstanceOf(SlashingProtectionError);
    expect(err.details).toMatchObject({
      pubkey: PK,
      sourceEpoch: "9",
      targetEpoch: "21",
      existing: {sourceEpoch: "10", targetEpoch: "20", signingRoot: root(1)},
    });
  });
});

describe("concurrency", () => {
  it("lets exactly one of many concurrent conflicting requests through", async () => {
    const results = await Promise.all(
      Array.from({length: 20}, (_, i) => codeOf(store.checkAndInsertAttestation(PK, 5, 6, root(i + 1)))),
    );
    expect(results.filter((r) => r === "OK")).toHaveLength(1);
    expect(results.filter((r) => r === "DOUBLE_VOTE")).toHaveLength(19);
    const blocks = await Promise.all(
      Array.from({length: 20}, (_, i) => codeOf(store.checkAndInsertBlock(PK, 7, root(i + 1)))),
    );
    expect(blocks.filter((r) => r === "OK")).toHaveLength(1);
  });

  it("runs different validators concurrently and records all of them", async () => {
    const keys = Array.from({length: 50}, (_, i) => pubkey(i + 1));
    await Promise.all(keys.map((k) => store.checkAndInsertAttestation(k, 1, 2, root(1))));
    expect((await store.listPubkeys()).sort()).toEqual([...keys].sort());
  });
});

describe("input validation", () => {
  it("rejects malformed pubkeys, roots and integers with INVALID_INPUT", async () => {
    expect(await codeOf(store.checkAndInsertBlock("0x1234", 1, root(1)))).toBe("INVALID_INPUT");
    expect(await codeOf(store.checkAndInsertBlock(PK, 1, "0xzz"))).toBe("INVALID_INPUT");
    expect(await codeOf(store.checkAndInsertBlock(PK, -1, root(1)))).toBe("INVALID_INPUT");
    expect(await codeOf(store.checkAndInsertBlock(PK, 1.5, root(1)))).toBe("INVALID_INPUT");
    expect(await codeOf(store.checkAndInsertBlock(PK, 2n ** 64n, root(1)))).toBe("INVALID_INPUT");
    expect(await codeOf(store.checkAndInsertAttestation(PK, "1e3", 2, root(1)))).toBe("INVALID_INPUT");
  });

  it("refuses to work after close()", async () => {
    await store.close();
    expect(await codeOf(store.checkAndInsertBlock(PK, 1, root(1)))).toBe("CLOSED");
  });
});

describe("persistence and chains", () => {
  it("keeps history across reopen, and keeps chains apart", async () => {
    const {store: s, dir, cleanup: done} = await tempStore();
    try {
      await s.checkAndInsertBlock(PK, 10, root(1));
      await s.close();
      const again = await SlashingProtection.open({path: dir, genesisValidatorsRoot: GVR});
      expect(await codeOf(again.checkAndInsertBlock(PK, 10, root(2)))).toBe("DOUBLE_BLOCK");
      await again.close();
      const other = await SlashingProtection.open({path: dir, genesisValidatorsRoot: root(0x77)});
      expect(await other.checkAndInsertBlock(PK, 10, root(2))).toBe("new");
      expect(await other.listPubkeys(GVR)).toEqual([PK]);
      await other.close();
    } finally {
      await done();
    }
  });

  it("refuses a second process/handle on the same directory", async () => {
    const {dir, cleanup: done} = await tempStore();
    try {
      await expect(SlashingProtection.open({path: dir, genesisValidatorsRoot: GVR})).rejects.toThrow();
    } finally {
      await done();
    }
  });
});

describe("prune", () => {
  it("bounds history and stays at least as strict", async () => {
    for (let e = 1; e <= 100; e++) {
      await store.checkAndInsertAttestation(PK, e - 1, e, root(e));
      await store.checkAndInsertBlock(PK, e * 32, root(e));
    }
    const r = await store.prune({slot: 50 * 32, targetEpoch: 50});
    expect(r).toEqual({blocksRemoved: 48, attestationsRemoved: 48});
    const doc = await store.exportInterchange(GVR);
    expect(doc.data[0].signed_blocks).toHaveLength(52);
    expect(doc.data[0].signed_attestations).toHaveLength(52);
    expect(doc.data[0].signed_attestations[0]).toEqual({
      source_epoch: "48",
      target_epoch: "49",
      signing_root: root(49),
    });
    expect(await codeOf(store.checkAndInsertBlock(PK, 49 * 32 - 1, root(1)))).toBe("BELOW_LOWER_BOUND");
    expect(await codeOf(store.checkAndInsertAttestation(PK, 47, 48, root(1)))).toBe("BELOW_LOWER_BOUND");
    expect(await codeOf(store.checkAndInsertAttestation(PK, 47, 101, root(1)))).toBe("SURROUNDING_VOTE");
    expect(await store.checkAndInsertAttestation(PK, 100, 101, root(1))).toBe("new");
    expect(await store.checkConsistency()).toEqual([]);
  });

  it("summarises pruned attestations without a common record into one synthetic record", async () => {
    await store.importInterchange(
      {
        metadata: {interchange_format_version: "5", genesis_validators_root: GVR},
        data: [
          {
            pubkey: PK,
            signed_blocks: [],
            signed_attestations: [
              {source_epoch: "1", target_epoch: "9"},
              {source_epoch: "5", target_epoch: "6"},
              {source_epoch: "20", target_epoch: "30"},
            ],
          },
        ],
      },
      GVR,
    );
    await store.prune({targetEpoch: 10});
    const doc = await store.exportInterchange(GVR);
    expect(doc.data[0].signed_attestations).toEqual([
      {source_epoch: "5", target_epoch: "9"},
      {source_epoch: "20", target_epoch: "30"},
    ]);
  });
});
