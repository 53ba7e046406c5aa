/**
 * Web3Signer eth2 signing requests (`POST /api/v1/eth2/sign/{identifier}`, Web3Signer ETH2 API 2.0.0): the body
 * is parsed by its `type`, the object is read with the consensus SSZ types and the signing root is computed
 * again from the object and `fork_info` (phase0 compute_signing_root / get_domain), never taken from the caller.
 * A `signingRoot` in the request is only checked against it.
 */

import {type ChainConfig, computeDomain, computeSigningRoot} from "@ceibo/config";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_APPLICATION_BUILDER,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_DEPOSIT,
  DOMAIN_RANDAO,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  DOMAIN_VOLUNTARY_EXIT,
  SLOTS_PER_EPOCH,
} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import {ByteVectorType, ContainerType, type Type, UintBigintType} from "@chainsafe/ssz";

/** Every `type` of the Web3Signer eth2 sign route (BLOCK and AGGREGATE_AND_PROOF are its deprecated forms). */
export const WEB3SIGNER_TYPES = [
  "BLOCK",
  "BLOCK_V2",
  "ATTESTATION",
  "AGGREGATION_SLOT",
  "AGGREGATE_AND_PROOF",
  "AGGREGATE_AND_PROOF_V2",
  "RANDAO_REVEAL",
  "VOLUNTARY_EXIT",
  "SYNC_COMMITTEE_MESSAGE",
  "SYNC_COMMITTEE_SELECTION_PROOF",
  "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF",
  "VALIDATOR_REGISTRATION",
  "DEPOSIT",
] as const;
export type Web3SignerType = (typeof WEB3SIGNER_TYPES)[number];

/** Fork names as Web3Signer writes them in `beacon_block.version` / `aggregate_and_proof.version`. */
const VERSIONS = ["PHASE0", "ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"] as const;

/**
 * The fixed-size containers a request carries, with uint64 fields read as bigint: the full u64 range is accepted
 * (the hash tree root does not depend on how a uint64 is held; ceibo's chain types hold slots and indices as JS
 * numbers, up to 2^53). Full phase0/altair blocks and aggregates still use the chain types.
 */
const Uint64 = new UintBigintType(8);
const Bytes32 = new ByteVectorType(32);
const eth2 = (typeName: string) => ({typeName, jsonCase: "eth2" as const});
const BeaconBlockHeader64 = new ContainerType(
  {slot: Uint64, proposerIndex: Uint64, parentRoot: Bytes32, stateRoot: Bytes32, bodyRoot: Bytes32},
  eth2("BeaconBlockHeader"),
);
const ValidatorRegistrationV1_64 = new ContainerType(
  {feeRecipient: new ByteVectorType(20), gasLimit: Uint64, timestamp: Uint64, pubkey: new ByteVectorType(48)},
  eth2("ValidatorRegistrationV1"),
);

/** A request that cannot be signed as given (HTTP 400): the message says which field and why. */
export class SigningRequestError extends Error {}

/** What slashing protection must check before a signature (blocks and attestations only). */
export type SlashingCheck =
  | {kind: "block"; slot: number | bigint}
  | {kind: "attestation"; sourceEpoch: number; targetEpoch: number};

export interface ParsedSigningRequest {
  type: Web3SignerType;
  signingRoot: Uint8Array;
  /** From `fork_info` (absent for VALIDATOR_REGISTRATION and DEPOSIT). */
  genesisValidatorsRoot?: Uint8Array;
  slashing?: SlashingCheck;
  /** For log lines: e.g. "ATTESTATION source 3 target 4". */
  describe: string;
}

/** The parts of the signer's network config that signing roots depend on beyond `fork_info`. */
export type SignerChainConfig = Pick<
  ChainConfig,
  | "GENESIS_FORK_VERSION"
  | "ALTAIR_FORK_VERSION"
  | "BELLATRIX_FORK_VERSION"
  | "CAPELLA_FORK_VERSION"
  | "DENEB_FORK_VERSION"
  | "ELECTRA_FORK_VERSION"
  | "FULU_FORK_VERSION"
  | "DENEB_FORK_EPOCH"
>;

type Json = Record<string, unknown>;

function obj(v: unknown, what: string): Json {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new SigningRequestError(`${what} must be an object`);
  return v as Json;
}

function bytes(v: unknown, len: number, what: string): Uint8Array {
  if (typeof v !== "string" || !new RegExp(`^0x[0-9a-fA-F]{${len * 2}}$`).test(v)) {
    throw new SigningRequestError(`${what} must be a 0x-prefixed ${len}-byte hex string`);
  }
  return fromHex(v);
}

function uint(v: unknown, what: string): number {
  if (typeof v !== "string" || !/^(0|[1-9][0-9]*)$/.test(v))
    throw new SigningRequestError(`${what} must be a decimal string`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new SigningRequestError(`${what} ${v} is out of range`);
  return n;
}

function fromJson<T>(type: Type<T>, v: unknown, what: string): T {
  obj(v, what);
  try {
    return type.fromJson(v);
  } catch (e) {
    throw new SigningRequestError(`${what} is not valid: ${(e as Error).message}`);
  }
}

interface ForkInfo {
  previousVersion: Uint8Array;
  currentVersion: Uint8Array;
  epoch: number;
  genesisValidatorsRoot: Uint8Array;
}

function forkInfoOf(body: Json): ForkInfo {
  const fi = obj(body.fork_info, "fork_info");
  const fork = obj(fi.fork, "fork_info.fork");
  return {
    // snake_case as the schema says; camelCase too, as some of Web3Signer's own examples send it
    previousVersion: bytes(fork.previous_version ?? fork.previousVersion, 4, "fork_info.fork.previous_version"),
    currentVersion: bytes(fork.current_version ?? fork.currentVersion, 4, "fork_info.fork.current_version"),
    epoch: uint(fork.epoch, "fork_info.fork.epoch"),
    genesisValidatorsRoot: bytes(fi.genesis_validators_root, 32, "fork_info.genesis_validators_root"),
  };
}

/** phase0 get_domain with the request's fork: a message from before the fork's epoch uses the previous version. */
function domainAt(fi: ForkInfo, domainType: Uint8Array, epoch: number): Uint8Array {
  const version = epoch < fi.epoch ? fi.previousVersion : fi.currentVersion;
  return computeDomain(domainType, version, fi.genesisValidatorsRoot);
}

const epochOf = (slot: number | bigint): number =>
  typeof slot === "bigint" ? Number(slot / BigInt(SLOTS_PER_EPOCH)) : Math.floor(slot / SLOTS_PER_EPOCH);

function version(v: unknown, what: string): (typeof VERSIONS)[number] {
  if (typeof v !== "string" || !(VERSIONS as readonly string[]).includes(v)) {
    throw new SigningRequestError(`${what} must be one of ${VERSIONS.join(", ")}`);
  }
  return v as (typeof VERSIONS)[number];
}

/**
 * Parses a sign request body and computes its signing root. Throws `SigningRequestError` for anything malformed, for an
 * unknown type and when a given `signingRoot` differs from the computed one.
 */
export function parseSigningRequest(input: unknown, chain: SignerChainConfig): ParsedSigningRequest {
  const body = obj(input, "request body");
  const type = body.type;
  if (typeof type !== "string" || !(WEB3SIGNER_TYPES as readonly string[]).includes(type)) {
    throw new SigningRequestError(`type must be one of ${WEB3SIGNER_TYPES.join(", ")}, got ${JSON.stringify(type)}`);
  }
  const out = compute(type as Web3SignerType, body, chain);
  if (body.signingRoot !== undefined && body.signingRoot !== null) {
    const given = bytes(body.signingRoot, 32, "signingRoot");
    if (toHex(given) !== toHex(out.signingRoot)) {
      throw new SigningRequestError(
        `signingRoot ${toHex(given)} does not match the signing root ${toHex(out.signingRoot)} computed from the ${type} request`,
      );
    }
  }
  return out;
}

function compute(type: Web3SignerType, body: Json, chain: SignerChainConfig): ParsedSigningRequest {
  switch (type) {
    case "BLOCK":
    case "BLOCK_V2": {
      const fi = forkInfoOf(body);
      let blockType: Type<unknown>;
      let value: unknown;
      let where: string;
      if (type === "BLOCK") {
        blockType = ssz.phase0.BeaconBlock as Type<unknown>;
        value = fromJson(blockType, body.block, "block");
        where = "block";
      } else {
        const bb = obj(body.beacon_block, "beacon_block");
        const v = version(bb.version, "beacon_block.version");
        if (v === "PHASE0" || v === "ALTAIR") {
          blockType = (v === "PHASE0" ? ssz.phase0.BeaconBlock : ssz.altair.BeaconBlock) as Type<unknown>;
          value = fromJson(blockType, bb.block, "beacon_block.block");
        } else {
          blockType = BeaconBlockHeader64 as Type<unknown>;
          value = fromJson(blockType, bb.block_header, "beacon_block.block_header");
        }
        where = `${v} block`;
      }
      // hash_tree_root(BeaconBlockHeader) equals hash_tree_root(BeaconBlock) of the same block
      const slot = (value as {slot: number | bigint}).slot;
      const root = computeSigningRoot(blockType, value, domainAt(fi, DOMAIN_BEACON_PROPOSER, epochOf(slot)));
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        slashing: {kind: "block", slot},
        describe: `${where} at slot ${slot}`,
      };
    }
    case "ATTESTATION": {
      const fi = forkInfoOf(body);
      const data = fromJson(ssz.phase0.AttestationData, body.attestation, "attestation");
      const root = computeSigningRoot(
        ssz.phase0.AttestationData,
        data,
        domainAt(fi, DOMAIN_BEACON_ATTESTER, data.target.epoch),
      );
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        slashing: {kind: "attestation", sourceEpoch: data.source.epoch, targetEpoch: data.target.epoch},
        describe: `attestation at slot ${data.slot} source ${data.source.epoch} target ${data.target.epoch}`,
      };
    }
    case "AGGREGATION_SLOT": {
      const fi = forkInfoOf(body);
      const slot = uint(obj(body.aggregation_slot, "aggregation_slot").slot, "aggregation_slot.slot");
      const root = computeSigningRoot(ssz.phase0.Slot, slot, domainAt(fi, DOMAIN_SELECTION_PROOF, epochOf(slot)));
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        describe: `selection proof at slot ${slot}`,
      };
    }
    case "AGGREGATE_AND_PROOF":
    case "AGGREGATE_AND_PROOF_V2": {
      const fi = forkInfoOf(body);
      let aapType: Type<unknown> = ssz.phase0.AggregateAndProof as Type<unknown>;
      let raw: unknown = body.aggregate_and_proof;
      if (type === "AGGREGATE_AND_PROOF_V2") {
        const ap = obj(body.aggregate_and_proof, "aggregate_and_proof");
        const v = version(ap.version, "aggregate_and_proof.version");
        if (v === "ELECTRA" || v === "FULU") aapType = ssz.electra.AggregateAndProof as Type<unknown>;
        raw = ap.data;
      }
      const value = fromJson(
        aapType,
        raw,
        type === "AGGREGATE_AND_PROOF" ? "aggregate_and_proof" : "aggregate_and_proof.data",
      );
      const slot = (value as {aggregate: {data: {slot: number}}}).aggregate.data.slot;
      const root = computeSigningRoot(aapType, value, domainAt(fi, DOMAIN_AGGREGATE_AND_PROOF, epochOf(slot)));
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        describe: `aggregate at slot ${slot}`,
      };
    }
    case "RANDAO_REVEAL": {
      const fi = forkInfoOf(body);
      const epoch = uint(obj(body.randao_reveal, "randao_reveal").epoch, "randao_reveal.epoch");
      const root = computeSigningRoot(ssz.phase0.Epoch, epoch, domainAt(fi, DOMAIN_RANDAO, epoch));
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        describe: `RANDAO reveal for epoch ${epoch}`,
      };
    }
    case "VOLUNTARY_EXIT": {
      const fi = forkInfoOf(body);
      const exit = fromJson(ssz.phase0.VoluntaryExit, body.voluntary_exit, "voluntary_exit");
      // EIP-7044 (deneb/beacon-chain.md process_voluntary_exit): from deneb the domain is pinned to capella
      const denebOrLater = [chain.DENEB_FORK_VERSION, chain.ELECTRA_FORK_VERSION, chain.FULU_FORK_VERSION].some(
        (v) => toHex(v) === toHex(fi.currentVersion),
      );
      const domain =
        denebOrLater || exit.epoch >= chain.DENEB_FORK_EPOCH
          ? computeDomain(DOMAIN_VOLUNTARY_EXIT, chain.CAPELLA_FORK_VERSION, fi.genesisValidatorsRoot)
          : domainAt(fi, DOMAIN_VOLUNTARY_EXIT, exit.epoch);
      const root = computeSigningRoot(ssz.phase0.VoluntaryExit, exit, domain);
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        describe: `voluntary exit of validator ${exit.validatorIndex} at epoch ${exit.epoch}`,
      };
    }
    case "SYNC_COMMITTEE_MESSAGE": {
      const fi = forkInfoOf(body);
      const m = obj(body.sync_committee_message, "sync_committee_message");
      const slot = uint(m.slot, "sync_committee_message.slot");
      const blockRoot = bytes(m.beacon_block_root, 32, "sync_committee_message.beacon_block_root");
      const root = computeSigningRoot(ssz.phase0.Root, blockRoot, domainAt(fi, DOMAIN_SYNC_COMMITTEE, epochOf(slot)));
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        describe: `sync committee message at slot ${slot}`,
      };
    }
    case "SYNC_COMMITTEE_SELECTION_PROOF": {
      const fi = forkInfoOf(body);
      const t = ssz.altair.SyncAggregatorSelectionData;
      const data = fromJson(t, body.sync_aggregator_selection_data, "sync_aggregator_selection_data");
      const root = computeSigningRoot(t, data, domainAt(fi, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epochOf(data.slot)));
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        describe: `sync selection proof at slot ${data.slot}`,
      };
    }
    case "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF": {
      const fi = forkInfoOf(body);
      const t = ssz.altair.ContributionAndProof;
      const value = fromJson(t, body.contribution_and_proof, "contribution_and_proof");
      const slot = value.contribution.slot;
      const root = computeSigningRoot(t, value, domainAt(fi, DOMAIN_CONTRIBUTION_AND_PROOF, epochOf(slot)));
      return {
        type,
        signingRoot: root,
        genesisValidatorsRoot: fi.genesisValidatorsRoot,
        describe: `sync contribution at slot ${slot}`,
      };
    }
    case "VALIDATOR_REGISTRATION": {
      const t = ValidatorRegistrationV1_64;
      const reg = fromJson(t, body.validator_registration, "validator_registration");
      // builder-specs: DOMAIN_APPLICATION_BUILDER with the genesis fork version and a zero genesis_validators_root
      const domain = computeDomain(DOMAIN_APPLICATION_BUILDER, chain.GENESIS_FORK_VERSION, new Uint8Array(32));
      return {
        type,
        signingRoot: computeSigningRoot(t, reg, domain),
        describe: `validator registration at ${reg.timestamp}`,
      };
    }
    case "DEPOSIT": {
      const d = obj(body.deposit, "deposit");
      const forkVersion = bytes(d.genesis_fork_version, 4, "deposit.genesis_fork_version");
      const message = fromJson(
        ssz.phase0.DepositMessage,
        {pubkey: d.pubkey, withdrawal_credentials: d.withdrawal_credentials, amount: d.amount},
        "deposit",
      );
      // phase0 compute_domain(DOMAIN_DEPOSIT, fork_version) with a zero genesis_validators_root (deposits are fork-agnostic)
      const domain = computeDomain(DOMAIN_DEPOSIT, forkVersion, new Uint8Array(32));
      return {
        type,
        signingRoot: computeSigningRoot(ssz.phase0.DepositMessage, message, domain),
        describe: `deposit of ${message.amount} gwei`,
      };
    }
  }
}
