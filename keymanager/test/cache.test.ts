import {readFileSync, statSync, writeFileSync} from "node:fs";
import {rm} from "node:fs/promises";
import {join} from "node:path";
import {describe, expect, it} from "vitest";
import {
  cachePasswordKeyMaterial,
  DEFAULT_CACHE_SCRYPT_N,
  keystoreSetHash,
  passwordsKeyMaterial,
  readKeyCache,
  writeKeyCache,
} from "../src/cache.ts";
import {secretToPubkey} from "../src/keystore.ts";
import {loadKeys} from "../src/loader.ts";
import {randomSecret, tempDir, writeTestKeystores} from "./helpers.ts";

const FAST_N = 2 ** 10;

describe("encrypted key cache (file level)", () => {
  const keys = Array.from({length: 5}, (_, i) => {
    const secretKey = randomSecret();
    return {path: `k${i}`, pubkey: secretToPubkey(secretKey), secretKey};
  });
  const setHash = "0x" + "ab".repeat(32);
  const km = cachePasswordKeyMaterial("cache pw");

  it("round-trips, is written 0600 and holds no plaintext key", async () => {
    const path = join(tempDir(), "cache.json");
    await writeKeyCache(path, {
      keys,
      keystoreSetHash: setHash,
      keyMaterial: km,
      keyFrom: "cache-password",
      scryptN: FAST_N,
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, "utf8");
    for (const k of keys) expect(text).not.toContain(Buffer.from(k.secretKey).toString("hex"));
    const res = await readKeyCache(path, {keystoreSetHash: setHash, keyMaterial: km, keyFrom: "cache-password"});
    expect(res.status).toBe("hit");
    if (res.status === "hit") expect(res.keys).toEqual(keys.map(({pubkey, secretKey}) => ({pubkey, secretKey})));
  });

  it("misses (never throws) when absent, stale, wrongly keyed, tampered or corrupt", async () => {
    const dir = tempDir();
    const path = join(dir, "cache.json");
    const opts = {keystoreSetHash: setHash, keyMaterial: km, keyFrom: "cache-password" as const};
    expect(await readKeyCache(path, opts)).toEqual({status: "miss", reason: "no cache file"});
    await writeKeyCache(path, {
      keys,
      keystoreSetHash: setHash,
      keyMaterial: km,
      keyFrom: "cache-password",
      scryptN: FAST_N,
    });
    expect(await readKeyCache(path, {...opts, keystoreSetHash: "0x00"})).toMatchObject({
      status: "miss",
      reason: /keystore set changed/,
    });
    expect(await readKeyCache(path, {...opts, keyMaterial: cachePasswordKeyMaterial("other")})).toMatchObject({
      reason: /does not decrypt/,
    });
    expect(await readKeyCache(path, {...opts, keyFrom: "keystore-passwords"})).toMatchObject({status: "miss"});
    const f = JSON.parse(readFileSync(path, "utf8"));
    const flipped = Buffer.from(f.ciphertext, "base64");
    flipped[0] ^= 1;
    const tampered = [
      {...f, count: f.count - 1}, // header is authenticated
      {...f, ciphertext: flipped.toString("base64")},
      {...f, kdf: {...f.kdf, n: 2 ** 30}},
    ];
    for (const t of tampered) {
      writeFileSync(path, JSON.stringify(t));
      expect((await readKeyCache(path, opts)).status).toBe("miss");
    }
    writeFileSync(path, "garbage");
    expect(await readKeyCache(path, opts)).toMatchObject({reason: /not valid JSON/});
  });

  it("key material from passwords depends on every password and keystore file", () => {
    const entries = [
      {keystorePath: "/a", content: Buffer.from("A")},
      {keystorePath: "/b", content: Buffer.from("B")},
    ];
    const base = passwordsKeyMaterial(entries, ["x", "y"]);
    expect(passwordsKeyMaterial(entries, ["x", "z"])).not.toEqual(base);
    expect(passwordsKeyMaterial([entries[0], {...entries[1], content: Buffer.from("C")}], ["x", "y"])).not.toEqual(
      base,
    );
    expect(passwordsKeyMaterial(entries, ["xy", ""])).not.toEqual(base); // length-prefixed
    expect(keystoreSetHash(entries)).not.toBe(keystoreSetHash([entries[1], entries[0]]));
  });
});

describe("loadKeys: locks + cache + parallel decryption", () => {
  it("first run decrypts and writes the cache; the next run loads from it; a changed set invalidates it", async () => {
    const dir = tempDir();
    const cachePath = join(dir, "key-cache.json");
    const ks = await writeTestKeystores(dir, 4);
    const jobs = ks.map(({keystorePath, password}) => ({keystorePath, password}));

    const first = await loadKeys({keystores: jobs, cache: {path: cachePath, scryptN: FAST_N}, workers: 2});
    expect(first.source).toBe("keystores");
    expect(first.cacheMissReason).toBe("no cache file");
    expect(first.keys.map((k) => k.secretKey)).toEqual(ks.map((k) => k.secretKey));
    // Locks are held while loaded: a second load in this process is refused.
    await expect(loadKeys({keystores: jobs, cache: {path: cachePath}})).rejects.toMatchObject({code: "KEY_LOCKED"});
    first.close();
    expect(first.keys[0].secretKey.every((b) => b === 0)).toBe(true); // wiped

    const second = await loadKeys({keystores: jobs, cache: {path: cachePath, scryptN: FAST_N}});
    expect(second.source).toBe("cache");
    expect(second.keys.map((k) => k.path)).toEqual(ks.map((k) => k.keystorePath));
    expect(second.keys.map((k) => k.secretKey)).toEqual(ks.map((k) => k.secretKey));
    second.close();

    // The same set listed in another order still hits, and keys come back in the order asked for.
    const reversed = await loadKeys({keystores: [...jobs].reverse(), cache: {path: cachePath}});
    expect(reversed.source).toBe("cache");
    expect(reversed.keys.map((k) => k.secretKey)).toEqual([...ks].reverse().map((k) => k.secretKey));
    reversed.close();

    // A wrong keystore password: cache key differs → miss → the keystore itself reports the wrong password.
    const wrong = jobs.map((j, i) => (i === 0 ? {...j, password: "bad"} : j));
    await expect(loadKeys({keystores: wrong, cache: {path: cachePath}})).rejects.toMatchObject({
      code: "WRONG_PASSWORD",
    });

    // Removing a keystore changes the set hash.
    const third = await loadKeys({keystores: jobs.slice(1), cache: {path: cachePath, scryptN: FAST_N}});
    expect(third.source).toBe("keystores");
    expect(third.cacheMissReason).toMatch(/keystore set changed/);
    third.close();
    // Editing a keystore file (same path) changes it too.
    const [extra] = await writeTestKeystores(tempDir(), 1, {password: () => jobs[1].password});
    writeFileSync(jobs[1].keystorePath, readFileSync(extra.keystorePath));
    const fourth = await loadKeys({keystores: jobs.slice(1), cache: {path: cachePath, scryptN: FAST_N}});
    expect(fourth.source).toBe("keystores");
    expect(fourth.keys[0].secretKey).toEqual(extra.secretKey);
    fourth.close();
  });

  it("a separate cache password works the same way", async () => {
    const dir = tempDir();
    const cachePath = join(dir, "key-cache.json");
    const jobs = (await writeTestKeystores(dir, 2)).map(({keystorePath, password}) => ({keystorePath, password}));
    (await loadKeys({keystores: jobs, cache: {path: cachePath, password: "cache secret", scryptN: FAST_N}})).close();
    const again = await loadKeys({keystores: jobs, cache: {path: cachePath, password: "cache secret"}});
    expect(again.source).toBe("cache");
    again.close();
    const wrongPw = await loadKeys({keystores: jobs, cache: {path: cachePath, password: "nope", scryptN: FAST_N}});
    expect(wrongPw.source).toBe("keystores");
    expect(wrongPw.cacheMissReason).toMatch(/does not decrypt/);
    wrongPw.close();
  });

  it("refuses duplicate keystores and duplicate pubkeys", async () => {
    const dir = tempDir();
    const [a] = await writeTestKeystores(dir, 1);
    const copy = join(dir, "copy.json");
    writeFileSync(copy, readFileSync(a.keystorePath));
    await expect(loadKeys({keystores: [a, a]})).rejects.toThrow(/listed twice/);
    await expect(loadKeys({keystores: [a, {keystorePath: copy, password: a.password}]})).rejects.toThrow(
      /appears in both/,
    );
  });

  it("1,000 keys: reload time from the cache (reported, not asserted)", async () => {
    const dir = tempDir();
    const cachePath = join(dir, "key-cache.json");
    let t = performance.now();
    const ks = await writeTestKeystores(dir, 1000, {password: () => "same password for all"});
    const genMs = performance.now() - t;
    const jobs = ks.map(({keystorePath, password}) => ({keystorePath, password}));
    t = performance.now();
    const first = await loadKeys({keystores: jobs, cache: {path: cachePath}});
    const firstMs = performance.now() - t;
    expect(first.source).toBe("keystores");
    first.close();
    t = performance.now();
    const second = await loadKeys({keystores: jobs, cache: {path: cachePath}});
    const cacheMs = performance.now() - t;
    expect(second.source).toBe("cache");
    expect(second.keys).toHaveLength(1000);
    expect(second.keys[999].secretKey).toEqual(ks[999].secretKey);
    second.close();
    t = performance.now();
    const third = await loadKeys({keystores: jobs, cache: {path: cachePath, verifyKeys: false}});
    const cacheNoVerifyMs = performance.now() - t;
    third.close();
    console.log(
      `[keymanager] 1000 keys: generate ${genMs.toFixed(0)} ms (pbkdf2 c=2), first load ${firstMs.toFixed(0)} ms, ` +
        `cache reload ${cacheMs.toFixed(0)} ms (scrypt n=2^${Math.log2(DEFAULT_CACHE_SCRYPT_N)}, pubkeys verified), ` +
        `${cacheNoVerifyMs.toFixed(0)} ms without pubkey verification`,
    );
    await rm(dir, {recursive: true, force: true});
  }, 180_000);
});
