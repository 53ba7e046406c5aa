/**
 * The gossipsub router options of an eth2 node (phase0 p2p-interface.md "The gossip domain: gossipsub"): the spec's
 * mesh parameters, StrictNoSign, the spec message-id, asynchronous (application) validation and peer scoring.
 * Pass the result to `gossipsub({...})` from @libp2p/gossipsub.
 */
import type {BeaconConfig} from "@ceibo/config";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {type GossipsubOpts, StrictNoSign} from "@libp2p/gossipsub";
import {GossipMessageIds, maxMessageSize} from "./messageId.ts";
import {computePeerScoreParams, GOSSIP_D, GOSSIP_SCORE_THRESHOLDS} from "./scoring.ts";

export interface GossipsubOptionsInput {
  /** The current slot (from the clock). */
  currentSlot: number;
  /** Active validators at the head (expected attestation / aggregate rates of the score parameters). */
  activeValidatorCount: number;
  /**
   * Local development network: publishing on a topic nobody else subscribes is not an error, and loopback peers
   * are exempt from the IP colocation penalty.
   */
  dev?: boolean;
  /** The message-id functions (default: new ones for `config`). */
  messageIds?: GossipMessageIds;
}

/** p2p-interface.md gossipsub parameters. */
export const GOSSIP_PARAMS = {
  D: GOSSIP_D,
  D_low: 6,
  D_high: 12,
  D_lazy: 6,
  heartbeatIntervalMs: 700,
  fanoutTtlMs: 60_000,
  mcacheLen: 6,
  mcacheGossip: 3,
} as const;

/** seen_ttl = SLOT_DURATION_MS * SLOTS_PER_EPOCH * 2 // 1000 seconds (as milliseconds). */
export function gossipSeenTtlMs(config: BeaconConfig): number {
  return Math.floor((config.chain.SLOT_DURATION_MS * SLOTS_PER_EPOCH * 2) / 1000) * 1000;
}

/** The options for `gossipsub(...)`. */
export function gossipsubOptions(config: BeaconConfig, input: GossipsubOptionsInput): Partial<GossipsubOpts> {
  const messageIds = input.messageIds ?? new GossipMessageIds(config);
  return {
    D: GOSSIP_PARAMS.D,
    Dlo: GOSSIP_PARAMS.D_low,
    Dhi: GOSSIP_PARAMS.D_high,
    Dlazy: GOSSIP_PARAMS.D_lazy,
    heartbeatInterval: GOSSIP_PARAMS.heartbeatIntervalMs,
    fanoutTTL: GOSSIP_PARAMS.fanoutTtlMs,
    mcacheLength: GOSSIP_PARAMS.mcacheLen,
    mcacheGossip: GOSSIP_PARAMS.mcacheGossip,
    seenTTL: gossipSeenTtlMs(config),
    // messages carry no from / seqno / signature / key; ids are content-addressed
    globalSignaturePolicy: StrictNoSign,
    msgIdFn: messageIds.msgIdFn,
    fastMsgIdFn: messageIds.fastMsgIdFn,
    msgIdToStrFn: messageIds.msgIdToStrFn,
    // eth2 speaks /meshsub/1.1.0 (and 1.2.0); no floodsub
    fallbackToFloodsub: false,
    // the application validates every message and reports ACCEPT / IGNORE / REJECT before it is forwarded
    asyncValidation: true,
    allowPublishToZeroTopicPeers: input.dev === true,
    // publishing what we already received (e.g. an aggregate we also saw on gossip) is not an error
    ignoreDuplicatePublishError: true,
    // the largest RPC the spec allows: one max-sized payload plus framing
    maxInboundDataLength: maxMessageSize(config.chain),
    scoreParams: computePeerScoreParams(config, {
      currentSlot: input.currentSlot,
      activeValidatorCount: input.activeValidatorCount,
      ipColocationFactorWhitelist: input.dev === true ? ["127.0.0.1", "::1"] : [],
    }),
    scoreThresholds: GOSSIP_SCORE_THRESHOLDS,
  };
}
