/**
 * Peer scores: our own action-based score (PeerAction reports from req/resp, gossip, sync) that decays toward 0,
 * combined with the gossipsub score. The combined score decides whether a peer is kept, disconnected or banned.
 */
import type {PeerAction, PeerIdStr} from "../types.ts";

export const MAX_SCORE = 100;
export const MIN_SCORE = -100;
/** At or below: Goodbye BAD_SCORE and disconnect. */
export const SCORE_THRESHOLD_DISCONNECT = -20;
/** At or below: Goodbye BANNED, disconnect, refuse inbound connections and never dial. */
export const SCORE_THRESHOLD_BAN = -50;
/** Half-life of the action score's exponential decay toward 0. */
export const SCORE_HALFLIFE_MS = 10 * 60 * 1000;
/** After a ban, the score is held (does not decay) this long; then it decays back above the ban threshold. */
export const BAN_HOLD_MS = 30 * 60 * 1000;

/** Score delta of each action (fatal takes any score to MIN_SCORE). */
export const PEER_ACTION_SCORE: Record<PeerAction, number> = {
  fatal: -(MAX_SCORE - MIN_SCORE),
  lowTolerance: -10,
  midTolerance: -5,
  highTolerance: -1,
};

/**
 * How the gossipsub score enters the combined score: only negative gossipsub scores count (a good gossiper cannot
 * offset misbehaviour elsewhere), scaled so that a gossipsub score at the graylist threshold lands on our
 * disconnect threshold (2.5 times the graylist threshold reaches the ban threshold).
 */
export const DEFAULT_GOSSIPSUB_GRAYLIST_THRESHOLD = -16000;

export type ScoreState = "healthy" | "disconnect" | "ban";

interface ScoreEntry {
  actionScore: number;
  gossipScore: number;
  lastUpdateMs: number;
  /** The action score does not decay before this time (set on a ban). */
  holdUntilMs: number;
}

export interface PeerScoreStoreOpts {
  /** Wall clock in ms (default Date.now). */
  nowMs?: () => number;
  /** gossipsub's graylist threshold (negative), for the gossip score weight. */
  gossipsubGraylistThreshold?: number;
}

export class PeerScoreStore {
  private readonly scores = new Map<PeerIdStr, ScoreEntry>();
  private readonly nowMs: () => number;
  private readonly gossipWeight: number;

  constructor(opts: PeerScoreStoreOpts = {}) {
    this.nowMs = opts.nowMs ?? Date.now;
    const graylist = opts.gossipsubGraylistThreshold ?? DEFAULT_GOSSIPSUB_GRAYLIST_THRESHOLD;
    if (!(graylist < 0)) throw Error(`gossipsub graylist threshold must be negative, got ${graylist}`);
    this.gossipWeight = SCORE_THRESHOLD_DISCONNECT / graylist;
  }

  /** Applies an action; returns the peer's state afterwards. */
  applyAction(peer: PeerIdStr, action: PeerAction): ScoreState {
    const entry = this.entry(peer);
    this.decayEntry(entry);
    entry.actionScore = clamp(entry.actionScore + PEER_ACTION_SCORE[action]);
    return this.updateState(entry);
  }

  /** Records the peer's current gossipsub score; returns the state afterwards. */
  setGossipScore(peer: PeerIdStr, gossipScore: number): ScoreState {
    const entry = this.scores.get(peer);
    if (entry === undefined && gossipScore >= 0) return "healthy";
    const e = entry ?? this.entry(peer);
    this.decayEntry(e);
    e.gossipScore = gossipScore;
    return this.updateState(e);
  }

  /** The combined score (action score + weighted negative gossipsub score), clamped to [MIN_SCORE, MAX_SCORE]. */
  getScore(peer: PeerIdStr): number {
    const entry = this.scores.get(peer);
    if (entry === undefined) return 0;
    this.decayEntry(entry);
    return this.combined(entry);
  }

  getState(peer: PeerIdStr): ScoreState {
    return stateOf(this.getScore(peer));
  }

  isBanned(peer: PeerIdStr): boolean {
    return this.getState(peer) === "ban";
  }

  /** Sets a score directly (restoring persisted peers). Negative scores below the ban threshold are not restored. */
  restore(peer: PeerIdStr, score: number): void {
    if (!Number.isFinite(score) || score === 0) return;
    const entry = this.entry(peer);
    entry.actionScore = clamp(Math.max(score, SCORE_THRESHOLD_BAN + 1));
  }

  /** Decays every score and forgets the ones back at ~0 (call from the heartbeat). */
  decayAll(): void {
    for (const [peer, entry] of this.scores) {
      this.decayEntry(entry);
      if (Math.abs(entry.actionScore) < 0.01 && entry.gossipScore >= 0 && entry.holdUntilMs <= this.nowMs()) {
        this.scores.delete(peer);
      }
    }
  }

  /** Peers with a non-zero score. */
  entries(): {peer: PeerIdStr; score: number; state: ScoreState}[] {
    return [...this.scores.keys()].map((peer) => {
      const score = this.getScore(peer);
      return {peer, score, state: stateOf(score)};
    });
  }

  private entry(peer: PeerIdStr): ScoreEntry {
    let entry = this.scores.get(peer);
    if (entry === undefined) {
      entry = {actionScore: 0, gossipScore: 0, lastUpdateMs: this.nowMs(), holdUntilMs: 0};
      this.scores.set(peer, entry);
    }
    return entry;
  }

  private combined(entry: ScoreEntry): number {
    const gossip = entry.gossipScore < 0 ? entry.gossipScore * this.gossipWeight : 0;
    return clamp(entry.actionScore + gossip);
  }

  /** Exponential decay toward 0 since the last update, except while a ban holds the score. */
  private decayEntry(entry: ScoreEntry): void {
    const now = this.nowMs();
    const from = Math.max(entry.lastUpdateMs, entry.holdUntilMs);
    if (now > from) entry.actionScore *= 0.5 ** ((now - from) / SCORE_HALFLIFE_MS);
    entry.lastUpdateMs = Math.max(entry.lastUpdateMs, now);
  }

  private updateState(entry: ScoreEntry): ScoreState {
    const state = stateOf(this.combined(entry));
    if (state === "ban" && entry.holdUntilMs <= this.nowMs()) {
      entry.holdUntilMs = this.nowMs() + BAN_HOLD_MS;
      // a ban reached through the gossip score holds for the ban period even if the gossip score recovers
      entry.actionScore = Math.min(entry.actionScore, SCORE_THRESHOLD_BAN);
    }
    return state;
  }
}

function stateOf(score: number): ScoreState {
  if (score <= SCORE_THRESHOLD_BAN) return "ban";
  if (score <= SCORE_THRESHOLD_DISCONNECT) return "disconnect";
  return "healthy";
}

function clamp(score: number): number {
  return Math.min(MAX_SCORE, Math.max(MIN_SCORE, score));
}
