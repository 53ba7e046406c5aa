import type {ChainConfig} from "@ceibo/config";
import {ForkSeq, GENESIS_EPOCH} from "@ceibo/params";
import type {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import {type CachedBeaconState, createCachedBeaconState} from "../cache/cachedBeaconState.ts";
import {EpochCache} from "../cache/epochCache.ts";
import {PubkeyCache} from "../cache/pubkeyCache.ts";
import {GenesisError} from "../errors.ts";
import {nextForkEpoch} from "../slot/processSlots.ts";
import {upgradeStateToNextFork} from "../slot/upgrade.ts";
import type {BeaconStatePostBellatrix} from "../types.ts";
import {forkTypes} from "../util/forkTypes.ts";
import {type DepositData, initializeBeaconStateFromEth1} from "./initializeBeaconState.ts";
import {depositsWithProofs, genesisForkOf, INTEROP_ETH1_BLOCK_HASH} from "./interop.ts";

type ExecutionPayloadHeader = ValueOf<typeof ssz.fulu.ExecutionPayloadHeader>;

export interface DepositGenesisOpts {
  /** genesis_time of the state: eth1_timestamp + GENESIS_DELAY, so eth1_timestamp = genesisTime - GENESIS_DELAY. */
  genesisTime: number;
  /** The eth1 block hash (default INTEROP_ETH1_BLOCK_HASH 0x42…42, as the mock engine's genesis block). */
  eth1BlockHash?: Uint8Array;
  /** bellatrix+: latest_execution_payload_header (default the empty header with block_hash = eth1BlockHash). */
  executionPayloadHeader?: Partial<ExecutionPayloadHeader>;
  pubkeyCache?: PubkeyCache;
}

/**
 * A dev chain's genesis from signed deposits (e.g. a launchpad deposit_data file): phase0
 * initialize_beacon_state_from_eth1 over the deposits in order, each with its Merkle proof against the deposit
 * root of the leaves before it (phase0 beacon-chain.md#genesis; deposits with an invalid signature are skipped
 * there, as the spec's apply_deposit does), then upgrade_to_<fork> for every fork the config activates at genesis
 * ("for pure <fork> networks, the upgrade_to_<fork> function is applied to transition the genesis state"), and,
 * as a genesis at that fork has it, the latest block header over that fork's empty body and (bellatrix+) the
 * execution genesis block's payload header.
 * Throws when no deposit activates a validator (each needs MAX_EFFECTIVE_BALANCE at phase0).
 */
export function createGenesisStateFromDeposits(
  config: ChainConfig,
  depositData: DepositData[],
  opts: DepositGenesisOpts,
): CachedBeaconState {
  if (depositData.length === 0)
    throw new GenesisError({code: "NO_DEPOSITS"}, "no deposits: a genesis needs at least one");
  const eth1BlockHash = opts.eth1BlockHash ?? INTEROP_ETH1_BLOCK_HASH;
  const pubkeyCache = opts.pubkeyCache ?? new PubkeyCache();
  const eth1Timestamp = opts.genesisTime - config.GENESIS_DELAY;
  if (eth1Timestamp < 0)
    throw new GenesisError(
      {code: "GENESIS_TIME_TOO_EARLY", genesisTime: opts.genesisTime, genesisDelay: config.GENESIS_DELAY},
      `genesis time ${opts.genesisTime} is before GENESIS_DELAY ${config.GENESIS_DELAY}`,
    );
  const state = initializeBeaconStateFromEth1(
    config,
    eth1BlockHash,
    eth1Timestamp,
    depositsWithProofs(depositData),
    pubkeyCache,
  );
  const active = state.validators.getAllReadonlyValues().filter((v) => v.activationEpoch === GENESIS_EPOCH).length;
  if (active === 0) {
    throw new GenesisError(
      {code: "NO_ACTIVE_VALIDATOR", depositCount: depositData.length},
      `none of the ${depositData.length} deposits activates a validator at genesis (each needs a valid signature and 32 ETH)`,
    );
  }

  const fork = genesisForkOf(config);
  const cs: CachedBeaconState = createCachedBeaconState(state, config, ForkSeq.phase0, {pubkeyCache});
  while (cs.fork < fork) {
    if (nextForkEpoch(cs) !== GENESIS_EPOCH)
      throw new GenesisError(
        {code: "FORK_NOT_AT_GENESIS", fork: cs.fork + 1},
        `fork ${cs.fork + 1} is not scheduled at genesis`,
      );
    upgradeStateToNextFork(cs);
    cs.epochCtx = EpochCache.createFromState(cs.state, cs.fork, config, pubkeyCache, cs.epochCtx);
  }
  const types = forkTypes(fork);
  const body = types.BeaconBlockBody as unknown as {hashTreeRoot(v: unknown): Uint8Array; defaultValue(): unknown};
  cs.state.latestBlockHeader.bodyRoot = body.hashTreeRoot(body.defaultValue());
  if (fork >= ForkSeq.bellatrix) {
    const headerType = (types as typeof ssz.bellatrix).ExecutionPayloadHeader as unknown as {
      defaultValue(): Record<string, unknown>;
      toViewDU(v: unknown): BeaconStatePostBellatrix["latestExecutionPayloadHeader"];
    };
    const header = {...headerType.defaultValue(), blockHash: eth1BlockHash, ...opts.executionPayloadHeader};
    (cs.state as BeaconStatePostBellatrix).latestExecutionPayloadHeader = headerType.toViewDU(header);
  }
  cs.state.commit();
  return cs;
}
