/**
 * The KZG loader: c-kzg (EIP-4844 blob commitments/proofs, EIP-7594 cells) with its trusted setup, loaded lazily on
 * first use (~3-5 s), once per process. Data availability (chain/da) and the mock engine's blob pool use it; the
 * interface is state-transition's `Kzg`.
 */
import {mkdtempSync, writeFileSync} from "node:fs";
import {createRequire} from "node:module";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {KZG_FUNCTIONS, type Kzg} from "@ceibo/state-transition";

let loaded: Kzg | undefined;

/**
 * c-kzg with a trusted setup loaded. `trustedSetupFile` may be the consensus-specs JSON (trusted_setup_4096.json,
 * converted to c-kzg's text format in a temp folder) or c-kzg's .txt; default: the mainnet setup bundled with c-kzg.
 * If another module of this process loaded a setup first, that one is used.
 */
export function loadKzg(trustedSetupFile?: string): Kzg {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const kzg = require("c-kzg") as Partial<Kzg> & {loadTrustedSetup(precompute: number, filePath?: string): void};
  for (const name of KZG_FUNCTIONS) {
    if (typeof kzg[name] !== "function") throw Error(`the KZG library (c-kzg) has no ${name}()`);
  }
  const file = trustedSetupFile?.endsWith(".json") ? jsonSetupToText(trustedSetupFile) : trustedSetupFile;
  try {
    kzg.loadTrustedSetup(0, file);
  } catch (e) {
    if (!/already loaded/i.test((e as Error).message)) throw e;
  }
  loaded = kzg as Kzg;
  return loaded;
}

/** consensus-specs trusted_setup_4096.json → c-kzg's text format (same points), written to a temp file. */
function jsonSetupToText(file: string): string {
  // Read via require to keep this synchronous and simple; the file is ~800 KB.
  const require = createRequire(import.meta.url);
  const setup = require(file) as {g1_lagrange: string[]; g2_monomial: string[]; g1_monomial: string[]};
  const strip = (p: string) => p.replace(/^0x/, "");
  const text = [
    String(setup.g1_lagrange.length),
    String(setup.g2_monomial.length),
    ...setup.g1_lagrange.map(strip),
    ...setup.g2_monomial.map(strip),
    ...setup.g1_monomial.map(strip),
  ].join("\n");
  const out = join(mkdtempSync(join(tmpdir(), "ceibo-kzg-")), "trusted_setup.txt");
  writeFileSync(out, text);
  return out;
}
