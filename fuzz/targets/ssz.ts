/**
 * SSZ decoding of every type of every fork (@ceibo/types): the first two bytes pick the type, the rest is
 * decoded both as a value (`deserialize`, what req/resp and gossip do) and, for composite types, as a tree view
 * (`deserializeToViewDU`, what state loading does). A decoded value (and view) must re-encode stably: its
 * encoding decodes to one that serializes to the same bytes. (Not byte equality with the input: uint64 fields typed as JS
 * numbers lose precision above 2^53 — a deliberate @chainsafe/ssz trade-off, as in Lodestar — so an input with
 * such a value re-encodes differently; the fuzzer found this in the first minute.) Expected: plain `Error` (how @chainsafe/ssz reports malformed input).
 * Contract of the callers: @chainsafe/ssz throws RangeError (a DataView read) for input shorter than the type's
 * `minSize`, so every decoding site checks `minSize <= length <= maxSize` first (req/resp: LENGTH_UNDER_SSZ_MIN_SIZE);
 * the target does the same, and within those bounds anything but a plain Error is a crash.
 */

import {ForkName} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual, concatBytes} from "@ceibo/utils";
import {type FuzzTarget, InvariantViolation, isPlainError, isSszOffsetRangeError, select, selector} from "../target.ts";

interface SszType {
  deserialize(b: Uint8Array): unknown;
  serialize(v: unknown): Uint8Array;
  defaultValue(): unknown;
  deserializeToViewDU?(b: Uint8Array): {serialize(): Uint8Array};
  isBasic?: boolean;
  minSize: number;
  maxSize: number;
}

const MAX_SEED_BYTES = 16 * 1024;

export function typesOfFork(fork: string): {name: string; type: SszType}[] {
  const ns = (ssz as unknown as Record<string, Record<string, unknown>>)[fork];
  return Object.entries(ns)
    .filter(([, t]) => typeof (t as SszType)?.deserialize === "function")
    .map(([name, t]) => ({name, type: t as SszType}))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function sszTarget(fork: string): FuzzTarget {
  const types = typesOfFork(fork);
  return {
    name: `ssz-${fork}`,
    description: `deserialize / deserializeToViewDU of the ${types.length} SSZ types of ssz.${fork}, round trip`,
    expected:
      "plain Error, or RangeError raised inside @chainsafe/ssz (an offset past the end), for input within minSize..maxSize",
    seeds() {
      const out: Uint8Array[] = [];
      types.forEach(({type}, i) => {
        const bytes = type.serialize(type.defaultValue());
        out.push(concatBytes(selector(i), bytes.length <= MAX_SEED_BYTES ? bytes : new Uint8Array(0)));
      });
      return out;
    },
    run(data) {
      const {index, rest} = select(data, types.length);
      const {name, type} = types[index];
      if (rest.length < type.minSize || rest.length > type.maxSize) return;
      const once = type.serialize(type.deserialize(rest));
      if (!bytesEqual(type.serialize(type.deserialize(once)), once)) {
        throw new InvariantViolation(`${fork}.${name}: re-encoding is not stable`);
      }
      if (type.deserializeToViewDU !== undefined && type.isBasic !== true) {
        const view = type.deserializeToViewDU(rest);
        // byte / bit vectors and lists have plain values as views; composite views serialize themselves, and must
        // re-encode stably too (their uint64 fields may be numbers as well, e.g. Validator's epochs)
        if (typeof view?.serialize === "function") {
          const viewOnce = view.serialize();
          const again = (type.deserializeToViewDU(viewOnce) as {serialize(): Uint8Array}).serialize();
          if (!bytesEqual(again, viewOnce)) {
            throw new InvariantViolation(`${fork}.${name}: view re-encoding is not stable`);
          }
        }
      }
    },
    isExpected: (e) => isPlainError(e) || isSszOffsetRangeError(e),
    expectsSszRangeError: true,
  };
}

export const sszTargets: FuzzTarget[] = Object.values(ForkName).map((fork) => sszTarget(fork));
