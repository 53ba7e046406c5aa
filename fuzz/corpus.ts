/**
 * The corpus of each target on disk: `fuzz/corpus/<target>/` (inputs worth keeping: seeds found interesting by
 * the fuzzer) and `fuzz/crashes/<target>/` (every input that once crashed a target; each is a regression input
 * that must pass now). Files are named by the SHA-1 of their content.
 */
import {createHash} from "node:crypto";
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import type {FuzzTarget} from "./target.ts";

export const FUZZ_DIR = import.meta.dirname;
export const corpusDir = (target: string): string => join(FUZZ_DIR, "corpus", target);
export const crashesDir = (target: string): string => join(FUZZ_DIR, "crashes", target);

export function readInputs(dir: string): {name: string; data: Uint8Array}[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.startsWith("."))
    .sort()
    .map((name) => ({name, data: new Uint8Array(readFileSync(join(dir, name)))}));
}

export function saveInput(dir: string, data: Uint8Array): string {
  mkdirSync(dir, {recursive: true});
  const name = createHash("sha1").update(data).digest("hex");
  writeFileSync(join(dir, name), data);
  return join(dir, name);
}

/** The target's seeds, its committed corpus and its crash inputs. */
export async function loadCorpus(target: FuzzTarget): Promise<Uint8Array[]> {
  return [
    ...(await target.seeds()),
    ...readInputs(corpusDir(target.name)).map((x) => x.data),
    ...readInputs(crashesDir(target.name)).map((x) => x.data),
  ];
}
