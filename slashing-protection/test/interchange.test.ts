import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {type InterchangeV5, parseInterchange, type SlashingProtection, SlashingProtectionError} from "../src/index.ts";
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

function doc(data: InterchangeV5["data"], gvr = GVR): InterchangeV5 {
  return {metadata: {interchange_format_version: "5", genesis_validators_root: gvr}, data};
}

function errorOf(fn: () => unknown): SlashingProtectionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SlashingProtectionError) return e;
    throw e;
  }
  throw new Error("expected a SlashingProtectionError");
}

/** Deterministic PRNG so a failing history can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe("validation", () => {
  it("accepts a minimal valid document and decodes it", () => {
    const parsed = parseInterchange(
      JSON.stringify(doc([{pubkey: PK, signed_blocks: [{slot: "1"}], signed_attestations: []}])),
    );
    expect(parsed.data[0].blocks).toEqual([{slot: 1n, signingRoot: null}]);
  });

  it.each([
    ["not JSON", "{", /not valid JSON/],
    ["an array", "[]", /must be a JSON object/],
    ["no metadata", {data: []}, /\.metadata: is required/],
    ["no data", {metadata: {interchange_format_version: "5", genesis_validators_root: GVR}}, /\.data: is required/],
    ["a short root", doc([], "0x00"), /genesis_validators_root: must be 0x-prefixed hex of 32 bytes/],
    ["a bad pubkey", doc([{pubkey: "0x12", signed_blocks: [], signed_attestations: []}]), /\.data\[0\]\.pubkey/],
    [
      "missing signed_blocks",
      {metadata: doc([]).metadata, data: [{pubkey: PK, signed_attestations: []}]},
      /\.data\[0\]\.signed_blocks: is required/,
    ],
    [
      "a numeric slot",
      doc([{pubkey: PK, signed_blocks: [{slot: 5 as unknown as string}], signed_attestations: []}]),
      /signed_blocks\[0\]\.slot: must be a string/,
    ],
    [
      "a negative epoch",
      doc([{pubkey: PK, signed_blocks: [], signed_attestations: [{source_epoch: "-1", target_epoch: "2"}]}]),
      /source_epoch: must be a decimal integer string/,
    ],
    [
      "an epoch over u64",
      doc([
        {
          pubkey: PK,
          signed_blocks: [],
          signed_attestations: [{source_epoch: "1", target_epoch: "18446744073709551616"}],
        },
      ]),
      /target_epoch: is out of u64 range/,
    ],
    [
      "a bad signing root in the second item",
      doc([{pubkey: PK, signed_blocks: [{slot: "1"}, {slot: "2", signing_root: "0x1"}], signed_attestations: []}]),
      /signed_blocks\[1\]\.signing_root/,
    ],
  ])("rejects %s with INVALID_INPUT", (_name, input, message) => {
    const err = errorOf(() => parseInterchange(input));
    expect(err.code).toBe("INVALID_INPUT");
    expect(err.message).toMatch(message);
  });

  it("rejects other format versions", () => {
    const old = {metadata: {interchange_format_version: "4", genesis_validators_root: GVR}, data: []};
    expect(errorOf(() => parseInterchange(old)).code).toBe("UNSUPPORTED_VERSION");
  });
});

describe("import", () => {
  it("rejects a document for another chain, naming both roots, and writes nothing", async () => {
    const other = root(0x1234);
    const err = await store
      .importInterchange(doc([{pubkey: PK, signed_blocks: [{slot: "9"}], signed_attestations: []}], other), GVR)
      .catch((e) => e);
    expect(err).toBeInstanceOf(SlashingProtectionError);
    expect(err.code).toBe("GENESIS_VALIDATORS_ROOT_MISMATCH");
    expect(err.message).toContain(other);
    expect(err.message).toContain(GVR);
    expect(await store.listPubkeys()).toEqual([]);
  });

  it("is all or nothing: a bad entry anywhere imports nothing", async () => {
    const bad = doc([
      {pubkey: pubkey(1), signed_blocks: [{slot: "9"}], signed_attestations: []},
      {pubkey: pubkey(2), signed_blocks: [{slot: "x"}], signed_attestations: []},
    ]);
    await expect(store.importInterchange(bad, GVR)).rejects.toThrow(SlashingProtectionError);
    expect(await store.listPubkeys()).toEqual([]);
    expect(await store.checkAndInsertBlock(pubkey(1), 1, root(1))).toBe("new");
  });

  it("merges with local history: an imported record with another root blocks re-signing", async () => {
    await store.checkAndInsertBlock(PK, 10, root(1));
    await store.importInterchange(
      doc([{pubkey: PK, signed_blocks: [{slot: "10", signing_root: root(2)}], signed_attestations: []}]),
      GVR,
    );
    await expect(store.checkAndInsertBlock(PK, 10, root(1))).rejects.toMatchObject({code: "DOUBLE_BLOCK"});
    await expect(store.checkAndInsertBlock(PK, 10, root(2))).rejects.toMatchObject({code: "DOUBLE_BLOCK"});
  });

  it("keeps the root when the same record is imported twice", async () => {
    const d = doc([{pubkey: PK, signed_blocks: [{slot: "10", signing_root: root(2)}], signed_attestations: []}]);
    await store.importInterchange(d, GVR);
    await store.importInterchange(JSON.stringify(d), GVR);
    expect(await store.checkAndInsertBlock(PK, 10, root(2))).toBe("repeat");
  });
});

describe("minified import", () => {
  it("summarises the import together with the local history below it", async () => {
    await store.checkAndInsertAttestation(PK, 1, 2, root(1));
    await store.checkAndInsertAttestation(PK, 30, 31, root(2));
    await store.checkAndInsertBlock(PK, 5, root(1));
    const imported = doc([
      {
        pubkey: PK,
        signed_blocks: [{slot: "7"}, {slot: "9", signing_root: root(9)}],
        signed_attestations: [
          {source_epoch: "5", target_epoch: "10"},
          {source_epoch: "12", target_epoch: "13"},
        ],
      },
    ]);
    expect(await store.importInterchange(imported, GVR, {minify: true})).toEqual({
      validators: 1,
      blocks: 2,
      attestations: 2,
    });
    const [v] = (await store.exportInterchange(GVR)).data;
    expect(v.signed_blocks).toEqual([{slot: "9", signing_root: root(9)}]);
    expect(v.signed_attestations).toEqual([
      {source_epoch: "12", target_epoch: "13"},
      {source_epoch: "30", target_epoch: "31", signing_root: root(2)},
    ]);
    // (6, 9) would be surrounded by the imported (5, 10): refused although only the summary is kept.
    await expect(store.checkAndInsertAttestation(PK, 6, 9, root(3))).rejects.toMatchObject({code: "BELOW_LOWER_BOUND"});
    await expect(store.checkAndInsertAttestation(PK, 11, 14, root(3))).rejects.toMatchObject({
      code: "SURROUNDING_VOTE",
    });
    await expect(store.checkAndInsertBlock(PK, 8, root(3))).rejects.toMatchObject({code: "BELOW_LOWER_BOUND"});
    expect(await store.checkAndInsertBlock(PK, 9, root(9))).toBe("repeat");
    expect(await store.checkAndInsertAttestation(PK, 13, 14, root(3))).toBe("new");
    expect(await store.checkConsistency()).toEqual([]);
  });
});

describe("export", () => {
  it("exports only the requested validators and only that chain", async () => {
    await store.checkAndInsertBlock(pubkey(1), 1, root(1));
    await store.checkAndInsertAttestation(pubkey(2), 0, 1, root(2));
    const one = await store.exportInterchange(GVR, [pubkey(2)]);
    expect(one).toEqual(
      doc([
        {
          pubkey: pubkey(2),
          signed_blocks: [],
          signed_attestations: [{source_epoch: "0", target_epoch: "1", signing_root: root(2)}],
        },
      ]),
    );
    expect((await store.exportInterchange(root(9))).data).toEqual([]);
  });

  it("round-trips random histories: a complete export re-imports to the same records; a minimal one is stricter", async () => {
    const next = rng(42);
    const keys = [pubkey(1), pubkey(2), pubkey(3)];
    for (let i = 0; i < 300; i++) {
      const k = keys[Math.floor(next() * keys.length)];
      const s = Math.floor(next() * 60);
      const t = s + Math.floor(next() * 5);
      await store.checkAndInsertAttestation(k, s, t, root(Math.floor(next() * 4))).catch(() => {});
      await store.checkAndInsertBlock(k, Math.floor(next() * 400), root(Math.floor(next() * 4))).catch(() => {});
    }
    const complete = await store.exportInterchange(GVR);
    const minimal = await store.exportInterchange(GVR, undefined, {minimal: true});
    for (const v of minimal.data) {
      expect(v.signed_blocks.length).toBeLessThanOrEqual(1);
      expect(v.signed_attestations.length).toBeLessThanOrEqual(1);
    }
    const a = await tempStore();
    const b = await tempStore();
    try {
      await a.store.importInterchange(JSON.stringify(complete), GVR);
      expect(await a.store.exportInterchange(GVR)).toEqual(complete);
      // Probe both stores with the same requests, each on its own fresh copy so probes do not interact.
      await b.store.importInterchange(minimal, GVR);
      for (let i = 0; i < 40; i++) {
        const k = keys[i % keys.length];
        const s = Math.floor(next() * 70);
        const t = s + Math.floor(next() * 8);
        const slot = Math.floor(next() * 450);
        const answers = [];
        for (const [d, minify] of [
          [complete, false],
          [minimal, false],
          [complete, true],
        ] as const) {
          const probe = await tempStore();
          try {
            await probe.store.importInterchange(d, GVR, {minify});
            const att = await probe.store.checkAndInsertAttestation(k, s, t, root(99)).then(
              () => true,
              () => false,
            );
            const blk = await probe.store.checkAndInsertBlock(k, slot, root(99)).then(
              () => true,
              () => false,
            );
            answers.push({att, blk});
          } finally {
            await probe.cleanup();
          }
        }
        // Whatever the minimal export or a minified import allows, the complete history allows too.
        for (const stricter of answers.slice(1)) {
          if (stricter.att) expect(answers[0].att).toBe(true);
          if (stricter.blk) expect(answers[0].blk).toBe(true);
        }
      }
    } finally {
      await a.cleanup();
      await b.cleanup();
    }
  });
});
