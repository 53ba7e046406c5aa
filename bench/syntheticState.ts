import {type ChainConfig, mainnetChainConfig} from "@ceibo/config";
import {
  COMPOUNDING_WITHDRAWAL_PREFIX,
  EPOCHS_PER_HISTORICAL_VECTOR,
  ETH1_ADDRESS_WITHDRAWAL_PREFIX,
  FAR_FUTURE_EPOCH,
  ForkSeq,
  HISTORICAL_ROOTS_LIMIT,
  MIN_SEED_LOOKAHEAD,
  SLOTS_PER_EPOCH,
  SLOTS_PER_HISTORICAL_ROOT,
  SYNC_COMMITTEE_SIZE,
} from "@ceibo/params";
import {type BeaconStateFulu, computeProposerIndices} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {digest} from "@chainsafe/as-sha256";
import {aggregatePublicKeys, PublicKey, SecretKey} from "@chainsafe/blst";

/**
 * The synthetic-state recipe of the benchmark (so figures are comparable across implementations):
 * mainnet preset, fulu, pubkey_i = (i+1)·G, 2% compounding (0x02) withdrawal credentials, 97% of validators with
 * full participation flags in both epochs, 1,000 pending deposits, state at the last slot of an epoch.
 */
export interface SyntheticStateOpts {
  validators: number;
  pendingDeposits?: number;
  log?: (msg: string) => void;
}

const ETH = 1_000_000_000;

/** sha256 of a counter: deterministic 32-byte filler for roots and mixes. */
function filler(tag: number, i: number): Uint8Array {
  const input = new Uint8Array(8);
  const dv = new DataView(input.buffer);
  dv.setUint32(0, tag, true);
  dv.setUint32(4, i, true);
  return digest(input);
}

/** (i+1)·G for i in [from, from+count): one point addition and one compression per key. */
function* generatorMultiples(from: number, count: number): Generator<Uint8Array> {
  const one = new Uint8Array(32);
  one[31] = 1;
  const g = SecretKey.fromBytes(one).toPublicKey();
  let p: PublicKey;
  if (from === 0) {
    p = g;
  } else {
    const sk = new Uint8Array(32);
    new DataView(sk.buffer).setBigUint64(24, BigInt(from + 1), false);
    p = SecretKey.fromBytes(sk).toPublicKey();
  }
  for (let i = 0; i < count; i++) {
    yield p.toBytes(true);
    p = aggregatePublicKeys([p, g]);
  }
}

export function syntheticChainConfig(): ChainConfig {
  return mainnetChainConfig;
}

export function createSyntheticState(opts: SyntheticStateOpts): BeaconStateFulu {
  const log = opts.log ?? (() => {});
  const n = opts.validators;
  const config = syntheticChainConfig();
  const epoch = config.FULU_FORK_EPOCH + 1000;
  const slot = (epoch + 1) * SLOTS_PER_EPOCH - 1;

  log(`generating ${n} validator keys ((i+1)·G)…`);
  const validators = [];
  const balances: number[] = [];
  let i = 0;
  for (const pubkey of generatorMultiples(0, n)) {
    const compounding = i % 50 === 0; // 2%
    const credentials = new Uint8Array(32);
    credentials[0] = compounding ? COMPOUNDING_WITHDRAWAL_PREFIX : ETH1_ADDRESS_WITHDRAWAL_PREFIX;
    new DataView(credentials.buffer).setUint32(28, i, false);
    validators.push({
      pubkey,
      withdrawalCredentials: credentials,
      effectiveBalance: 32 * ETH,
      slashed: false,
      activationEligibilityEpoch: 0,
      activationEpoch: 0,
      exitEpoch: FAR_FUTURE_EPOCH,
      withdrawableEpoch: FAR_FUTURE_EPOCH,
    });
    // a little above 32 ETH (rewards), varying per validator
    balances.push(32 * ETH + (i % 1000) * 100_000);
    i++;
    if (i % 100_000 === 0) log(`  ${i} / ${n}`);
  }
  const participation = new Array<number>(n);
  for (let j = 0; j < n; j++) participation[j] = j % 100 < 97 ? 0b111 : 0;

  log("building the state…");
  const pendingDeposits = [];
  const depositCount = opts.pendingDeposits ?? 1000;
  let d = 0;
  for (const pubkey of generatorMultiples(n, depositCount)) {
    const credentials = new Uint8Array(32);
    credentials[0] = ETH1_ADDRESS_WITHDRAWAL_PREFIX;
    pendingDeposits.push({
      pubkey,
      withdrawalCredentials: credentials,
      amount: 32 * ETH,
      signature: new Uint8Array(96),
      slot: (epoch - 3) * SLOTS_PER_EPOCH + (d % SLOTS_PER_EPOCH),
    });
    d++;
  }

  const syncPubkeys = validators.slice(0, SYNC_COMMITTEE_SIZE).map((v) => v.pubkey);
  const syncAggregate = aggregatePublicKeys(syncPubkeys.map((pk) => PublicKey.fromBytes(pk))).toBytes(true);
  const syncCommittee = {pubkeys: syncPubkeys, aggregatePubkey: syncAggregate};
  const rootAt = (tag: number) => (_: unknown, k: number) => filler(tag, k);
  const historicalSummaryCount = Math.min(
    HISTORICAL_ROOTS_LIMIT,
    Math.floor((slot - config.CAPELLA_FORK_EPOCH * SLOTS_PER_EPOCH) / SLOTS_PER_HISTORICAL_ROOT),
  );

  const value = ssz.fulu.BeaconState.defaultValue();
  value.genesisTime = 1606824023;
  value.genesisValidatorsRoot = filler(1, 0);
  value.slot = slot;
  value.fork = {
    previousVersion: config.ELECTRA_FORK_VERSION,
    currentVersion: config.FULU_FORK_VERSION,
    epoch: config.FULU_FORK_EPOCH,
  };
  value.latestBlockHeader = {
    slot,
    proposerIndex: 7,
    parentRoot: filler(2, slot - 1),
    stateRoot: new Uint8Array(32),
    bodyRoot: filler(3, slot),
  };
  value.blockRoots = Array.from({length: SLOTS_PER_HISTORICAL_ROOT}, rootAt(4));
  value.stateRoots = Array.from({length: SLOTS_PER_HISTORICAL_ROOT}, rootAt(5));
  value.eth1Data = {depositRoot: filler(6, 0), depositCount: n, blockHash: filler(6, 1)};
  value.eth1DepositIndex = n;
  value.validators = validators;
  value.balances = balances;
  value.randaoMixes = Array.from({length: EPOCHS_PER_HISTORICAL_VECTOR}, rootAt(7));
  value.previousEpochParticipation = participation;
  value.currentEpochParticipation = participation.slice();
  value.justificationBits.set(0, true);
  value.justificationBits.set(1, true);
  value.justificationBits.set(2, true);
  value.justificationBits.set(3, true);
  value.previousJustifiedCheckpoint = {epoch: epoch - 2, root: filler(8, epoch - 2)};
  value.currentJustifiedCheckpoint = {epoch: epoch - 1, root: filler(8, epoch - 1)};
  value.finalizedCheckpoint = {epoch: epoch - 2, root: filler(8, epoch - 2)};
  value.inactivityScores = new Array<number>(n).fill(0);
  value.currentSyncCommittee = syncCommittee;
  value.nextSyncCommittee = syncCommittee;
  value.latestExecutionPayloadHeader.blockHash = filler(9, 0);
  value.latestExecutionPayloadHeader.blockNumber = 20_000_000;
  value.latestExecutionPayloadHeader.timestamp = 1606824023 + slot * 12;
  value.latestExecutionPayloadHeader.gasLimit = 36_000_000;
  value.nextWithdrawalIndex = 1_000_000;
  value.nextWithdrawalValidatorIndex = 0;
  value.historicalSummaries = Array.from({length: historicalSummaryCount}, (_, k) => ({
    blockSummaryRoot: filler(10, k),
    stateSummaryRoot: filler(11, k),
  }));
  // the Eth1 bridge is finished (as on mainnet): every bridge deposit is applied, pending deposits are requests
  value.depositRequestsStartIndex = BigInt(n);
  value.earliestExitEpoch = epoch + MIN_SEED_LOOKAHEAD + 1;
  value.earliestConsolidationEpoch = epoch + MIN_SEED_LOOKAHEAD + 1;
  value.pendingDeposits = pendingDeposits;

  const state = ssz.fulu.BeaconState.toViewDU(value) as BeaconStateFulu;
  log("computing the proposer lookahead…");
  const active = Uint32Array.from({length: n}, (_, k) => k);
  const effectiveBalances = new Float64Array(n).fill(32 * ETH);
  const lookahead: number[] = [];
  for (let e = 0; e <= MIN_SEED_LOOKAHEAD; e++) {
    lookahead.push(...computeProposerIndices(ForkSeq.fulu, state, epoch + e, active, effectiveBalances));
  }
  state.proposerLookahead = ssz.fulu.ProposerLookahead.toViewDU(lookahead);
  state.commit();
  return state;
}
