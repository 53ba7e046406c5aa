import {type ForkName, isForkName} from "@ceibo/params";
import {sszTypesByName} from "@ceibo/types";
import {fromHex} from "@ceibo/utils";
import {isCompositeType, type Type} from "@chainsafe/ssz";
import {firstDiff} from "../util/diff.ts";
import {assertBytesEqual} from "../util/hex.ts";
import type {TestCase} from "../util/testCase.ts";
import {bigintsToStrings, field} from "../util/yaml.ts";

const typesByFork = new Map<ForkName, Record<string, Type<unknown>>>();
const nodeTypesByFork = new Map<ForkName, Record<string, Type<unknown>>>();

/** The fork's types as the node uses them (uint64 as number, 2**64-1 as Infinity). */
function nodeTypesOf(fork: ForkName): Record<string, Type<unknown>> {
  let types = nodeTypesByFork.get(fork);
  if (types === undefined) {
    types = sszTypesByName(fork);
    nodeTypesByFork.set(fork, types);
  }
  return types;
}

/**
 * The node's own (number) types on the same bytes. Where every uint64 of the value fits a JS number (always in
 * ssz_zero and ssz_max, where 2**64-1 maps to Infinity; often in the others) the round trip is exact and the root
 * must match. Cases with random uint64 above 2**53 cannot round-trip through numbers; those are covered by the
 * bigint types above.
 */
function checkNodeTypes(tc: TestCase, bytes: Uint8Array, root: Uint8Array): void {
  const type = nodeTypesOf(tc.fork as ForkName)[tc.handler];
  if (type === undefined) throw Error(`no node SSZ type "${tc.handler}" for fork ${tc.fork}`);
  const value = type.deserialize(bytes);
  const fits = Buffer.from(type.serialize(value)).equals(Buffer.from(bytes));
  // BeaconState/ssz_max sets every balance to 2**64-1: the node keeps balances as numbers (exact up to 2**53 Gwei,
  // ~9 million ETH per validator, far above any real balance), so that one value cannot round-trip.
  const mustFit = tc.suite === "ssz_zero" || (tc.suite === "ssz_max" && !(tc.handler === "BeaconState"));
  if (!fits) {
    if (mustFit) throw Error("node (number) types do not round-trip this value");
    return;
  }
  assertBytesEqual(type.hashTreeRoot(value), root, "node types: hashTreeRoot");
  if (isCompositeType(type)) {
    const view = type.deserializeToViewDU(bytes) as {hashTreeRoot(): Uint8Array};
    assertBytesEqual(view.hashTreeRoot(), root, "node types: deserializeToViewDU(bytes).hashTreeRoot()");
  }
}

/**
 * The fork's types by spec name, with uint64 as bigint: random cases hold uint64 values above 2**53 that the
 * node's number representation cannot carry exactly.
 */
function typesOf(fork: string): Record<string, Type<unknown>> {
  if (!isForkName(fork)) throw Error(`unknown fork "${fork}"`);
  let types = typesByFork.get(fork);
  if (types === undefined) {
    types = sszTypesByName(fork, {uint64: "bigint"});
    typesByFork.set(fork, types);
  }
  return types;
}

function toJsonSafe(type: Type<unknown>, value: unknown): unknown {
  try {
    return bigintsToStrings(type.toJson(value));
  } catch (e) {
    return `<toJson failed: ${(e as Error).message}>`;
  }
}

/**
 * ssz_static/<TypeName>: serialized.ssz_snappy, roots.yaml {root}, value.yaml.
 * Checks deserialize → hashTreeRoot and re-serialize, value.yaml → fromJson equality and serialization,
 * the tree-backed path (deserializeToViewDU → hashTreeRoot / serialize), and the toJson/fromJson round trip.
 */
export function runSszStatic(tc: TestCase): void {
  const types = typesOf(tc.fork);
  const type = Object.hasOwn(types, tc.handler) ? types[tc.handler] : undefined;
  if (type === undefined) throw Error(`no SSZ type "${tc.handler}" for fork ${tc.fork}`);

  const bytes = tc.readSsz("serialized");
  const root = fromHex(field(tc.readYaml("roots"), "root", "roots.yaml"), "root");

  let value: unknown;
  try {
    value = type.deserialize(bytes);
  } catch (e) {
    throw Error(`deserialize failed: ${(e as Error).message}`);
  }
  assertBytesEqual(type.hashTreeRoot(value), root, "hashTreeRoot");
  assertBytesEqual(type.serialize(value), bytes, "serialize(deserialize(bytes))");

  const yamlJson = bigintsToStrings(tc.readYaml("value"));
  let fromYaml: unknown;
  try {
    fromYaml = type.fromJson(yamlJson);
  } catch (e) {
    throw Error(`fromJson(value.yaml) failed: ${(e as Error).message}`);
  }
  if (!type.equals(fromYaml, value)) {
    const diff = firstDiff(toJsonSafe(type, value), toJsonSafe(type, fromYaml));
    throw Error(`value.yaml differs from the deserialized value${diff === undefined ? "" : ` at ${diff}`}`);
  }
  assertBytesEqual(type.serialize(fromYaml), bytes, "serialize(value.yaml)");

  if (isCompositeType(type)) {
    const view = type.deserializeToViewDU(bytes) as {hashTreeRoot(): Uint8Array; serialize(): Uint8Array};
    assertBytesEqual(view.hashTreeRoot(), root, "deserializeToViewDU(bytes).hashTreeRoot()");
    assertBytesEqual(view.serialize(), bytes, "deserializeToViewDU(bytes).serialize()");
  }

  checkNodeTypes(tc, bytes, root);

  const json = type.toJson(value);
  let back: unknown;
  try {
    back = type.fromJson(json);
  } catch (e) {
    throw Error(`fromJson(toJson(value)) failed: ${(e as Error).message}`);
  }
  if (!type.equals(back, value)) {
    const diff = firstDiff(toJsonSafe(type, value), toJsonSafe(type, back));
    throw Error(`toJson/fromJson round trip changed the value${diff === undefined ? "" : ` at ${diff}`}`);
  }
}
