import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {BeaconConfig, computeDomain, computeSigningRoot, createDevChainConfig} from "@ceibo/config";
import {
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_RANDAO,
  DOMAIN_VOLUNTARY_EXIT,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {SlashingProtection} from "@ceibo/slashing-protection";
import {interopSecretKey} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {PublicKey, Signature, verify} from "@chainsafe/blst";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {KeyStore, Signer, ValidatorClientError} from "../src/index.ts";

const gvr = new Uint8Array(32).fill(7);
// staged forks so domains differ by epoch: electra at 2, fulu at 4
const chain = createDevChainConfig({preset: "mainnet", forkEpochs: {electra: 2, fulu: 4}});
const config = new BeaconConfig(chain, gvr);
const sk = interopSecretKey(0);
const pk = sk.toPublicKey();
const pubkey = pk.toBytes(true);

function attData(slot: number, source: number, target: number, root = 1) {
  return {
    slot,
    index: 0,
    beaconBlockRoot: new Uint8Array(32).fill(root),
    source: {epoch: source, root: new Uint8Array(32)},
    target: {epoch: target, root: new Uint8Array(32).fill(root)},
  };
}

function blockAt(slot: number, graffitiByte = 0) {
  const block = ssz.fulu.BeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = 0;
  block.body.graffiti = new Uint8Array(32).fill(graffitiByte);
  return block;
}

async function expectRefused(p: Promise<unknown>, reason: string): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ValidatorClientError);
  expect((err as ValidatorClientError).code).toBe("SLASHING_PROTECTION");
  expect((err as ValidatorClientError).details.reason).toBe(reason);
}

describe("the signing gate", () => {
  let dir: string;
  let sp: SlashingProtection;
  let signer: Signer;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ceibo-vc-signer-"));
    sp = await SlashingProtection.open({path: join(dir, "sp"), genesisValidatorsRoot: gvr});
    signer = new Signer({config, keys: KeyStore.fromSecretKeys([sk]), slashingProtection: sp});
  });
  afterEach(async () => {
    await sp.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("signs a block with the proposer domain of the block's fork, and refuses a second block at that slot", async () => {
    const slot = 5 * SLOTS_PER_EPOCH + 3; // fulu
    const block = blockAt(slot);
    const sig = await signer.signBlock(pubkey, block);
    const domain = computeDomain(DOMAIN_BEACON_PROPOSER, chain.FULU_FORK_VERSION, gvr);
    const root = computeSigningRoot(ssz.fulu.BeaconBlock, block, domain);
    expect(verify(root, pk, Signature.fromBytes(sig))).toBe(true);
    // the identical block again is a repeat: allowed, same signature
    expect(Buffer.from(await signer.signBlock(pubkey, block)).equals(Buffer.from(sig))).toBe(true);
    // another block at the same slot: refused
    await expectRefused(signer.signBlock(pubkey, blockAt(slot, 9)), "DOUBLE_BLOCK");
    // the refusal is durable: after reopening the store it is still refused
    await sp.close();
    sp = await SlashingProtection.open({path: join(dir, "sp"), genesisValidatorsRoot: gvr});
    const signer2 = new Signer({config, keys: KeyStore.fromSecretKeys([sk]), slashingProtection: sp});
    await expectRefused(signer2.signBlock(pubkey, blockAt(slot, 9)), "DOUBLE_BLOCK");
  });

  it("signs attestations and refuses double votes and surround votes", async () => {
    const e = (epoch: number) => epoch * SLOTS_PER_EPOCH;
    const sig = await signer.signAttestation(pubkey, attData(e(3), 1, 3));
    const domain = computeDomain(DOMAIN_BEACON_ATTESTER, chain.ELECTRA_FORK_VERSION, gvr);
    expect(
      verify(computeSigningRoot(ssz.phase0.AttestationData, attData(e(3), 1, 3), domain), pk, Signature.fromBytes(sig)),
    ).toBe(true);
    await expectRefused(signer.signAttestation(pubkey, attData(e(3) + 1, 1, 3, 2)), "DOUBLE_VOTE");
    // recorded: (1 → 3). A vote (0 → 4) surrounds it
    await expectRefused(signer.signAttestation(pubkey, attData(e(4), 0, 4)), "SURROUNDING_VOTE");
    await signer.signAttestation(pubkey, attData(e(6), 1, 6));
    // (2 → 5) is surrounded by (1 → 6)
    await expectRefused(signer.signAttestation(pubkey, attData(e(5), 2, 5)), "SURROUNDED_VOTE");
    // a normal next vote passes
    await signer.signAttestation(pubkey, attData(e(7), 6, 7));
  });

  it("refuses malformed requests and unknown keys without recording anything", async () => {
    const bad = attData(3 * SLOTS_PER_EPOCH, 1, 4); // target is not the epoch of the slot
    await expect(signer.signAttestation(pubkey, bad)).rejects.toMatchObject({code: "INVALID_SIGNING_REQUEST"});
    const other = interopSecretKey(1).toPublicKey().toBytes(true);
    await expect(signer.signBlock(other, blockAt(10))).rejects.toMatchObject({code: "UNKNOWN_PUBKEY"});
    const exported = await sp.exportInterchange(gvr);
    expect(exported.data).toEqual([]);
  });

  it("uses the fork of the message epoch for RANDAO and CAPELLA_FORK_VERSION for exits from deneb (EIP-7044)", async () => {
    const randao = await signer.signRandao(pubkey, 1); // deneb... (electra at 2) → epoch 1 is the deneb fork version
    const rd = computeDomain(DOMAIN_RANDAO, chain.DENEB_FORK_VERSION, gvr);
    expect(verify(computeSigningRoot(ssz.phase0.Epoch, 1, rd), pk, Signature.fromBytes(randao))).toBe(true);
    const exit = {epoch: 5, validatorIndex: 0};
    const sig = await signer.signVoluntaryExit(pubkey, exit);
    const xd = computeDomain(DOMAIN_VOLUNTARY_EXIT, chain.CAPELLA_FORK_VERSION, gvr);
    expect(
      verify(
        computeSigningRoot(ssz.phase0.VoluntaryExit, exit, xd),
        PublicKey.fromBytes(pubkey),
        Signature.fromBytes(sig),
      ),
    ).toBe(true);
  });
});
