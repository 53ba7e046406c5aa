/**
 * `ceibo validator exit`: check that a validator may exit (phase0/electra `process_voluntary_exit` conditions, read
 * through the Beacon API), sign its VoluntaryExit with the EIP-7044 domain, and estimate its place in the exit queue
 * (electra `compute_exit_epoch_and_update_churn`, phase0 `initiate_validator_exit` before electra).
 *
 * Spec: consensus-specs a08d8a6 — deneb/beacon-chain.md "Modified process_voluntary_exit" (EIP-7044: the domain uses
 * CAPELLA_FORK_VERSION from deneb on), electra/beacon-chain.md "Modified process_voluntary_exit",
 * "compute_exit_epoch_and_update_churn", "get_activation_exit_churn_limit".
 */

import {type BeaconApiClient, createBeaconApiClient, type ValidatorResponse} from "@ceibo/api";
import {type BeaconConfig, computeSigningRoot} from "@ceibo/config";
import {DOMAIN_VOLUNTARY_EXIT, EFFECTIVE_BALANCE_INCREMENT, ForkSeq, MAX_SEED_LOOKAHEAD} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {SecretKey} from "@chainsafe/blst";
import type {VoluntaryExit} from "./signer/signer.ts";

export class ExitError extends Error {}

/** Far-future epochs (2^64 - 1) come back from the API as numbers beyond the safe range (or Infinity). */
export const isFarFuture = (epoch: number): boolean => !Number.isSafeInteger(epoch) || epoch >= 2 ** 53 - 1;

/**
 * The signing root of a VoluntaryExit: DOMAIN_VOLUNTARY_EXIT with CAPELLA_FORK_VERSION from deneb on (EIP-7044,
 * deneb "Modified process_voluntary_exit"), the fork version at the exit's epoch before that.
 */
export function voluntaryExitSigningRoot(config: BeaconConfig, exit: VoluntaryExit): Uint8Array {
  const fork = config.getForkInfoAtEpoch(exit.epoch);
  const forkVersion = fork.seq >= ForkSeq.deneb ? config.chain.CAPELLA_FORK_VERSION : fork.version;
  const domain = config.getDomainForVersion(DOMAIN_VOLUNTARY_EXIT, forkVersion);
  return computeSigningRoot(ssz.phase0.VoluntaryExit, exit, domain);
}

/** A SignedVoluntaryExit; `secretKey` may be the 32 secret bytes. */
export function signVoluntaryExit(
  config: BeaconConfig,
  secretKey: SecretKey | Uint8Array,
  exit: VoluntaryExit,
): {message: VoluntaryExit; signature: Uint8Array} {
  const sk = secretKey instanceof Uint8Array ? SecretKey.fromBytes(secretKey) : secretKey;
  return {message: exit, signature: sk.sign(voluntaryExitSigningRoot(config, exit)).toBytes(true)};
}

/** A Beacon API client for the offline tools (one node, no fallback). */
export function beaconApiClient(url: string, timeoutMs = 60_000): BeaconApiClient {
  return createBeaconApiClient({baseUrl: url, timeoutMs});
}

export interface ExitCandidate {
  pubkey: string;
  index: number;
  effectiveBalance: number;
  activationEpoch: number;
}

/**
 * Looks the validators up in the head state and checks the conditions of process_voluntary_exit that a node would
 * refuse the exit for: known, active, not exiting already, active for SHARD_COMMITTEE_PERIOD epochs. Throws one
 * ExitError naming the first pubkey that fails.
 */
export async function checkExitable(
  api: BeaconApiClient,
  config: BeaconConfig,
  pubkeys: string[],
  currentEpoch: number,
): Promise<ExitCandidate[]> {
  const res = await api.postStateValidators({stateId: "head", validatorIds: pubkeys as `0x${string}`[]});
  const byPubkey = new Map<string, ValidatorResponse>(res.data.map((v) => [toHex(v.validator.pubkey), v]));
  const out: ExitCandidate[] = [];
  for (const pubkey of pubkeys) {
    const v = byPubkey.get(pubkey);
    if (v === undefined) {
      throw new ExitError(`validator ${pubkey} is unknown to the beacon node (not deposited yet, or another network?)`);
    }
    const {validator, index, status} = v;
    if (!isFarFuture(validator.exitEpoch)) {
      throw new ExitError(
        `validator ${pubkey} (index ${index}) is already exiting: exit epoch ${validator.exitEpoch} (status ${status})`,
      );
    }
    if (status !== "active_ongoing") {
      throw new ExitError(
        `validator ${pubkey} (index ${index}) is not active (status ${status}): only an active validator can exit`,
      );
    }
    const period = config.chain.SHARD_COMMITTEE_PERIOD;
    if (currentEpoch < validator.activationEpoch + period) {
      throw new ExitError(
        `validator ${pubkey} (index ${index}) is too young to exit: active since epoch ${validator.activationEpoch}, ` +
          `it may exit from epoch ${validator.activationEpoch + period} (SHARD_COMMITTEE_PERIOD ${period}); now epoch ${currentEpoch}`,
      );
    }
    out.push({pubkey, index, effectiveBalance: validator.effectiveBalance, activationEpoch: validator.activationEpoch});
  }
  return out;
}

export interface ExitQueueEstimate {
  /** Validators already in the exit queue (exit epoch in the future), i.e. ahead of these exits. */
  ahead: number;
  /** Their effective balance, Gwei. */
  aheadBalance: number;
  /** Churn per epoch: Gwei from electra (get_activation_exit_churn_limit), validators before. */
  churnPerEpoch: number;
  churnUnit: "gwei" | "validators";
  /** Estimated exit epoch of each candidate, in order, if the exits were processed in the current epoch. */
  exitEpochs: number[];
}

/** phase0 compute_activation_exit_epoch */
const computeActivationExitEpoch = (epoch: number): number => epoch + 1 + MAX_SEED_LOOKAHEAD;

/**
 * The exit queue from the head state's validators, and the exit epoch each candidate would get. From electra the
 * state's earliest_exit_epoch / exit_balance_to_consume are not served by the Beacon API, so they are taken as the
 * latest exit epoch in the registry and what the exits already scheduled at it left of that epoch's churn (what
 * compute_exit_epoch_and_update_churn leaves behind); exact unless the churn changed since those exits.
 */
export async function estimateExitQueue(
  api: BeaconApiClient,
  config: BeaconConfig,
  candidates: ExitCandidate[],
  currentEpoch: number,
): Promise<ExitQueueEstimate> {
  const active = (await api.postStateValidators({stateId: "head", statuses: ["active"]})).data;
  const exiting = active.filter((v) => !isFarFuture(v.validator.exitEpoch) && v.validator.exitEpoch > currentEpoch);
  const aheadBalance = exiting.reduce((s, v) => s + v.validator.effectiveBalance, 0);
  const latest = exiting.reduce((m, v) => Math.max(m, v.validator.exitEpoch), 0);
  const c = config.chain;
  const exitEpochs: number[] = [];
  if (config.getForkInfoAtEpoch(currentEpoch).seq >= ForkSeq.electra) {
    // electra get_balance_churn_limit / get_activation_exit_churn_limit
    const totalActive = Math.max(
      EFFECTIVE_BALANCE_INCREMENT,
      active
        .filter((v) => v.validator.activationEpoch <= currentEpoch && currentEpoch < v.validator.exitEpoch)
        .reduce((s, v) => s + v.validator.effectiveBalance, 0),
    );
    let balanceChurn = Math.max(c.MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA, Math.floor(totalActive / c.CHURN_LIMIT_QUOTIENT));
    balanceChurn -= balanceChurn % EFFECTIVE_BALANCE_INCREMENT;
    const perEpochChurn = Math.min(c.MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT, balanceChurn);
    // electra compute_exit_epoch_and_update_churn, one candidate after the other
    let earliestExitEpoch = latest;
    let exitBalanceToConsume =
      perEpochChurn -
      exiting.filter((v) => v.validator.exitEpoch === latest).reduce((s, v) => s + v.validator.effectiveBalance, 0);
    if (exitBalanceToConsume < 0) exitBalanceToConsume = 0;
    for (const cand of candidates) {
      let exitEpoch = Math.max(earliestExitEpoch, computeActivationExitEpoch(currentEpoch));
      let balanceToConsume = earliestExitEpoch < exitEpoch ? perEpochChurn : exitBalanceToConsume;
      if (cand.effectiveBalance > balanceToConsume) {
        const balanceToProcess = cand.effectiveBalance - balanceToConsume;
        const additionalEpochs = Math.floor((balanceToProcess - 1) / perEpochChurn) + 1;
        exitEpoch += additionalEpochs;
        balanceToConsume += additionalEpochs * perEpochChurn;
      }
      exitBalanceToConsume = balanceToConsume - cand.effectiveBalance;
      earliestExitEpoch = exitEpoch;
      exitEpochs.push(exitEpoch);
    }
    return {ahead: exiting.length, aheadBalance, churnPerEpoch: perEpochChurn, churnUnit: "gwei", exitEpochs};
  }
  // phase0 initiate_validator_exit with get_validator_churn_limit
  const activeCount = active.filter(
    (v) => v.validator.activationEpoch <= currentEpoch && currentEpoch < v.validator.exitEpoch,
  ).length;
  const churn = Math.max(c.MIN_PER_EPOCH_CHURN_LIMIT, Math.floor(activeCount / c.CHURN_LIMIT_QUOTIENT));
  const epochs = exiting.map((v) => v.validator.exitEpoch);
  for (const _ of candidates) {
    let exitQueueEpoch = Math.max(computeActivationExitEpoch(currentEpoch), ...epochs);
    if (epochs.filter((e) => e === exitQueueEpoch).length >= churn) exitQueueEpoch += 1;
    epochs.push(exitQueueEpoch);
    exitEpochs.push(exitQueueEpoch);
  }
  return {ahead: exiting.length, aheadBalance, churnPerEpoch: churn, churnUnit: "validators", exitEpochs};
}
