import {writeFile} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {KeystoreError} from "../src/errors.ts";
import {secretToPubkey} from "../src/keystore.ts";
import {type DecryptProgress, decryptKeystoresParallel, formatProgress} from "../src/pool.ts";
import {tempDir, writeTestKeystores} from "./helpers.ts";

describe("parallel keystore decryption", () => {
  it("decrypts every keystore on 2 workers, in job order, reporting progress", async () => {
    const dir = tempDir();
    const ks = await writeTestKeystores(dir, 6, {kdf: "scrypt", cost: 2 ** 12});
    const progress: DecryptProgress[] = [];
    const keys = await decryptKeystoresParallel(ks, {workers: 2, onProgress: (p) => progress.push(p)});
    expect(keys.map((k) => k.path)).toEqual(ks.map((k) => k.keystorePath));
    for (const [i, k] of keys.entries()) {
      expect(k.secretKey).toEqual(ks[i].secretKey);
      expect(k.pubkey).toEqual(secretToPubkey(ks[i].secretKey));
    }
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.every((p) => p.total === 6 && p.etaMs !== null && p.etaMs >= 0)).toBe(true);
    expect(progress.at(-1)?.etaMs).toBe(0);
  });

  it("fails with the keystore's error (wrong password, malformed file)", async () => {
    const dir = tempDir();
    const ks = await writeTestKeystores(dir, 3);
    const wrong = ks.map((k, i) => (i === 1 ? {...k, password: "nope"} : k));
    await expect(decryptKeystoresParallel(wrong, {workers: 2})).rejects.toMatchObject({
      code: "WRONG_PASSWORD",
      message: expect.stringMatching(
        new RegExp(`^wrong password for keystore ${ks[1].keystorePath} \\(pubkey 0x[0-9a-f]{96}\\)$`),
      ),
    });
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{not json");
    const err = await decryptKeystoresParallel([ks[0], {keystorePath: bad, password: "x"}], {workers: 1}).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(KeystoreError);
    expect(err.code).toBe("MALFORMED_JSON");
    const missing = await decryptKeystoresParallel([{keystorePath: join(dir, "absent.json"), password: "x"}]).catch(
      (e) => e,
    );
    expect(missing.code).toBe("IO");
  });

  it("an empty job list resolves at once; an aborted signal rejects", async () => {
    expect(await decryptKeystoresParallel([])).toEqual([]);
    const dir = tempDir();
    const ks = await writeTestKeystores(dir, 2);
    await expect(decryptKeystoresParallel(ks, {signal: AbortSignal.abort()})).rejects.toThrow(/aborted/);
  });

  it("formats a progress line", () => {
    expect(formatProgress({done: 3, total: 8, elapsedMs: 7500, etaMs: 12500})).toBe(
      "Decrypting keystores 3/8 (37%), 7.5 s elapsed, ETA 12.5 s",
    );
    expect(formatProgress({done: 0, total: 1000, elapsedMs: 0, etaMs: null})).toBe(
      "Decrypting keystores 0/1000 (0%), 0.0 s elapsed, ETA unknown",
    );
    expect(formatProgress({done: 10, total: 1000, elapsedMs: 25000, etaMs: 2475000})).toContain("ETA 41 min 15 s");
  });
});
