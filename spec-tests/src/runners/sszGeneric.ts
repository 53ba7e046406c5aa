import {fromHex, toHex} from "@ceibo/utils";
import {isCompositeType} from "@chainsafe/ssz";
import type {CaseFn} from "../caseFn.ts";
import {firstDiff} from "../util/diff.ts";
import {assertBytesEqual} from "../util/hex.ts";
import type {TestCase} from "../util/testCase.ts";
import {bigintsToStrings, field} from "../util/yaml.ts";
import {typeForCase} from "./sszGenericTypes.ts";

/**
 * ssz_generic/<handler>/{valid,invalid}/<case>: the type comes from the case name.
 * valid: serialized.ssz_snappy, value.yaml, meta.yaml {root} — decode, encode, compare, hash.
 * invalid: serialized.ssz_snappy only — decoding (or even building the declared type) must fail.
 */
function runValid(tc: TestCase): void {
  const type = typeForCase(tc.handler, tc.name);
  const bytes = tc.readSsz("serialized");
  const root = fromHex(field(tc.meta(), "root", "meta.yaml"), "root");
  const value = type.deserialize(bytes);
  assertBytesEqual(type.hashTreeRoot(value), root, "hashTreeRoot");
  assertBytesEqual(type.serialize(value), bytes, "serialize(deserialize(bytes))");
  const fromYaml = type.fromJson(bigintsToStrings(tc.readYaml("value")));
  if (!type.equals(fromYaml, value)) {
    const diff = firstDiff(bigintsToStrings(type.toJson(value)), bigintsToStrings(type.toJson(fromYaml)));
    throw Error(`value.yaml differs from the deserialized value${diff === undefined ? "" : ` at ${diff}`}`);
  }
  assertBytesEqual(type.serialize(fromYaml), bytes, "serialize(value.yaml)");
  if (isCompositeType(type)) {
    const view = type.deserializeToViewDU(bytes) as {hashTreeRoot(): Uint8Array; serialize(): Uint8Array};
    assertBytesEqual(view.hashTreeRoot(), root, "deserializeToViewDU(bytes).hashTreeRoot()");
    assertBytesEqual(view.serialize(), bytes, "deserializeToViewDU(bytes).serialize()");
  }
}

function runInvalid(tc: TestCase): void {
  const bytes = tc.readSsz("serialized");
  let type: ReturnType<typeof typeForCase>;
  try {
    type = typeForCase(tc.handler, tc.name);
  } catch {
    return; // the declared type itself is invalid (e.g. a zero-length vector): that is a valid rejection
  }
  let decoded: unknown;
  try {
    decoded = type.deserialize(bytes);
  } catch {
    // value path rejects; the tree path must reject too
    if (isCompositeType(type)) {
      try {
        type.deserializeToViewDU(bytes);
      } catch {
        return;
      }
      throw Error(`invalid bytes ${abbrev(bytes)} accepted by deserializeToViewDU as ${type.typeName}`);
    }
    return;
  }
  throw Error(`invalid bytes ${abbrev(bytes)} deserialized as ${type.typeName}: ${short(decoded, type)}`);
}

function abbrev(bytes: Uint8Array): string {
  const hex = toHex(bytes);
  return hex.length > 66 ? `${hex.slice(0, 66)}… (${bytes.length} bytes)` : hex;
}

function short(value: unknown, type: ReturnType<typeof typeForCase>): string {
  try {
    const s = JSON.stringify(bigintsToStrings(type.toJson(value)));
    return s.length > 120 ? `${s.slice(0, 120)}…` : s;
  } catch {
    return String(value);
  }
}

export function sszGenericHandler(_handler: string): CaseFn {
  return (tc: TestCase) => {
    if (tc.suite === "valid") runValid(tc);
    else if (tc.suite === "invalid") runInvalid(tc);
    else throw Error(`ssz_generic: unknown suite "${tc.suite}" (expected valid or invalid)`);
  };
}
