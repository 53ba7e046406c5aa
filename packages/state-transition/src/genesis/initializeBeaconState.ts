import type {ChainConfig} from "@ceibo/config";
import {
  DEPOSIT_CONTRACT_TREE_DEPTH,
  EFFECTIVE_BALANCE_INCREMENT,
  EPOCHS_PER_HISTORICAL_VECTOR,
  ForkSeq,
  GENESIS_EPOCH,
  MAX_EFFECTIVE_BALANCE,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {ListCompositeType, type ValueOf} from "@chainsafe/ssz";
import {type Deposit, processDeposit} from "../block/processDeposit.ts";
import {createCachedBeaconState} from "../cache/cachedBeaconState.ts";
import {PubkeyCache} from "../cache/pubkeyCache.ts";
import type {BeaconStatePhase0} from "../types.ts";
import {isActiveValidator} from "../util/validator.ts";

export type DepositData = ValueOf<typeof ssz.phase0.DepositData>;

/** phase0 DepositDataList: List[DepositData, 2**DEPOSIT_CONTRACT_TREE_DEPTH] */
export const DepositDataList = new ListCompositeType(ssz.phase0.DepositData, 2 ** DEPOSIT_CONTRACT_TREE_DEPTH);

/**
 * The genesis state before any validator (phase0 initialize_beacon_state_from_eth1, up to "Process deposits"):
 * fork at GENESIS_FORK_VERSION, eth1 data, the empty block's header, RANDAO mixes seeded with the eth1 block hash.
 */
export function createEmptyGenesisState(
  config: ChainConfig,
  eth1BlockHash: Uint8Array,
  genesisTime: number,
  depositCount: number,
): BeaconStatePhase0 {
  const state = ssz.phase0.BeaconState.defaultViewDU();
  state.genesisTime = genesisTime;
  state.fork = ssz.phase0.Fork.toViewDU({
    previousVersion: config.GENESIS_FORK_VERSION,
    currentVersion: config.GENESIS_FORK_VERSION,
    epoch: GENESIS_EPOCH,
  });
  state.eth1Data = ssz.phase0.Eth1Data.toViewDU({
    depositRoot: new Uint8Array(32),
    depositCount,
    blockHash: eth1BlockHash,
  });
  state.latestBlockHeader = ssz.phase0.BeaconBlockHeader.toViewDU({
    ...ssz.phase0.BeaconBlockHeader.defaultValue(),
    bodyRoot: ssz.phase0.BeaconBlockBody.hashTreeRoot(ssz.phase0.BeaconBlockBody.defaultValue()),
  });
  // Seed RANDAO with Eth1 entropy
  state.randaoMixes = ssz.phase0.RandaoMixes.toViewDU(new Array(EPOCHS_PER_HISTORICAL_VECTOR).fill(eth1BlockHash));
  return state;
}

/**
 * phase0 initialize_beacon_state_from_eth1. Returns the phase0 candidate state (it may have no active validator,
 * so no epoch cache is built; wrap it with createCachedBeaconState once it is valid).
 * Spec: `initialize_beacon_state_from_eth1` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#genesis
 */
export function initializeBeaconStateFromEth1(
  config: ChainConfig,
  eth1BlockHash: Uint8Array,
  eth1Timestamp: number,
  deposits: Deposit[],
  pubkeyCache: PubkeyCache = new PubkeyCache(),
): BeaconStatePhase0 {
  const state = createEmptyGenesisState(config, eth1BlockHash, eth1Timestamp + config.GENESIS_DELAY, deposits.length);
  // deposits read the pubkey index and register validators in the epoch cache (built here for an empty registry)
  const cs = createCachedBeaconState(state, config, ForkSeq.phase0, {pubkeyCache});

  // Process deposits: the deposit root of the first index + 1 leaves before each deposit (the list view is
  // extended one leaf at a time, so each root costs O(log n) hashes)
  const leaves = DepositDataList.defaultViewDU();
  for (const deposit of deposits) {
    leaves.push(ssz.phase0.DepositData.toViewDU(deposit.data));
    state.eth1Data.depositRoot = leaves.hashTreeRoot();
    processDeposit(cs, deposit);
  }

  // Process activations
  const balances = state.balances.getAll();
  for (let index = 0; index < balances.length; index++) {
    const validator = state.validators.get(index);
    const balance = balances[index];
    validator.effectiveBalance = Math.min(balance - (balance % EFFECTIVE_BALANCE_INCREMENT), MAX_EFFECTIVE_BALANCE);
    if (validator.effectiveBalance === MAX_EFFECTIVE_BALANCE) {
      validator.activationEligibilityEpoch = GENESIS_EPOCH;
      validator.activationEpoch = GENESIS_EPOCH;
    }
  }

  // Set genesis validators root for domain separation and chain versioning
  state.genesisValidatorsRoot = state.validators.hashTreeRoot();
  state.commit();
  return state;
}

/**
 * phase0 is_valid_genesis_state
 * Spec: `is_valid_genesis_state` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#genesis-state
 */
export function isValidGenesisState(config: ChainConfig, state: BeaconStatePhase0): boolean {
  if (state.genesisTime < config.MIN_GENESIS_TIME) return false;
  let activeCount = 0;
  for (const validator of state.validators.getAllReadonlyValues()) {
    if (isActiveValidator(validator, GENESIS_EPOCH)) activeCount++;
  }
  return activeCount >= config.MIN_GENESIS_ACTIVE_VALIDATOR_COUNT;
}
