import {bytesEqual, fromHex, toHex} from "@ceibo/utils";
import {
  aggregatePublicKeys,
  aggregateSignatures,
  aggregateVerify,
  fastAggregateVerify,
  PublicKey,
  SecretKey,
  Signature,
  verify,
  verifyMultipleAggregateSignatures,
} from "@chainsafe/blst";
import type {CaseFn} from "../caseFn.ts";
import type {TestCase} from "../util/testCase.ts";
import {field} from "../util/yaml.ts";

/**
 * bls/<handler>: data.yaml {input, output}. Outputs are a hex value or null (invalid input) for sign/aggregate/
 * eth_aggregate_pubkeys, and a bool for the verify handlers. Every decoding error of an input is an invalid
 * input (null / false), never a runner error.
 */

const G2_POINT_AT_INFINITY = new Uint8Array(96);
G2_POINT_AT_INFINITY[0] = 0xc0;

/** Pubkey as the spec uses it: KeyValidate (on the curve, in the subgroup, not infinity). */
function pubkey(hex: unknown): PublicKey {
  return PublicKey.fromBytes(fromHex(hex, "pubkey"), true);
}

/** Signature: on the curve and in the subgroup; infinity is a valid signature point. */
function signature(hex: unknown): Signature {
  return Signature.fromBytes(fromHex(hex, "signature"), true, false);
}

function hexList(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw Error(`${what}: expected a list`);
  return value;
}

/** `undefined` means the operation rejected its input (expected output null / false). */
function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: YAML input, validated field by field
type BlsOp = (input: any) => string | boolean | null;

const ops: Record<string, BlsOp> = {
  sign: (input) =>
    attempt(() => {
      const sk = SecretKey.fromBytes(fromHex(input.privkey, "privkey"));
      return toHex(sk.sign(fromHex(input.message, "message")).toBytes(true));
    }) ?? null,

  verify: (input) =>
    attempt(() =>
      verify(fromHex(input.message, "message"), pubkey(input.pubkey), signature(input.signature), true, true),
    ) ?? false,

  aggregate: (input) =>
    attempt(() => {
      const sigs = hexList(input, "input").map(signature);
      if (sigs.length === 0) throw Error("empty");
      return toHex(aggregateSignatures(sigs, true).toBytes(true));
    }) ?? null,

  fast_aggregate_verify: (input) => fastAggregateVerifyOp(input, false),
  eth_fast_aggregate_verify: (input) => fastAggregateVerifyOp(input, true),

  aggregate_verify: (input) =>
    attempt(() => {
      const pks = hexList(input.pubkeys, "pubkeys").map(pubkey);
      const msgs = hexList(input.messages, "messages").map((m) => fromHex(m, "message"));
      if (pks.length === 0 || pks.length !== msgs.length) return false;
      return aggregateVerify(msgs, pks, signature(input.signature), true, true);
    }) ?? false,

  eth_aggregate_pubkeys: (input) =>
    attempt(() => {
      const pks = hexList(input, "input").map(pubkey);
      if (pks.length === 0) throw Error("empty");
      return toHex(aggregatePublicKeys(pks, true).toBytes(true));
    }) ?? null,

  batch_verify: (input) =>
    attempt(() => {
      const pks = hexList(input.pubkeys, "pubkeys").map(pubkey);
      const msgs = hexList(input.messages, "messages").map((m) => fromHex(m, "message"));
      const sigs = hexList(input.signatures, "signatures").map(signature);
      if (pks.length === 0 || pks.length !== msgs.length || pks.length !== sigs.length) return false;
      return verifyMultipleAggregateSignatures(
        pks.map((pk, i) => ({pk, msg: msgs[i], sig: sigs[i]})),
        true,
        true,
      );
    }) ?? false,
};

/**
 * FastAggregateVerify; the eth_ variant (altair `eth_fast_aggregate_verify`) also accepts an empty pubkey list
 * with the G2 point at infinity as signature.
 */
// biome-ignore lint/suspicious/noExplicitAny: YAML input, validated field by field
function fastAggregateVerifyOp(input: any, eth: boolean): boolean {
  return (
    attempt(() => {
      const pkHexes = hexList(input.pubkeys, "pubkeys");
      if (pkHexes.length === 0) {
        return eth && bytesEqual(fromHex(input.signature, "signature"), G2_POINT_AT_INFINITY);
      }
      const pks = pkHexes.map(pubkey);
      return fastAggregateVerify(fromHex(input.message, "message"), pks, signature(input.signature), true);
    }) ?? false
  );
}

function normalizeExpected(output: unknown): string | boolean | null {
  if (output === null || output === undefined) return null;
  if (typeof output === "boolean") return output;
  if (typeof output === "string") return toHex(fromHex(output, "output"));
  throw Error(`data.yaml: unexpected output ${JSON.stringify(String(output))}`);
}

export function blsHandler(handler: string): CaseFn {
  const op = Object.hasOwn(ops, handler) ? ops[handler] : undefined;
  if (op === undefined) throw Error(`bls/${handler}: not implemented`);
  return (tc: TestCase) => {
    const data = tc.readYaml("data");
    const input = field(data, "input", "data.yaml");
    const expected = normalizeExpected(field(data, "output", "data.yaml"));
    const actual = op(input);
    if (actual !== expected) {
      throw Error(`bls/${handler}: got ${String(actual)}, expected ${String(expected)}`);
    }
  };
}
