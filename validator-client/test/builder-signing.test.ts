/**
 * Builder (MEV-boost) signing in the validator client: blinded blocks go through the same slashing-protection gate
 * as full ones (a BlindedBeaconBlock has the root of the block it commits to), registrations are signed under the
 * builder domain (not slashable, so never refused), and the registration service re-signs only on a change.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import type {BeaconApiClient} from "@ceibo/api";
import {BeaconConfig, computeDomain, computeSigningRoot, createDevChainConfig} from "@ceibo/config";
import {DOMAIN_BEACON_PROPOSER, SLOTS_PER_EPOCH} from "@ceibo/params";
import {SlashingProtection} from "@ceibo/slashing-protection";
import {interopSecretKey} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {Signature, verify} from "@chainsafe/blst";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {createLogger, KeyStore, Signer, ValidatorClientError} from "../src/index.ts";
import {RegistrationService} from "../src/services/registration.ts";

const gvr = new Uint8Array(32).fill(7);
const chain = createDevChainConfig({preset: "mainnet", forkEpochs: {electra: 2, fulu: 4}});
const config = new BeaconConfig(chain, gvr);
const sk = interopSecretKey(0);
const pk = sk.toPublicKey();
const pubkey = pk.toBytes(true);

/** A fulu block and its blinded form (the payload replaced by its header, built field by field here). */
function blocks(slot: number, extra = 0) {
  const full = ssz.fulu.BeaconBlock.defaultValue();
  full.slot = slot;
  full.body.executionPayload.extraData = Uint8Array.from([extra]);
  full.body.executionPayload.transactions = [Uint8Array.from([1, 2, 3])];
  const {executionPayload: p, ...rest} = full.body;
  const {transactions, withdrawals, ...fields} = p;
  const header = {
    ...fields,
    transactionsRoot: ssz.bellatrix.Transactions.hashTreeRoot(transactions),
    withdrawalsRoot: ssz.capella.Withdrawals.hashTreeRoot(withdrawals),
  };
  const blinded = {...full, body: {...rest, executionPayloadHeader: header}};
  return {full, blinded};
}

describe("blinded blocks and registrations through the signing gate", () => {
  let dir: string;
  let sp: SlashingProtection;
  let signer: Signer;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ceibo-vc-builder-"));
    sp = await SlashingProtection.open({path: join(dir, "sp"), genesisValidatorsRoot: gvr});
    signer = new Signer({config, keys: KeyStore.fromSecretKeys([sk]), slashingProtection: sp});
  });
  afterEach(async () => {
    await sp.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("a blinded block is signed over the full block's root and slashing-protected like one", async () => {
    const slot = 5 * SLOTS_PER_EPOCH + 1;
    const {full, blinded} = blocks(slot);
    const sig = await signer.signBlock(pubkey, blinded as never, {blinded: true});
    // valid as the FULL block's signature (the builder reveals the payload, the network sees the full block)
    const domain = computeDomain(DOMAIN_BEACON_PROPOSER, chain.FULU_FORK_VERSION, gvr);
    expect(verify(computeSigningRoot(ssz.fulu.BeaconBlock, full, domain), pk, Signature.fromBytes(sig))).toBe(true);
    // the same block again, full this time: a repeat of the same signing root, allowed
    await signer.signBlock(pubkey, full as never);
    // another blinded block at that slot (another bid): refused
    const other = blocks(slot, 9);
    const refused = await signer.signBlock(pubkey, other.blinded as never, {blinded: true}).catch((e) => e);
    expect(refused).toBeInstanceOf(ValidatorClientError);
    expect((refused as ValidatorClientError).code).toBe("SLASHING_PROTECTION");
    // and a local full block at that slot after the blinded one: refused too
    const local = await signer.signBlock(pubkey, other.full as never).catch((e) => e);
    expect((local as ValidatorClientError).code).toBe("SLASHING_PROTECTION");
  });

  it("a full block first, then a different blinded block at the slot: refused", async () => {
    const slot = 5 * SLOTS_PER_EPOCH + 2;
    await signer.signBlock(pubkey, blocks(slot).full as never);
    const refused = await signer.signBlock(pubkey, blocks(slot, 3).blinded as never, {blinded: true}).catch((e) => e);
    expect((refused as ValidatorClientError).code).toBe("SLASHING_PROTECTION");
  });

  it("registrations: builder domain (genesis fork version, zero genesis validators root), never refused", async () => {
    const message = {
      feeRecipient: new Uint8Array(20).fill(0xaa),
      gasLimit: 60_000_000,
      timestamp: 1_700_000_000,
      pubkey,
    };
    const sig = await signer.signValidatorRegistration(pubkey, message);
    // DOMAIN_APPLICATION_BUILDER = 0x00000001 (builder-specs), computed here from its parts
    const domain = computeDomain(Uint8Array.from([0, 0, 0, 1]), chain.GENESIS_FORK_VERSION, new Uint8Array(32));
    const root = computeSigningRoot(ssz.bellatrix.ValidatorRegistrationV1, message, domain);
    expect(verify(root, pk, Signature.fromBytes(sig))).toBe(true);
    // not slashable: another registration (other fee recipient, older timestamp) is signed as well
    await signer.signValidatorRegistration(pubkey, {...message, feeRecipient: new Uint8Array(20), timestamp: 1});
  });

  it("the registration service: per-key gas limit and fee recipient, re-signed only when they change", async () => {
    const sent: {message: {feeRecipient: Uint8Array; gasLimit: number; timestamp: number}; signature: Uint8Array}[][] =
      [];
    const api = {
      registerValidator: async ({registrations}: {registrations: never[]}) => {
        sent.push(registrations);
      },
    } as unknown as BeaconApiClient;
    const id = toHex(pubkey);
    let gasLimit = 30_000_000n;
    let now = 1000;
    const service = new RegistrationService({
      api,
      signer,
      log: createLogger({level: "error", write: () => {}}),
      validators: () => [{pubkey}],
      feeRecipientOf: (k) => (k === id ? new Uint8Array(20).fill(0xcc) : undefined),
      gasLimitOf: () => gasLimit,
      nowSec: () => now,
    });
    await service.run(0);
    expect(sent).toHaveLength(1);
    const first = sent[0][0];
    expect(first.message.gasLimit).toBe(30_000_000);
    expect(first.message.timestamp).toBe(1000);
    expect(Buffer.from(first.message.feeRecipient).equals(Buffer.alloc(20, 0xcc))).toBe(true);
    await service.run(0); // once per epoch
    expect(sent).toHaveLength(1);
    now = 1012;
    await service.run(1); // unchanged: the same signed registration again
    expect(sent[1][0]).toBe(first);
    gasLimit = 45_000_000n; // e.g. POST /eth/v1/validator/{pubkey}/gas_limit
    now = 1024;
    await service.run(2);
    expect(sent[2][0].message.gasLimit).toBe(45_000_000);
    expect(sent[2][0].message.timestamp).toBe(1024);
    expect(Buffer.from(sent[2][0].signature).equals(Buffer.from(first.signature))).toBe(false);
  });
});
