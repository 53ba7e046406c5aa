import type {ForkName} from "@ceibo/params";
import {EXECUTION_PAYLOAD_GINDEX, MIN_SYNC_COMMITTEE_PARTICIPANTS} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import {createProof, type Node, ProofType, type SingleProof} from "@chainsafe/persistent-merkle-tree";
import {LightClientError} from "../errors.ts";
import type {BeaconStateAllForks, SignedBeaconBlockAllForks} from "../types.ts";
import {computeEpochAtSlot} from "../util/epoch.ts";
import {
  computeSyncCommitteePeriodAtSlot,
  currentSyncCommitteeGindexAtSlot,
  finalizedRootGindexAtSlot,
  nextSyncCommitteeGindexAtSlot,
} from "./syncProtocol.ts";
import {type LightClientForkName, type LightClientForkSchedule, lightClientTypes} from "./types.ts";

/**
 * The full-node side of the light-client protocol: deriving light-client data from blocks and their post-states,
 * https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/full-node.md and the capella
 * and deneb modifications. The data is produced in the SSZ form of the fork it belongs to (`fork` of the result);
 * gloas data is not produced (ceibo has no gloas beacon state).
 */

// biome-ignore lint/suspicious/noExplicitAny: light-client data of one fork's SSZ form (see `fork`)
type ForkData = any;

/** Light-client data tagged with the fork whose SSZ form it has. */
export interface ForkedLightClientData<T = ForkData> {
  fork: Exclude<LightClientForkName, "gloas">;
  data: T;
}

const LC_FORK_ORDER: LightClientForkName[] = ["altair", "capella", "deneb", "electra", "gloas"];

/** The light-client data form of the fork active at `slot`. */
export function lightClientForkAtSlot(cfg: LightClientForkSchedule, slot: number): LightClientForkName {
  const epoch = computeEpochAtSlot(slot);
  if (epoch >= cfg.GLOAS_FORK_EPOCH) return "gloas";
  if (epoch >= cfg.ELECTRA_FORK_EPOCH) return "electra";
  if (epoch >= cfg.DENEB_FORK_EPOCH) return "deneb";
  if (epoch >= cfg.CAPELLA_FORK_EPOCH) return "capella";
  return "altair";
}

/**
 * phase0/altair compute_merkle_proof over a tree-backed SSZ object: the branch from the leaf up.
 * Spec: `compute_merkle_proof` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/full-node.md#compute_merkle_proof
 */
export function computeMerkleProof(node: Node, gindex: number): Uint8Array[] {
  return (createProof(node, {type: ProofType.single, gindex: BigInt(gindex)}) as SingleProof).witnesses;
}

/**
 * block_to_light_client_header (altair, capella and deneb full-node.md) in the block's own light-client form
 * (`blockFork` is the fork of the block's SSZ type).
 * Spec: `block_to_light_client_header` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/light-client/full-node.md#modified-block_to_light_client_header (altair; modified in capella, deneb)
 */
export function blockToLightClientHeader(
  cfg: LightClientForkSchedule,
  block: SignedBeaconBlockAllForks,
  blockFork: ForkName,
): ForkedLightClientData {
  const msg = block.message;
  const bodyType = ssz[blockFork].BeaconBlockBody as unknown as {
    hashTreeRoot(v: unknown): Uint8Array;
    toView(v: unknown): {node: Node};
  };
  const beacon = {
    slot: msg.slot,
    proposerIndex: msg.proposerIndex,
    parentRoot: msg.parentRoot,
    stateRoot: msg.stateRoot,
    bodyRoot: bodyType.hashTreeRoot(msg.body),
  };
  const fork = lightClientForkAtSlot(cfg, msg.slot);
  if (fork === "gloas")
    throw new LightClientError({code: "NO_GLOAS_DATA"}, "no gloas light-client data: ceibo has no gloas blocks");
  if (fork === "altair") return {fork, data: {beacon}};
  // biome-ignore lint/suspicious/noExplicitAny: a capella+ block body
  const payload = (msg.body as any).executionPayload;
  const payloadType = ssz[blockFork as "capella"].ExecutionPayload;
  const execution: Record<string, unknown> = {
    parentHash: payload.parentHash,
    feeRecipient: payload.feeRecipient,
    stateRoot: payload.stateRoot,
    receiptsRoot: payload.receiptsRoot,
    logsBloom: payload.logsBloom,
    prevRandao: payload.prevRandao,
    blockNumber: payload.blockNumber,
    gasLimit: payload.gasLimit,
    gasUsed: payload.gasUsed,
    timestamp: payload.timestamp,
    extraData: payload.extraData,
    baseFeePerGas: payload.baseFeePerGas,
    blockHash: payload.blockHash,
    transactionsRoot: payloadType.fields.transactions.hashTreeRoot(payload.transactions),
    withdrawalsRoot: payloadType.fields.withdrawals.hashTreeRoot(payload.withdrawals),
  };
  if (fork !== "capella") {
    execution.blobGasUsed = payload.blobGasUsed;
    execution.excessBlobGas = payload.excessBlobGas;
  }
  const executionBranch = computeMerkleProof(bodyType.toView(msg.body).node, EXECUTION_PAYLOAD_GINDEX);
  return {fork, data: {beacon, execution, executionBranch}};
}

/**
 * upgrade_lc_header_to_capella / _to_deneb / _to_electra (capella, deneb and electra light-client fork.md): a
 * header of an older light-client form in the form of `to`.
 */
export function upgradeLcHeader(
  header: ForkedLightClientData,
  to: Exclude<LightClientForkName, "gloas">,
): ForkedLightClientData {
  const from = LC_FORK_ORDER.indexOf(header.fork);
  const target = LC_FORK_ORDER.indexOf(to);
  if (from > target)
    throw new LightClientError(
      {code: "CANNOT_UPGRADE", from: header.fork, to},
      `cannot turn ${header.fork} light-client data into ${to}`,
    );
  if (from === target) return header;
  let data = header.data;
  if (header.fork === "altair") {
    // upgrade_lc_header_to_capella: LightClientHeader(beacon=pre.beacon)
    data = {...ssz.capella.LightClientHeader.defaultValue(), beacon: data.beacon};
  }
  if (target >= LC_FORK_ORDER.indexOf("deneb") && from < LC_FORK_ORDER.indexOf("deneb")) {
    // upgrade_lc_header_to_deneb: the capella execution header with blob_gas_used = excess_blob_gas = 0
    data = {
      beacon: data.beacon,
      execution: {...data.execution, blobGasUsed: 0, excessBlobGas: 0},
      executionBranch: data.executionBranch,
    };
  }
  // electra: the deneb header as it is
  return {fork: to, data};
}

function assertThat(cond: boolean, what: string): asserts cond {
  if (!cond) throw new LightClientError({code: "CANNOT_CREATE", what}, `cannot create light-client data: ${what}`);
}

/** The header of the block a state is the post-state of (state.latest_block_header with its state root). */
function postStateBlockRoot(state: BeaconStateAllForks): Uint8Array {
  const header = ssz.phase0.BeaconBlockHeader.clone(state.latestBlockHeader.toValue());
  header.stateRoot = state.hashTreeRoot();
  return ssz.phase0.BeaconBlockHeader.hashTreeRoot(header);
}

function blockRoot(block: SignedBeaconBlockAllForks, fork: ForkName): Uint8Array {
  return (ssz[fork].BeaconBlock as unknown as {hashTreeRoot(v: unknown): Uint8Array}).hashTreeRoot(block.message);
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/full-node.md#create_light_client_bootstrap */
export function createLightClientBootstrap(
  cfg: LightClientForkSchedule,
  state: BeaconStateAllForks,
  block: SignedBeaconBlockAllForks,
  blockFork: ForkName,
): ForkedLightClientData {
  assertThat(computeEpochAtSlot(state.slot) >= cfg.ALTAIR_FORK_EPOCH, "state before altair");
  assertThat(state.slot === state.latestBlockHeader.slot, "state is not a block's immediate post-state");
  assertThat(bytesEqual(postStateBlockRoot(state), blockRoot(block, blockFork)), "state is not the block's post-state");
  const header = blockToLightClientHeader(cfg, block, blockFork);
  // biome-ignore lint/suspicious/noExplicitAny: an altair+ state
  const s = state as any;
  return {
    fork: header.fork,
    data: {
      header: header.data,
      currentSyncCommittee: s.currentSyncCommittee.toValue(),
      currentSyncCommitteeBranch: computeMerkleProof(state.node, currentSyncCommitteeGindexAtSlot(cfg, state.slot)),
    },
  };
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/full-node.md#create_light_client_update */
export function createLightClientUpdate(
  cfg: LightClientForkSchedule,
  state: BeaconStateAllForks,
  block: SignedBeaconBlockAllForks,
  blockFork: ForkName,
  attestedState: BeaconStateAllForks,
  attestedBlock: SignedBeaconBlockAllForks,
  attestedBlockFork: ForkName,
  finalizedBlock: {block: SignedBeaconBlockAllForks; fork: ForkName} | null,
): ForkedLightClientData {
  assertThat(computeEpochAtSlot(attestedState.slot) >= cfg.ALTAIR_FORK_EPOCH, "attested state before altair");
  // biome-ignore lint/suspicious/noExplicitAny: an altair+ block body
  const syncAggregate = (block.message.body as any).syncAggregate;
  assertThat(
    syncAggregate.syncCommitteeBits.getTrueBitIndexes().length >= MIN_SYNC_COMMITTEE_PARTICIPANTS,
    "too few sync committee participants",
  );
  assertThat(state.slot === state.latestBlockHeader.slot, "state is not a block's immediate post-state");
  assertThat(bytesEqual(postStateBlockRoot(state), blockRoot(block, blockFork)), "state is not the block's post-state");
  const updateSignaturePeriod = computeSyncCommitteePeriodAtSlot(block.message.slot);
  assertThat(attestedState.slot === attestedState.latestBlockHeader.slot, "attested state is not a post-state");
  const attestedRoot = postStateBlockRoot(attestedState);
  assertThat(
    bytesEqual(attestedRoot, blockRoot(attestedBlock, attestedBlockFork)) &&
      bytesEqual(attestedRoot, block.message.parentRoot),
    "attested state/block is not the block's parent",
  );
  const updateAttestedPeriod = computeSyncCommitteePeriodAtSlot(attestedBlock.message.slot);

  const attestedHeader = blockToLightClientHeader(cfg, attestedBlock, attestedBlockFork);
  const fork = attestedHeader.fork;
  const types = lightClientTypes(fork);
  const update = types.LightClientUpdate.defaultValue() as ForkData;
  update.attestedHeader = attestedHeader.data;
  // `next_sync_committee` is only useful if the message is signed by the current sync committee
  if (updateAttestedPeriod === updateSignaturePeriod) {
    // biome-ignore lint/suspicious/noExplicitAny: an altair+ state
    update.nextSyncCommittee = (attestedState as any).nextSyncCommittee.toValue();
    update.nextSyncCommitteeBranch = computeMerkleProof(
      attestedState.node,
      nextSyncCommitteeGindexAtSlot(cfg, attestedState.slot),
    );
  }
  // Indicate finality whenever possible
  if (finalizedBlock !== null) {
    // biome-ignore lint/suspicious/noExplicitAny: an altair+ state
    const finalizedCheckpointRoot: Uint8Array = (attestedState as any).finalizedCheckpoint.root;
    if (finalizedBlock.block.message.slot !== 0) {
      const finalizedHeader = upgradeLcHeader(
        blockToLightClientHeader(cfg, finalizedBlock.block, finalizedBlock.fork),
        fork as Exclude<LightClientForkName, "gloas">,
      );
      update.finalizedHeader = finalizedHeader.data;
      assertThat(
        bytesEqual(ssz.phase0.BeaconBlockHeader.hashTreeRoot(finalizedHeader.data.beacon), finalizedCheckpointRoot),
        "finalized block is not the attested state's finalized checkpoint",
      );
    } else {
      assertThat(bytesEqual(finalizedCheckpointRoot, new Uint8Array(32)), "genesis finalized root is not zero");
    }
    update.finalityBranch = computeMerkleProof(attestedState.node, finalizedRootGindexAtSlot(cfg, attestedState.slot));
  }
  update.syncAggregate = syncAggregate;
  update.signatureSlot = block.message.slot;
  return {fork: fork as Exclude<LightClientForkName, "gloas">, data: update};
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/full-node.md#create_light_client_finality_update */
export function createLightClientFinalityUpdate(update: ForkedLightClientData): ForkedLightClientData {
  const u = update.data;
  return {
    fork: update.fork,
    data: {
      attestedHeader: u.attestedHeader,
      finalizedHeader: u.finalizedHeader,
      finalityBranch: u.finalityBranch,
      syncAggregate: u.syncAggregate,
      signatureSlot: u.signatureSlot,
    },
  };
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/full-node.md#create_light_client_optimistic_update */
export function createLightClientOptimisticUpdate(update: ForkedLightClientData): ForkedLightClientData {
  const u = update.data;
  return {
    fork: update.fork,
    data: {attestedHeader: u.attestedHeader, syncAggregate: u.syncAggregate, signatureSlot: u.signatureSlot},
  };
}
