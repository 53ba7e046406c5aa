/**
 * Prometheus text-format reading for the gossip load test: samples by name and labels, differences of two
 * scrapes, and percentiles of a histogram's buckets (linear inside the bucket, as Prometheus' histogram_quantile).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    if (m[3] !== undefined) {
      for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    }
    out.push({name: m[1], labels, value: Number(m[4])});
  }
  return out;
}

/** Sum of the samples named `name` whose labels include `match`. */
export function sum(samples: Sample[], name: string, match: Record<string, string> = {}): number {
  let s = 0;
  for (const x of samples) {
    if (x.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => x.labels[k] === v)) s += x.value;
  }
  return s;
}

/** Cumulative bucket counts (le → count) of histogram `name` over the samples matching `match`, summed. */
export function buckets(samples: Sample[], name: string, match: Record<string, string> = {}): Map<number, number> {
  const out = new Map<number, number>();
  for (const x of samples) {
    if (x.name !== `${name}_bucket`) continue;
    if (!Object.entries(match).every(([k, v]) => x.labels[k] === v)) continue;
    const le = x.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(x.labels.le);
    out.set(le, (out.get(le) ?? 0) + x.value);
  }
  return out;
}

/** after − before, bucket by bucket. */
export function bucketDelta(after: Map<number, number>, before: Map<number, number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const [le, v] of after) out.set(le, v - (before.get(le) ?? 0));
  return out;
}

/**
 * The q-quantile (0..1) of cumulative buckets, interpolated linearly inside its bucket; null when empty. A
 * quantile in the +Inf bucket is reported as the largest finite bound (a lower bound: "> that").
 */
export function quantile(cumulative: Map<number, number>, q: number): number | null {
  const les = [...cumulative.keys()].sort((a, b) => a - b);
  if (les.length === 0) return null;
  const total = cumulative.get(les[les.length - 1]) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const le of les) {
    const c = cumulative.get(le) ?? 0;
    if (c >= rank) {
      if (!Number.isFinite(le)) return prevLe;
      const inBucket = c - prevCount;
      return inBucket <= 0 ? le : prevLe + ((le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = le;
    prevCount = c;
  }
  return prevLe;
}

/** The count of a cumulative histogram (its +Inf bucket). */
export function count(cumulative: Map<number, number>): number {
  return cumulative.get(Number.POSITIVE_INFINITY) ?? 0;
}
