import {EXECUTION_PAYLOAD_GINDEX} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {createProof, ProofType, type SingleProof} from "@chainsafe/persistent-merkle-tree";
import {computeEpochAtSlot} from "../util/epoch.ts";
import {normalizeMerkleBranch} from "./syncProtocol.ts";
import {
  CURRENT_SYNC_COMMITTEE_GINDEX_GLOAS,
  EXECUTION_BLOCK_HASH_GINDEX_GLOAS,
  FINALIZED_ROOT_GINDEX_GLOAS,
  type LightClientBootstrap,
  type LightClientFinalityUpdate,
  type LightClientForkName,
  type LightClientForkSchedule,
  type LightClientHeader,
  type LightClientOptimisticUpdate,
  type LightClientUpdate,
  NEXT_SYNC_COMMITTEE_GINDEX_GLOAS,
} from "./types.ts";

/**
 * Older light-client data in gloas form: upgrade_lc_*_to_gloas of
 * https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/fork.md#upgrading-light-client-data
 * applied to altair, capella, deneb or electra data (the chain of upgrades before it only adds empty execution
 * data and normalizes branches, which this does in one step).
 */

// biome-ignore lint/suspicious/noExplicitAny: a light-client header of any fork's SSZ form
type AnyForkHeader = {beacon: LightClientHeader["beacon"]; execution?: any; executionBranch?: Uint8Array[]};
// biome-ignore lint/suspicious/noExplicitAny: light-client data of any fork's SSZ form
type AnyForkData = any;

const floorlog2 = (x: number): number => Math.floor(Math.log2(x));

function isDefaultForkHeader(fork: LightClientForkName, h: AnyForkHeader): boolean {
  if (fork === "gloas") return false;
  const type = fork === "electra" ? ssz.deneb.LightClientHeader : ssz[fork].LightClientHeader;
  return (type as {equals(a: unknown, b: unknown): boolean}).equals(h, type.defaultValue());
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/fork.md#upgrading-light-client-data (upgrade_lc_header_to_gloas) */
export function upgradeLcHeaderToGloas(
  cfg: LightClientForkSchedule,
  fork: LightClientForkName,
  pre: AnyForkHeader,
): LightClientHeader {
  if (fork === "gloas") return pre as unknown as LightClientHeader;
  const empty = (): LightClientHeader => ({
    beacon: pre.beacon,
    executionBlockHash: new Uint8Array(32),
    executionBranch: Array.from({length: floorlog2(EXECUTION_BLOCK_HASH_GINDEX_GLOAS)}, () => new Uint8Array(32)),
  });
  if (isDefaultForkHeader(fork, pre)) return {...empty(), beacon: ssz.phase0.BeaconBlockHeader.defaultValue()};
  const epoch = computeEpochAtSlot(pre.beacon.slot);
  if (epoch < cfg.CAPELLA_FORK_EPOCH) return empty();
  const payloadType =
    epoch >= cfg.DENEB_FORK_EPOCH ? ssz.deneb.ExecutionPayloadHeader : ssz.capella.ExecutionPayloadHeader;
  // a capella-epoch header inside deneb data: the capella fields of it (the SSZ view takes only its own fields)
  const execution = pre.execution ?? payloadType.defaultValue();
  const preBranch =
    pre.executionBranch ?? Array.from({length: floorlog2(EXECUTION_PAYLOAD_GINDEX)}, () => new Uint8Array(32));
  const view = (payloadType as typeof ssz.deneb.ExecutionPayloadHeader).toView(execution);
  const gindex = (payloadType as typeof ssz.deneb.ExecutionPayloadHeader).getPathInfo(["blockHash"]).gindex;
  const proof = createProof(view.node, {type: ProofType.single, gindex: BigInt(gindex)}) as SingleProof;
  return {
    beacon: pre.beacon,
    executionBlockHash: execution.blockHash,
    executionBranch: normalizeMerkleBranch([...proof.witnesses, ...preBranch], EXECUTION_BLOCK_HASH_GINDEX_GLOAS),
  };
}

/**
 * upgrade_lc_bootstrap_to_gloas
 * Spec: `upgrade_lc_bootstrap_to_gloas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/fork.md#upgrading-light-client-data
 */
export function upgradeLcBootstrapToGloas(
  cfg: LightClientForkSchedule,
  fork: LightClientForkName,
  pre: AnyForkData,
): LightClientBootstrap {
  return {
    header: upgradeLcHeaderToGloas(cfg, fork, pre.header),
    currentSyncCommittee: pre.currentSyncCommittee,
    currentSyncCommitteeBranch: normalizeMerkleBranch(
      pre.currentSyncCommitteeBranch,
      CURRENT_SYNC_COMMITTEE_GINDEX_GLOAS,
    ),
  };
}

/**
 * upgrade_lc_update_to_gloas
 * Spec: `upgrade_lc_update_to_gloas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/fork.md#upgrading-light-client-data
 */
export function upgradeLcUpdateToGloas(
  cfg: LightClientForkSchedule,
  fork: LightClientForkName,
  pre: AnyForkData,
): LightClientUpdate {
  return {
    attestedHeader: upgradeLcHeaderToGloas(cfg, fork, pre.attestedHeader),
    nextSyncCommittee: pre.nextSyncCommittee,
    nextSyncCommitteeBranch: normalizeMerkleBranch(pre.nextSyncCommitteeBranch, NEXT_SYNC_COMMITTEE_GINDEX_GLOAS),
    finalizedHeader: upgradeLcHeaderToGloas(cfg, fork, pre.finalizedHeader),
    finalityBranch: normalizeMerkleBranch(pre.finalityBranch, FINALIZED_ROOT_GINDEX_GLOAS),
    syncAggregate: pre.syncAggregate,
    signatureSlot: pre.signatureSlot,
  };
}

/**
 * upgrade_lc_finality_update_to_gloas
 * Spec: `upgrade_lc_finality_update_to_gloas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/fork.md#upgrading-light-client-data
 */
export function upgradeLcFinalityUpdateToGloas(
  cfg: LightClientForkSchedule,
  fork: LightClientForkName,
  pre: AnyForkData,
): LightClientFinalityUpdate {
  return {
    attestedHeader: upgradeLcHeaderToGloas(cfg, fork, pre.attestedHeader),
    finalizedHeader: upgradeLcHeaderToGloas(cfg, fork, pre.finalizedHeader),
    finalityBranch: normalizeMerkleBranch(pre.finalityBranch, FINALIZED_ROOT_GINDEX_GLOAS),
    syncAggregate: pre.syncAggregate,
    signatureSlot: pre.signatureSlot,
  };
}

/**
 * upgrade_lc_optimistic_update_to_gloas
 * Spec: `upgrade_lc_optimistic_update_to_gloas` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/fork.md#upgrading-light-client-data
 */
export function upgradeLcOptimisticUpdateToGloas(
  cfg: LightClientForkSchedule,
  fork: LightClientForkName,
  pre: AnyForkData,
): LightClientOptimisticUpdate {
  return {
    attestedHeader: upgradeLcHeaderToGloas(cfg, fork, pre.attestedHeader),
    syncAggregate: pre.syncAggregate,
    signatureSlot: pre.signatureSlot,
  };
}
