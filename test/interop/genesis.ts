/**
 * Lodestar's dev genesis next to ceibo's: decode Lodestar's genesis.ssz with ceibo's capella types, build ceibo's
 * interop genesis (createInteropGenesisState) for the same chain config / validator count / genesis time / eth1
 * block hash, and list the BeaconState fields whose hash_tree_root differ (with the differing sub-fields of the
 * fork and the execution payload header). Needs CEIBO_PRESET=minimal in the importing process.
 */

import {BeaconConfig, type ChainConfig, chainConfigFromYaml} from "@ceibo/config";
import {ACTIVE_PRESET_NAME, ForkSeq} from "@ceibo/params";
import {
  type CachedBeaconState,
  createCachedBeaconState,
  createInteropGenesisState,
  type SignedBeaconBlockAllForks,
  stateTransition,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import type {ValueOf} from "@chainsafe/ssz";

if (ACTIVE_PRESET_NAME !== "minimal") throw Error("test/interop/genesis.ts needs CEIBO_PRESET=minimal");

export type CapellaState = ValueOf<typeof ssz.capella.BeaconState>;

/** ceibo's ChainConfig of a Lodestar chain, from lodestarConfigYaml(spec). */
export function chainConfigOfLodestar(configYaml: string): ChainConfig {
  return chainConfigFromYaml(configYaml).config;
}

/** Lodestar's genesis.ssz as a capella BeaconState value (throws if it is not one). */
export function decodeCapellaState(bytes: Uint8Array): CapellaState {
  return ssz.capella.BeaconState.deserialize(bytes);
}

/** hash_tree_root of the genesis block (latest_block_header with state_root filled in), 0x hex. */
export function genesisBlockRoot(state: CapellaState): string {
  const header = {...state.latestBlockHeader};
  header.stateRoot = ssz.capella.BeaconState.hashTreeRoot(state);
  return toHex(ssz.phase0.BeaconBlockHeader.hashTreeRoot(header));
}

/** A BeaconConfig (fork digests, domains) for a chain config and a genesis state. */
export function beaconConfigFor(config: ChainConfig, state: CapellaState): BeaconConfig {
  return new BeaconConfig(config, state.genesisValidatorsRoot);
}

/** ceibo's interop genesis for the same parameters, as a capella BeaconState value. */
export function ceiboInteropGenesis(
  config: ChainConfig,
  opts: {validators: number; genesisTime: number; eth1BlockHash: Uint8Array},
): CapellaState {
  const cs = createInteropGenesisState(config, {
    validatorCount: opts.validators,
    genesisTime: opts.genesisTime,
    eth1BlockHash: opts.eth1BlockHash,
  });
  return ssz.capella.BeaconState.deserialize(cs.state.serialize());
}

export interface FieldDiff {
  field: string;
  lodestar: string;
  ceibo: string;
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === "object" && value !== null) {
    return JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v));
  }
  return String(value);
}

type Fields = Record<string, {hashTreeRoot(v: unknown): Uint8Array}>;

/**
 * The BeaconState fields (by hash_tree_root) that differ; for the small containers (fork, eth1_data,
 * latest_block_header, latest_execution_payload_header) each differing sub-field is listed instead.
 */
export function diffCapellaStates(lodestar: CapellaState, ceibo: CapellaState): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const stateFields = ssz.capella.BeaconState.fields as unknown as Fields;
  const containers: Record<string, Fields> = {
    fork: ssz.phase0.Fork.fields as unknown as Fields,
    eth1Data: ssz.phase0.Eth1Data.fields as unknown as Fields,
    latestBlockHeader: ssz.phase0.BeaconBlockHeader.fields as unknown as Fields,
    latestExecutionPayloadHeader: ssz.capella.ExecutionPayloadHeader.fields as unknown as Fields,
  };
  const l = lodestar as unknown as Record<string, Record<string, unknown>>;
  const c = ceibo as unknown as Record<string, Record<string, unknown>>;
  for (const [name, type] of Object.entries(stateFields)) {
    if (toHex(type.hashTreeRoot(l[name])) === toHex(type.hashTreeRoot(c[name]))) continue;
    const sub = containers[name];
    if (sub === undefined) {
      const small = ["genesisTime", "slot", "eth1DepositIndex", "genesisValidatorsRoot"].includes(name);
      diffs.push({
        field: name,
        lodestar: small ? show(l[name]) : `root ${toHex(type.hashTreeRoot(l[name]))}`,
        ceibo: small ? show(c[name]) : `root ${toHex(type.hashTreeRoot(c[name]))}`,
      });
      continue;
    }
    for (const [subName, subType] of Object.entries(sub)) {
      const a = l[name][subName];
      const b = c[name][subName];
      if (toHex(subType.hashTreeRoot(a)) !== toHex(subType.hashTreeRoot(b))) {
        diffs.push({field: `${name}.${subName}`, lodestar: show(a), ceibo: show(b)});
      }
    }
  }
  return diffs;
}

/**
 * Runs ceibo's state transition (signatures and state roots checked) over Lodestar's capella blocks, starting
 * from Lodestar's genesis.ssz. Returns the post state of the last block; throws on the first block ceibo rejects.
 */
export function replayCapellaBlocks(
  config: ChainConfig,
  genesisSsz: Uint8Array,
  signedBlocksSsz: Uint8Array[],
): CachedBeaconState {
  const state = ssz.capella.BeaconState.deserializeToViewDU(genesisSsz);
  let cs: CachedBeaconState = createCachedBeaconState(state, config, ForkSeq.capella);
  for (const bytes of signedBlocksSsz) {
    const block = ssz.capella.SignedBeaconBlock.deserialize(bytes) as unknown as SignedBeaconBlockAllForks;
    cs = stateTransition(cs, block, {verifySignatures: true, verifyStateRoot: true});
  }
  return cs;
}
