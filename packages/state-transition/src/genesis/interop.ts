import {type ChainConfig, computeDomain, computeSigningRoot} from "@ceibo/config";
import {
  BLS_WITHDRAWAL_PREFIX,
  DOMAIN_DEPOSIT,
  EFFECTIVE_BALANCE_INCREMENT,
  ETH1_ADDRESS_WITHDRAWAL_PREFIX,
  ForkSeq,
  GENESIS_EPOCH,
  MAX_EFFECTIVE_BALANCE,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {digest} from "@chainsafe/as-sha256";
import {SecretKey} from "@chainsafe/blst";
import {createProof, ProofType, type SingleProof} from "@chainsafe/persistent-merkle-tree";
import type {ValueOf} from "@chainsafe/ssz";
import type {Deposit} from "../block/processDeposit.ts";
import {type CachedBeaconState, createCachedBeaconState} from "../cache/cachedBeaconState.ts";
import {EpochCache} from "../cache/epochCache.ts";
import {PubkeyCache} from "../cache/pubkeyCache.ts";
import {GenesisError} from "../errors.ts";
import {getValidatorFromDeposit} from "../mutators/deposit.ts";
import {nextForkEpoch} from "../slot/processSlots.ts";
import {upgradeStateToNextFork} from "../slot/upgrade.ts";
import type {BeaconStatePostBellatrix} from "../types.ts";
import {forkTypes} from "../util/forkTypes.ts";
import {createEmptyGenesisState, type DepositData, DepositDataList} from "./initializeBeaconState.ts";

/** The order r of the BLS12-381 G1/G2 subgroups (secret keys are scalars mod r). */
const BLS_CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

/** The eth1 block hash of the interop ("mocked start") genesis. */
export const INTEROP_ETH1_BLOCK_HASH: Uint8Array = new Uint8Array(32).fill(0x42);

/**
 * The deterministic interop secret key of validator `index` (the keys every client's dev mode uses):
 * int.from_bytes(sha256(uint_to_bytes(index) as 32 bytes little-endian), "little") mod r.
 */
export function interopSecretKey(index: number): SecretKey {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new GenesisError({code: "INVALID_INTEROP_KEY_INDEX", index}, `invalid interop key index ${index}`);
  const input = new Uint8Array(32);
  new DataView(input.buffer).setBigUint64(0, BigInt(index), true);
  const hash = digest(input);
  let scalar = 0n;
  for (let i = hash.length - 1; i >= 0; i--) scalar = (scalar << 8n) | BigInt(hash[i]);
  scalar %= BLS_CURVE_ORDER;
  // SecretKey.fromBytes takes the scalar big-endian
  const bytes = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    bytes[i] = Number(scalar & 0xffn);
    scalar >>= 8n;
  }
  return SecretKey.fromBytes(bytes);
}

/** The compressed public key of interop validator `index`. */
export function interopPubkey(index: number): Uint8Array {
  return interopSecretKey(index).toPublicKey().toBytes(true);
}

export interface InteropDepositOpts {
  /** 0x01 credentials paying to this 20-byte address; default: BLS credentials 0x00 ‖ sha256(pubkey)[1:]. */
  withdrawalAddress?: Uint8Array;
  /** Deposit amount per validator (default MAX_EFFECTIVE_BALANCE, 32 ETH). */
  amount?: number;
}

/** The withdrawal credentials of an interop validator. */
export function interopWithdrawalCredentials(pubkey: Uint8Array, withdrawalAddress?: Uint8Array): Uint8Array {
  const credentials = new Uint8Array(32);
  if (withdrawalAddress === undefined) {
    credentials.set(digest(pubkey).subarray(1), 1);
    credentials[0] = BLS_WITHDRAWAL_PREFIX;
  } else {
    if (withdrawalAddress.length !== 20)
      throw new GenesisError(
        {code: "INVALID_WITHDRAWAL_ADDRESS", length: withdrawalAddress.length},
        `withdrawal address must be 20 bytes, got ${withdrawalAddress.length}`,
      );
    credentials[0] = ETH1_ADDRESS_WITHDRAWAL_PREFIX;
    credentials.set(withdrawalAddress, 12);
  }
  return credentials;
}

/** Signed DepositData of interop validators 0 … count-1 (proof of possession over the genesis-fork deposit domain). */
export function interopDepositData(config: ChainConfig, count: number, opts: InteropDepositOpts = {}): DepositData[] {
  const amount = opts.amount ?? MAX_EFFECTIVE_BALANCE;
  const domain = computeDomain(DOMAIN_DEPOSIT, config.GENESIS_FORK_VERSION, new Uint8Array(32));
  const out: DepositData[] = [];
  for (let i = 0; i < count; i++) {
    const sk = interopSecretKey(i);
    const pubkey = sk.toPublicKey().toBytes(true);
    const withdrawalCredentials = interopWithdrawalCredentials(pubkey, opts.withdrawalAddress);
    const signingRoot = computeSigningRoot(ssz.phase0.DepositMessage, {pubkey, withdrawalCredentials, amount}, domain);
    out.push({pubkey, withdrawalCredentials, amount, signature: sk.sign(signingRoot).toBytes(true)});
  }
  return out;
}

/**
 * Deposits with Merkle proofs for a list of DepositData, as initialize_beacon_state_from_eth1 consumes them: the
 * proof of deposit i is against the root of the first i + 1 leaves.
 */
export function depositsWithProofs(depositData: DepositData[]): Deposit[] {
  const list = DepositDataList.defaultViewDU();
  const deposits: Deposit[] = [];
  for (let i = 0; i < depositData.length; i++) {
    list.push(ssz.phase0.DepositData.toViewDU(depositData[i]));
    list.commit();
    const proof = createProof(list.node, {
      type: ProofType.single,
      gindex: DepositDataList.getPropertyGindex(i),
    }) as SingleProof;
    deposits.push({proof: proof.witnesses, data: depositData[i]});
  }
  return deposits;
}

type ExecutionPayloadHeader = ValueOf<typeof ssz.fulu.ExecutionPayloadHeader>;

export interface InteropGenesisOpts extends InteropDepositOpts {
  validatorCount: number;
  genesisTime: number;
  /** ForkSeq of the genesis state; must be the fork the config activates at epoch 0 (the default). */
  fork?: number;
  /** Default INTEROP_ETH1_BLOCK_HASH (0x42…42). */
  eth1BlockHash?: Uint8Array;
  /**
   * bellatrix+: latest_execution_payload_header, a value of the genesis fork's ExecutionPayloadHeader type
   * (the execution genesis block). Default: the empty header with block_hash = eth1BlockHash.
   */
  executionPayloadHeader?: Partial<ExecutionPayloadHeader>;
  /** Share the pubkey cache of a chain. */
  pubkeyCache?: PubkeyCache;
}

/** The latest fork the config activates at epoch 0 (the fork of a genesis state for it). */
export function genesisForkOf(config: ChainConfig): number {
  const epochs = [
    config.ALTAIR_FORK_EPOCH,
    config.BELLATRIX_FORK_EPOCH,
    config.CAPELLA_FORK_EPOCH,
    config.DENEB_FORK_EPOCH,
    config.ELECTRA_FORK_EPOCH,
    config.FULU_FORK_EPOCH,
  ];
  let fork = ForkSeq.phase0;
  while (fork < epochs.length && epochs[fork] === GENESIS_EPOCH) fork++;
  return fork;
}

/**
 * A genesis state of interop validators for a dev network, at any fork: the phase0 genesis of
 * initialize_beacon_state_from_eth1 over the interop deposits (every validator active at GENESIS_EPOCH, built
 * directly instead of replaying the deposits), then upgrade_to_<fork> for every fork the config activates at
 * genesis ("for pure <fork> networks, the upgrade_to_<fork> function is applied to transition the genesis
 * state"): sync committees, electra churn fields and pending deposits, fulu proposer lookahead come from the
 * upgrades. Then, as a genesis at that fork has it, the latest block header commits to the fork's empty
 * BeaconBlockBody and (bellatrix+) the execution payload header is the given one.
 */
export function createInteropGenesisState(config: ChainConfig, opts: InteropGenesisOpts): CachedBeaconState {
  const fork = opts.fork ?? genesisForkOf(config);
  if (fork !== genesisForkOf(config)) {
    throw new GenesisError(
      {code: "FORK_NOT_AT_GENESIS", fork, genesisFork: genesisForkOf(config)},
      `genesis fork ${fork} is not the fork the config activates at epoch 0 (${genesisForkOf(config)})`,
    );
  }
  if (!Number.isSafeInteger(opts.validatorCount) || opts.validatorCount < 1) {
    throw new GenesisError(
      {code: "INVALID_VALIDATOR_COUNT", validatorCount: opts.validatorCount},
      `invalid validator count ${opts.validatorCount}`,
    );
  }
  const eth1BlockHash = opts.eth1BlockHash ?? INTEROP_ETH1_BLOCK_HASH;
  const depositData = interopDepositData(config, opts.validatorCount, opts);

  const state = createEmptyGenesisState(config, eth1BlockHash, opts.genesisTime, depositData.length);
  state.eth1Data.depositRoot = DepositDataList.hashTreeRoot(depositData);
  state.eth1DepositIndex = depositData.length;
  const validators = depositData.map((d) => {
    const v = getValidatorFromDeposit(ForkSeq.phase0, d.pubkey, d.withdrawalCredentials, d.amount);
    // "Process activations" (the balance is the deposit amount)
    v.effectiveBalance = Math.min(d.amount - (d.amount % EFFECTIVE_BALANCE_INCREMENT), MAX_EFFECTIVE_BALANCE);
    if (v.effectiveBalance === MAX_EFFECTIVE_BALANCE) {
      v.activationEligibilityEpoch = GENESIS_EPOCH;
      v.activationEpoch = GENESIS_EPOCH;
    }
    return v;
  });
  state.validators = ssz.phase0.Validators.toViewDU(validators);
  state.balances = ssz.phase0.Balances.toViewDU(depositData.map((d) => d.amount));
  state.genesisValidatorsRoot = state.validators.hashTreeRoot();
  state.commit();

  const pubkeyCache = opts.pubkeyCache ?? new PubkeyCache();
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
  cs.state.latestBlockHeader.bodyRoot = (
    types.BeaconBlockBody as unknown as {hashTreeRoot(v: unknown): Uint8Array; defaultValue(): unknown}
  ).hashTreeRoot((types.BeaconBlockBody as unknown as {defaultValue(): unknown}).defaultValue());
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
