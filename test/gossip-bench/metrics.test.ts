/**
 * The Prometheus reading of bench:gossip (bench/gossip/metrics.ts): text-format parsing with labels, sums over
 * label matches, bucket differences of two scrapes and histogram_quantile-style interpolation (values worked out
 * by hand below).
 */
import {describe, expect, it} from "vitest";
import {bucketDelta, buckets, count, parsePrometheus, quantile, sum} from "../../bench/gossip/metrics.ts";

const TEXT = `# HELP beacon_gossip_messages_total Received gossip messages
# TYPE beacon_gossip_messages_total counter
beacon_gossip_messages_total{topic="beacon_block",result="accept"} 3
beacon_gossip_messages_total{topic="beacon_block",result="ignore"} 1
beacon_gossip_messages_total{topic="sync_committee",result="accept"} 10
beacon_gossip_validation_seconds_bucket{le="0.1",topic="beacon_block",result="accept"} 50
beacon_gossip_validation_seconds_bucket{le="0.5",topic="beacon_block",result="accept"} 90
beacon_gossip_validation_seconds_bucket{le="1",topic="beacon_block",result="accept"} 100
beacon_gossip_validation_seconds_bucket{le="+Inf",topic="beacon_block",result="accept"} 100
beacon_gossip_validation_seconds_bucket{le="0.1",topic="beacon_block",result="ignore"} 0
beacon_gossip_validation_seconds_bucket{le="0.5",topic="beacon_block",result="ignore"} 0
beacon_gossip_validation_seconds_bucket{le="1",topic="beacon_block",result="ignore"} 0
beacon_gossip_validation_seconds_bucket{le="+Inf",topic="beacon_block",result="ignore"} 100
nodejs_eventloop_lag_p99_seconds 0.0123
`;

describe("bench:gossip metrics", () => {
  const samples = parsePrometheus(TEXT);

  it("parses samples with labels and sums over label matches", () => {
    expect(sum(samples, "beacon_gossip_messages_total", {topic: "beacon_block"})).toBe(4);
    expect(sum(samples, "beacon_gossip_messages_total", {result: "accept"})).toBe(13);
    expect(sum(samples, "beacon_gossip_messages_total", {topic: "nope"})).toBe(0);
    expect(sum(samples, "nodejs_eventloop_lag_p99_seconds")).toBe(0.0123);
  });

  it("interpolates quantiles inside buckets; +Inf gives the largest finite bound; empty gives null", () => {
    const accept = buckets(samples, "beacon_gossip_validation_seconds", {topic: "beacon_block", result: "accept"});
    expect(count(accept)).toBe(100);
    expect(quantile(accept, 0.5)).toBeCloseTo(0.1, 10); // rank 50: the end of the first bucket
    expect(quantile(accept, 0.7)).toBeCloseTo(0.3, 10); // 0.1 + 0.4 * (70 - 50) / 40
    expect(quantile(accept, 0.99)).toBeCloseTo(0.95, 10); // 0.5 + 0.5 * (99 - 90) / 10
    const ignore = buckets(samples, "beacon_gossip_validation_seconds", {result: "ignore"});
    expect(quantile(ignore, 0.5)).toBe(1); // every observation above the last finite bound
    expect(quantile(new Map(), 0.5)).toBeNull();
  });

  it("takes bucket differences between two scrapes", () => {
    const after = buckets(samples, "beacon_gossip_validation_seconds", {result: "accept"});
    const before = new Map([
      [0.1, 40],
      [0.5, 40],
      [1, 40],
      [Number.POSITIVE_INFINITY, 40],
    ]);
    const d = bucketDelta(after, before);
    expect([...d.entries()].sort((a, b) => a[0] - b[0])).toEqual([
      [0.1, 10],
      [0.5, 50],
      [1, 60],
      [Number.POSITIVE_INFINITY, 60],
    ]);
    expect(quantile(d, 0.5)).toBeCloseTo(0.1 + (0.4 * (30 - 10)) / 40, 10);
  });
});
