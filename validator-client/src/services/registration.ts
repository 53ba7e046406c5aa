/**
 * Validator registrations for the builder network (builder-specs specs/bellatrix/validator.md "Validator
 * registration"): each validator's ValidatorRegistrationV1 (fee recipient, gas limit, timestamp, pubkey) signed
 * through the signing gate (DOMAIN_APPLICATION_BUILDER; not slashable, so no slashing-protection record) and sent
 * to the beacon node's register_validator every EPOCHS_PER_VALIDATOR_REGISTRATION_SUBMISSION (1) epoch, which
 * forwards them to its builder. A registration is signed again only when its fee recipient or gas limit changed
 * (with a new timestamp); otherwise the same signed registration is re-sent, as builders expect.
 */

import type {BeaconApiClient} from "@ceibo/api";
import type {Logger} from "@ceibo/utils";
import {toHex} from "@ceibo/utils";
import type {Signer, ValidatorRegistration} from "../signer/index.ts";

/** builder-specs bellatrix validator.md. */
export const EPOCHS_PER_VALIDATOR_REGISTRATION_SUBMISSION = 1;
/** Registrations per register_validator request. */
const BATCH = 512;

export interface RegistrationDeps {
  api: BeaconApiClient;
  signer: Signer;
  log: Logger;
  /** The validators to register (the ones the beacon node knows: active or pending). */
  validators: () => {pubkey: Uint8Array}[];
  feeRecipientOf: (pubkeyHex: string) => Uint8Array | undefined;
  gasLimitOf: (pubkeyHex: string) => bigint;
  nowSec?: () => number;
}

type Signed = {message: ValidatorRegistration; signature: Uint8Array};

export class RegistrationService {
  private readonly deps: RegistrationDeps;
  private readonly signed = new Map<string, Signed>();
  private readonly warnedNoFeeRecipient = new Set<string>();
  private lastEpoch = -Infinity;

  constructor(deps: RegistrationDeps) {
    this.deps = deps;
  }

  /** Signs (when changed) and submits every validator's registration; once per submission period. */
  async run(epoch: number): Promise<void> {
    if (epoch < this.lastEpoch + EPOCHS_PER_VALIDATOR_REGISTRATION_SUBMISSION) return;
    const {signer, log, api} = this.deps;
    const now = this.deps.nowSec?.() ?? Math.floor(Date.now() / 1000);
    const out: Signed[] = [];
    let resigned = 0;
    for (const v of this.deps.validators()) {
      const id = toHex(v.pubkey);
      const feeRecipient = this.deps.feeRecipientOf(id);
      if (feeRecipient === undefined) {
        if (!this.warnedNoFeeRecipient.has(id)) {
          this.warnedNoFeeRecipient.add(id);
          log.warn("No fee recipient for this validator (--fee-recipient or the Keymanager API): not registered", {
            pubkey: id,
          });
        }
        continue;
      }
      const gasLimit = this.deps.gasLimitOf(id);
      const previous = this.signed.get(id);
      if (
        previous !== undefined &&
        Buffer.from(previous.message.feeRecipient).equals(Buffer.from(feeRecipient)) &&
        BigInt(previous.message.gasLimit) === gasLimit
      ) {
        out.push(previous);
        continue;
      }
      // a later timestamp than any earlier registration of this key (builders keep the newest)
      const timestamp = Math.max(now, (previous?.message.timestamp ?? 0) + 1);
      const message: ValidatorRegistration = {feeRecipient, gasLimit: Number(gasLimit), timestamp, pubkey: v.pubkey};
      const signature = await signer.signValidatorRegistration(v.pubkey, message);
      const entry = {message, signature};
      this.signed.set(id, entry);
      out.push(entry);
      resigned++;
    }
    for (let i = 0; i < out.length; i += BATCH) {
      await api.registerValidator({registrations: out.slice(i, i + BATCH) as never});
    }
    this.lastEpoch = epoch;
    if (out.length > 0) log.info("Builder registrations sent", {epoch, validators: out.length, signed: resigned});
  }

  /** Forget a removed key (Keymanager API delete). */
  forget(pubkeyHex: string): void {
    this.signed.delete(pubkeyHex.toLowerCase());
  }
}
