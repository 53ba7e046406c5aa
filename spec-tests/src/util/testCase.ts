import {existsSync, readdirSync, readFileSync} from "node:fs";
import {join} from "node:path";
import {snappyUncompress} from "./snappy.ts";
import {readYamlFile} from "./yaml.ts";

/** The six path segments of a case: tests/<preset>/<fork>/<runner>/<handler>/<suite>/<case>. */
export interface CaseId {
  preset: string;
  fork: string;
  runner: string;
  handler: string;
  suite: string;
  case: string;
}

export function casePath(id: CaseId): string {
  return `${id.preset}/${id.fork}/${id.runner}/${id.handler}/${id.suite}/${id.case}`;
}

/** `bls_setting` of meta.yaml: 0 (or absent) = either, 1 = BLS required, 2 = BLS ignored. */
export type BlsSetting = 0 | 1 | 2;

/** One test case directory and typed access to its parts. */
export class TestCase {
  readonly id: CaseId;
  /** Absolute directory of the case. */
  readonly dir: string;
  /** Path relative to tests/: `<preset>/<fork>/<runner>/<handler>/<suite>/<case>`. */
  readonly path: string;
  private partNames: string[] | undefined;
  private metaCache: Record<string, unknown> | undefined;

  constructor(id: CaseId, dir: string) {
    this.id = id;
    this.dir = dir;
    this.path = casePath(id);
  }

  get preset(): string {
    return this.id.preset;
  }
  get fork(): string {
    return this.id.fork;
  }
  get runner(): string {
    return this.id.runner;
  }
  get handler(): string {
    return this.id.handler;
  }
  get suite(): string {
    return this.id.suite;
  }
  get name(): string {
    return this.id.case;
  }

  /** File names in the case directory, sorted. */
  parts(): string[] {
    this.partNames ??= readdirSync(this.dir).sort();
    return this.partNames;
  }

  has(fileName: string): boolean {
    return this.parts().includes(fileName);
  }

  readBytes(fileName: string): Uint8Array {
    const buf = readFileSync(join(this.dir, fileName));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** `<name>.ssz_snappy` decompressed (or `<name>.ssz` if only an uncompressed part exists). */
  readSsz(name: string): Uint8Array {
    const snappy = `${name}.ssz_snappy`;
    if (this.has(snappy)) return snappyUncompress(this.readBytes(snappy));
    if (this.has(`${name}.ssz`)) return this.readBytes(`${name}.ssz`);
    throw Error(`missing part ${snappy} in ${this.path}`);
  }

  hasSsz(name: string): boolean {
    return this.has(`${name}.ssz_snappy`) || this.has(`${name}.ssz`);
  }

  /** `<name>.yaml` parsed (integers as bigint, see util/yaml.ts). */
  readYaml(name: string): unknown {
    const file = `${name}.yaml`;
    if (!this.has(file)) throw Error(`missing part ${file} in ${this.path}`);
    return readYamlFile(join(this.dir, file));
  }

  hasYaml(name: string): boolean {
    return this.has(`${name}.yaml`);
  }

  /** meta.yaml as a mapping; `{}` when the case has none. */
  meta(): Record<string, unknown> {
    if (this.metaCache === undefined) {
      const raw = this.has("meta.yaml") ? this.readYaml("meta") : {};
      if (raw === null || typeof raw !== "object" || Array.isArray(raw))
        throw Error(`meta.yaml of ${this.path} is not a mapping`);
      this.metaCache = raw as Record<string, unknown>;
    }
    return this.metaCache;
  }

  blsSetting(): BlsSetting {
    const v = this.meta().bls_setting;
    if (v === undefined || v === null) return 0;
    const n = Number(v);
    if (n !== 0 && n !== 1 && n !== 2) throw Error(`invalid bls_setting ${String(v)} in ${this.path}`);
    return n;
  }
}

/** Sorted names of the sub-directories of `dir` (hidden entries ignored); [] if `dir` does not exist. */
export function listDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    if (entry.name.startsWith(".")) continue;
    if (entry.isDirectory()) out.push(entry.name);
    else if (entry.isSymbolicLink()) {
      try {
        if (readdirSync(join(dir, entry.name))) out.push(entry.name);
      } catch {
        // not a directory
      }
    }
  }
  return out.sort();
}
