/**
 * Gossip topics (phase0 … fulu p2p-interface.md "Topics and messages"): `/eth2/<fork_digest_hex>/<name>/ssz_snappy`,
 * the SSZ type of each topic per fork, and the subnet functions of the validator guides.
 */
import type {BeaconConfig, ChainConfig} from "@ceibo/config";
import {
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  type ForkName,
  ForkSeq,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {
  type CachedBeaconState,
  computeEpochAtSlot,
  getCurrentEpoch,
  lightClientForkOf,
  lightClientTypes,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHexUnprefixed} from "@ceibo/utils";
import type {Type} from "@chainsafe/ssz";
import type {GossipSszTypes, GossipTypeMap, GossipTypeName} from "./types.ts";

export const GossipType = {
  beacon_block: "beacon_block",
  beacon_aggregate_and_proof: "beacon_aggregate_and_proof",
  beacon_attestation: "beacon_attestation",
  voluntary_exit: "voluntary_exit",
  proposer_slashing: "proposer_slashing",
  attester_slashing: "attester_slashing",
  sync_committee_contribution_and_proof: "sync_committee_contribution_and_proof",
  sync_committee: "sync_committee",
  bls_to_execution_change: "bls_to_execution_change",
  blob_sidecar: "blob_sidecar",
  data_column_sidecar: "data_column_sidecar",
  light_client_finality_update: "light_client_finality_update",
  light_client_optimistic_update: "light_client_optimistic_update",
} as const satisfies {[T in GossipTypeName]: T};
/** A topic type: the keys of `GossipTypeMap` (types.ts), listed at run time by the `GossipType` object. */
export type GossipType = GossipTypeName;

/** Topics named `<type>_{subnet_id}`. */
export type SubnetGossipType = "beacon_attestation" | "sync_committee" | "blob_sidecar" | "data_column_sidecar";
export type GlobalGossipType = Exclude<GossipType, SubnetGossipType>;

const SUBNET_TYPES: readonly SubnetGossipType[] = [
  "beacon_attestation",
  "sync_committee",
  "blob_sidecar",
  "data_column_sidecar",
];

export function isSubnetGossipType(type: GossipType): type is SubnetGossipType {
  return (SUBNET_TYPES as readonly string[]).includes(type);
}

/** A topic: its kind, the fork its digest belongs to, the digest (8 lowercase hex digits) and the subnet. */
export type GossipTopic =
  | {type: GlobalGossipType; fork: ForkName; forkDigest: string}
  | {type: SubnetGossipType; fork: ForkName; forkDigest: string; subnet: number};

export const GOSSIP_ENCODING = "ssz_snappy";

/** `/eth2/ForkDigestValue/Name/Encoding` */
export function stringifyGossipTopic(topic: GossipTopic): string {
  const name = "subnet" in topic ? `${topic.type}_${topic.subnet}` : topic.type;
  return `/eth2/${topic.forkDigest}/${name}/${GOSSIP_ENCODING}`;
}

/** Whether a topic kind exists at a fork (sync committee topics from altair, blob sidecars in deneb and electra …). */
export function isGossipTypeActive(fork: ForkName, type: GossipType): boolean {
  const seq = ForkSeq[fork];
  switch (type) {
    case "sync_committee":
    case "sync_committee_contribution_and_proof":
    case "light_client_finality_update":
    case "light_client_optimistic_update":
      return seq >= ForkSeq.altair;
    case "bls_to_execution_change":
      return seq >= ForkSeq.capella;
    case "blob_sidecar":
      return seq >= ForkSeq.deneb && seq < ForkSeq.fulu;
    case "data_column_sidecar":
      return seq >= ForkSeq.fulu;
    default:
      return true;
  }
}

/** How many subnets a subnet topic kind has at a fork (blob sidecar subnets grew in electra, EIP-7691). */
export function gossipSubnetCount(config: ChainConfig, fork: ForkName, type: SubnetGossipType): number {
  switch (type) {
    case "beacon_attestation":
      return config.ATTESTATION_SUBNET_COUNT;
    case "sync_committee":
      return SYNC_COMMITTEE_SUBNET_COUNT;
    case "blob_sidecar":
      return ForkSeq[fork] >= ForkSeq.electra
        ? config.BLOB_SIDECAR_SUBNET_COUNT_ELECTRA
        : config.BLOB_SIDECAR_SUBNET_COUNT;
    case "data_column_sidecar":
      return config.DATA_COLUMN_SIDECAR_SUBNET_COUNT;
  }
}

/**
 * The global topics every node subscribes at a fork (blob sidecar subnets included up to electra; the light-client
 * topics from altair, left out by a node without its light-client server).
 */
export function coreGossipTopics(config: ChainConfig, fork: ForkName, forkDigest: string): GossipTopic[] {
  const topics: GossipTopic[] = [];
  const globals: GlobalGossipType[] = [
    "beacon_block",
    "beacon_aggregate_and_proof",
    "voluntary_exit",
    "proposer_slashing",
    "attester_slashing",
    "sync_committee_contribution_and_proof",
    "bls_to_execution_change",
    "light_client_finality_update",
    "light_client_optimistic_update",
  ];
  for (const type of globals) {
    if (isGossipTypeActive(fork, type)) topics.push({type, fork, forkDigest});
  }
  if (isGossipTypeActive(fork, "blob_sidecar")) {
    const count = gossipSubnetCount(config, fork, "blob_sidecar");
    for (let subnet = 0; subnet < count; subnet++) topics.push({type: "blob_sidecar", fork, forkDigest, subnet});
  }
  return topics;
}

/** Fork digests of a chain (each fork and each blob-parameter fork) by their hex, for topic parsing. */
export class ForkDigests {
  private readonly byDigest = new Map<string, {fork: ForkName; epoch: number}>();
  private readonly config: BeaconConfig;

  constructor(config: BeaconConfig) {
    this.config = config;
    const epochs = new Set<number>([0]);
    for (const f of config.forks) if (Number.isFinite(f.epoch)) epochs.add(f.epoch);
    for (const b of config.chain.BLOB_SCHEDULE) if (Number.isFinite(b.EPOCH)) epochs.add(b.EPOCH);
    for (const epoch of [...epochs].sort((a, b) => a - b)) {
      this.byDigest.set(this.digestAt(epoch), {fork: config.getForkNameAtEpoch(epoch), epoch});
    }
  }

  /** compute_fork_digest(genesis_validators_root, epoch) as lowercase hex without 0x. */
  digestAt(epoch: number): string {
    return toHexUnprefixed(this.config.computeForkDigest(epoch));
  }

  forkOfDigest(digest: string): ForkName | undefined {
    return this.byDigest.get(digest)?.fork;
  }

  /** Every digest with its fork and first epoch. */
  all(): {digest: string; fork: ForkName; epoch: number}[] {
    return [...this.byDigest].map(([digest, v]) => ({digest, ...v}));
  }
}

/**
 * Parses a topic string of this chain: a known fork digest, a topic kind that exists at that fork, a subnet in
 * range, the ssz_snappy encoding. Throws on anything else (spec: clients MUST reject messages with an unknown
 * topic).
 */
export function parseGossipTopic(config: ChainConfig, digests: ForkDigests, topicStr: string): GossipTopic {
  const parts = topicStr.split("/");
  if (parts.length !== 5 || parts[0] !== "" || parts[1] !== "eth2") throw Error(`not an eth2 topic: ${topicStr}`);
  const [, , forkDigest, name, encoding] = parts;
  if (encoding !== GOSSIP_ENCODING) throw Error(`unknown encoding ${encoding}`);
  if (!/^[0-9a-f]{8}$/.test(forkDigest)) throw Error(`invalid fork digest ${forkDigest}`);
  const fork = digests.forkOfDigest(forkDigest);
  if (fork === undefined) throw Error(`unknown fork digest ${forkDigest}`);
  let topic: GossipTopic | undefined;
  if (Object.hasOwn(GossipType, name) && !isSubnetGossipType(name as GossipType)) {
    topic = {type: name as GlobalGossipType, fork, forkDigest};
  } else {
    for (const type of SUBNET_TYPES) {
      if (!name.startsWith(`${type}_`)) continue;
      const subnetStr = name.slice(type.length + 1);
      if (!/^(0|[1-9][0-9]*)$/.test(subnetStr)) throw Error(`invalid subnet in ${name}`);
      const subnet = Number(subnetStr);
      if (subnet >= gossipSubnetCount(config, fork, type)) throw Error(`subnet ${subnet} out of range for ${type}`);
      topic = {type, fork, forkDigest, subnet};
      break;
    }
  }
  if (topic === undefined) throw Error(`unknown topic name ${name}`);
  if (!isGossipTypeActive(fork, topic.type)) throw Error(`topic ${topic.type} does not exist at ${fork}`);
  return topic;
}

/**
 * The SSZ type of a topic's messages at a fork: blocks per fork, electra's Attestation in aggregates and
 * SingleAttestation on attestation subnets, electra's AttesterSlashing, …
 */
export function gossipSszType<T extends GossipType>(fork: ForkName, type: T): Type<GossipTypeMap[T]> {
  return GOSSIP_SSZ_TYPES[type](fork);
}

const isElectra = (fork: ForkName): boolean => ForkSeq[fork] >= ForkSeq.electra;

const GOSSIP_SSZ_TYPES: GossipSszTypes = {
  beacon_block: (fork) => ssz[fork].SignedBeaconBlock,
  beacon_aggregate_and_proof: (fork) =>
    isElectra(fork) ? ssz.electra.SignedAggregateAndProof : ssz.phase0.SignedAggregateAndProof,
  beacon_attestation: (fork) => (isElectra(fork) ? ssz.electra.SingleAttestation : ssz.phase0.Attestation),
  voluntary_exit: () => ssz.phase0.SignedVoluntaryExit,
  proposer_slashing: () => ssz.phase0.ProposerSlashing,
  attester_slashing: (fork) => (isElectra(fork) ? ssz.electra.AttesterSlashing : ssz.phase0.AttesterSlashing),
  sync_committee_contribution_and_proof: () => ssz.altair.SignedContributionAndProof,
  sync_committee: () => ssz.altair.SyncCommitteeMessage,
  bls_to_execution_change: () => ssz.capella.SignedBLSToExecutionChange,
  blob_sidecar: () => ssz.deneb.BlobSidecar,
  data_column_sidecar: () => ssz.fulu.DataColumnSidecar,
  // altair … electra light-client p2p-interface.md: the light-client form of the topic's fork (electra's in fulu)
  light_client_finality_update: (fork) => lightClientTypes(lightClientForkOf(fork)).LightClientFinalityUpdate,
  light_client_optimistic_update: (fork) => lightClientTypes(lightClientForkOf(fork)).LightClientOptimisticUpdate,
};

/**
 * Decodes a gossip message's SSZ bytes as the topic's type. Bytes outside the type's size bounds are refused with a
 * clear error first, and an offset past the end (which @chainsafe/ssz reports with a DataView RangeError) becomes
 * a plain Error saying so: the message is REJECTed with a reason, never with an engine error.
 */
export function deserializeGossipSsz<T extends GossipType>(
  topic: {fork: ForkName; type: T},
  sszBytes: Uint8Array,
): GossipTypeMap[T] {
  const type = gossipSszType(topic.fork, topic.type);
  if (sszBytes.length < type.minSize || sszBytes.length > type.maxSize) {
    throw Error(
      `${topic.type} of ${sszBytes.length} bytes is outside its SSZ size bounds [${type.minSize}, ${type.maxSize}]`,
    );
  }
  try {
    return type.deserialize(sszBytes);
  } catch (e) {
    if (e instanceof RangeError)
      throw Error(`malformed ${topic.type} SSZ: an offset points past the end (${e.message})`);
    throw e;
  }
}

/** phase0 validator.md compute_subnet_for_attestation */
export function computeSubnetForAttestation(
  config: ChainConfig,
  committeesPerSlot: number,
  slot: number,
  committeeIndex: number,
): number {
  const slotsSinceEpochStart = slot % SLOTS_PER_EPOCH;
  const committeesSinceEpochStart = committeesPerSlot * slotsSinceEpochStart;
  return (committeesSinceEpochStart + committeeIndex) % config.ATTESTATION_SUBNET_COUNT;
}

/** deneb / electra validator.md compute_subnet_for_blob_sidecar (the subnet count of the sidecar's fork). */
export function computeSubnetForBlobSidecar(config: ChainConfig, fork: ForkName, blobIndex: number): number {
  return blobIndex % gossipSubnetCount(config, fork, "blob_sidecar");
}

/** fulu p2p-interface.md compute_subnet_for_data_column_sidecar */
export function computeSubnetForDataColumnSidecar(config: ChainConfig, columnIndex: number): number {
  return columnIndex % config.DATA_COLUMN_SIDECAR_SUBNET_COUNT;
}

function syncCommitteePeriod(epoch: number): number {
  return Math.floor(epoch / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
}

/**
 * The sync committee (as validator indices, one per position) that signs at `slot`, seen from `cs`: members
 * assigned to `slot` sign for it and the committee is the one of `slot + 1`'s period (altair
 * get_sync_subcommittee_pubkeys / compute_subnets_for_sync_committee with `slot` = state.slot). Null when that
 * period is neither the state's current nor its next one.
 */
export function getSyncCommitteeIndicesAtSlot(cs: CachedBeaconState, slot: number): number[] | null {
  if (cs.fork < ForkSeq.altair) return null;
  const statePeriod = syncCommitteePeriod(getCurrentEpoch(cs.state));
  const period = syncCommitteePeriod(computeEpochAtSlot(slot + 1));
  if (period === statePeriod) return cs.epochCtx.currentSyncCommitteeIndices;
  if (period === statePeriod + 1) return cs.epochCtx.nextSyncCommitteeIndices;
  return null;
}

/**
 * altair validator.md compute_subnets_for_sync_committee: the subnets of every position the validator holds in the
 * sync committee signing at `slot` (default: the state's slot, as the spec). Empty if not a member.
 */
export function computeSubnetsForSyncCommittee(
  cs: CachedBeaconState,
  validatorIndex: number,
  slot: number = cs.state.slot,
): number[] {
  const committee = getSyncCommitteeIndicesAtSlot(cs, slot);
  if (committee === null) return [];
  const subcommitteeSize = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;
  const subnets = new Set<number>();
  for (let i = 0; i < committee.length; i++) {
    if (committee[i] === validatorIndex) subnets.add(Math.floor(i / subcommitteeSize));
  }
  return [...subnets].sort((a, b) => a - b);
}
