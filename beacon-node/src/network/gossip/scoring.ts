/**
 * Gossipsub v1.1 peer scoring for the eth2 topics. The consensus specs leave the score parameters to clients; the
 * production clients derive them the same way (Lighthouse's gossipsub scoring parameters, adopted by Lodestar):
 * per-topic weights, decays expressed as "how long until a counter decays to 1 %", and caps / thresholds from the
 * expected message rate of each topic (slot time, committee counts, aggregators per slot). This is our own
 * derivation of that scheme:
 *
 * - P1 time in mesh: up to MAX_IN_MESH_SCORE after an hour, counted in slots;
 * - P2 first deliveries: up to MAX_FIRST_MESSAGE_DELIVERIES_SCORE when a peer delivers its share (2/D) of the
 *   topic's expected messages first;
 * - P3/P3b mesh delivery deficits (blocks, aggregates, attestations only, once the chain is older than the decay
 *   window): squared deficit against a threshold of 1/50 of the expected rate, weighted so that a full deficit
 *   cancels the maximum positive score;
 * - P4 invalid messages (every topic): each REJECTed message costs the maximum positive score, squared in count;
 * - P6 IP colocation above 3 peers per IP, P7 behaviour penalties (broken promises, GRAFT floods).
 *
 * Topics without P1–P3 (sync committee, BLS changes, blob / column sidecars) still get P4, so a peer sending
 * invalid data there loses score too.
 */
import type {BeaconConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH, TARGET_AGGREGATORS_PER_COMMITTEE} from "@ceibo/params";
import {getCommitteeCountPerSlot} from "@ceibo/state-transition";
import type {PeerScoreParams, PeerScoreThresholds, TopicScoreParams} from "@libp2p/gossipsub/score";
import {
  coreGossipTopics,
  ForkDigests,
  type GossipTopic,
  gossipSubnetCount,
  isGossipTypeActive,
  stringifyGossipTopic,
} from "./topics.ts";

/** p2p-interface.md gossipsub D (mesh degree), used for the per-peer share of first deliveries. */
export const GOSSIP_D = 8;

const MAX_IN_MESH_SCORE = 10;
const MAX_FIRST_MESSAGE_DELIVERIES_SCORE = 40;
const BEACON_BLOCK_WEIGHT = 0.5;
const BEACON_AGGREGATE_PROOF_WEIGHT = 0.5;
const VOLUNTARY_EXIT_WEIGHT = 0.05;
const PROPOSER_SLASHING_WEIGHT = 0.05;
const ATTESTER_SLASHING_WEIGHT = 0.05;
/** Weight of the topics only P4 applies to (their share of the positive score is zero). */
const INVALID_ONLY_WEIGHT = 0.05;
/** Counters decay to this fraction of their value over a topic's decay time. */
const DECAY_TO_ZERO = 0.01;
const BEHAVIOUR_PENALTY_THRESHOLD = 6;

/** Score thresholds (the values the production clients use; graylist < publish < gossip < 0). */
export const GOSSIP_SCORE_THRESHOLDS: PeerScoreThresholds = {
  gossipThreshold: -4000,
  publishThreshold: -8000,
  graylistThreshold: -16000,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 5,
};

export interface PeerScoreInputs {
  /** The current slot (mesh delivery penalties stay off while the chain is younger than their decay window). */
  currentSlot: number;
  /** Active validators at the head: sets the expected attestation and aggregate rates. */
  activeValidatorCount: number;
  /** IPs exempt from the colocation penalty (e.g. loopback on a local devnet). */
  ipColocationFactorWhitelist?: Iterable<string>;
}

/** Per-slot rate of aggregates expected on beacon_aggregate_and_proof for `activeValidatorCount` validators. */
export function expectedAggregatorsPerSlot(activeValidatorCount: number): number {
  const committeesPerSlot = getCommitteeCountPerSlot(activeValidatorCount);
  const committeeSize = activeValidatorCount / (committeesPerSlot * SLOTS_PER_EPOCH);
  // is_aggregator selects 1 in max(1, len(committee) // TARGET_AGGREGATORS_PER_COMMITTEE) members
  const modulo = Math.max(1, Math.floor(committeeSize / TARGET_AGGREGATORS_PER_COMMITTEE));
  return Math.max(1, (committeesPerSlot * committeeSize) / modulo);
}

/** Sum of the geometric series of a counter incremented by `rate` per decay interval: rate / (1 - decay). */
function decayConvergence(decay: number, rate: number): number {
  return rate / (1 - decay);
}

interface MeshDeliveryInputs {
  /** Window over which mesh deliveries decay to 1 %, in slots. */
  decaySlots: number;
  /** The delivery cap as a multiple of the threshold. */
  capFactor: number;
  /** Time in the mesh before the deficit counts, in ms. */
  activationMs: number;
}

interface TopicInputs {
  topicWeight: number;
  /** Messages per slot expected on the topic. */
  expectedMessageRate: number;
  /** Window over which first-delivery counters decay to 1 %, in ms. */
  firstMessageDecayMs: number;
  mesh?: MeshDeliveryInputs;
}

/**
 * The peer score parameters of every topic of every fork digest of the chain (a topic string is scored only if it
 * is in `topics`, so each digest's topics are listed).
 */
export function computePeerScoreParams(config: BeaconConfig, inputs: PeerScoreInputs): Partial<PeerScoreParams> {
  const chain = config.chain;
  const slotMs = chain.SLOT_DURATION_MS;
  const epochMs = slotMs * SLOTS_PER_EPOCH;
  // counters decay once per slot (gossipsub needs at least 1 s)
  const decayIntervalMs = Math.max(1000, slotMs);
  // the decay factor per decay interval that takes a counter to DECAY_TO_ZERO in `timeMs`
  const decayOver = (timeMs: number): number => DECAY_TO_ZERO ** (decayIntervalMs / timeMs);

  const attestationSubnetWeight = 1 / chain.ATTESTATION_SUBNET_COUNT;
  const maxPositiveScore =
    (MAX_IN_MESH_SCORE + MAX_FIRST_MESSAGE_DELIVERIES_SCORE) *
    (BEACON_BLOCK_WEIGHT +
      BEACON_AGGREGATE_PROOF_WEIGHT +
      attestationSubnetWeight * chain.ATTESTATION_SUBNET_COUNT +
      VOLUNTARY_EXIT_WEIGHT +
      PROPOSER_SLASHING_WEIGHT +
      ATTESTER_SLASHING_WEIGHT);
  const topicScoreCap = maxPositiveScore / 2;

  const invalidMessagePenalty = (
    topicWeight: number,
  ): Pick<TopicScoreParams, "invalidMessageDeliveriesWeight" | "invalidMessageDeliveriesDecay"> => ({
    invalidMessageDeliveriesWeight: -maxPositiveScore / topicWeight,
    invalidMessageDeliveriesDecay: decayOver(epochMs * 50),
  });

  const scored = (t: TopicInputs): TopicScoreParams => {
    const timeInMeshCap = 3600 / (slotMs / 1000);
    const firstMessageDeliveriesDecay = decayOver(t.firstMessageDecayMs);
    const firstMessageDeliveriesCap = decayConvergence(
      firstMessageDeliveriesDecay,
      (2 * t.expectedMessageRate) / GOSSIP_D,
    );
    const params: TopicScoreParams = {
      topicWeight: t.topicWeight,
      timeInMeshWeight: MAX_IN_MESH_SCORE / timeInMeshCap,
      timeInMeshQuantum: slotMs,
      timeInMeshCap,
      firstMessageDeliveriesWeight: MAX_FIRST_MESSAGE_DELIVERIES_SCORE / firstMessageDeliveriesCap,
      firstMessageDeliveriesDecay,
      firstMessageDeliveriesCap,
      meshMessageDeliveriesWeight: 0,
      meshMessageDeliveriesDecay: 0,
      meshMessageDeliveriesCap: 0,
      meshMessageDeliveriesThreshold: 0,
      meshMessageDeliveriesWindow: 0,
      meshMessageDeliveriesActivation: 0,
      meshFailurePenaltyWeight: 0,
      meshFailurePenaltyDecay: 0,
      ...invalidMessagePenalty(t.topicWeight),
    };
    // mesh delivery deficits only once the chain is older than the window (a young chain has too few messages)
    if (t.mesh !== undefined && inputs.currentSlot > t.mesh.decaySlots) {
      const decay = decayOver(t.mesh.decaySlots * slotMs);
      const threshold = decayConvergence(decay, t.expectedMessageRate / 50) * decay;
      params.meshMessageDeliveriesDecay = decay;
      params.meshMessageDeliveriesThreshold = threshold;
      params.meshMessageDeliveriesCap = Math.max(t.mesh.capFactor * threshold, 2);
      params.meshMessageDeliveriesActivation = t.mesh.activationMs;
      params.meshMessageDeliveriesWindow = 2000;
      params.meshMessageDeliveriesWeight = -maxPositiveScore / (t.topicWeight * threshold * threshold);
      params.meshFailurePenaltyWeight = params.meshMessageDeliveriesWeight;
      params.meshFailurePenaltyDecay = decay;
    }
    return params;
  };

  const invalidOnly = (): TopicScoreParams => ({
    topicWeight: INVALID_ONLY_WEIGHT,
    timeInMeshWeight: 0,
    timeInMeshQuantum: slotMs,
    timeInMeshCap: 0,
    firstMessageDeliveriesWeight: 0,
    firstMessageDeliveriesDecay: 0,
    firstMessageDeliveriesCap: 0,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0,
    meshMessageDeliveriesCap: 0,
    meshMessageDeliveriesThreshold: 0,
    meshMessageDeliveriesWindow: 0,
    meshMessageDeliveriesActivation: 0,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0,
    ...invalidMessagePenalty(INVALID_ONLY_WEIGHT),
  });

  const activeValidators = Math.max(1, inputs.activeValidatorCount);
  const committeesPerSlot = getCommitteeCountPerSlot(activeValidators);
  // several attestation bursts per subnet and epoch: shorter windows (as on mainnet-sized chains)
  const multipleBurstsPerSubnetPerEpoch = committeesPerSlot >= (2 * chain.ATTESTATION_SUBNET_COUNT) / SLOTS_PER_EPOCH;

  const byType: Record<string, TopicScoreParams> = {
    beacon_block: scored({
      topicWeight: BEACON_BLOCK_WEIGHT,
      expectedMessageRate: 1,
      firstMessageDecayMs: epochMs * 20,
      mesh: {decaySlots: SLOTS_PER_EPOCH * 5, capFactor: 3, activationMs: epochMs},
    }),
    beacon_aggregate_and_proof: scored({
      topicWeight: BEACON_AGGREGATE_PROOF_WEIGHT,
      expectedMessageRate: expectedAggregatorsPerSlot(activeValidators),
      firstMessageDecayMs: epochMs,
      mesh: {decaySlots: SLOTS_PER_EPOCH * 2, capFactor: 4, activationMs: epochMs},
    }),
    beacon_attestation: scored({
      topicWeight: attestationSubnetWeight,
      expectedMessageRate: activeValidators / chain.ATTESTATION_SUBNET_COUNT / SLOTS_PER_EPOCH,
      firstMessageDecayMs: multipleBurstsPerSubnetPerEpoch ? epochMs : epochMs * 4,
      mesh: {
        decaySlots: multipleBurstsPerSubnetPerEpoch ? SLOTS_PER_EPOCH * 4 : SLOTS_PER_EPOCH * 16,
        capFactor: 16,
        activationMs: multipleBurstsPerSubnetPerEpoch ? slotMs * (SLOTS_PER_EPOCH / 2 + 1) : epochMs,
      },
    }),
    voluntary_exit: scored({
      topicWeight: VOLUNTARY_EXIT_WEIGHT,
      expectedMessageRate: 4 / SLOTS_PER_EPOCH,
      firstMessageDecayMs: epochMs * 100,
    }),
    proposer_slashing: scored({
      topicWeight: PROPOSER_SLASHING_WEIGHT,
      expectedMessageRate: 1 / 5 / SLOTS_PER_EPOCH,
      firstMessageDecayMs: epochMs * 100,
    }),
    attester_slashing: scored({
      topicWeight: ATTESTER_SLASHING_WEIGHT,
      expectedMessageRate: 1 / 5 / SLOTS_PER_EPOCH,
      firstMessageDecayMs: epochMs * 100,
    }),
  };

  const topics: Record<string, TopicScoreParams> = {};
  const add = (topic: GossipTopic): void => {
    topics[stringifyGossipTopic(topic)] = byType[topic.type] ?? invalidOnly();
  };
  for (const {digest, fork} of new ForkDigests(config).all()) {
    for (const topic of coreGossipTopics(chain, fork, digest)) add(topic);
    for (const type of ["beacon_attestation", "sync_committee", "data_column_sidecar"] as const) {
      if (!isGossipTypeActive(fork, type)) continue;
      const count = gossipSubnetCount(chain, fork, type);
      for (let subnet = 0; subnet < count; subnet++) add({type, fork, forkDigest: digest, subnet});
    }
  }

  const behaviourPenaltyDecay = decayOver(epochMs * 10);
  const behaviourTarget = decayConvergence(behaviourPenaltyDecay, 10 / SLOTS_PER_EPOCH) - BEHAVIOUR_PENALTY_THRESHOLD;
  return {
    topics,
    topicScoreCap,
    appSpecificWeight: 1,
    IPColocationFactorWeight: -topicScoreCap,
    IPColocationFactorThreshold: 3,
    IPColocationFactorWhitelist: new Set(inputs.ipColocationFactorWhitelist ?? []),
    behaviourPenaltyWeight: GOSSIP_SCORE_THRESHOLDS.gossipThreshold / (behaviourTarget * behaviourTarget),
    behaviourPenaltyThreshold: BEHAVIOUR_PENALTY_THRESHOLD,
    behaviourPenaltyDecay,
    decayInterval: decayIntervalMs,
    decayToZero: DECAY_TO_ZERO,
    retainScore: epochMs * 100,
  };
}
