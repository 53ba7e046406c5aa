/**
 * A fuzz target: a function of bytes that may only fail with the errors its code under test promises
 * (`isExpected`), and the seeds its corpus starts from. Everything else it throws is a finding (a crash).
 */
export interface FuzzTarget {
  name: string;
  /** One line: what is fuzzed. */
  description: string;
  /** One line: which errors count as the code's own (anything else thrown is a crash). */
  expected: string;
  /** Valid (or interesting) inputs the corpus starts from. */
  seeds(): Uint8Array[] | Promise<Uint8Array[]>;
  run(data: Uint8Array): void | Promise<void>;
  isExpected(e: unknown): boolean;
  /** Whether isExpected may accept @chainsafe/ssz's RangeError (isSszOffsetRangeError). */
  expectsSszRangeError?: boolean;
}

/** A finding: what the target threw that it must not have, or that it took too long. */
export class FuzzFinding extends Error {
  readonly target: string;
  constructor(target: string, message: string, cause?: unknown) {
    super(`${target}: ${message}`, {cause});
    this.name = "FuzzFinding";
    this.target = target;
  }
}

/** Thrown by a target for an invariant it checks itself (e.g. an SSZ round trip): always a finding. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

/**
 * Errors a JS engine raises for a programming fault (a property of undefined, an index out of range, a stack
 * overflow …): never an expected outcome of bad input.
 */
export function isEngineError(e: unknown): boolean {
  return (
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof ReferenceError ||
    e instanceof EvalError ||
    e instanceof URIError ||
    e instanceof InvariantViolation
  );
}

/** An Error of exactly the base class (how @chainsafe/ssz and most decoders report malformed input). */
export function isPlainError(e: unknown): boolean {
  return e instanceof Error && Object.getPrototypeOf(e) === Error.prototype;
}

/**
 * @chainsafe/ssz reports an offset that points past the end of the input (inside a nested variable-size value)
 * with the RangeError of a DataView read, thrown from its own decode functions. ceibo's decoding sites catch every
 * decode error (req/resp: INVALID_REQUEST, gossip: REJECT with a clear message via deserializeGossipSsz), so for the
 * SSZ-decoding targets this RangeError — and only one raised inside @chainsafe/ssz — is an expected outcome.
 */
export function isSszOffsetRangeError(e: unknown): boolean {
  if (!(e instanceof RangeError)) return false;
  const frames = (e.stack ?? "").split("\n").filter((l) => l.trimStart().startsWith("at "));
  const first = frames.find((l) => !l.includes("<anonymous>"));
  return first?.includes("/@chainsafe/ssz/") === true;
}

/** Runs one input; resolves to null when the target passed, else the finding. */
export async function check(target: FuzzTarget, data: Uint8Array): Promise<FuzzFinding | null> {
  try {
    await target.run(data);
    return null;
  } catch (e) {
    if ((!isEngineError(e) || target.expectsSszRangeError === true) && target.isExpected(e)) return null;
    const err = e as Error;
    const what = err instanceof Error ? `${err.name}: ${err.message}` : String(e);
    return new FuzzFinding(target.name, what, e);
  }
}

/** Picks one of `n` choices from the first two bytes; the rest is the payload. */
export function select(data: Uint8Array, n: number): {index: number; rest: Uint8Array} {
  if (data.length < 2) return {index: (data[0] ?? 0) % n, rest: new Uint8Array(0)};
  return {index: (data[0] | (data[1] << 8)) % n, rest: data.subarray(2)};
}

/** The selector prefix for choice `index` (the inverse of select). */
export function selector(index: number): Uint8Array {
  return Uint8Array.of(index & 0xff, (index >> 8) & 0xff);
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder("utf-8", {fatal: false}).decode(b);
