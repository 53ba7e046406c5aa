/**
 * Tests leave nothing in the temp folder: the test files that used to leave directories behind (keymanager's
 * helpers.tempDir users, the mock-engine CLI test) run in a child vitest with TMPDIR pointing at an empty
 * directory, which must be empty again afterwards.
 */
import {execFile} from "node:child_process";
import {mkdtempSync, readdirSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ROOT} from "../harness/processes.ts";

const FILES = [
  "keymanager/test/pool.test.ts",
  "keymanager/test/lockfile.test.ts",
  "keymanager/test/cache.test.ts",
  "beacon-node/test/execution-cli.test.ts",
];
const dir = mkdtempSync(join(tmpdir(), "ceibo-tmpdir-check-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

describe("temp folder hygiene", () => {
  it("these test files remove every directory they create", {timeout: 300_000}, async () => {
    const {code, out} = await new Promise<{code: number; out: string}>((resolve) => {
      execFile(
        join(ROOT, "node_modules/.bin/vitest"),
        ["run", "--no-file-parallelism", ...FILES],
        {cwd: ROOT, env: {...process.env, TMPDIR: dir, TMP: dir, TEMP: dir}, maxBuffer: 64 * 1024 * 1024},
        (err, stdout, stderr) =>
          resolve({code: err === null ? 0 : ((err as {code?: number}).code ?? 1), out: stdout + stderr}),
      );
    });
    expect(code, out.slice(-3000)).toBe(0);
    // vitest's own scratch files (if any) are not directories of ours: only ceibo-* entries count
    expect(readdirSync(dir).filter((n) => n.startsWith("ceibo-"))).toEqual([]);
  });
});
