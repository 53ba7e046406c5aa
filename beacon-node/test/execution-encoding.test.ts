import {createHmac} from "node:crypto";
import {readFileSync} from "node:fs";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import {describe, expect, it} from "vitest";
import {
  asBytes,
  asList,
  computeExecutionBlockHash,
  computeHeaderHash,
  computeRequestsHash,
  computeTransactionsRoot,
  computeWithdrawalsRoot,
  createJwt,
  EMPTY_OMMERS_HASH,
  EMPTY_TRIE_ROOT,
  EngineEncodingError,
  type ExecutionBlockHeader,
  type ExecutionPayload,
  type ExecutionPayloadCapella,
  type ExecutionPayloadV3,
  executionBlockHeaderFromPayload,
  getExecutionRequests,
  getExecutionRequestsList,
  isValidBlockHash,
  JwtError,
  numToQuantity,
  parseBlobsBundle,
  parseExecutionPayload,
  parseExecutionRequests,
  parseJwtSecret,
  parsePayloadAttributes,
  parsePayloadStatus,
  quantityToNum,
  RlpError,
  type RlpItem,
  rlpBytesToBigint,
  rlpDecode,
  rlpEncode,
  serializeBlobsBundle,
  serializeExecutionPayload,
  serializeExecutionRequests,
  serializePayloadAttributes,
  trieRoot,
  uintToRlpBytes,
  verifyAuthorizationHeader,
  verifyJwt,
} from "../src/execution/index.ts";
import {blobVersionedHashesOfTransactions} from "../src/execution/mock/index.ts";

/** Hex with or without 0x (the vectors mix both). */
const h = (s: string): Uint8Array => fromHex(s, "test vector hex", {prefixOptional: true});

const utf8 = (s: string) => new TextEncoder().encode(s);

// Blocks of the execution-apis test chain, one per fork Paris..Osaka (see execution-vectors.json "source").
interface Vector {
  fork: "bellatrix" | "capella" | "deneb" | "electra" | "fulu";
  number: number;
  expectedHash: string;
  rlp: string;
}
const {blocks: vectors, manyTransactions} = JSON.parse(
  readFileSync(new URL("./execution-vectors.json", import.meta.url), "utf8"),
) as {blocks: Vector[]; manyTransactions: {rlp: string}};

describe("RLP", () => {
  // Vectors of the Ethereum wiki's RLP page / Yellow Paper appendix B.
  const vectors: [string, RlpItem, string][] = [
    ["dog", utf8("dog"), "83646f67"],
    ["[cat, dog]", [utf8("cat"), utf8("dog")], "c88363617483646f67"],
    ["empty string", new Uint8Array(0), "80"],
    ["empty list", [], "c0"],
    ["integer 0", uintToRlpBytes(0), "80"],
    ["byte 0x00", Uint8Array.of(0), "00"],
    ["byte 0x0f", Uint8Array.of(15), "0f"],
    ["integer 1024", uintToRlpBytes(1024), "820400"],
    ["set theoretical 3", [[], [[]], [[], [[]]]], "c7c0c1c0c3c0c1c0"],
    [
      "56-byte string",
      utf8("Lorem ipsum dolor sit amet, consectetur adipisicing elit"),
      "b8384c6f72656d20697073756d20646f6c6f722073697420616d65742c20636f6e7365637465747572206164697069736963696e6720656c6974",
    ],
  ];
  for (const [name, item, encoded] of vectors) {
    it(`encodes and decodes ${name}`, () => {
      expect(Buffer.from(rlpEncode(item)).toString("hex")).toBe(encoded);
      expect(rlpDecode(h(encoded))).toEqual(item);
    });
  }

  it("rejects non-canonical and truncated input with typed errors", () => {
    const code = (hex: string) => {
      try {
        rlpDecode(h(hex));
      } catch (e) {
        expect(e).toBeInstanceOf(RlpError);
        return (e as RlpError).code;
      }
      return "decoded";
    };
    expect(code("8105")).toBe("NON_CANONICAL"); // single byte < 0x80 must be itself
    expect(code("b80100")).toBe("NON_CANONICAL"); // long form for a 1-byte string
    expect(code("83646f")).toBe("TRUNCATED");
    expect(code("c3646f67ff")).toBe("TRAILING_BYTES");
    expect(() => rlpBytesToBigint(Uint8Array.of(0, 1))).toThrow(RlpError);
  });
});

describe("Engine API value encoding", () => {
  it("QUANTITY follows common.md: no leading zeros, 0x0 for zero", () => {
    expect(numToQuantity(0)).toBe("0x0");
    expect(numToQuantity(1024)).toBe("0x400");
    expect(numToQuantity(2n ** 255n)).toBe(`0x8${"0".repeat(63)}`);
    expect(numToQuantity(Number.POSITIVE_INFINITY)).toBe("0xffffffffffffffff");
    expect(quantityToNum("0x400", "q")).toBe(1024);
    expect(quantityToNum("0xffffffffffffffff", "q")).toBe(Number.POSITIVE_INFINITY);
    for (const bad of ["0x0400", "0x", "400", "0xg", 5, null]) {
      expect(() => quantityToNum(bad, "q")).toThrow(EngineEncodingError);
    }
    expect(() => quantityToNum("0x10000000000000000", "q")).toThrow(/does not fit in 64 bits/);
    expect(() => quantityToNum("0x20000000000001", "q")).toThrow(/above 2\*\*53/);
  });
});

describe("tries and header commitments", () => {
  it("empty trie root and ommers hash are the well-known constants", () => {
    expect(toHex(EMPTY_TRIE_ROOT)).toBe("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
    expect(toHex(EMPTY_OMMERS_HASH)).toBe("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347");
  });

  it("trie roots of the classic key/value vectors (embedded nodes, extensions, values in branches)", () => {
    const pairs = (kv: [string, string][]) => kv.map(([k, v]) => ({key: utf8(k), value: utf8(v)}));
    // geth trie_test.go / py-trie: "do" → "dog" → "doge" → "horse"
    expect(
      toHex(
        trieRoot(
          pairs([
            ["do", "verb"],
            ["dog", "puppy"],
          ]),
        ),
      ),
    ).toBe("0x779db3986dd4f38416bfde49750ef7b13c6ecb3e2221620bcad9267e94604d36");
    expect(
      toHex(
        trieRoot(
          pairs([
            ["do", "verb"],
            ["dog", "puppy"],
            ["doge", "coin"],
          ]),
        ),
      ),
    ).toBe("0xef7b2fe20f5d2c30c46ad4d83c39811bcbf1721aef2e805c0e107947320888b6");
    const puppy = "0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84";
    expect(
      toHex(
        trieRoot(
          pairs([
            ["do", "verb"],
            ["horse", "stallion"],
            ["doge", "coin"],
            ["dog", "puppy"],
          ]),
        ),
      ),
    ).toBe(puppy);
    // empty values are absent keys (geth TestEmptyValues)
    expect(
      toHex(
        trieRoot(
          pairs([
            ["do", "verb"],
            ["ether", ""],
            ["horse", "stallion"],
            ["shaman", ""],
            ["doge", "coin"],
            ["dog", "puppy"],
          ]),
        ),
      ),
    ).toBe(puppy);
  });

  it("transactions root of a block with 59 transactions is its header's transactionsRoot", () => {
    const [header, txs] = asList(rlpDecode(h(manyTransactions.rlp)), "block");
    const transactions = asList(txs, "txs").map((t) => (t instanceof Uint8Array ? t : rlpEncode(t)));
    expect(transactions).toHaveLength(59);
    expect(computeTransactionsRoot(transactions)).toEqual(asBytes(asList(header, "header")[4], "transactionsRoot"));
    expect(computeTransactionsRoot(transactions.slice(1))).not.toEqual(asBytes(asList(header, "header")[4], "root"));
  });

  it("EIP-7685 requests hash of no requests is sha256 of nothing", () => {
    expect(toHex(computeRequestsHash([]))).toBe("0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // request types with empty data are left out of the commitment
    expect(computeRequestsHash([Uint8Array.of(0)])).toEqual(computeRequestsHash([]));
  });

  it("mainnet block 16182891: keccak(RLP(header)) is its known hash", () => {
    // Header fields of Ethereum mainnet block 16182891 (a bellatrix-era, post-merge block; as listed in
    // sigp/lighthouse beacon_node/execution_layer/src/block_hash.rs test_rlp_encode_block_16182891).
    const header: ExecutionBlockHeader = {
      parentHash: h("3e9c7b3f403947f110f68c4564a004b73dd8ebf73b143e46cc637926eec01a6d"),
      ommersHash: EMPTY_OMMERS_HASH,
      beneficiary: h("dafea492d9c6733ae3d56b7ed1adb60692c98bc5"),
      stateRoot: h("5a8183d230818a167477420ce3a393ca3ef8706a7d596694ab6059894ed6fda9"),
      transactionsRoot: h("0223f0cb35f184d2ac409e89dc0768ad738f777bd1c85d3302ca50f307180c94"),
      receiptsRoot: h("371c76821b1cc21232574604eac5349d51647eb530e2a45d4f6fe2c501351aa5"),
      logsBloom: h(
        "1a2c559955848d2662a0634cb40c7a6192a1524f11061203689bcbcdec901b054084d4f4d688009d24c10918e0089b48e72fe2d7abafb903889d10c3827c6901096612d259801b1b7ba1663a4201f5f88f416a9997c55bcc2c54785280143b057a008764c606182e324216822a2d5913e797a05c16cc1468d001acf3783b18e00e0203033e43106178db554029e83ca46402dc49d929d7882a04a0e7215041bdabf7430bd10ef4bb658a40f064c63c4816660241c2480862f26742fdf9ca41637731350301c344e439428182a03e384484e6d65d0c8a10117c6739ca201b60974519a1ae6b0c3966c0f650b449d10eae065dab2c83ab4edbab5efdea50bbc801",
      ),
      difficulty: 0n,
      number: 16182891n,
      gasLimit: 0x1c9c380n,
      gasUsed: 0xe9b752n,
      timestamp: 0x6399bf63n,
      extraData: h("496c6c756d696e61746520446d6f63726174697a6520447374726962757465"),
      mixHash: h("bf5289894b2ceab3549f92f063febbac896b280ddb18129a57cff13113c11b13"),
      nonce: new Uint8Array(8),
      baseFeePerGas: 0x34187b238n,
    };
    expect(toHex(computeHeaderHash(header))).toBe("0x6da69709cd5a34079b6604d29cd78fc01dacd7c6268980057ad92a2bede87351");
    // one bit of any field changes the hash
    expect(toHex(computeHeaderHash({...header, gasUsed: header.gasUsed + 1n}))).not.toBe(
      "0x6da69709cd5a34079b6604d29cd78fc01dacd7c6268980057ad92a2bede87351",
    );
  });
});

/** Block RLP → (header fields list, the payload JSON an engine would send, parent beacon block root, requestsHash). */
function decodeBlock(v: Vector) {
  const [header, txs, , withdrawals] = asList(rlpDecode(h(v.rlp)), "block");
  const f = asList(header, "header").map((i) => asBytes(i, "field"));
  const q = (b: Uint8Array) => numToQuantity(rlpBytesToBigint(b));
  // Legacy transactions are RLP lists inside the block; typed ones are byte strings (EIP-2718).
  const transactions = asList(txs, "txs").map((t) => (t instanceof Uint8Array ? t : rlpEncode(t)));
  const json: Record<string, unknown> = {
    parentHash: toHex(f[0]),
    feeRecipient: toHex(f[2]),
    stateRoot: toHex(f[3]),
    receiptsRoot: toHex(f[5]),
    logsBloom: toHex(f[6]),
    prevRandao: toHex(f[13]),
    blockNumber: q(f[8]),
    gasLimit: q(f[9]),
    gasUsed: q(f[10]),
    timestamp: q(f[11]),
    extraData: toHex(f[12]),
    baseFeePerGas: q(f[15]),
    blockHash: v.expectedHash,
    transactions: transactions.map(toHex),
  };
  if (withdrawals !== undefined) {
    json.withdrawals = asList(withdrawals, "withdrawals").map((w) => {
      const [index, validatorIndex, address, amount] = asList(w, "withdrawal").map((i) => asBytes(i, "w"));
      return {index: q(index), validatorIndex: q(validatorIndex), address: toHex(address), amount: q(amount)};
    });
  }
  if (f.length > 17) {
    json.blobGasUsed = q(f[17]);
    json.excessBlobGas = q(f[18]);
  }
  return {
    fields: f,
    json,
    transactions,
    parentBeaconBlockRoot: f.length > 19 ? f[19] : undefined,
    requestsHash: f.length > 20 ? f[20] : undefined,
  };
}

describe("execution block hash of real blocks, Paris..Osaka (execution-apis test chain)", () => {
  for (const v of vectors) {
    it(`block ${v.number} (${v.fork}): transactions/withdrawals roots and block hash from the payload`, () => {
      const b = decodeBlock(v);
      const version = v.fork === "bellatrix" ? 1 : v.fork === "capella" ? 2 : 3;
      const payload = parseExecutionPayload(b.json, version);
      expect(toHex(computeTransactionsRoot(b.transactions))).toBe(toHex(b.fields[4]));
      if (version >= 2) {
        expect(toHex(computeWithdrawalsRoot((payload as ExecutionPayloadCapella).withdrawals))).toBe(
          toHex(b.fields[16]),
        );
      }
      const emptyRequests = b.requestsHash !== undefined && toHex(b.requestsHash) === toHex(computeRequestsHash([]));
      if (b.requestsHash === undefined || emptyRequests) {
        // the whole path: payload (+ parent beacon block root, + no requests) → header → hash
        const ctx = {
          parentBeaconBlockRoot: b.parentBeaconBlockRoot,
          executionRequestsList: emptyRequests ? [] : undefined,
        };
        expect(toHex(computeExecutionBlockHash(v.fork, payload, ctx))).toBe(v.expectedHash);
        expect(isValidBlockHash(v.fork, payload, ctx)).toBe(true);
        expect(isValidBlockHash(v.fork, {...payload, gasUsed: payload.gasUsed + 1}, ctx)).toBe(false);
      } else {
        // requests not in the block body: take the header's requestsHash as given
        const header = executionBlockHeaderFromPayload("deneb", payload, {
          parentBeaconBlockRoot: b.parentBeaconBlockRoot,
        });
        expect(toHex(computeHeaderHash({...header, requestsHash: b.requestsHash}))).toBe(v.expectedHash);
      }
    });
  }

  it("reads the versioned hash of the real blob transaction in the osaka block", () => {
    const v = vectors.find((b) => b.fork === "fulu") as Vector;
    const b = decodeBlock(v);
    const hashes = blobVersionedHashesOfTransactions(b.transactions);
    // blobGasUsed 131072 = one blob; versioned hashes start with VERSIONED_HASH_VERSION_KZG
    expect(rlpBytesToBigint(b.fields[17])).toBe(131072n);
    expect(hashes).toHaveLength(1);
    expect(hashes[0][0]).toBe(0x01);
  });
});

describe("Engine API JSON ⇄ SSZ converters", () => {
  it("ExecutionPayloadV3 JSON → deneb SSZ value → JSON round trip, with independently known field values", () => {
    const v = vectors.find((b) => b.number === 42) as Vector;
    const {json} = decodeBlock(v);
    const payload = parseExecutionPayload(json, 3);
    // values from execution-apis tests/eth_getBlockByNumber/get-block-cancun-fork.io
    expect(payload.blockNumber).toBe(0x2a);
    expect(payload.gasUsed).toBe(0x2b1dc);
    expect(payload.baseFeePerGas).toBe(0x813f23bn);
    expect(payload.timestamp).toBe(0x1a4);
    expect((payload as {blobGasUsed: number}).blobGasUsed).toBe(0x20000);
    expect(payload.transactions).toHaveLength(4);
    // a valid value of the SSZ type
    expect(ssz.deneb.ExecutionPayload.hashTreeRoot(payload as never)).toHaveLength(32);
    expect(serializeExecutionPayload("deneb", payload)).toEqual(json);
  });

  it("serializes each fork's payload version with its own fields only", () => {
    const base = ssz.deneb.ExecutionPayload.defaultValue();
    const payload = {
      ...base,
      blockNumber: 7,
      baseFeePerGas: 10n ** 9n,
      withdrawals: [{index: 1, validatorIndex: 2, address: new Uint8Array(20).fill(0xaa), amount: 32_000_000_000}],
    };
    const v1 = serializeExecutionPayload("bellatrix", payload);
    expect(Object.keys(v1)).not.toContain("withdrawals");
    expect(v1.blockNumber).toBe("0x7");
    expect(v1.baseFeePerGas).toBe("0x3b9aca00");
    const v2 = serializeExecutionPayload("capella", payload) as ExecutionPayloadV3;
    expect(v2.withdrawals).toEqual([
      {index: "0x1", validatorIndex: "0x2", address: `0x${"aa".repeat(20)}`, amount: "0x773594000"},
    ]);
    expect(Object.keys(v2)).not.toContain("blobGasUsed");
    const v3 = serializeExecutionPayload("fulu", payload) as ExecutionPayloadV3;
    expect(v3.blobGasUsed).toBe("0x0");
    expect(v3.excessBlobGas).toBe("0x0");
    // back
    expect(parseExecutionPayload(v3, 3)).toEqual(payload);
    expect(parseExecutionPayload(v1, 1)).toEqual(
      Object.fromEntries(
        Object.entries(payload).filter(([k]) => !["withdrawals", "blobGasUsed", "excessBlobGas"].includes(k)),
      ),
    );
  });

  it("rejects malformed payload JSON with the field path", () => {
    const good = serializeExecutionPayload("capella", {
      ...ssz.capella.ExecutionPayload.defaultValue(),
    } as ExecutionPayload);
    const bad = (patch: Record<string, unknown>) => () => parseExecutionPayload({...good, ...patch}, 2);
    expect(bad({parentHash: "0x1234"})).toThrow(/executionPayload.parentHash: expected 32 bytes/);
    expect(bad({gasUsed: "0x01"})).toThrow(/executionPayload.gasUsed/);
    expect(bad({extraData: `0x${"00".repeat(33)}`})).toThrow(/at most 32 bytes/);
    expect(bad({withdrawals: undefined})).toThrow(/executionPayload.withdrawals: missing/);
    expect(bad({withdrawals: [{index: "0x0", validatorIndex: "0x0", address: "0x00", amount: "0x0"}]})).toThrow(
      /withdrawals\[0\].address/,
    );
    expect(bad({transactions: "0x"})).toThrow(/expected an array/);
    expect(() => parseExecutionPayload(null, 1)).toThrow(EngineEncodingError);
  });

  it("payload attributes per fork: withdrawals from capella, parentBeaconBlockRoot from deneb", () => {
    const a = {
      timestamp: 12,
      prevRandao: new Uint8Array(32).fill(1),
      suggestedFeeRecipient: new Uint8Array(20).fill(2),
      withdrawals: [{index: 0, validatorIndex: 5, address: new Uint8Array(20).fill(3), amount: 100}],
      parentBeaconBlockRoot: new Uint8Array(32).fill(4),
    };
    expect(serializePayloadAttributes("bellatrix", a)).toEqual({
      timestamp: "0xc",
      prevRandao: `0x${"01".repeat(32)}`,
      suggestedFeeRecipient: `0x${"02".repeat(20)}`,
    });
    expect(serializePayloadAttributes("capella", a)).toEqual({
      timestamp: "0xc",
      prevRandao: `0x${"01".repeat(32)}`,
      suggestedFeeRecipient: `0x${"02".repeat(20)}`,
      withdrawals: [{index: "0x0", validatorIndex: "0x5", address: `0x${"03".repeat(20)}`, amount: "0x64"}],
    });
    const v3 = serializePayloadAttributes("electra", a);
    expect(v3).toHaveProperty("parentBeaconBlockRoot", `0x${"04".repeat(32)}`);
    expect(parsePayloadAttributes(v3, 3)).toEqual(a);
    const {parentBeaconBlockRoot: _, ...withoutRoot} = a;
    expect(() => serializePayloadAttributes("deneb", withoutRoot)).toThrow(/parentBeaconBlockRoot/);
  });

  it("maps every PayloadStatusV1 into the typed result", () => {
    const hash = `0x${"ab".repeat(32)}`;
    expect(parsePayloadStatus({status: "VALID", latestValidHash: hash, validationError: null})).toEqual({
      status: "VALID",
      latestValidHash: h(hash),
      validationError: null,
    });
    expect(parsePayloadStatus({status: "INVALID", latestValidHash: hash, validationError: "bad"})).toEqual({
      status: "INVALID",
      latestValidHash: h(hash),
      validationError: "bad",
    });
    expect(parsePayloadStatus({status: "INVALID", latestValidHash: null, validationError: null}).latestValidHash).toBe(
      null,
    );
    expect(parsePayloadStatus({status: "SYNCING", latestValidHash: null, validationError: null})).toEqual({
      status: "SYNCING",
      latestValidHash: null,
      validationError: null,
    });
    expect(parsePayloadStatus({status: "ACCEPTED", latestValidHash: null, validationError: null}).status).toBe(
      "ACCEPTED",
    );
    expect(parsePayloadStatus({status: "INVALID_BLOCK_HASH", latestValidHash: null, validationError: "hash"})).toEqual({
      status: "INVALID_BLOCK_HASH",
      latestValidHash: null,
      validationError: "hash",
    });
    expect(() => parsePayloadStatus({status: "VALID", latestValidHash: null, validationError: null})).toThrow(
      /latestValidHash/,
    );
    expect(() => parsePayloadStatus({status: "MAYBE", latestValidHash: null})).toThrow(/unknown payload status/);
  });

  it("execution requests ⇄ EIP-7685 list (get_execution_requests_list / get_execution_requests)", () => {
    const requests = {
      deposits: [],
      withdrawals: [
        {sourceAddress: new Uint8Array(20).fill(1), validatorPubkey: new Uint8Array(48).fill(2), amount: 5},
      ],
      consolidations: [
        {
          sourceAddress: new Uint8Array(20).fill(3),
          sourcePubkey: new Uint8Array(48).fill(4),
          targetPubkey: new Uint8Array(48).fill(5),
        },
      ],
    };
    const list = getExecutionRequestsList(requests);
    // empty deposits left out; type byte then the SSZ list (fixed-size items: 20+48+8 and 20+48+48 bytes)
    expect(list.map((r) => [r[0], r.length])).toEqual([
      [1, 1 + 76],
      [2, 1 + 116],
    ]);
    expect(toHex(list[0].subarray(1, 21))).toBe(`0x${"01".repeat(20)}`);
    expect(list[0].subarray(69)).toEqual(Uint8Array.of(5, 0, 0, 0, 0, 0, 0, 0)); // amount, little-endian
    expect(getExecutionRequests(list)).toEqual(requests);
    expect(parseExecutionRequests(serializeExecutionRequests(requests))).toEqual(requests);
    expect(getExecutionRequestsList({deposits: [], withdrawals: [], consolidations: []})).toEqual([]);

    expect(() => getExecutionRequests([list[1], list[0]])).toThrow(/strictly ascending/);
    expect(() => getExecutionRequests([list[0], list[0]])).toThrow(/strictly ascending/);
    expect(() => getExecutionRequests([Uint8Array.of(1)])).toThrow(/empty request data/);
    expect(() => getExecutionRequests([Uint8Array.of(3, 1)])).toThrow(/unknown request type/);
    expect(() => getExecutionRequests([Uint8Array.of(1, 1, 2)])).toThrow(/bad SSZ/);
  });

  it("blobs bundles: V1 one proof per blob, V2 CELLS_PER_EXT_BLOB cell proofs per blob", () => {
    const blob = `0x${"00".repeat(131072)}`;
    const c = `0x${"c0".repeat(48)}`;
    const p = `0x${"a0".repeat(48)}`;
    const v1 = parseBlobsBundle({commitments: [c], proofs: [p], blobs: [blob]}, 1);
    expect(v1.commitments[0]).toEqual(h(c));
    expect(serializeBlobsBundle(v1)).toEqual({commitments: [c], proofs: [p], blobs: [blob]});
    expect(() => parseBlobsBundle({commitments: [c], proofs: [p], blobs: [blob]}, 2)).toThrow(/expected 128 proofs/);
    expect(parseBlobsBundle({commitments: [c], proofs: new Array(128).fill(p), blobs: [blob]}, 2).proofs).toHaveLength(
      128,
    );
    expect(() => parseBlobsBundle({commitments: [c, c], proofs: [p], blobs: [blob]}, 1)).toThrow(/1 blobs but 2/);
    expect(() => parseBlobsBundle({commitments: [c], proofs: [p], blobs: ["0x00"]}, 1)).toThrow(/131072 bytes/);
  });
});

describe("JWT (execution-apis authentication.md)", () => {
  const secret = parseJwtSecret(`0x${"11".repeat(32)}`);

  it("parses the secret file format and rejects anything but 32 bytes of hex", () => {
    expect(parseJwtSecret(` ${"ab".repeat(32)}\n`)).toEqual(new Uint8Array(32).fill(0xab));
    expect(() => parseJwtSecret("0x1234")).toThrow(JwtError);
    expect(() => parseJwtSecret(`0x${"zz".repeat(32)}`)).toThrow(JwtError);
  });

  it("creates HS256 tokens with iat that verify; a known token verifies with its secret", () => {
    const token = createJwt(secret, {iat: 1_700_000_000});
    const [header, payload] = token.split(".");
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual({alg: "HS256", typ: "JWT"});
    expect(JSON.parse(Buffer.from(payload, "base64url").toString())).toEqual({iat: 1_700_000_000});
    expect(verifyJwt(token, secret, 1_700_000_030).iat).toBe(1_700_000_000);
    // jwt.io's HS256 example token (secret "your-256-bit-secret"); its iat is 1516239022
    const ioToken =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    expect(verifyJwt(ioToken, utf8("your-256-bit-secret"), 1516239022).iat).toBe(1516239022);
  });

  it("rejects a wrong secret, a stale or future iat (±60 s), alg none, missing iat and malformed headers", () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as JwtError).code;
      }
      return "accepted";
    };
    const now = 1_700_000_000;
    const token = createJwt(secret, {iat: now});
    expect(code(() => verifyJwt(token, new Uint8Array(32), now))).toBe("BAD_SIGNATURE");
    expect(code(() => verifyJwt(token, secret, now + 60))).toBe("accepted");
    expect(code(() => verifyJwt(token, secret, now + 61))).toBe("STALE_IAT");
    expect(code(() => verifyJwt(token, secret, now - 61))).toBe("STALE_IAT");
    const none = `${Buffer.from(JSON.stringify({alg: "none", typ: "JWT"})).toString("base64url")}.${token.split(".")[1]}.`;
    expect(code(() => verifyJwt(none, secret, now))).toBe("UNSUPPORTED_ALGORITHM");
    const noIatBody = `${token.split(".")[0]}.${Buffer.from('{"id":"cl"}').toString("base64url")}`;
    const noIat = `${noIatBody}.${createHmac("sha256", secret).update(noIatBody).digest("base64url")}`;
    expect(code(() => verifyJwt(noIat, secret, now))).toBe("MISSING_IAT");
    expect(code(() => verifyAuthorizationHeader(undefined, secret, now))).toBe("MISSING_TOKEN");
    expect(code(() => verifyAuthorizationHeader(`Basic ${token}`, secret, now))).toBe("MALFORMED_TOKEN");
    expect(code(() => verifyAuthorizationHeader(`Bearer ${token}`, secret, now))).toBe("accepted");
    expect(code(() => verifyJwt("a.b", secret, now))).toBe("MALFORMED_TOKEN");
  });
});
