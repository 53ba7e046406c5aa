import {computeShuffledIndex, shuffleList, unshuffleList, unshuffleListFast} from "@ceibo/state-transition";
import {fromHex} from "@ceibo/utils";
import type {TestCase} from "../util/testCase.ts";
import {field, toNumber} from "../util/yaml.ts";

/**
 * shuffling/core: mapping.yaml {seed, count, mapping} with mapping[i] = compute_shuffled_index(i, count, seed).
 * Checks the per-index spec function and both whole-list versions.
 */
export function runShuffling(tc: TestCase): void {
  const data = tc.readYaml("mapping");
  const seed = fromHex(field(data, "seed", "mapping.yaml"), "seed");
  const count = toNumber(field(data, "count", "mapping.yaml"), "count");
  const rawMapping = field(data, "mapping", "mapping.yaml");
  if (!Array.isArray(rawMapping)) throw Error("mapping.yaml: mapping is not a list");
  const mapping = rawMapping.map((m, i) => toNumber(m, `mapping[${i}]`));
  if (mapping.length !== count) throw Error(`mapping has ${mapping.length} entries, count is ${count}`);

  for (let i = 0; i < count; i++) {
    const got = computeShuffledIndex(i, count, seed);
    if (got !== mapping[i]) throw Error(`computeShuffledIndex(${i}, ${count}) = ${got}, expected ${mapping[i]}`);
  }

  const identity = new Uint32Array(count);
  for (let i = 0; i < count; i++) identity[i] = i;
  const committeeOrder = unshuffleList(identity, seed);
  const committeeOrderFast = unshuffleListFast(identity, seed); // what the epoch cache uses (native when available)
  const forward = shuffleList(identity, seed);
  for (let i = 0; i < count; i++) {
    if (committeeOrderFast[i] !== mapping[i]) {
      throw Error(`unshuffleListFast: position ${i} holds ${committeeOrderFast[i]}, expected ${mapping[i]}`);
    }
    if (committeeOrder[i] !== mapping[i]) {
      throw Error(`unshuffleList: position ${i} holds ${committeeOrder[i]}, expected ${mapping[i]}`);
    }
    if (forward[mapping[i]] !== i) {
      throw Error(`shuffleList: position ${mapping[i]} holds ${forward[mapping[i]]}, expected ${i}`);
    }
  }
}
