import {createHash} from "node:crypto";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {defaultRegistry} from "../src/registry.ts";
import type {RunReport} from "../src/report.ts";
import {snappyCompress} from "../src/util/snappy.ts";
import {runPreset} from "../src/walk.ts";
import {FakeTree} from "./fakeTree.ts";

/** ssz_generic runner on handcrafted cases; roots computed by hand from the SSZ merkleization rules. */
const sha = (...chunks: Uint8Array[]) => new Uint8Array(createHash("sha256").update(Buffer.concat(chunks)).digest());
const chunk = (...bytes: number[]) => {
  const c = new Uint8Array(32);
  c.set(bytes);
  return c;
};

type Valid = {handler: string; name: string; ssz: number[]; value: string; root: Uint8Array};
const valid: Valid[] = [
  {handler: "uints", name: "uint_8_five", ssz: [5], value: "5", root: chunk(5)},
  {
    handler: "uints",
    name: "uint_64_max",
    ssz: Array(8).fill(0xff),
    value: "18446744073709551615",
    root: chunk(...Array(8).fill(0xff)),
  },
  {handler: "boolean", name: "true", ssz: [1], value: "true", root: chunk(1)},
  // bits 1,0,1 + delimiter bit 3 -> 0b1101; root = mix_in_length(chunk(0b101), 3)
  {handler: "bitlist", name: "bitlist_8_handmade", ssz: [0x0d], value: "'0x0d'", root: sha(chunk(0x05), chunk(3))},
  {handler: "bitvector", name: "bitvec_4_handmade", ssz: [0x09], value: "'0x09'", root: chunk(0x09)},
  {handler: "basic_vector", name: "vec_uint16_2_handmade", ssz: [1, 0, 2, 0], value: "[1, 2]", root: chunk(1, 0, 2, 0)},
  {
    handler: "containers",
    name: "SmallTestStruct_handmade",
    ssz: [1, 0, 2, 0],
    value: "{A: 1, B: 2}",
    root: sha(chunk(1, 0), chunk(2, 0)),
  },
];
type Invalid = {handler: string; name: string; ssz: number[]};
const invalid: Invalid[] = [
  {handler: "uints", name: "uint_8_one_byte_longer", ssz: [0xff, 0]},
  {handler: "boolean", name: "byte_2", ssz: [2]},
  {handler: "bitlist", name: "bitlist_4_no_delimiter_zero_byte", ssz: [0]},
  {handler: "bitlist", name: "bitlist_2_but_3", ssz: [0x0f]},
  {handler: "basic_vector", name: "vec_uint8_0", ssz: []},
  {handler: "containers", name: "SmallTestStruct_extra_byte", ssz: [1, 0, 2, 0, 0]},
];

describe("ssz_generic runner", () => {
  const t = new FakeTree();
  let report: RunReport;
  beforeAll(async () => {
    for (const c of valid) {
      t.addCase(`general/phase0/ssz_generic/${c.handler}/valid/${c.name}`, {
        "serialized.ssz_snappy": snappyCompress(new Uint8Array(c.ssz)),
        "value.yaml": `${c.value}\n`,
        "meta.yaml": `root: '${toHex(c.root)}'\n`,
      });
    }
    for (const c of invalid) {
      t.addCase(`general/phase0/ssz_generic/${c.handler}/invalid/${c.name}`, {
        "serialized.ssz_snappy": snappyCompress(new Uint8Array(c.ssz)),
      });
    }
    // wrong expectations that must fail
    t.addCase("general/phase0/ssz_generic/uints/valid/uint_16_WRONG_root", {
      "serialized.ssz_snappy": snappyCompress(new Uint8Array([1, 0])),
      "value.yaml": "1\n",
      "meta.yaml": `root: '${toHex(chunk(2))}'\n`,
    });
    t.addCase("general/phase0/ssz_generic/uints/invalid/uint_16_WRONG_actually_valid", {
      "serialized.ssz_snappy": snappyCompress(new Uint8Array([1, 0])),
    });
    report = await runPreset({testsDir: t.testsDir, preset: "general", registry: defaultRegistry, skips: []});
  });
  afterAll(() => t.remove());

  it("passes handcrafted valid and invalid cases and fails the wrong ones", () => {
    expect(report.failures.map((f) => f.case.split("/").pop()).sort()).toEqual([
      "uint_16_WRONG_actually_valid",
      "uint_16_WRONG_root",
    ]);
    expect(report.results.reduce((n, r) => n + r.passed, 0)).toBe(valid.length + invalid.length);
  });
});
