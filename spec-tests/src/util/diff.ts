/** The first path at which two JSON-like values differ, for readable failure messages. */
export function firstDiff(expected: unknown, actual: unknown, path = "$"): string | undefined {
  if (Object.is(expected, actual)) return undefined;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return `${path}: length ${actual.length}, expected ${expected.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = firstDiff(expected[i], actual[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (isRecord(expected) && isRecord(actual)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const k of keys) {
      if (!Object.hasOwn(actual, k)) return `${path}.${k}: missing`;
      if (!Object.hasOwn(expected, k)) return `${path}.${k}: unexpected key`;
      const d = firstDiff(expected[k], actual[k], `${path}.${k}`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  if (String(expected) === String(actual) && typeof expected !== typeof actual) return undefined;
  return `${path}: ${short(actual)}, expected ${short(expected)}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function short(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
