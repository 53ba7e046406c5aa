import {type ForkName, isForkName} from "@ceibo/params";
import {isValidMerkleBranch} from "@ceibo/state-transition";
import {sszTypesByName} from "@ceibo/types";
import {fromHex} from "@ceibo/utils";
import {createProof, ProofType, type SingleProof} from "@chainsafe/persistent-merkle-tree";
import {type CompositeType, isCompositeType} from "@chainsafe/ssz";
import {assertBytesEqual} from "../util/hex.ts";
import type {TestCase} from "../util/testCase.ts";
import {toNumber} from "../util/yaml.ts";

/**
 * light_client/single_merkle_proof and merkle_proof/single_merkle_proof: `object` of the suite's SSZ type and
 * proof.yaml {leaf, leaf_index, branch}. Checks is_valid_merkle_branch against hash_tree_root(object), and that
 * the proof ceibo generates from its own tree equals `branch`.
 */
export function runSingleMerkleProof(tc: TestCase): void {
  if (!isForkName(tc.fork)) throw Error(`unknown fork "${tc.fork}"`);
  // bigint uint64s: random objects hold uint64 values above 2**53 (see runners/sszStatic.ts)
  const type = sszTypesByName(tc.fork as ForkName, {uint64: "bigint"})[tc.suite];
  if (type === undefined || !isCompositeType(type)) throw Error(`no composite SSZ type "${tc.suite}" for ${tc.fork}`);
  const proof = tc.readYaml("proof") as {leaf: string; leaf_index: bigint; branch: string[]};
  const leaf = fromHex(proof.leaf, "leaf");
  const gindex = toNumber(proof.leaf_index, "leaf_index");
  const branch = proof.branch.map((b, i) => fromHex(b, `branch[${i}]`));
  const view = (type as CompositeType<unknown, {node: unknown; hashTreeRoot(): Uint8Array}, unknown>).deserializeToView(
    tc.readSsz("object"),
  );
  const root = view.hashTreeRoot();
  const depth = Math.floor(Math.log2(gindex));
  const index = gindex % 2 ** depth;
  if (!isValidMerkleBranch(leaf, branch, depth, index, root)) {
    throw Error(`is_valid_merkle_branch rejected the vector's branch for gindex ${gindex}`);
  }
  const own = createProof(view.node as Parameters<typeof createProof>[0], {
    type: ProofType.single,
    gindex: BigInt(gindex),
  }) as SingleProof;
  assertBytesEqual(own.leaf, leaf, "generated proof leaf");
  if (own.witnesses.length !== branch.length) {
    throw Error(`generated branch has ${own.witnesses.length} nodes, expected ${branch.length}`);
  }
  // createProof's witnesses run from the leaf up, like the spec's branch
  const ownBranch = own.witnesses;
  for (let i = 0; i < branch.length; i++) assertBytesEqual(ownBranch[i], branch[i], `generated branch[${i}]`);
}
