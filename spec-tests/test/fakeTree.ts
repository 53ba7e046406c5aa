import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";

/** Builds a throw-away vectors directory in the official layout: <root>/tests/<preset>/<fork>/<runner>/... */
export class FakeTree {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), "ceibo-fake-vectors-"));
  }

  get testsDir(): string {
    return join(this.root, "tests");
  }

  /** Writes `parts` (file name → text or bytes) into tests/<casePath>/. */
  addCase(casePath: string, parts: Record<string, string | Uint8Array>): string {
    const dir = join(this.testsDir, ...casePath.split("/"));
    mkdirSync(dir, {recursive: true});
    for (const [name, content] of Object.entries(parts)) writeFileSync(join(dir, name), content);
    return dir;
  }

  writeFile(name: string, content: string): string {
    const path = join(this.root, name);
    writeFileSync(path, content);
    return path;
  }

  remove(): void {
    rmSync(this.root, {recursive: true, force: true});
  }
}
