/**
 * Attestation and sync committee subnet bookkeeping (phase0 p2p-interface.md "Attestation subnet subscription",
 * altair validator.md "Sync committee subnet stability"):
 * - long-lived attestation subnets: compute_subscribed_subnets(node_id, epoch), advertised in ENR / MetaData
 *   `attnets`;
 * - short-lived attestation subnets requested for validator duties until a slot (subscribed on gossip, not
 *   advertised);
 * - sync committee subnets requested for validator duties until an epoch (subscribed and advertised in `syncnets`).
 */
import {createHash} from "node:crypto";
import type {ChainConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH, SYNC_COMMITTEE_SUBNET_COUNT} from "@ceibo/params";
import {computeShuffledIndex} from "@ceibo/state-transition";
import type {MetadataMessage} from "../types.ts";

/** phase0 p2p-interface.md NODE_ID_BITS. */
export const NODE_ID_BITS = 256;

/** compute_attestation_subnet_prefix_bits: ceillog2(ATTESTATION_SUBNET_COUNT) + ATTESTATION_SUBNET_EXTRA_BITS. */
export function computeAttestationSubnetPrefixBits(config: ChainConfig): number {
  return Math.ceil(Math.log2(config.ATTESTATION_SUBNET_COUNT)) + config.ATTESTATION_SUBNET_EXTRA_BITS;
}

/** A discv5 node id (hex, with or without 0x) as the spec's uint256 NodeID. */
export function nodeIdToBigInt(nodeId: string): bigint {
  return BigInt(nodeId.startsWith("0x") ? nodeId : `0x${nodeId}`);
}

/** phase0 p2p-interface.md compute_subscribed_subnet. */
export function computeSubscribedSubnet(config: ChainConfig, nodeId: bigint, epoch: number, index: number): number {
  const prefixBits = computeAttestationSubnetPrefixBits(config);
  const nodeIdPrefix = Number(nodeId >> BigInt(NODE_ID_BITS - prefixBits));
  const nodeOffset = Number(nodeId % BigInt(config.EPOCHS_PER_SUBNET_SUBSCRIPTION));
  const period = Math.floor((epoch + nodeOffset) / config.EPOCHS_PER_SUBNET_SUBSCRIPTION);
  const periodBytes = new Uint8Array(8);
  new DataView(periodBytes.buffer).setBigUint64(0, BigInt(period), true); // uint_to_bytes(uint64): little-endian
  const permutationSeed = createHash("sha256").update(periodBytes).digest();
  const permutatedPrefix = computeShuffledIndex(nodeIdPrefix, 2 ** prefixBits, permutationSeed);
  return (permutatedPrefix + index) % config.ATTESTATION_SUBNET_COUNT;
}

/** phase0 p2p-interface.md compute_subscribed_subnets. */
export function computeSubscribedSubnets(config: ChainConfig, nodeId: bigint, epoch: number): number[] {
  const subnets: number[] = [];
  for (let index = 0; index < config.SUBNETS_PER_NODE; index++) {
    subnets.push(computeSubscribedSubnet(config, nodeId, epoch, index));
  }
  return subnets;
}

/** What the node is subscribed to at a slot. */
export interface SubnetState {
  /** Every attestation subnet to be subscribed to on gossip (long-lived ∪ short-lived), ascending. */
  attnets: number[];
  /** Every sync committee subnet to be subscribed to on gossip, ascending. */
  syncnets: number[];
  /** ENR / MetaData `attnets`: the long-lived (persistent) subnets. */
  advertisedAttnets: boolean[];
  /** ENR / MetaData `syncnets`. */
  advertisedSyncnets: boolean[];
}

export interface SubnetSubscriptionsOpts {
  config: ChainConfig;
  /** The local discv5 node id (uint256). */
  nodeId: bigint;
  /** Subscribe to (and advertise) every attestation and sync committee subnet. */
  subscribeAllSubnets?: boolean;
}

/** The node's subnet subscriptions over time. */
export class SubnetSubscriptions {
  private readonly config: ChainConfig;
  private readonly nodeId: bigint;
  private readonly all: boolean;
  /** Short-lived attestation subnets: subnet → last slot (inclusive) of the subscription. */
  private readonly shortLived = new Map<number, number>();
  /** Sync committee subnets: subnet → last epoch (inclusive) of the subscription. */
  private readonly syncDuties = new Map<number, number>();
  /** node_id % EPOCHS_PER_SUBNET_SUBSCRIPTION: the long-lived subnets change when (epoch + offset) crosses a period. */
  private readonly nodeOffset: number;
  private cached: {period: number; subnets: number[]} | null = null;

  constructor(opts: SubnetSubscriptionsOpts) {
    this.config = opts.config;
    this.nodeId = opts.nodeId;
    this.all = opts.subscribeAllSubnets ?? false;
    this.nodeOffset = Number(opts.nodeId % BigInt(opts.config.EPOCHS_PER_SUBNET_SUBSCRIPTION));
  }

  /** Subscribes to an attestation subnet for validator duties until `untilSlot` (inclusive). */
  requestAttestationSubnet(subnet: number, untilSlot: number): void {
    this.assertSubnet(subnet, this.config.ATTESTATION_SUBNET_COUNT);
    this.shortLived.set(subnet, Math.max(this.shortLived.get(subnet) ?? -1, untilSlot));
  }

  /** Subscribes to (and advertises) a sync committee subnet until `untilEpoch` (inclusive). */
  requestSyncCommitteeSubnet(subnet: number, untilEpoch: number): void {
    this.assertSubnet(subnet, SYNC_COMMITTEE_SUBNET_COUNT);
    this.syncDuties.set(subnet, Math.max(this.syncDuties.get(subnet) ?? -1, untilEpoch));
  }

  /** The long-lived attestation subnets at an epoch (computed once per subscription period). */
  longLivedSubnets(epoch: number): number[] {
    if (this.all) return range(this.config.ATTESTATION_SUBNET_COUNT);
    const period = Math.floor((epoch + this.nodeOffset) / this.config.EPOCHS_PER_SUBNET_SUBSCRIPTION);
    if (this.cached?.period !== period) {
      const subnets = [...new Set(computeSubscribedSubnets(this.config, this.nodeId, epoch))].sort((a, b) => a - b);
      this.cached = {period, subnets};
    }
    return [...this.cached.subnets];
  }

  /** The subscriptions at `slot`; expired short-lived and sync duties are dropped. */
  stateAt(slot: number): SubnetState {
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    for (const [subnet, until] of this.shortLived) if (until < slot) this.shortLived.delete(subnet);
    for (const [subnet, until] of this.syncDuties) if (until < epoch) this.syncDuties.delete(subnet);
    const longLived = this.longLivedSubnets(epoch);
    const attnets = [...new Set([...longLived, ...this.shortLived.keys()])].sort((a, b) => a - b);
    const syncnets = this.all ? range(SYNC_COMMITTEE_SUBNET_COUNT) : [...this.syncDuties.keys()].sort((a, b) => a - b);
    return {
      attnets,
      syncnets,
      advertisedAttnets: toBits(longLived, this.config.ATTESTATION_SUBNET_COUNT),
      advertisedSyncnets: toBits(syncnets, SYNC_COMMITTEE_SUBNET_COUNT),
    };
  }

  private assertSubnet(subnet: number, count: number): void {
    if (!Number.isInteger(subnet) || subnet < 0 || subnet >= count) throw Error(`invalid subnet ${subnet}`);
  }
}

function range(n: number): number[] {
  return Array.from({length: n}, (_, i) => i);
}

function toBits(indices: number[], length: number): boolean[] {
  const bits = new Array<boolean>(length).fill(false);
  for (const i of indices) bits[i] = true;
  return bits;
}

/** How many of the `needed` subnets a peer's MetaData says it serves (0 without MetaData): pruning keeps the most useful. */
export function usefulSubnetCount(
  metadata: MetadataMessage | null,
  needed: {attnets: number[]; syncnets: number[]},
): number {
  if (metadata === null) return 0;
  let n = 0;
  for (const s of needed.attnets) if (metadata.attnets[s]) n++;
  for (const s of needed.syncnets) if (metadata.syncnets[s]) n++;
  return n;
}
