/**
 * ceibo's own mutation fuzzer: the engine of the `npm test` smoke and the fallback of `npm run fuzz` where
 * Jazzer.js cannot run. It takes inputs from the corpus and mutates them (bit flips, interesting integers, byte
 * insert / delete / duplicate, splicing two inputs, copies of the selector prefix); it is NOT coverage-guided: an
 * input is kept only if it is a finding. Deterministic for a seed.
 */
import {check, type FuzzFinding, type FuzzTarget} from "./target.ts";

/** xorshift32: a fast deterministic PRNG. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

const INTERESTING = [
  0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 1023, 1024, 4096, 65535, 65536, 0x7fffffff,
  0xffffffff,
];

/** One mutant of `input` (the first two bytes, the target's selector, are mutated only rarely). */
export function mutate(input: Uint8Array, corpus: Uint8Array[], rng: Rng, maxLen = 8192): Uint8Array {
  let b = Array.from(input);
  const rounds = 1 + rng.below(4);
  for (let r = 0; r < rounds; r++) {
    const lo = b.length > 2 && rng.below(16) !== 0 ? 2 : 0;
    const pos = () => lo + rng.below(Math.max(1, b.length - lo));
    switch (rng.below(10)) {
      case 0:
        if (b.length > lo) {
          const p = pos();
          b[p] ^= 1 << rng.below(8);
        }
        break;
      case 1:
        if (b.length > lo) b[pos()] = rng.below(256);
        break;
      case 2: {
        // an interesting little-endian integer of 1, 2 or 4 bytes
        const v = INTERESTING[rng.below(INTERESTING.length)];
        const w = [1, 2, 4][rng.below(3)];
        const p = pos();
        for (let i = 0; i < w && p + i < b.length; i++) b[p + i] = (v >>> (8 * i)) & 0xff;
        break;
      }
      case 3: {
        const p = pos();
        b.splice(p, 0, ...Array.from({length: 1 + rng.below(8)}, () => rng.below(256)));
        break;
      }
      case 4:
        if (b.length > lo) b.splice(pos(), 1 + rng.below(Math.min(16, b.length - lo)));
        break;
      case 5: {
        // duplicate a block
        if (b.length > lo) {
          const p = pos();
          const n = 1 + rng.below(Math.min(64, b.length - p));
          b.splice(pos(), 0, ...b.slice(p, p + n));
        }
        break;
      }
      case 6: {
        // splice with another corpus entry
        const other = corpus[rng.below(corpus.length)];
        if (other !== undefined && other.length > 2) {
          const cut = pos();
          const from = 2 + rng.below(other.length - 2);
          b = b.slice(0, cut).concat(Array.from(other.subarray(from, from + rng.below(256))));
        }
        break;
      }
      case 7:
        // truncate
        if (b.length > lo) b = b.slice(0, pos());
        break;
      case 8:
        // a printable character (JSON, ENR and topic targets)
        if (b.length > lo) b[pos()] = '"{}[],:0123456789abcdefx-/_ '.charCodeAt(rng.below(28));
        break;
      default: {
        // +/- a small delta
        if (b.length > lo) {
          const p = pos();
          b[p] = (b[p] + rng.below(33) - 16) & 0xff;
        }
      }
    }
  }
  if (b.length > maxLen) b = b.slice(0, maxLen);
  return Uint8Array.from(b);
}

export interface MutateResult {
  executions: number;
  findings: {input: Uint8Array; finding: FuzzFinding}[];
  ms: number;
}

/**
 * Runs `runs` inputs of `target`: every corpus input once, then mutants of corpus inputs. `slowMs`: an input that
 * takes longer is a finding (a hang). Stops collecting after `maxFindings`.
 */
export async function runMutationFuzzer(
  target: FuzzTarget,
  corpus: Uint8Array[],
  opts: {runs: number; seed?: number; slowMs?: number; maxFindings?: number; maxMs?: number},
): Promise<MutateResult> {
  const rng = new Rng(opts.seed ?? 1);
  const slowMs = opts.slowMs ?? 2000;
  const findings: MutateResult["findings"] = [];
  const pool = corpus.length > 0 ? corpus : [new Uint8Array(0)];
  const start = Date.now();
  let executions = 0;
  const deadline = opts.maxMs !== undefined ? start + opts.maxMs : Number.POSITIVE_INFINITY;
  for (let i = 0; i < opts.runs && findings.length < (opts.maxFindings ?? 10); i++) {
    if ((i & 255) === 0 && Date.now() > deadline) break;
    const input = i < pool.length ? pool[i] : mutate(pool[rng.below(pool.length)], pool, rng);
    const t0 = performance.now();
    const finding = await check(target, input);
    const ms = performance.now() - t0;
    executions++;
    if (finding !== null) findings.push({input, finding});
    else if (ms > slowMs) {
      const {FuzzFinding} = await import("./target.ts");
      findings.push({input, finding: new FuzzFinding(target.name, `took ${Math.round(ms)} ms (> ${slowMs} ms)`)});
    }
  }
  return {executions, findings, ms: Date.now() - start};
}
