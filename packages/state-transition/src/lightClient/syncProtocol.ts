import {computeDomain, computeSigningRoot} from "@ceibo/config";
import {
  CURRENT_SYNC_COMMITTEE_GINDEX,
  CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA,
  DOMAIN_SYNC_COMMITTEE,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  EXECUTION_PAYLOAD_GINDEX,
  FINALIZED_ROOT_GINDEX,
  FINALIZED_ROOT_GINDEX_ELECTRA,
  MIN_SYNC_COMMITTEE_PARTICIPANTS,
  NEXT_SYNC_COMMITTEE_GINDEX,
  NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA,
  UPDATE_TIMEOUT,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";
import {fastAggregateVerify, PublicKey, Signature} from "@chainsafe/blst";
import {LightClientError} from "../errors.ts";
import {computeEpochAtSlot} from "../util/epoch.ts";
import {computeMerkleBranchRoot, isValidMerkleBranch} from "../util/merkle.ts";
import {
  CURRENT_SYNC_COMMITTEE_GINDEX_GLOAS,
  EXECUTION_BLOCK_HASH_GINDEX,
  EXECUTION_BLOCK_HASH_GINDEX_DENEB,
  EXECUTION_BLOCK_HASH_GINDEX_GLOAS,
  FINALIZED_ROOT_GINDEX_GLOAS,
  gloasLightClient,
  type LightClientBootstrap,
  type LightClientForkSchedule,
  type LightClientHeader,
  type LightClientUpdate,
  NEXT_SYNC_COMMITTEE_GINDEX_GLOAS,
  type SyncCommittee,
} from "./types.ts";

/**
 * The light-client sync protocol (light-client side), specs/altair/light-client/sync-protocol.md and its capella,
 * deneb, electra and gloas modifications at consensus-specs a08d8a6. The store holds gloas-form data (see
 * types.ts): older data is upgraded first (upgrade.ts), as a gloas LightClientStore does.
 */

const floorlog2 = (x: number): number => Math.floor(Math.log2(x));
const ZERO32 = new Uint8Array(32);

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#lightclientstore */
export interface LightClientStore {
  finalizedHeader: LightClientHeader;
  currentSyncCommittee: SyncCommittee;
  nextSyncCommittee: SyncCommittee;
  bestValidUpdate: LightClientUpdate | null;
  optimisticHeader: LightClientHeader;
  previousMaxActiveParticipants: number;
  currentMaxActiveParticipants: number;
}

/**
 * altair compute_sync_committee_period
 * Spec: `compute_sync_committee_period` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/validator.md#sync-committee
 */
export function computeSyncCommitteePeriod(epoch: number): number {
  return Math.floor(epoch / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
}

/**
 * altair compute_sync_committee_period_at_slot
 * Spec: `compute_sync_committee_period_at_slot` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#compute_sync_committee_period_at_slot
 */
export function computeSyncCommitteePeriodAtSlot(slot: number): number {
  return computeSyncCommitteePeriod(computeEpochAtSlot(slot));
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/sync-protocol.md#modified-finalized_root_gindex_at_slot */
export function finalizedRootGindexAtSlot(cfg: LightClientForkSchedule, slot: number): number {
  const epoch = computeEpochAtSlot(slot);
  if (epoch >= cfg.GLOAS_FORK_EPOCH) return FINALIZED_ROOT_GINDEX_GLOAS;
  if (epoch >= cfg.ELECTRA_FORK_EPOCH) return FINALIZED_ROOT_GINDEX_ELECTRA;
  return FINALIZED_ROOT_GINDEX;
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/sync-protocol.md#modified-current_sync_committee_gindex_at_slot */
export function currentSyncCommitteeGindexAtSlot(cfg: LightClientForkSchedule, slot: number): number {
  const epoch = computeEpochAtSlot(slot);
  if (epoch >= cfg.GLOAS_FORK_EPOCH) return CURRENT_SYNC_COMMITTEE_GINDEX_GLOAS;
  if (epoch >= cfg.ELECTRA_FORK_EPOCH) return CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA;
  return CURRENT_SYNC_COMMITTEE_GINDEX;
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/sync-protocol.md#modified-next_sync_committee_gindex_at_slot */
export function nextSyncCommitteeGindexAtSlot(cfg: LightClientForkSchedule, slot: number): number {
  const epoch = computeEpochAtSlot(slot);
  if (epoch >= cfg.GLOAS_FORK_EPOCH) return NEXT_SYNC_COMMITTEE_GINDEX_GLOAS;
  if (epoch >= cfg.ELECTRA_FORK_EPOCH) return NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA;
  return NEXT_SYNC_COMMITTEE_GINDEX;
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#get_subtree_index */
export function getSubtreeIndex(gindex: number): number {
  return gindex % 2 ** floorlog2(gindex);
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#is_valid_normalized_merkle_branch */
export function isValidNormalizedMerkleBranch(
  leaf: Uint8Array,
  branch: Uint8Array[],
  gindex: number,
  root: Uint8Array,
): boolean {
  const depth = floorlog2(gindex);
  const index = getSubtreeIndex(gindex);
  const numExtra = branch.length - depth;
  if (numExtra < 0) return false;
  for (let i = 0; i < numExtra; i++) if (!bytesEqual(branch[i], ZERO32)) return false;
  return isValidMerkleBranch(leaf, branch.slice(numExtra), depth, index, root);
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/electra/light-client/fork.md#normalize_merkle_branch */
export function normalizeMerkleBranch(branch: Uint8Array[], gindex: number): Uint8Array[] {
  const depth = floorlog2(gindex);
  const numExtra = depth - branch.length;
  if (numExtra < 0)
    throw new LightClientError(
      {code: "BRANCH_TOO_DEEP", branchLength: branch.length, gindex},
      `branch of ${branch.length} nodes is deeper than gindex ${gindex}`,
    );
  return [...Array.from({length: numExtra}, () => new Uint8Array(32)), ...branch];
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/sync-protocol.md#modified-get_lc_execution_root */
export function getLcExecutionRoot(cfg: LightClientForkSchedule, header: LightClientHeader): Uint8Array {
  const epoch = computeEpochAtSlot(header.beacon.slot);
  if (epoch >= cfg.GLOAS_FORK_EPOCH) return header.executionBlockHash;
  let blockHashGindex: number;
  if (epoch >= cfg.DENEB_FORK_EPOCH) {
    if (header.beacon.slot === 0)
      return ssz.deneb.ExecutionPayloadHeader.hashTreeRoot(ssz.deneb.ExecutionPayloadHeader.defaultValue());
    blockHashGindex = Number(ssz.deneb.ExecutionPayloadHeader.getPathInfo(["blockHash"]).gindex);
  } else if (epoch >= cfg.CAPELLA_FORK_EPOCH) {
    if (header.beacon.slot === 0) {
      return ssz.capella.ExecutionPayloadHeader.hashTreeRoot(ssz.capella.ExecutionPayloadHeader.defaultValue());
    }
    blockHashGindex = Number(ssz.capella.ExecutionPayloadHeader.getPathInfo(["blockHash"]).gindex);
  } else {
    return new Uint8Array(32);
  }
  const g = Number(blockHashGindex);
  const branch = header.executionBranch;
  const inner = branch.slice(0, branch.length - floorlog2(EXECUTION_PAYLOAD_GINDEX));
  return computeMerkleBranchRoot(
    header.executionBlockHash,
    inner.slice(inner.length - floorlog2(g)),
    floorlog2(g),
    getSubtreeIndex(g),
  );
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/sync-protocol.md#modified-is_valid_light_client_header */
export function isValidLightClientHeader(cfg: LightClientForkSchedule, header: LightClientHeader): boolean {
  const epoch = computeEpochAtSlot(header.beacon.slot);
  let gindex: number;
  if (epoch >= cfg.GLOAS_FORK_EPOCH) gindex = EXECUTION_BLOCK_HASH_GINDEX_GLOAS;
  else if (epoch >= cfg.DENEB_FORK_EPOCH) gindex = EXECUTION_BLOCK_HASH_GINDEX_DENEB;
  else if (epoch >= cfg.CAPELLA_FORK_EPOCH) gindex = EXECUTION_BLOCK_HASH_GINDEX;
  else {
    return bytesEqual(header.executionBlockHash, ZERO32) && header.executionBranch.every((b) => bytesEqual(b, ZERO32));
  }
  return isValidNormalizedMerkleBranch(
    header.executionBlockHash,
    header.executionBranch,
    gindex,
    header.beacon.bodyRoot,
  );
}

function sumBits(update: {syncAggregate: {syncCommitteeBits: {getTrueBitIndexes(): number[]}}}): number {
  return update.syncAggregate.syncCommitteeBits.getTrueBitIndexes().length;
}

function isZeroBranch(branch: Uint8Array[]): boolean {
  return branch.every((b) => bytesEqual(b, ZERO32));
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#is_sync_committee_update */
export function isSyncCommitteeUpdate(update: LightClientUpdate): boolean {
  return !isZeroBranch(update.nextSyncCommitteeBranch);
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#is_finality_update */
export function isFinalityUpdate(update: {finalityBranch: Uint8Array[]}): boolean {
  return !isZeroBranch(update.finalityBranch);
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#is_better_update */
export function isBetterUpdate(newUpdate: LightClientUpdate, oldUpdate: LightClientUpdate): boolean {
  // Compare supermajority (> 2/3) sync committee participation
  const maxActiveParticipants = newUpdate.syncAggregate.syncCommitteeBits.bitLen;
  const newNumActiveParticipants = sumBits(newUpdate);
  const oldNumActiveParticipants = sumBits(oldUpdate);
  const newHasSupermajority = newNumActiveParticipants * 3 >= maxActiveParticipants * 2;
  const oldHasSupermajority = oldNumActiveParticipants * 3 >= maxActiveParticipants * 2;
  if (newHasSupermajority !== oldHasSupermajority) return newHasSupermajority;
  if (!newHasSupermajority && newNumActiveParticipants !== oldNumActiveParticipants) {
    return newNumActiveParticipants > oldNumActiveParticipants;
  }

  // Compare presence of relevant sync committee
  const newHasRelevantSyncCommittee =
    isSyncCommitteeUpdate(newUpdate) &&
    computeSyncCommitteePeriodAtSlot(newUpdate.attestedHeader.beacon.slot) ===
      computeSyncCommitteePeriodAtSlot(newUpdate.signatureSlot);
  const oldHasRelevantSyncCommittee =
    isSyncCommitteeUpdate(oldUpdate) &&
    computeSyncCommitteePeriodAtSlot(oldUpdate.attestedHeader.beacon.slot) ===
      computeSyncCommitteePeriodAtSlot(oldUpdate.signatureSlot);
  if (newHasRelevantSyncCommittee !== oldHasRelevantSyncCommittee) return newHasRelevantSyncCommittee;

  // Compare indication of any finality
  const newHasFinality = isFinalityUpdate(newUpdate);
  const oldHasFinality = isFinalityUpdate(oldUpdate);
  if (newHasFinality !== oldHasFinality) return newHasFinality;

  // Compare sync committee finality
  if (newHasFinality) {
    const newHasSyncCommitteeFinality =
      computeSyncCommitteePeriodAtSlot(newUpdate.finalizedHeader.beacon.slot) ===
      computeSyncCommitteePeriodAtSlot(newUpdate.attestedHeader.beacon.slot);
    const oldHasSyncCommitteeFinality =
      computeSyncCommitteePeriodAtSlot(oldUpdate.finalizedHeader.beacon.slot) ===
      computeSyncCommitteePeriodAtSlot(oldUpdate.attestedHeader.beacon.slot);
    if (newHasSyncCommitteeFinality !== oldHasSyncCommitteeFinality) return newHasSyncCommitteeFinality;
  }

  // Tiebreaker 1: Sync committee participation beyond supermajority
  if (newNumActiveParticipants !== oldNumActiveParticipants) {
    return newNumActiveParticipants > oldNumActiveParticipants;
  }
  // Tiebreaker 2: Prefer older data (fewer changes to best)
  if (newUpdate.attestedHeader.beacon.slot !== oldUpdate.attestedHeader.beacon.slot) {
    return newUpdate.attestedHeader.beacon.slot < oldUpdate.attestedHeader.beacon.slot;
  }
  // Tiebreaker 3: Prefer updates with earlier signature slots
  return newUpdate.signatureSlot < oldUpdate.signatureSlot;
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#is_next_sync_committee_known */
export function isNextSyncCommitteeKnown(store: LightClientStore): boolean {
  return !ssz.altair.SyncCommittee.equals(store.nextSyncCommittee, ssz.altair.SyncCommittee.defaultValue());
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#get_safety_threshold */
export function getSafetyThreshold(store: LightClientStore): number {
  return Math.floor(Math.max(store.previousMaxActiveParticipants, store.currentMaxActiveParticipants) / 2);
}

function assert(cond: boolean, what: string): asserts cond {
  if (!cond) throw new LightClientError({code: "INVALID_DATA", what}, `invalid light-client data: ${what}`);
}

const headerType = gloasLightClient.LightClientHeader;
const isDefaultHeader = (h: LightClientHeader): boolean => headerType.equals(h, headerType.defaultValue());

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#initialize_light_client_store */
export function initializeLightClientStore(
  cfg: LightClientForkSchedule,
  trustedBlockRoot: Uint8Array,
  bootstrap: LightClientBootstrap,
): LightClientStore {
  assert(isValidLightClientHeader(cfg, bootstrap.header), "bootstrap header");
  assert(
    bytesEqual(ssz.phase0.BeaconBlockHeader.hashTreeRoot(bootstrap.header.beacon), trustedBlockRoot),
    "bootstrap header is not the trusted block root",
  );
  assert(
    isValidNormalizedMerkleBranch(
      ssz.altair.SyncCommittee.hashTreeRoot(bootstrap.currentSyncCommittee),
      bootstrap.currentSyncCommitteeBranch,
      currentSyncCommitteeGindexAtSlot(cfg, bootstrap.header.beacon.slot),
      bootstrap.header.beacon.stateRoot,
    ),
    "current_sync_committee_branch",
  );
  return {
    finalizedHeader: bootstrap.header,
    currentSyncCommittee: bootstrap.currentSyncCommittee,
    nextSyncCommittee: ssz.altair.SyncCommittee.defaultValue(),
    bestValidUpdate: null,
    optimisticHeader: bootstrap.header,
    previousMaxActiveParticipants: 0,
    currentMaxActiveParticipants: 0,
  };
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#validate_light_client_update */
export function validateLightClientUpdate(
  cfg: LightClientForkSchedule,
  store: LightClientStore,
  update: LightClientUpdate,
  currentSlot: number,
  genesisValidatorsRoot: Uint8Array,
): void {
  // Verify sync committee has sufficient participants
  const syncAggregate = update.syncAggregate;
  assert(sumBits(update) >= MIN_SYNC_COMMITTEE_PARTICIPANTS, "too few sync committee participants");

  // Verify update does not skip a sync committee period
  assert(isValidLightClientHeader(cfg, update.attestedHeader), "attested header");
  const updateAttestedSlot = update.attestedHeader.beacon.slot;
  const updateFinalizedSlot = update.finalizedHeader.beacon.slot;
  assert(
    currentSlot >= update.signatureSlot &&
      update.signatureSlot > updateAttestedSlot &&
      updateAttestedSlot >= updateFinalizedSlot,
    "slots out of order (current >= signature > attested >= finalized)",
  );
  const storePeriod = computeSyncCommitteePeriodAtSlot(store.finalizedHeader.beacon.slot);
  const updateSignaturePeriod = computeSyncCommitteePeriodAtSlot(update.signatureSlot);
  if (isNextSyncCommitteeKnown(store)) {
    assert(
      updateSignaturePeriod === storePeriod || updateSignaturePeriod === storePeriod + 1,
      "signature period is not the store's or the next",
    );
  } else {
    assert(updateSignaturePeriod === storePeriod, "signature period is not the store's");
  }

  // Verify update is relevant
  const updateAttestedPeriod = computeSyncCommitteePeriodAtSlot(updateAttestedSlot);
  const updateHasNextSyncCommittee =
    !isNextSyncCommitteeKnown(store) && isSyncCommitteeUpdate(update) && updateAttestedPeriod === storePeriod;
  assert(
    updateAttestedSlot > store.finalizedHeader.beacon.slot || updateHasNextSyncCommittee,
    "update is not relevant",
  );

  // Verify that the `finality_branch`, if present, confirms `finalized_header`
  // to match the finalized checkpoint root saved in the state of `attested_header`.
  // Note that the genesis finalized checkpoint root is represented as a zero hash.
  if (!isFinalityUpdate(update)) {
    assert(isDefaultHeader(update.finalizedHeader), "finalized header without finality branch");
  } else {
    let finalizedRoot: Uint8Array;
    if (updateFinalizedSlot === 0) {
      assert(isDefaultHeader(update.finalizedHeader), "genesis finalized header is not empty");
      finalizedRoot = ZERO32;
    } else {
      assert(isValidLightClientHeader(cfg, update.finalizedHeader), "finalized header");
      finalizedRoot = ssz.phase0.BeaconBlockHeader.hashTreeRoot(update.finalizedHeader.beacon);
    }
    assert(
      isValidNormalizedMerkleBranch(
        finalizedRoot,
        update.finalityBranch,
        finalizedRootGindexAtSlot(cfg, update.attestedHeader.beacon.slot),
        update.attestedHeader.beacon.stateRoot,
      ),
      "finality_branch",
    );
  }

  // Verify that the `next_sync_committee`, if present, actually is the next sync committee saved in the
  // state of the `attested_header`
  if (!isSyncCommitteeUpdate(update)) {
    assert(
      ssz.altair.SyncCommittee.equals(update.nextSyncCommittee, ssz.altair.SyncCommittee.defaultValue()),
      "next sync committee without branch",
    );
  } else {
    if (updateAttestedPeriod === storePeriod && isNextSyncCommitteeKnown(store)) {
      assert(
        ssz.altair.SyncCommittee.equals(update.nextSyncCommittee, store.nextSyncCommittee),
        "next sync committee differs from the store's",
      );
    }
    assert(
      isValidNormalizedMerkleBranch(
        ssz.altair.SyncCommittee.hashTreeRoot(update.nextSyncCommittee),
        update.nextSyncCommitteeBranch,
        nextSyncCommitteeGindexAtSlot(cfg, update.attestedHeader.beacon.slot),
        update.attestedHeader.beacon.stateRoot,
      ),
      "next_sync_committee_branch",
    );
  }

  // Verify sync committee aggregate signature
  const syncCommittee = updateSignaturePeriod === storePeriod ? store.currentSyncCommittee : store.nextSyncCommittee;
  const participantPubkeys = syncAggregate.syncCommitteeBits
    .getTrueBitIndexes()
    .map((i) => PublicKey.fromBytes(syncCommittee.pubkeys[i], true));
  const forkVersionSlot = Math.max(update.signatureSlot, 1) - 1;
  const forkVersion = cfg.forkVersionAtEpoch(computeEpochAtSlot(forkVersionSlot));
  const domain = computeDomain(DOMAIN_SYNC_COMMITTEE, forkVersion, genesisValidatorsRoot);
  const signingRoot = computeSigningRoot(ssz.phase0.BeaconBlockHeader, update.attestedHeader.beacon, domain);
  let valid = false;
  try {
    const sig = Signature.fromBytes(syncAggregate.syncCommitteeSignature, true);
    valid = fastAggregateVerify(signingRoot, participantPubkeys, sig);
  } catch {
    valid = false;
  }
  assert(valid, "sync committee signature");
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#apply_light_client_update */
export function applyLightClientUpdate(store: LightClientStore, update: LightClientUpdate): void {
  const storePeriod = computeSyncCommitteePeriodAtSlot(store.finalizedHeader.beacon.slot);
  const updateFinalizedPeriod = computeSyncCommitteePeriodAtSlot(update.finalizedHeader.beacon.slot);
  if (!isNextSyncCommitteeKnown(store)) {
    assert(updateFinalizedPeriod === storePeriod, "finalized period is not the store's");
    store.nextSyncCommittee = update.nextSyncCommittee;
  } else if (updateFinalizedPeriod === storePeriod + 1) {
    store.currentSyncCommittee = store.nextSyncCommittee;
    store.nextSyncCommittee = update.nextSyncCommittee;
    store.previousMaxActiveParticipants = store.currentMaxActiveParticipants;
    store.currentMaxActiveParticipants = 0;
  }
  if (update.finalizedHeader.beacon.slot > store.finalizedHeader.beacon.slot) {
    store.finalizedHeader = update.finalizedHeader;
    if (store.finalizedHeader.beacon.slot > store.optimisticHeader.beacon.slot) {
      store.optimisticHeader = store.finalizedHeader;
    }
  }
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#process_light_client_store_force_update */
export function processLightClientStoreForceUpdate(store: LightClientStore, currentSlot: number): void {
  if (currentSlot > store.finalizedHeader.beacon.slot + UPDATE_TIMEOUT && store.bestValidUpdate !== null) {
    // Forced best update when the update timeout has elapsed.
    // Because the apply logic waits for `finalized_header.beacon.slot` to indicate sync committee finality,
    // the `attested_header` may be treated as `finalized_header` in extended periods of non-finality
    // to guarantee progression into later sync committee periods according to `is_better_update`.
    const best = store.bestValidUpdate;
    if (best.finalizedHeader.beacon.slot <= store.finalizedHeader.beacon.slot) {
      best.finalizedHeader = best.attestedHeader;
    }
    applyLightClientUpdate(store, best);
    store.bestValidUpdate = null;
  }
}

/** https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/altair/light-client/sync-protocol.md#process_light_client_update */
export function processLightClientUpdate(
  cfg: LightClientForkSchedule,
  store: LightClientStore,
  update: LightClientUpdate,
  currentSlot: number,
  genesisValidatorsRoot: Uint8Array,
): void {
  validateLightClientUpdate(cfg, store, update, currentSlot, genesisValidatorsRoot);
  const numActive = sumBits(update);
  const bitLen = update.syncAggregate.syncCommitteeBits.bitLen;

  // Update the best update in case we have to force-update to it if the timeout elapses
  if (store.bestValidUpdate === null || isBetterUpdate(update, store.bestValidUpdate)) {
    store.bestValidUpdate = update;
  }

  // Track the maximum number of active participants in the committee signatures
  store.currentMaxActiveParticipants = Math.max(store.currentMaxActiveParticipants, numActive);

  // Update the optimistic header
  if (numActive > getSafetyThreshold(store) && update.attestedHeader.beacon.slot > store.optimisticHeader.beacon.slot) {
    store.optimisticHeader = update.attestedHeader;
  }

  // Update finalized header
  const updateHasFinalizedNextSyncCommittee =
    !isNextSyncCommitteeKnown(store) &&
    isSyncCommitteeUpdate(update) &&
    isFinalityUpdate(update) &&
    computeSyncCommitteePeriodAtSlot(update.finalizedHeader.beacon.slot) ===
      computeSyncCommitteePeriodAtSlot(update.attestedHeader.beacon.slot);
  if (
    numActive * 3 >= bitLen * 2 &&
    (update.finalizedHeader.beacon.slot > store.finalizedHeader.beacon.slot || updateHasFinalizedNextSyncCommittee)
  ) {
    // Normal update through 2/3 threshold
    applyLightClientUpdate(store, update);
    store.bestValidUpdate = null;
  }
}
