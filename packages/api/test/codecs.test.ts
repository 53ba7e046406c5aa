import {ssz} from "@ceibo/types";
import {describe, expect, it} from "vitest";
import {
  blockIdParam,
  DecodeError,
  objectJson,
  snakeCase,
  stateIdParam,
  uint64Json,
  validatorIdParam,
} from "../src/index.ts";
import {chooseResponseFormat} from "../src/utils/contentType.ts";
import {SseParser} from "../src/utils/sse.ts";
import {sszFromJson} from "../src/utils/sszJson.ts";

const ZERO_ROOT = `0x${"00".repeat(32)}`;

describe("strict SSZ JSON", () => {
  const cp =
    (epoch: unknown, root: unknown = ZERO_ROOT) =>
    () =>
      sszFromJson(ssz.phase0.Checkpoint, {epoch, root});
  it("accepts the Beacon API form, FAR_FUTURE as Infinity", () => {
    expect(cp("12")()).toEqual({epoch: 12, root: new Uint8Array(32)});
    expect(cp("18446744073709551615")().epoch).toBe(Number.POSITIVE_INFINITY);
    expect(sszFromJson(ssz.phase0.Checkpoint, {epoch: "1", root: `0x${"AB".repeat(32)}`}).root[0]).toBe(0xab);
  });
  it("rejects what @chainsafe/ssz's fromJson lets through", () => {
    expect(cp(1)).toThrow("epoch: expected a decimal string, got number 1");
    expect(cp("-1")).toThrow('epoch: invalid unsigned integer "-1"');
    expect(cp("1.5")).toThrow('epoch: invalid unsigned integer "1.5"');
    expect(cp("01")).toThrow('epoch: invalid unsigned integer "01"');
    expect(cp("18446744073709551616")).toThrow("epoch: 18446744073709551616 exceeds uint64");
    expect(cp("9007199254740993")).toThrow("is above 2**53 and not supported");
    expect(cp("1", `0x${"zz".repeat(32)}`)).toThrow("root: invalid hex");
    expect(cp("1", "00".repeat(32))).toThrow("root: invalid hex");
    expect(cp("1", `0x${"00".repeat(31)}`)).toThrow("root: expected 32 bytes, got 31");
    expect(() => sszFromJson(ssz.phase0.Checkpoint, {epoch: "1"})).toThrow("root: missing field");
    expect(() => sszFromJson(ssz.phase0.Checkpoint, [])).toThrow("expected an object, got an array");
  });
  it("lists, bitlists and bitvectors", () => {
    const att = ssz.phase0.Attestation.toJson(ssz.phase0.Attestation.defaultValue()) as Record<string, unknown>;
    expect(() => sszFromJson(ssz.phase0.Attestation, {...att, aggregation_bits: "0x00"})).toThrow(
      "aggregation_bits: bitlist without its padding bit",
    );
    expect(() => sszFromJson(ssz.phase0.Attestation, {...att, aggregation_bits: `0x${"ff".repeat(300)}`})).toThrow(
      "aggregation_bits: bitlist of 2399 bits exceeds the limit of 2048 bits",
    );
    expect(sszFromJson(ssz.phase0.Attestation, {...att, aggregation_bits: "0x0d"}).aggregationBits.bitLen).toBe(3);
    const sync = ssz.altair.SyncAggregate.toJson(ssz.altair.SyncAggregate.defaultValue()) as Record<string, unknown>;
    expect(sszFromJson(ssz.altair.SyncAggregate, sync).syncCommitteeBits.bitLen).toBe(512);
    const contribution = ssz.altair.SyncCommitteeContribution.toJson(
      ssz.altair.SyncCommitteeContribution.defaultValue(),
    ) as Record<string, unknown>;
    expect(() =>
      sszFromJson(ssz.altair.SyncCommitteeContribution, {...contribution, aggregation_bits: "0x00"}),
    ).toThrow("aggregation_bits: expected a bitvector of 16 bytes, got 1");
    const indexed = {attesting_indices: ["1", "x"], data: att.data, signature: att.signature};
    expect(() => sszFromJson(ssz.phase0.IndexedAttestation, indexed)).toThrow(
      'attesting_indices[1]: invalid unsigned integer "x"',
    );
  });
  it("error paths are DecodeErrors", () => {
    try {
      cp("x")();
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).path).toBe("epoch");
    }
  });
});

describe("object codecs", () => {
  it("snake_case keys", () => {
    expect(snakeCase("executionOptimistic")).toBe("execution_optimistic");
    expect(snakeCase("p2pAddresses")).toBe("p2p_addresses");
    expect(snakeCase("lastSeenP2pAddress")).toBe("last_seen_p2p_address");
  });
  it("optional fields and unknown keys", () => {
    const c = objectJson({slot: uint64Json}, {epoch: uint64Json});
    expect(c.toJson({slot: 1})).toEqual({slot: "1"});
    expect(c.fromJson({slot: "1", epoch: "2", extra: true}, "")).toEqual({slot: 1, epoch: 2});
    expect(() => c.fromJson({epoch: "2"}, "data")).toThrow("data.slot: missing field");
  });
});

describe("identifiers", () => {
  it("state and block ids", () => {
    expect(stateIdParam.parse("head", "state_id")).toBe("head");
    expect(stateIdParam.parse("justified", "state_id")).toBe("justified");
    expect(stateIdParam.parse("123", "state_id")).toBe(123);
    expect(stateIdParam.parse(`0x${"AB".repeat(32)}`, "state_id")).toBe(`0x${"ab".repeat(32)}`);
    expect(() => blockIdParam.parse("justified", "block_id")).toThrow('invalid block ID "justified"');
    expect(() => stateIdParam.parse("0123", "state_id")).toThrow("invalid state ID");
  });
  it("validator ids", () => {
    expect(validatorIdParam.parse("7", "id")).toBe(7);
    expect(validatorIdParam.parse(`0x${"CD".repeat(48)}`, "id")).toBe(`0x${"cd".repeat(48)}`);
    expect(() => validatorIdParam.parse(`0x${"cd".repeat(32)}`, "id")).toThrow("invalid validator ID");
  });
});

describe("content negotiation", () => {
  it("chooses by q-value; JSON by default and on ties", () => {
    expect(chooseResponseFormat(undefined, true)).toBe("json");
    expect(chooseResponseFormat("*/*", true)).toBe("json");
    expect(chooseResponseFormat("application/octet-stream;q=1.0,application/json;q=0.9", true)).toBe("ssz");
    expect(chooseResponseFormat("application/json;q=0.9,application/octet-stream;q=1", true)).toBe("ssz");
    expect(chooseResponseFormat("application/octet-stream", false)).toBeNull();
    expect(chooseResponseFormat("application/octet-stream,application/json;q=0", true)).toBe("ssz");
    expect(chooseResponseFormat("application/json;q=0", true)).toBeNull();
    expect(chooseResponseFormat("text/html", true)).toBeNull();
    expect(chooseResponseFormat("application/*;q=0.5", true)).toBe("json");
  });
});

describe("SSE parser", () => {
  it("frames split anywhere, CRLF, comments and multi-line data", () => {
    const got: [string, string][] = [];
    const p = new SseParser((e, d) => got.push([e, d]));
    const text = ': ping\r\n\r\nevent: head\r\ndata: {"a":1}\r\n\r\nevent:block\ndata: x\ndata: y\n\ndata: z\n\n';
    for (const ch of text) p.push(ch);
    expect(got).toEqual([
      ["head", '{"a":1}'],
      ["block", "x\ny"],
      ["message", "z"],
    ]);
  });
});
