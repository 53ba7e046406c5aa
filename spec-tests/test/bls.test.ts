import {toHex} from "@ceibo/utils";
import {aggregateSignatures, SecretKey} from "@chainsafe/blst";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {defaultRegistry} from "../src/registry.ts";
import type {RunReport} from "../src/report.ts";
import {runPreset} from "../src/walk.ts";
import {FakeTree} from "./fakeTree.ts";

/**
 * The bls runner against a handcrafted tree in the official layout (tests/general/phase0/bls/<handler>/bls/<case>/
 * data.yaml). Expected values come from BLS algebra, not from the code under test:
 * - sign(a, m) + sign(b, m) = sign(a + b mod r, m) and pk(a) + pk(b) = pk(a + b mod r) (linearity),
 * - the spec's special cases (empty inputs, the infinity points, zero secret key).
 */
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const skBytes = (n: bigint) => new Uint8Array(Buffer.from(n.toString(16).padStart(64, "0"), "hex"));
const sk = (n: bigint) => SecretKey.fromBytes(skBytes(n));

const A = R - 5n; // a + b wraps around r
const B = 7n;
const SUM = (A + B) % R; // = 2
const M1 = new Uint8Array(32).fill(0x56);
const M2 = new Uint8Array(32).fill(0xab);
const PK_INFINITY = `0xc0${"00".repeat(47)}`;
const SIG_INFINITY = `0xc0${"00".repeat(95)}`;

const pkA = toHex(sk(A).toPublicKey().toBytes());
const pkB = toHex(sk(B).toPublicKey().toBytes());
const pkSum = toHex(sk(SUM).toPublicKey().toBytes());
const sigA1 = sk(A).sign(M1);
const sigB1 = sk(B).sign(M1);
const sigB2 = sk(B).sign(M2);
const sigSum1 = toHex(sk(SUM).sign(M1).toBytes());

function yaml(input: unknown, output: unknown): string {
  return `${JSON.stringify({input, output})}\n`; // JSON is YAML
}

type Case = {handler: string; name: string; input: unknown; output: unknown};
const cases: Case[] = [
  {handler: "sign", name: "sign_sum_key", input: {privkey: toHex(skBytes(SUM)), message: toHex(M1)}, output: sigSum1},
  {
    handler: "sign",
    name: "sign_zero_privkey",
    input: {privkey: toHex(new Uint8Array(32)), message: toHex(M1)},
    output: null,
  },
  {handler: "sign", name: "sign_privkey_r", input: {privkey: toHex(skBytes(R)), message: toHex(M1)}, output: null},

  {
    handler: "verify",
    name: "verify_valid",
    input: {pubkey: pkA, message: toHex(M1), signature: toHex(sigA1.toBytes())},
    output: true,
  },
  {
    handler: "verify",
    name: "verify_wrong_message",
    input: {pubkey: pkA, message: toHex(M2), signature: toHex(sigA1.toBytes())},
    output: false,
  },
  {
    handler: "verify",
    name: "verify_wrong_pubkey",
    input: {pubkey: pkB, message: toHex(M1), signature: toHex(sigA1.toBytes())},
    output: false,
  },
  {
    handler: "verify",
    name: "verify_infinity_pubkey_and_signature",
    input: {pubkey: PK_INFINITY, message: toHex(M1), signature: SIG_INFINITY},
    output: false,
  },
  {
    handler: "verify",
    name: "verify_garbage_signature",
    input: {pubkey: pkA, message: toHex(M1), signature: `0x${"ff".repeat(96)}`},
    output: false,
  },

  {
    handler: "aggregate",
    name: "aggregate_linear",
    input: [toHex(sigA1.toBytes()), toHex(sigB1.toBytes())],
    output: sigSum1,
  },
  {handler: "aggregate", name: "aggregate_single", input: [toHex(sigB2.toBytes())], output: toHex(sigB2.toBytes())},
  {handler: "aggregate", name: "aggregate_empty", input: [], output: null},
  {handler: "aggregate", name: "aggregate_infinity", input: [SIG_INFINITY], output: SIG_INFINITY},

  {handler: "eth_aggregate_pubkeys", name: "pubkeys_linear", input: [pkA, pkB], output: pkSum},
  {handler: "eth_aggregate_pubkeys", name: "pubkeys_empty", input: [], output: null},
  {handler: "eth_aggregate_pubkeys", name: "pubkeys_infinity", input: [pkA, PK_INFINITY], output: null},

  {
    handler: "fast_aggregate_verify",
    name: "fav_valid",
    input: {pubkeys: [pkA, pkB], message: toHex(M1), signature: sigSum1},
    output: true,
  },
  {
    handler: "fast_aggregate_verify",
    name: "fav_missing_key",
    input: {pubkeys: [pkA], message: toHex(M1), signature: sigSum1},
    output: false,
  },
  {
    handler: "fast_aggregate_verify",
    name: "fav_empty_infinity",
    input: {pubkeys: [], message: toHex(M1), signature: SIG_INFINITY},
    output: false,
  },
  {
    handler: "eth_fast_aggregate_verify",
    name: "efav_empty_infinity",
    input: {pubkeys: [], message: toHex(M1), signature: SIG_INFINITY},
    output: true,
  },
  {
    handler: "eth_fast_aggregate_verify",
    name: "efav_empty_other_sig",
    input: {pubkeys: [], message: toHex(M1), signature: sigSum1},
    output: false,
  },
  {
    handler: "eth_fast_aggregate_verify",
    name: "efav_valid",
    input: {pubkeys: [pkA, pkB], message: toHex(M1), signature: sigSum1},
    output: true,
  },

  {
    handler: "aggregate_verify",
    name: "av_valid",
    input: {
      pubkeys: [pkA, pkB],
      messages: [toHex(M1), toHex(M2)],
      signature: toHex(aggregateSignatures([sigA1, sigB2]).toBytes()),
    },
    output: true,
  },
  {
    handler: "aggregate_verify",
    name: "av_swapped_messages",
    input: {
      pubkeys: [pkA, pkB],
      messages: [toHex(M2), toHex(M1)],
      signature: toHex(aggregateSignatures([sigA1, sigB2]).toBytes()),
    },
    output: false,
  },
  {
    handler: "aggregate_verify",
    name: "av_empty_infinity",
    input: {pubkeys: [], messages: [], signature: SIG_INFINITY},
    output: false,
  },

  {
    handler: "batch_verify",
    name: "batch_valid",
    input: {
      pubkeys: [pkA, pkB],
      messages: [toHex(M1), toHex(M2)],
      signatures: [toHex(sigA1.toBytes()), toHex(sigB2.toBytes())],
    },
    output: true,
  },
  {
    handler: "batch_verify",
    name: "batch_one_bad",
    input: {
      pubkeys: [pkA, pkB],
      messages: [toHex(M1), toHex(M1)],
      signatures: [toHex(sigA1.toBytes()), toHex(sigB2.toBytes())],
    },
    output: false,
  },

  // wrong expectations: the runner must report these as failures
  {
    handler: "verify",
    name: "WRONG_verify_expects_false",
    input: {pubkey: pkA, message: toHex(M1), signature: toHex(sigA1.toBytes())},
    output: false,
  },
  {
    handler: "sign",
    name: "WRONG_sign_expects_other_sig",
    input: {privkey: toHex(skBytes(A)), message: toHex(M1)},
    output: sigSum1,
  },
];

describe("bls runner", () => {
  const t = new FakeTree();
  let report: RunReport;
  beforeAll(async () => {
    for (const c of cases)
      t.addCase(`general/phase0/bls/${c.handler}/bls/${c.name}`, {"data.yaml": yaml(c.input, c.output)});
    report = await runPreset({testsDir: t.testsDir, preset: "general", registry: defaultRegistry, skips: []});
  });
  afterAll(() => t.remove());

  it("passes every correct case and fails exactly the wrong expectations", () => {
    expect(report.failures.map((f) => f.case.split("/").pop()).sort()).toEqual([
      "WRONG_sign_expects_other_sig",
      "WRONG_verify_expects_false",
    ]);
    const passed = report.results.reduce((n, r) => n + r.passed, 0);
    expect(passed).toBe(cases.length - 2);
  });

  it("covers every bls handler", () => {
    expect(new Set(report.results.map((r) => r.handler))).toEqual(
      new Set([
        "sign",
        "verify",
        "aggregate",
        "eth_aggregate_pubkeys",
        "fast_aggregate_verify",
        "eth_fast_aggregate_verify",
        "aggregate_verify",
        "batch_verify",
      ]),
    );
  });
});
