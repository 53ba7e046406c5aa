/**
 * The beacon node's side of the builder flow (builder-specs specs/bellatrix/validator.md): validator
 * registrations kept and forwarded to the builder, the liveness failsafe (circuitBreaker.ts), and bids fetched
 * and verified for a proposal (getHeader within the timeout → process_bid). Every failure (builder down, late,
 * 204, invalid bid, circuit breaker) gives `null` and a log line: the caller builds locally.
 */

import type {RootHex} from "@ceibo/fork-choice";
import {toHex} from "@ceibo/utils";
import {CircuitBreaker, type CircuitBreakerOpts} from "./circuitBreaker.ts";
import {type BuilderClientOpts, BuilderError, BuilderHttpClient, type GetHeaderResult} from "./client.ts";
import {BidError, type BidExpectations, type BidSignatureVerifier, processBid, processBidAsync} from "./verify.ts";

interface Log {
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  debug(msg: string, ctx?: Record<string, unknown>): void;
}

export type ValidatorRegistrationV1 = {
  feeRecipient: Uint8Array;
  gasLimit: number;
  timestamp: number;
  pubkey: Uint8Array;
};
export type SignedValidatorRegistrationV1 = {message: ValidatorRegistrationV1; signature: Uint8Array};

export interface BuilderServiceOpts extends BuilderClientOpts, Partial<CircuitBreakerOpts> {}

export class BuilderService {
  readonly client: BuilderHttpClient;
  readonly circuitBreaker: CircuitBreaker;
  private readonly log: Log;
  /** The latest registration of each validator (by 0x pubkey), as sent through register_validator. */
  private readonly registrations = new Map<string, ValidatorRegistrationV1>();

  constructor(opts: BuilderServiceOpts, log: Log) {
    this.client = new BuilderHttpClient(opts);
    this.circuitBreaker = new CircuitBreaker(opts);
    this.log = log;
  }

  /** Logs whether the builder answers its status route (at start; never fatal). */
  async checkStatus(): Promise<boolean> {
    try {
      await this.client.status();
      this.log.info("Builder connected", {url: this.client.url});
      return true;
    } catch (e) {
      this.log.warn("Builder status check failed (blocks are built locally while it is away)", {
        url: this.client.url,
        error: (e as Error).message,
      });
      return false;
    }
  }

  registrationOf(pubkey: Uint8Array): ValidatorRegistrationV1 | undefined {
    return this.registrations.get(toHex(pubkey));
  }

  /**
   * register_validator: keeps each validator's newest registration (an older timestamp than the one kept is
   * ignored, as builders do) and forwards the batch to the builder. Throws a BuilderError if the builder refuses
   * or is unreachable (the registrations are kept either way).
   */
  async registerValidators(registrations: SignedValidatorRegistrationV1[]): Promise<void> {
    for (const r of registrations) {
      const key = toHex(r.message.pubkey);
      const previous = this.registrations.get(key);
      if (previous === undefined || previous.timestamp <= r.message.timestamp) this.registrations.set(key, r.message);
    }
    if (registrations.length === 0) return;
    await this.client.registerValidators(registrations);
  }

  /**
   * A verified bid for the proposal at `slot` on `headRoot`, or null (with the reason logged): the proposer is
   * not registered, the circuit breaker is open, the builder errs, answers late or 204, or the bid fails process_bid.
   * With `bls` (the chain's BLS worker pool) the bid's signature is verified there, off the main thread.
   */
  async getVerifiedBid(
    forkChoice: Parameters<CircuitBreaker["check"]>[0],
    headRoot: RootHex,
    slot: number,
    proposerPubkey: Uint8Array,
    want: Omit<BidExpectations, "feeRecipient">,
    bls?: BidSignatureVerifier,
  ): Promise<GetHeaderResult | null> {
    const registration = this.registrationOf(proposerPubkey);
    if (registration === undefined) {
      this.log.debug("Proposer not registered with the builder: local payload", {slot});
      return null;
    }
    const breaker = this.circuitBreaker.check(forkChoice, headRoot, slot);
    if (breaker.changed) {
      const {faultInspectionWindow: window, allowedFaults} = this.circuitBreaker.opts;
      if (breaker.ok) this.log.info("Builder circuit breaker recovered", {slot, missed: breaker.missed, window});
      else
        this.log.warn("Builder circuit breaker tripped: local payloads only", {
          slot,
          missed: breaker.missed,
          window,
          allowedFaults,
        });
    }
    if (!breaker.ok) return null;
    const t0 = Date.now();
    let result: GetHeaderResult | null;
    try {
      result = await this.client.getHeader(slot, want.parentHash, proposerPubkey);
    } catch (e) {
      const code = e instanceof BuilderError ? e.code : "ERROR";
      this.log.warn("Builder bid failed: local payload", {slot, code, error: (e as Error).message});
      return null;
    }
    if (result === null) {
      this.log.info("Builder has no bid (204): local payload", {slot});
      return null;
    }
    try {
      const expected: BidExpectations = {
        ...want,
        feeRecipient: registration.feeRecipient,
        ...(this.client.pubkey !== null ? {builderPubkey: this.client.pubkey} : {}),
      };
      if (bls !== undefined) await processBidAsync(result.version, result.bid, expected, bls);
      else processBid(result.version, result.bid, expected);
    } catch (e) {
      if (!(e instanceof BidError)) throw e;
      this.log.warn("Builder bid invalid: local payload", {slot, reason: e.message});
      return null;
    }
    this.log.debug("Builder bid", {
      slot,
      value: result.bid.message.value.toString(),
      blockHash: toHex(result.bid.message.header.blockHash),
      ms: Date.now() - t0,
    });
    return result;
  }
}
