/** Block roots: hex ↔ bytes, hash_tree_root of a block of the fork active at its slot, and the anchor block of a state. */
import type {BeaconConfig} from "@ceibo/config";
import type {CachedBeaconState, SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {forkTypes} from "@ceibo/state-transition";

/** Hex root → bytes: fork-choice's strict `fromRootHex` (one error naming the bad root), kept on chain's API. */
export {fromRootHex} from "@ceibo/fork-choice";

/** hash_tree_root of a block of the fork active at its slot. */
export function blockRootOf(config: BeaconConfig, block: SignedBeaconBlockAllForks["message"]): Uint8Array {
  const type = forkTypes(config.getForkSeq(block.slot)).BeaconBlock as unknown as {
    hashTreeRoot(v: unknown): Uint8Array;
  };
  return type.hashTreeRoot(block);
}

/**
 * The anchor block of a genesis state: its latest_block_header with the state root filled in and an empty body
 * (interop genesis commits the header to the fork's empty BeaconBlockBody).
 */
export function genesisBlockOf(cs: CachedBeaconState): SignedBeaconBlockAllForks {
  const header = cs.state.latestBlockHeader.toValue();
  const types = forkTypes(cs.fork) as unknown as {BeaconBlockBody: {defaultValue(): unknown}};
  const message = {
    slot: header.slot,
    proposerIndex: header.proposerIndex,
    parentRoot: header.parentRoot,
    stateRoot: cs.state.hashTreeRoot(),
    body: types.BeaconBlockBody.defaultValue(),
  } as SignedBeaconBlockAllForks["message"];
  return {message, signature: new Uint8Array(96)};
}
