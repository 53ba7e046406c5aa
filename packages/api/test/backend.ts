/**
 * A Beacon API backend for tests: answers every route with realistic values — the interop genesis state
 * (64 validators, all forks at genesis, mainnet preset) for state and duty routes, deterministic samples of
 * the SSZ types for blocks and pool objects — and records the arguments each handler received.
 */

import {type ChainConfig, createDevChainConfig} from "@ceibo/config";
import {
  EPOCHS_PER_HISTORICAL_VECTOR,
  FAR_FUTURE_EPOCH,
  FORK_NAMES,
  type ForkName,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {type BeaconStateFulu, type CachedBeaconState, createInteropGenesisState} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import type {Type, ValueOf} from "@chainsafe/ssz";
import {
  ApiError,
  type AttesterDuty,
  type BeaconApiBackend,
  type BeaconEvent,
  BlobSidecars,
  type BlockId,
  DataColumnSidecars,
  type EventType,
  isPostBellatrix,
  isPostDeneb,
  type StateId,
  typesAt,
  type ValidatorId,
  type ValidatorIdentity,
  type ValidatorResponse,
  type ValidatorStatus,
  withForkDigest,
} from "../src/index.ts";
import {sample} from "./sample.ts";

export const CAPELLA_DIGEST = Uint8Array.from([0xca, 0xbe, 0x11, 0xa0]);
export const ELECTRA_DIGEST = Uint8Array.from([0xe1, 0xec, 0x7a, 0x00]);

export interface TestChain {
  config: ChainConfig;
  cs: CachedBeaconState;
  state: BeaconStateFulu;
  stateRoot: Uint8Array;
  stateBytes: Uint8Array;
  genesisBlockRoot: Uint8Array;
}

let chain: TestChain | undefined;

export function testChain(): TestChain {
  if (chain) return chain;
  const config = createDevChainConfig({preset: "mainnet"});
  const cs = createInteropGenesisState(config, {validatorCount: 64, genesisTime: 1_700_000_000});
  const state = cs.state as BeaconStateFulu;
  const header = state.latestBlockHeader.toValue();
  header.stateRoot = state.hashTreeRoot();
  chain = {
    config,
    cs,
    state,
    stateRoot: state.hashTreeRoot(),
    stateBytes: state.serialize(),
    genesisBlockRoot: ssz.phase0.BeaconBlockHeader.hashTreeRoot(header),
  };
  return chain;
}

const s = <T>(type: Type<T>, seed: number, items = 2): T => sample(type, seed, items);
export type Calls = Record<string, unknown[]>;

/** Signed blocks of every fork (block id = the fork's number, "head" = fulu). */
export function sampleSignedBlock(fork: ForkName, seed = 7): ValueOf<typeof ssz.phase0.SignedBeaconBlock> {
  return s(typesAt(fork).SignedBeaconBlock, seed) as ValueOf<typeof ssz.phase0.SignedBeaconBlock>;
}

function validatorStatus(v: ValueOf<typeof ssz.phase0.Validator>, balance: number, epoch: number): ValidatorStatus {
  if (v.activationEpoch > epoch) {
    return v.activationEligibilityEpoch === FAR_FUTURE_EPOCH ? "pending_initialized" : "pending_queued";
  }
  if (epoch < v.exitEpoch) {
    if (v.exitEpoch === FAR_FUTURE_EPOCH) return "active_ongoing";
    return v.slashed ? "active_slashed" : "active_exiting";
  }
  if (epoch < v.withdrawableEpoch) return v.slashed ? "exited_slashed" : "exited_unslashed";
  return balance > 0 ? "withdrawal_possible" : "withdrawal_done";
}

export function createTestBackend(): {backend: BeaconApiBackend; calls: Calls} {
  const c = testChain();
  const {state, cs, config} = c;
  const calls: Calls = {};
  const record = (id: string, args: unknown) => {
    calls[id] ??= [];
    calls[id].push(args);
  };
  const meta = {executionOptimistic: false, finalized: true};

  const resolveState = (id: StateId) => {
    if (["head", "genesis", "finalized", "justified"].includes(id as string) || id === 0) return state;
    if (id === toHex(c.stateRoot)) return state;
    throw new ApiError(404, `State not found: ${id}`);
  };
  const resolveBlock = (id: BlockId): {fork: ForkName; block: ValueOf<typeof ssz.phase0.SignedBeaconBlock>} => {
    if (id === "head" || id === "finalized") return {fork: "fulu", block: sampleSignedBlock("fulu")};
    if (typeof id === "number" && id < FORK_NAMES.length)
      return {fork: FORK_NAMES[id], block: sampleSignedBlock(FORK_NAMES[id])};
    throw new ApiError(404, `Block not found: ${id}`);
  };
  const indexOf = (id: ValidatorId): number | undefined => {
    if (typeof id === "number") return id < state.validators.length ? id : undefined;
    return cs.epochCtx.pubkeyCache.getIndex(Uint8Array.from(Buffer.from(id.slice(2), "hex")));
  };
  const validators = (ids: ValidatorId[] | undefined, statuses: string[] | undefined): ValidatorResponse[] => {
    const all = state.validators.getAllReadonlyValues();
    const balances = state.balances.getAll();
    const indices = ids && ids.length > 0 ? ids.map(indexOf).filter((i) => i !== undefined) : all.map((_, i) => i);
    return indices
      .map((index) => ({
        index,
        balance: balances[index],
        status: validatorStatus(all[index], balances[index], 0),
        validator: all[index],
      }))
      .filter(
        (v) =>
          !statuses || statuses.length === 0 || statuses.some((st) => v.status === st || v.status.startsWith(`${st}_`)),
      );
  };
  const committees = (epoch: number) => {
    const out: {index: number; slot: number; validators: number[]}[] = [];
    const count = cs.epochCtx.getCommitteeCountPerSlot(epoch);
    for (let slot = epoch * SLOTS_PER_EPOCH; slot < (epoch + 1) * SLOTS_PER_EPOCH; slot++) {
      for (let index = 0; index < count; index++) {
        out.push({index, slot, validators: Array.from(cs.epochCtx.getBeaconCommittee(slot, index))});
      }
    }
    return out;
  };
  const checkEpoch = (epoch: number) => {
    if (epoch > 1) throw new ApiError(400, `Epoch ${epoch} is beyond the next epoch`);
  };
  const pubkey = (i: number) => cs.epochCtx.pubkeyCache.getPubkeyBytes(i);
  const headRoot = c.genesisBlockRoot;

  const backend: BeaconApiBackend = {
    // --- beacon: state
    async getGenesis(args) {
      record("getGenesis", args);
      return {
        data: {
          genesisTime: state.genesisTime,
          genesisValidatorsRoot: state.genesisValidatorsRoot,
          genesisForkVersion: config.GENESIS_FORK_VERSION,
        },
      };
    },
    async getStateRoot(args) {
      record("getStateRoot", args);
      return {data: {root: resolveState(args.stateId).hashTreeRoot()}, ...meta};
    },
    async getStateFork(args) {
      record("getStateFork", args);
      return {data: resolveState(args.stateId).fork.toValue(), ...meta};
    },
    async getStateFinalityCheckpoints(args) {
      record("getStateFinalityCheckpoints", args);
      const st = resolveState(args.stateId);
      return {
        data: {
          previousJustified: st.previousJustifiedCheckpoint.toValue(),
          currentJustified: st.currentJustifiedCheckpoint.toValue(),
          finalized: st.finalizedCheckpoint.toValue(),
        },
        ...meta,
      };
    },
    async getStateValidators(args) {
      record("getStateValidators", args);
      resolveState(args.stateId);
      return {data: validators(args.validatorIds, args.statuses), ...meta};
    },
    async postStateValidators(args) {
      record("postStateValidators", args);
      resolveState(args.stateId);
      return {data: validators(args.validatorIds, args.statuses), ...meta};
    },
    async getStateValidator(args) {
      record("getStateValidator", args);
      resolveState(args.stateId);
      const v = validators([args.validatorId], undefined);
      if (v.length === 0) throw new ApiError(404, `Validator not found: ${args.validatorId}`);
      return {data: v[0], ...meta};
    },
    async getStateValidatorBalances(args) {
      record("getStateValidatorBalances", args);
      resolveState(args.stateId);
      return {
        data: validators(args.validatorIds, undefined).map((v) => ({index: v.index, balance: v.balance})),
        ...meta,
      };
    },
    async postStateValidatorBalances(args) {
      record("postStateValidatorBalances", args);
      resolveState(args.stateId);
      return {
        data: validators(args.validatorIds, undefined).map((v) => ({index: v.index, balance: v.balance})),
        ...meta,
      };
    },
    async postStateValidatorIdentities(args) {
      record("postStateValidatorIdentities", args);
      resolveState(args.stateId);
      return {
        data: validators(args.validatorIds, undefined).map(
          (v): ValueOf<typeof ValidatorIdentity> => ({
            index: v.index,
            pubkey: v.validator.pubkey,
            activationEpoch: v.validator.activationEpoch,
          }),
        ),
        ...meta,
      };
    },
    async getEpochCommittees(args) {
      record("getEpochCommittees", args);
      resolveState(args.stateId);
      const epoch = args.epoch ?? 0;
      checkEpoch(epoch);
      const data = committees(epoch).filter(
        (cm) =>
          (args.index === undefined || cm.index === args.index) && (args.slot === undefined || cm.slot === args.slot),
      );
      return {data, ...meta};
    },
    async getEpochSyncCommittees(args) {
      record("getEpochSyncCommittees", args);
      resolveState(args.stateId);
      const indices = cs.epochCtx.currentSyncCommitteeIndices;
      const size = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;
      const validatorAggregates = Array.from({length: SYNC_COMMITTEE_SUBNET_COUNT}, (_, i) =>
        indices.slice(i * size, (i + 1) * size),
      );
      return {data: {validators: indices, validatorAggregates}, ...meta};
    },
    async getStateRandao(args) {
      record("getStateRandao", args);
      const st = resolveState(args.stateId);
      const epoch = args.epoch ?? 0;
      checkEpoch(epoch);
      return {data: {randao: st.randaoMixes.get(epoch % EPOCHS_PER_HISTORICAL_VECTOR)}, ...meta};
    },
    async getPendingDeposits(args) {
      record("getPendingDeposits", args);
      resolveState(args.stateId);
      return {data: s(ssz.electra.PendingDeposits, 11), version: "fulu", ...meta};
    },
    async getPendingPartialWithdrawals(args) {
      record("getPendingPartialWithdrawals", args);
      resolveState(args.stateId);
      return {data: s(ssz.electra.PendingPartialWithdrawals, 12), version: "fulu", ...meta};
    },
    async getPendingConsolidations(args) {
      record("getPendingConsolidations", args);
      resolveState(args.stateId);
      return {data: s(ssz.electra.PendingConsolidations, 13), version: "fulu", ...meta};
    },
    async getProposerLookahead(args) {
      record("getProposerLookahead", args);
      const st = resolveState(args.stateId);
      return {data: st.proposerLookahead.getAll(), version: "fulu", ...meta};
    },

    // --- beacon: blocks
    async getBlockHeaders(args) {
      record("getBlockHeaders", args);
      const header = s(ssz.phase0.SignedBeaconBlockHeader, 21);
      if (args.slot !== undefined) header.message.slot = args.slot;
      if (args.parentRoot !== undefined) header.message.parentRoot = args.parentRoot;
      return {
        data: [{root: ssz.phase0.BeaconBlockHeader.hashTreeRoot(header.message), canonical: true, header}],
        ...meta,
      };
    },
    async getBlockHeader(args) {
      record("getBlockHeader", args);
      const {block, fork} = resolveBlock(args.blockId);
      const body = typesAt(fork).BeaconBlockBody.hashTreeRoot(block.message.body);
      const header = {...block.message, bodyRoot: body};
      const message = {
        slot: header.slot,
        proposerIndex: header.proposerIndex,
        parentRoot: header.parentRoot,
        stateRoot: header.stateRoot,
        bodyRoot: body,
      };
      return {
        data: {
          root: ssz.phase0.BeaconBlockHeader.hashTreeRoot(message),
          canonical: true,
          header: {message, signature: block.signature},
        },
        ...meta,
      };
    },
    async getBlockV2(args) {
      record("getBlockV2", args);
      const {block, fork} = resolveBlock(args.blockId);
      return {data: block, version: fork, ...meta};
    },
    async getBlindedBlock(args) {
      record("getBlindedBlock", args);
      const {fork} = resolveBlock(args.blockId);
      const type = isPostBellatrix(fork) ? typesAt(fork).SignedBlindedBeaconBlock : typesAt(fork).SignedBeaconBlock;
      return {data: s(type, 31) as ValueOf<typeof ssz.deneb.SignedBlindedBeaconBlock>, version: fork, ...meta};
    },
    async publishBlockV2(args) {
      record("publishBlockV2", args);
      return args.broadcastValidation === "consensus_and_equivocation" ? "broadcastNotImported" : "imported";
    },
    async publishBlindedBlockV2(args) {
      record("publishBlindedBlockV2", args);
      return "imported";
    },
    async getBlockRoot(args) {
      record("getBlockRoot", args);
      const {block, fork} = resolveBlock(args.blockId);
      return {data: {root: typesAt(fork).BeaconBlock.hashTreeRoot(block.message)}, ...meta};
    },
    async getBlockAttestationsV2(args) {
      record("getBlockAttestationsV2", args);
      const {block, fork} = resolveBlock(args.blockId);
      return {data: block.message.body.attestations, version: fork, ...meta};
    },
    async getBlobSidecars(args) {
      record("getBlobSidecars", args);
      const {fork} = resolveBlock(args.blockId);
      if (!isPostDeneb(fork)) throw new ApiError(400, `No blobs before deneb (block of ${fork})`);
      return {data: s(BlobSidecars, 41, 1), version: fork, ...meta};
    },
    async getBlobs(args) {
      record("getBlobs", args);
      resolveBlock(args.blockId);
      return {data: s(ssz.deneb.Blobs, 42, 1), ...meta};
    },

    // --- beacon: pool
    async getPoolAttestationsV2(args) {
      record("getPoolAttestationsV2", args);
      return {data: [s(ssz.electra.Attestation, 51), s(ssz.electra.Attestation, 52)], version: "fulu"};
    },
    async submitPoolAttestationsV2(args) {
      record("submitPoolAttestationsV2", args);
      if (args.attestations.length > 2) {
        throw ApiError.indexed("Some attestations failed validation", [{index: 2, message: "unknown committee"}]);
      }
    },
    async getPoolAttesterSlashingsV2(args) {
      record("getPoolAttesterSlashingsV2", args);
      return {data: [s(ssz.electra.AttesterSlashing, 53)], version: "electra"};
    },
    async submitPoolAttesterSlashingsV2(args) {
      record("submitPoolAttesterSlashingsV2", args);
    },
    async getPoolProposerSlashings(args) {
      record("getPoolProposerSlashings", args);
      return {data: [s(ssz.phase0.ProposerSlashing, 54)]};
    },
    async submitPoolProposerSlashings(args) {
      record("submitPoolProposerSlashings", args);
    },
    async submitPoolSyncCommitteeSignatures(args) {
      record("submitPoolSyncCommitteeSignatures", args);
    },
    async getPoolVoluntaryExits(args) {
      record("getPoolVoluntaryExits", args);
      return {data: [s(ssz.phase0.SignedVoluntaryExit, 55)]};
    },
    async submitPoolVoluntaryExit(args) {
      record("submitPoolVoluntaryExit", args);
    },
    async getPoolBLSToExecutionChanges(args) {
      record("getPoolBLSToExecutionChanges", args);
      return {data: [s(ssz.capella.SignedBLSToExecutionChange, 56)]};
    },
    async submitPoolBLSToExecutionChange(args) {
      record("submitPoolBLSToExecutionChange", args);
    },

    // --- beacon: light client (fork digests: any 4 bytes, the SSZ updates chunks carry them)
    async getLightClientBootstrap(args) {
      record("getLightClientBootstrap", args);
      if (args.blockRoot.every((b) => b === 0)) throw new ApiError(404, "No bootstrap for that block root");
      const data = s(ssz.electra.LightClientBootstrap, 121);
      return {data, version: "fulu"};
    },
    async getLightClientUpdatesByRange(args) {
      record("getLightClientUpdatesByRange", args);
      return Array.from({length: Math.min(args.count, 2)}, (_, i) =>
        i === 0
          ? withForkDigest({version: "capella", data: s(ssz.capella.LightClientUpdate, 122)}, CAPELLA_DIGEST)
          : withForkDigest({version: "electra", data: s(ssz.electra.LightClientUpdate, 123)}, ELECTRA_DIGEST),
      );
    },
    async getLightClientFinalityUpdate(args) {
      record("getLightClientFinalityUpdate", args);
      return {data: s(ssz.deneb.LightClientFinalityUpdate, 124), version: "deneb"};
    },
    async getLightClientOptimisticUpdate(args) {
      record("getLightClientOptimisticUpdate", args);
      return {data: s(ssz.altair.LightClientOptimisticUpdate, 125), version: "altair"};
    },

    // --- beacon: rewards
    async getBlockRewards(args) {
      record("getBlockRewards", args);
      resolveBlock(args.blockId);
      return {
        data: {
          proposerIndex: 3,
          total: 123_456,
          attestations: 100_000,
          syncAggregate: 23_456,
          proposerSlashings: 0,
          attesterSlashings: 0,
        },
        ...meta,
      };
    },
    async getAttestationsRewards(args) {
      record("getAttestationsRewards", args);
      checkEpoch(args.epoch);
      const indices = validators(args.validatorIds, undefined).map((v) => v.index);
      return {
        data: {
          idealRewards: [{effectiveBalance: 32_000_000_000, head: 2_000, target: 4_000, source: 2_000, inactivity: 0}],
          totalRewards: indices.map((validatorIndex) => ({
            validatorIndex,
            head: validatorIndex % 3 === 0 ? -1_000 : 2_000,
            target: 4_000,
            source: 2_000,
            inactivity: 0,
          })),
        },
        ...meta,
      };
    },
    async getSyncCommitteeRewards(args) {
      record("getSyncCommitteeRewards", args);
      resolveBlock(args.blockId);
      const members = [...new Set(cs.epochCtx.currentSyncCommitteeIndices)];
      const wanted = args.validatorIds
        ? new Set(validators(args.validatorIds, undefined).map((v) => v.index))
        : undefined;
      return {
        data: members
          .filter((i) => !wanted || wanted.has(i))
          .map((validatorIndex) => ({validatorIndex, reward: validatorIndex === 0 ? -500 : 500})),
        ...meta,
      };
    },

    // --- config
    async getSpec(args) {
      record("getSpec", args);
      return {
        data: {
          SLOTS_PER_EPOCH: String(SLOTS_PER_EPOCH),
          CONFIG_NAME: config.CONFIG_NAME,
          GENESIS_FORK_VERSION: toHex(config.GENESIS_FORK_VERSION),
        },
      };
    },
    async getForkSchedule(args) {
      record("getForkSchedule", args);
      const versions = [
        config.GENESIS_FORK_VERSION,
        config.ALTAIR_FORK_VERSION,
        config.BELLATRIX_FORK_VERSION,
        config.CAPELLA_FORK_VERSION,
        config.DENEB_FORK_VERSION,
        config.ELECTRA_FORK_VERSION,
        config.FULU_FORK_VERSION,
      ];
      return {
        data: versions.map((v, i) => ({previousVersion: versions[Math.max(0, i - 1)], currentVersion: v, epoch: 0})),
      };
    },
    async getDepositContract(args) {
      record("getDepositContract", args);
      return {data: {chainId: config.DEPOSIT_CHAIN_ID, address: config.DEPOSIT_CONTRACT_ADDRESS}};
    },

    // --- debug
    async getStateV2(args) {
      record("getStateV2", args);
      resolveState(args.stateId);
      return {data: c.stateBytes, version: "fulu", ...meta};
    },
    async getDebugChainHeadsV2(args) {
      record("getDebugChainHeadsV2", args);
      return {data: [{root: headRoot, slot: 0, executionOptimistic: false}]};
    },
    async getDebugForkChoice(args) {
      record("getDebugForkChoice", args);
      const cp = state.finalizedCheckpoint.toValue();
      return {
        justifiedCheckpoint: cp,
        finalizedCheckpoint: cp,
        forkChoiceNodes: [
          {
            slot: 0,
            blockRoot: headRoot,
            parentRoot: new Uint8Array(32),
            justifiedEpoch: 0,
            finalizedEpoch: 0,
            weight: 64n * 32_000_000_000n * 5000n, // > 2**53 Gwei
            validity: "valid",
            executionBlockHash: state.latestExecutionPayloadHeader.blockHash,
            extraData: {proposerBoost: false},
          },
        ],
        extraData: {client: "ceibo-test"},
      };
    },
    async getDebugDataColumnSidecars(args) {
      record("getDebugDataColumnSidecars", args);
      resolveBlock(args.blockId);
      return {data: s(DataColumnSidecars, 61, 1), version: "fulu", ...meta};
    },

    // --- events
    async eventstream(args) {
      record("eventstream", {topics: args.topics});
      for (const topic of args.topics) args.onEvent(sampleEvent(topic));
      await new Promise((resolve) => args.signal.addEventListener("abort", resolve, {once: true}));
    },

    // --- node
    async getNetworkIdentity(args) {
      record("getNetworkIdentity", args);
      return {
        data: {
          peerId: "16Uiu2HAmQEt1eLQxGEx3PdJj2mZ6n3sVAnJrRuFqtnBw3aQvrBRp",
          enr: "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8",
          p2pAddresses: ["/ip4/127.0.0.1/tcp/9000/p2p/16Uiu2HAmQEt1eLQxGEx3PdJj2mZ6n3sVAnJrRuFqtnBw3aQvrBRp"],
          discoveryAddresses: ["/ip4/127.0.0.1/udp/9000/p2p/16Uiu2HAmQEt1eLQxGEx3PdJj2mZ6n3sVAnJrRuFqtnBw3aQvrBRp"],
          metadata: {
            seqNumber: 3n,
            attnets: s(ssz.phase0.AttestationSubnets, 71),
            syncnets: s(ssz.altair.SyncSubnets, 72),
            custodyGroupCount: 4,
          },
        },
      };
    },
    async getPeers(args) {
      record("getPeers", args);
      const peers = [
        {
          peerId: "16Uiu2HAm1",
          enr: null,
          lastSeenP2pAddress: "/ip4/127.0.0.1/tcp/9001",
          state: "connected" as const,
          direction: "inbound" as const,
        },
        {
          peerId: "16Uiu2HAm2",
          enr: "enr:-abc",
          lastSeenP2pAddress: "/ip4/127.0.0.1/tcp/9002",
          state: "disconnected" as const,
          direction: "outbound" as const,
        },
      ].filter(
        (p) =>
          (!args.state || args.state.includes(p.state)) && (!args.direction || args.direction.includes(p.direction)),
      );
      return {data: peers, meta: {count: peers.length}};
    },
    async getPeer(args) {
      record("getPeer", args);
      if (args.peerId === "crash") throw Error("peer table exploded");
      if (args.peerId !== "16Uiu2HAm1") throw new ApiError(404, `Peer not found: ${args.peerId}`);
      return {
        data: {
          peerId: "16Uiu2HAm1",
          enr: null,
          lastSeenP2pAddress: "/ip4/127.0.0.1/tcp/9001",
          state: "connected",
          direction: "inbound",
        },
      };
    },
    async getPeerCount(args) {
      record("getPeerCount", args);
      return {data: {disconnected: 1, connecting: 0, connected: 1, disconnecting: 0}};
    },
    async getNodeVersion(args) {
      record("getNodeVersion", args);
      return {data: {version: "ceibo/v0.1.0-test (linux x64)"}};
    },
    async getSyncingStatus(args) {
      record("getSyncingStatus", args);
      return {data: {headSlot: 0, syncDistance: 0, isSyncing: false, isOptimistic: false, elOffline: false}};
    },
    async getHealth(args) {
      record("getHealth", args);
      return args.syncingStatus !== undefined ? "syncing" : "ready";
    },

    // --- validator
    async getAttesterDuties(args) {
      record("getAttesterDuties", args);
      checkEpoch(args.epoch);
      const wanted = new Set(args.indices);
      const data: AttesterDuty[] = [];
      const perSlot = cs.epochCtx.getCommitteeCountPerSlot(args.epoch);
      for (const cm of committees(args.epoch)) {
        cm.validators.forEach((v, i) => {
          if (wanted.has(v)) {
            data.push({
              pubkey: pubkey(v),
              validatorIndex: v,
              committeeIndex: cm.index,
              committeeLength: cm.validators.length,
              committeesAtSlot: perSlot,
              validatorCommitteeIndex: i,
              slot: cm.slot,
            });
          }
        });
      }
      return {data, dependentRoot: headRoot, executionOptimistic: false};
    },
    async getProposerDuties(args) {
      record("getProposerDuties", args);
      if (args.epoch !== 0) throw new ApiError(400, `Proposer duties only for the current epoch 0, not ${args.epoch}`);
      const data = Array.from({length: SLOTS_PER_EPOCH}, (_, slot) => {
        const v = cs.epochCtx.getBeaconProposer(slot);
        return {pubkey: pubkey(v), validatorIndex: v, slot};
      });
      return {data, dependentRoot: headRoot, executionOptimistic: false};
    },
    async getSyncCommitteeDuties(args) {
      record("getSyncCommitteeDuties", args);
      const indices = cs.epochCtx.currentSyncCommitteeIndices;
      const data = args.indices
        .map((v) => ({
          pubkey: pubkey(v),
          validatorIndex: v,
          validatorSyncCommitteeIndices: indices.flatMap((x, i) => (x === v ? [i] : [])),
        }))
        .filter((d) => d.validatorSyncCommitteeIndices.length > 0);
      return {data, executionOptimistic: false};
    },
    async produceBlockV3(args) {
      record("produceBlockV3", args);
      if (args.builderBoostFactor === 2n ** 64n - 1n) {
        const block = s(ssz.electra.BlindedBeaconBlock, 81);
        block.slot = args.slot;
        block.body.randaoReveal = args.randaoReveal;
        return {
          data: block,
          version: "electra",
          executionPayloadBlinded: true,
          executionPayloadValue: 10n ** 18n,
          consensusBlockValue: 12345n,
        };
      }
      const contents = s(ssz.fulu.BlockContents, 82, 1);
      contents.block.slot = args.slot;
      contents.block.body.randaoReveal = args.randaoReveal;
      if (args.graffiti) contents.block.body.graffiti = args.graffiti;
      return {
        data: contents,
        version: "fulu",
        executionPayloadBlinded: false,
        executionPayloadValue: 2n ** 200n,
        consensusBlockValue: 7n,
      };
    },
    async produceAttestationData(args) {
      record("produceAttestationData", args);
      const cp = state.currentJustifiedCheckpoint.toValue();
      return {
        data: {
          slot: args.slot,
          index: 0,
          beaconBlockRoot: headRoot,
          source: cp,
          target: {epoch: Math.floor(args.slot / SLOTS_PER_EPOCH), root: headRoot},
        },
      };
    },
    async getAggregatedAttestationV2(args) {
      record("getAggregatedAttestationV2", args);
      const att = s(ssz.electra.Attestation, 91);
      att.data.slot = args.slot;
      return {data: att, version: "fulu"};
    },
    async publishAggregateAndProofsV2(args) {
      record("publishAggregateAndProofsV2", args);
    },
    async prepareBeaconCommitteeSubnet(args) {
      record("prepareBeaconCommitteeSubnet", args);
    },
    async prepareSyncCommitteeSubnets(args) {
      record("prepareSyncCommitteeSubnets", args);
    },
    async submitBeaconCommitteeSelections(args) {
      record("submitBeaconCommitteeSelections", args);
      return {data: args.selections};
    },
    async submitSyncCommitteeSelections(args) {
      record("submitSyncCommitteeSelections", args);
      return {data: args.selections};
    },
    async produceSyncCommitteeContribution(args) {
      record("produceSyncCommitteeContribution", args);
      const contribution = s(ssz.altair.SyncCommitteeContribution, 92);
      contribution.slot = args.slot;
      contribution.subcommitteeIndex = args.subcommitteeIndex;
      contribution.beaconBlockRoot = args.beaconBlockRoot;
      return {data: contribution};
    },
    async publishContributionAndProofs(args) {
      record("publishContributionAndProofs", args);
    },
    async prepareBeaconProposer(args) {
      record("prepareBeaconProposer", args);
    },
    async registerValidator(args) {
      record("registerValidator", args);
    },
    async getLiveness(args) {
      record("getLiveness", args);
      return {data: args.indices.map((index) => ({index, isLive: index % 2 === 0}))};
    },
  };
  return {backend, calls};
}

/** A realistic event of each topic. */
export function sampleEvent(type: EventType): BeaconEvent {
  const c = testChain();
  const root = c.genesisBlockRoot;
  switch (type) {
    case "head":
      return {
        type,
        message: {
          slot: 10,
          block: root,
          state: c.stateRoot,
          epochTransition: false,
          previousDutyDependentRoot: root,
          currentDutyDependentRoot: root,
          executionOptimistic: false,
        },
      };
    case "block":
      return {type, message: {slot: 10, block: root, executionOptimistic: false}};
    case "block_gossip":
      return {type, message: {slot: 10, block: root}};
    case "attestation":
      return {type, message: s(ssz.electra.Attestation, 101)};
    case "single_attestation":
      return {type, message: s(ssz.electra.SingleAttestation, 102)};
    case "voluntary_exit":
      return {type, message: s(ssz.phase0.SignedVoluntaryExit, 103)};
    case "bls_to_execution_change":
      return {type, message: s(ssz.capella.SignedBLSToExecutionChange, 104)};
    case "proposer_slashing":
      return {type, message: s(ssz.phase0.ProposerSlashing, 105)};
    case "attester_slashing":
      return {type, message: s(ssz.electra.AttesterSlashing, 106)};
    case "finalized_checkpoint":
      return {type, message: {block: root, state: c.stateRoot, epoch: 2, executionOptimistic: false}};
    case "chain_reorg":
      return {
        type,
        message: {
          slot: 200,
          depth: 50,
          oldHeadBlock: root,
          newHeadBlock: c.stateRoot,
          oldHeadState: root,
          newHeadState: c.stateRoot,
          epoch: 6,
          executionOptimistic: false,
        },
      };
    case "contribution_and_proof":
      return {type, message: s(ssz.altair.SignedContributionAndProof, 107)};
    case "light_client_finality_update":
      return {type, message: {version: "electra", data: s(ssz.electra.LightClientFinalityUpdate, 108)}};
    case "light_client_optimistic_update":
      return {type, message: {version: "altair", data: s(ssz.altair.LightClientOptimisticUpdate, 109)}};
    case "payload_attributes":
      return {
        type,
        message: {
          version: "fulu",
          data: {
            proposerIndex: 12,
            proposalSlot: 11,
            parentBlockNumber: 9,
            parentBlockRoot: root,
            parentBlockHash: c.state.latestExecutionPayloadHeader.blockHash,
            payloadAttributes: {
              timestamp: 1_700_000_132,
              prevRandao: c.state.randaoMixes.get(0),
              suggestedFeeRecipient: new Uint8Array(20).fill(0xab),
              withdrawals: [s(ssz.capella.Withdrawal, 110)],
              parentBeaconBlockRoot: root,
            },
          },
        },
      };
    case "blob_sidecar":
      return {
        type,
        message: {
          blockRoot: root,
          index: 1,
          slot: 10,
          kzgCommitment: s(ssz.deneb.KZGCommitment, 111),
          versionedHash: root,
        },
      };
    case "data_column_sidecar":
      return {type, message: {blockRoot: root, index: 5, slot: 10, kzgCommitments: [s(ssz.deneb.KZGCommitment, 112)]}};
  }
}
