import {type BeaconConfig, computeDomain, computeSigningRoot} from "@ceibo/config";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_RANDAO,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  DOMAIN_VOLUNTARY_EXIT,
  ForkSeq,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {type SlashingProtection, SlashingProtectionError} from "@ceibo/slashing-protection";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import type {Type, ValueOf} from "@chainsafe/ssz";
import {ValidatorClientError} from "../errors.ts";
import type {SignerMetricsHook} from "../metrics.ts";
import type {ForkInfoJson, KeyStore, SigningKind} from "./keys.ts";

export type AttestationData = ValueOf<typeof ssz.phase0.AttestationData>;
export type AggregateAndProof =
  | ValueOf<typeof ssz.phase0.AggregateAndProof>
  | ValueOf<typeof ssz.electra.AggregateAndProof>;
export type ContributionAndProof = ValueOf<typeof ssz.altair.ContributionAndProof>;
export type VoluntaryExit = ValueOf<typeof ssz.phase0.VoluntaryExit>;
export type ValidatorRegistration = ValueOf<typeof ssz.bellatrix.ValidatorRegistrationV1>;
/** Any fork's BeaconBlock or BlindedBeaconBlock (the same hash tree root for the same block). */
export type AnyBeaconBlock = {slot: number; proposerIndex: number} & Record<string, unknown>;

const epochOf = (slot: number): number => Math.floor(slot / SLOTS_PER_EPOCH);

/**
 * The one signing gate: every signature the validator client makes is produced here. Blocks and attestations
 * are first checked against (and recorded in) the EIP-3076 slashing-protection store, atomically; if the store
 * refuses, this throws `ValidatorClientError{code: "SLASHING_PROTECTION"}` and nothing is signed. Domains are
 * computed from the chain's fork schedule and genesis_validators_root (`BeaconConfig`), spec
 * phase0/validator.md (get_*_signature) and altair/validator.md.
 */
export class Signer {
  readonly config: BeaconConfig;
  private readonly keys: KeyStore;
  private readonly slashingProtection: SlashingProtection;
  /** Signatures, refusals and failures by type (set with --metrics). */
  metrics: SignerMetricsHook | null = null;

  constructor(opts: {config: BeaconConfig; keys: KeyStore; slashingProtection: SlashingProtection}) {
    this.config = opts.config;
    this.keys = opts.keys;
    this.slashingProtection = opts.slashingProtection;
  }

  /** phase0 get_block_signature (any fork; blinded blocks have the same root). Slashing-protected. */
  async signBlock(pubkey: Uint8Array, block: AnyBeaconBlock, opts: {blinded?: boolean} = {}): Promise<Uint8Array> {
    this.keys.get(pubkey); // an unknown key is refused before anything is recorded
    const fork = this.config.getForkName(block.slot);
    const types = ssz[fork] as unknown as Record<string, Type<unknown>>;
    const type = opts.blinded && types.BlindedBeaconBlock ? types.BlindedBeaconBlock : types.BeaconBlock;
    const epoch = epochOf(block.slot);
    const signingRoot = this.root(type, block, DOMAIN_BEACON_PROPOSER, epoch);
    try {
      await this.slashingProtection.checkAndInsertBlock(pubkey, block.slot, signingRoot);
    } catch (e) {
      throw this.refused(e, pubkey, `block at slot ${block.slot}`);
    }
    // Web3Signer BLOCK_V2: the full block up to altair, the header (same root) from bellatrix on
    return this.sign(pubkey, "BLOCK_V2", signingRoot, epoch, () => {
      const version = fork.toUpperCase();
      if (fork === "phase0" || fork === "altair") return {beacon_block: {version, block: type.toJson(block)}};
      const bodyType =
        opts.blinded && types.BlindedBeaconBlockBody ? types.BlindedBeaconBlockBody : types.BeaconBlockBody;
      const header = {...block, bodyRoot: bodyType.hashTreeRoot(block.body)};
      return {beacon_block: {version, block_header: ssz.phase0.BeaconBlockHeader.toJson(header as never)}};
    });
  }

  /** phase0 get_attestation_signature. Slashing-protected. */
  async signAttestation(pubkey: Uint8Array, data: AttestationData): Promise<Uint8Array> {
    this.keys.get(pubkey);
    if (data.target.epoch !== epochOf(data.slot)) {
      throw new ValidatorClientError(
        "INVALID_SIGNING_REQUEST",
        `attestation target epoch ${data.target.epoch} is not the epoch of slot ${data.slot}`,
      );
    }
    if (data.source.epoch > data.target.epoch) {
      throw new ValidatorClientError(
        "INVALID_SIGNING_REQUEST",
        `attestation source epoch ${data.source.epoch} is after target epoch ${data.target.epoch}`,
      );
    }
    const type = ssz.phase0.AttestationData;
    const signingRoot = this.root(type, data, DOMAIN_BEACON_ATTESTER, data.target.epoch);
    try {
      await this.slashingProtection.checkAndInsertAttestation(
        pubkey,
        data.source.epoch,
        data.target.epoch,
        signingRoot,
      );
    } catch (e) {
      throw this.refused(e, pubkey, `attestation source ${data.source.epoch} target ${data.target.epoch}`);
    }
    return this.sign(pubkey, "ATTESTATION", signingRoot, data.target.epoch, () => ({attestation: type.toJson(data)}));
  }

  /** phase0 get_epoch_signature (the RANDAO reveal). */
  async signRandao(pubkey: Uint8Array, epoch: number): Promise<Uint8Array> {
    const signingRoot = this.root(ssz.phase0.Epoch, epoch, DOMAIN_RANDAO, epoch);
    return this.sign(pubkey, "RANDAO_REVEAL", signingRoot, epoch, () => ({randao_reveal: {epoch: String(epoch)}}));
  }

  /** phase0 get_slot_signature (the aggregation selection proof). */
  async signSelectionProof(pubkey: Uint8Array, slot: number): Promise<Uint8Array> {
    const signingRoot = this.root(ssz.phase0.Slot, slot, DOMAIN_SELECTION_PROOF, epochOf(slot));
    return this.sign(pubkey, "AGGREGATION_SLOT", signingRoot, epochOf(slot), () => ({
      aggregation_slot: {slot: String(slot)},
    }));
  }

  /** phase0 get_aggregate_and_proof_signature (electra AggregateAndProof from electra on). */
  async signAggregateAndProof(pubkey: Uint8Array, aggregateAndProof: AggregateAndProof): Promise<Uint8Array> {
    const slot = aggregateAndProof.aggregate.data.slot;
    const type = (
      this.config.getForkSeq(slot) >= ForkSeq.electra ? ssz.electra.AggregateAndProof : ssz.phase0.AggregateAndProof
    ) as Type<AggregateAndProof>;
    const signingRoot = this.root(type, aggregateAndProof, DOMAIN_AGGREGATE_AND_PROOF, epochOf(slot));
    return this.sign(pubkey, "AGGREGATE_AND_PROOF_V2", signingRoot, epochOf(slot), () => ({
      aggregate_and_proof: {version: this.config.getForkName(slot).toUpperCase(), data: type.toJson(aggregateAndProof)},
    }));
  }

  /** altair get_sync_committee_message's signature: over the head block root at `slot`. */
  async signSyncCommitteeMessage(pubkey: Uint8Array, slot: number, beaconBlockRoot: Uint8Array): Promise<Uint8Array> {
    const signingRoot = this.root(ssz.phase0.Root, beaconBlockRoot, DOMAIN_SYNC_COMMITTEE, epochOf(slot));
    return this.sign(pubkey, "SYNC_COMMITTEE_MESSAGE", signingRoot, epochOf(slot), () => ({
      sync_committee_message: {beacon_block_root: toHex(beaconBlockRoot), slot: String(slot)},
    }));
  }

  /** altair get_sync_committee_selection_proof. */
  async signSyncSelectionProof(pubkey: Uint8Array, slot: number, subcommitteeIndex: number): Promise<Uint8Array> {
    const type = ssz.altair.SyncAggregatorSelectionData;
    const data = {slot, subcommitteeIndex};
    const signingRoot = this.root(type, data, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epochOf(slot));
    return this.sign(pubkey, "SYNC_COMMITTEE_SELECTION_PROOF", signingRoot, epochOf(slot), () => ({
      sync_aggregator_selection_data: type.toJson(data),
    }));
  }

  /** altair get_contribution_and_proof_signature. */
  async signContributionAndProof(pubkey: Uint8Array, contributionAndProof: ContributionAndProof): Promise<Uint8Array> {
    const type = ssz.altair.ContributionAndProof;
    const epoch = epochOf(contributionAndProof.contribution.slot);
    const signingRoot = this.root(type, contributionAndProof, DOMAIN_CONTRIBUTION_AND_PROOF, epoch);
    return this.sign(pubkey, "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF", signingRoot, epoch, () => ({
      contribution_and_proof: type.toJson(contributionAndProof),
    }));
  }

  /**
   * phase0 voluntary exit signature; from deneb on the domain is pinned to CAPELLA_FORK_VERSION (EIP-7044,
   * deneb/beacon-chain.md process_voluntary_exit).
   */
  async signVoluntaryExit(pubkey: Uint8Array, exit: VoluntaryExit): Promise<Uint8Array> {
    const type = ssz.phase0.VoluntaryExit;
    const fork = this.config.getForkInfoAtEpoch(exit.epoch);
    const forkVersion = fork.seq >= ForkSeq.deneb ? this.config.chain.CAPELLA_FORK_VERSION : fork.version;
    const domain = this.config.getDomainForVersion(DOMAIN_VOLUNTARY_EXIT, forkVersion);
    const signingRoot = computeSigningRoot(type, exit, domain);
    // fork_info is the fork of the exit's epoch; the remote signer applies EIP-7044 itself, as Web3Signer does
    return this.sign(pubkey, "VOLUNTARY_EXIT", signingRoot, exit.epoch, () => ({voluntary_exit: type.toJson(exit)}));
  }

  /** builder-specs: DOMAIN_APPLICATION_BUILDER with the genesis fork version and a zero genesis_validators_root. */
  async signValidatorRegistration(pubkey: Uint8Array, registration: ValidatorRegistration): Promise<Uint8Array> {
    const type = ssz.bellatrix.ValidatorRegistrationV1;
    const forkVersion = this.config.chain.GENESIS_FORK_VERSION;
    const domain = computeDomain(DOMAIN_APPLICATION_BUILDER, forkVersion, new Uint8Array(32));
    const signingRoot = computeSigningRoot(type, registration, domain);
    return this.sign(pubkey, "VALIDATOR_REGISTRATION", signingRoot, undefined, () => ({
      validator_registration: type.toJson(registration),
    }));
  }

  private root<T>(type: Type<T>, value: T, domainType: Uint8Array, epoch: number): Uint8Array {
    const forkVersion = this.config.computeForkVersion(epoch);
    const domain = this.config.getDomainForVersion(domainType, forkVersion);
    return computeSigningRoot(type, value, domain);
  }

  /** Web3Signer's fork_info for a message signed at `epoch`: the fork active then, and the chain. */
  private forkInfo(epoch: number): ForkInfoJson {
    const fork = this.config.getForkInfoAtEpoch(epoch);
    return {
      fork: {
        previous_version: toHex(fork.prevVersion),
        current_version: toHex(fork.version),
        epoch: String(fork.epoch),
      },
      genesis_validators_root: toHex(this.config.genesisValidatorsRoot),
    };
  }

  private async sign(
    pubkey: Uint8Array,
    kind: SigningKind,
    signingRoot: Uint8Array,
    epoch: number | undefined,
    body: () => Record<string, unknown>,
  ): Promise<Uint8Array> {
    if (this.metrics === null) return this.signWithKey(pubkey, kind, signingRoot, epoch, body);
    try {
      const signature = await this.signWithKey(pubkey, kind, signingRoot, epoch, body);
      this.metrics.signed(kind);
      return signature;
    } catch (e) {
      this.metrics.failed(kind);
      throw e;
    }
  }

  private async signWithKey(
    pubkey: Uint8Array,
    kind: SigningKind,
    signingRoot: Uint8Array,
    epoch: number | undefined,
    body: () => Record<string, unknown>,
  ): Promise<Uint8Array> {
    const key = this.keys.get(pubkey);
    if (key.type === "local") return key.secretKey.sign(signingRoot).toBytes(true);
    const forkInfo = epoch !== undefined ? this.forkInfo(epoch) : undefined;
    return key.signer.sign(pubkey, {kind, signingRoot, ...(forkInfo ? {forkInfo} : {}), body: body()});
  }

  private refused(e: unknown, pubkey: Uint8Array, what: string): Error {
    if (e instanceof SlashingProtectionError) {
      this.metrics?.refused(what.startsWith("block") ? "BLOCK_V2" : "ATTESTATION");
      return new ValidatorClientError(
        "SLASHING_PROTECTION",
        `refused to sign ${what} for ${toHex(pubkey)}: ${e.message}`,
        {pubkey: toHex(pubkey), reason: e.code},
        e,
      );
    }
    return e as Error;
  }
}
