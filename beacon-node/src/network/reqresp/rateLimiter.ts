import type {PeerIdStr} from "../types.ts";

/** At most `quota` units (requests, or blocks/sidecars for the bulk methods) per `quotaTimeMs`, per peer. */
export interface RateLimitQuota {
  quota: number;
  quotaTimeMs: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Token buckets per (peer, key): each holds up to `quota` tokens and refills continuously at quota/quotaTimeMs, so
 * a peer can burst a full quota and then sustain the rate. A request costs its units (at most the whole quota);
 * without enough tokens it is refused and costs nothing.
 */
export class RateLimiter {
  private readonly quotas: ReadonlyMap<string, RateLimitQuota>;
  private readonly buckets = new Map<string, Bucket>();
  private readonly nowMs: () => number;

  constructor(quotas: ReadonlyMap<string, RateLimitQuota>, nowMs: () => number = Date.now) {
    this.quotas = quotas;
    this.nowMs = nowMs;
  }

  /** Takes `cost` tokens from the peer's bucket for `key`; false (nothing taken) when there are not enough. */
  allow(peer: PeerIdStr, key: string, cost: number): boolean {
    const quota = this.quotas.get(key);
    if (quota === undefined) return true;
    const now = this.nowMs();
    const id = `${peer}|${key}`;
    let bucket = this.buckets.get(id);
    if (bucket === undefined) {
      bucket = {tokens: quota.quota, updatedMs: now};
      this.buckets.set(id, bucket);
    } else {
      const refill = ((now - bucket.updatedMs) * quota.quota) / quota.quotaTimeMs;
      bucket.tokens = Math.min(quota.quota, bucket.tokens + refill);
      bucket.updatedMs = now;
    }
    // a request may cost at most a whole quota (otherwise it could never pass)
    const units = Math.min(cost, quota.quota);
    if (units > bucket.tokens) return false;
    bucket.tokens -= units;
    return true;
  }

  /** Drops buckets that refilled completely (idle peers), keeping the map small. */
  prune(): void {
    const now = this.nowMs();
    for (const [id, bucket] of this.buckets) {
      const quota = this.quotas.get(id.slice(id.indexOf("|") + 1));
      if (quota === undefined || now - bucket.updatedMs >= quota.quotaTimeMs) this.buckets.delete(id);
    }
  }

  /** Forgets a peer (disconnected). */
  forgetPeer(peer: PeerIdStr): void {
    for (const id of this.buckets.keys()) if (id.startsWith(`${peer}|`)) this.buckets.delete(id);
  }

  get size(): number {
    return this.buckets.size;
  }
}
