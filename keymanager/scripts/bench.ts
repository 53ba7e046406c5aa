/**
 * Keystore benchmark (not a test): decrypting N EIP-2335 scrypt keystores (n=2^18) on 1 vs 2 (vs more) workers, and
 * reloading 1,000 keys from the encrypted fast-restart cache.
 *
 *   npm run bench -w @ceibo/keymanager                      # 8 scrypt keystores, 1000-key cache
 *   npm run bench -w @ceibo/keymanager -- --keystores 16 --cache-keys 5000 --json out.json
 */
import {randomBytes, scryptSync} from "node:crypto";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {availableParallelism, loadavg, tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {SecretKey} from "@chainsafe/blst";
import {DEFAULT_CACHE_SCRYPT_N} from "../src/cache.ts";
import {encryptKeystore} from "../src/keystore.ts";
import {loadKeys} from "../src/loader.ts";
import {decryptKeystoresParallel, progressLine} from "../src/pool.ts";

const {values} = parseArgs({
  options: {
    keystores: {type: "string", default: "8"},
    "cache-keys": {type: "string", default: "1000"},
    json: {type: "string"},
  },
});
const nKeystores = Number(values.keystores);
const nCacheKeys = Number(values["cache-keys"]);
const dir = mkdtempSync(join(tmpdir(), "ceibo-keystore-bench-"));
const results: Record<string, number> = {};
const ms = (t: number): number => Math.round(performance.now() - t);

try {
  for (const n of [2 ** 17, 2 ** 18]) {
    const t = performance.now();
    scryptSync("password", randomBytes(32), 32, {N: n, r: 8, p: 1, maxmem: 256 * n * 8});
    results[`scrypt_n2^${Math.log2(n)}_ms`] = ms(t);
  }

  console.log(`Writing ${nKeystores} scrypt keystores (n=2^18)…`);
  const jobs = await Promise.all(
    Array.from({length: nKeystores}, async (_, i) => {
      const ks = await encryptKeystore(SecretKey.fromKeygen(randomBytes(32)).toBytes(), `pw-${i}`, {kdf: "scrypt"});
      const keystorePath = join(dir, `scrypt-${i}.json`);
      writeFileSync(keystorePath, JSON.stringify(ks));
      return {keystorePath, password: `pw-${i}`};
    }),
  );
  const workerCounts = [...new Set([1, 2, availableParallelism()])];
  for (const w of workerCounts) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    await decryptKeystoresParallel(jobs, {workers: w, onProgress: progressLine()});
    const wall = performance.now() - t;
    const used = process.cpuUsage(cpu);
    results[`decrypt_${nKeystores}_scrypt_${w}_workers_ms`] = Math.round(wall);
    // CPU seconds per wall second (includes worker threads): ≈ w when the machine gives us w free cores.
    results[`decrypt_${nKeystores}_scrypt_${w}_workers_cpu_per_wall`] = Number(
      ((used.user + used.system) / 1000 / wall).toFixed(2),
    );
  }

  console.log(`Writing ${nCacheKeys} low-cost (pbkdf2 c=2) keystores for the cache benchmark…`);
  const cacheDir = join(dir, "cache");
  mkdirSync(cacheDir);
  const cacheJobs = [];
  for (let i = 0; i < nCacheKeys; i++) {
    const ks = await encryptKeystore(SecretKey.fromKeygen(randomBytes(32)).toBytes(), "pw", {kdf: "pbkdf2", cost: 2});
    const keystorePath = join(cacheDir, `k-${i}.json`);
    writeFileSync(keystorePath, JSON.stringify(ks));
    cacheJobs.push({keystorePath, password: "pw"});
  }
  const cachePath = join(dir, "key-cache.json");
  let t = performance.now();
  (await loadKeys({keystores: cacheJobs, cache: {path: cachePath}})).close();
  results[`first_load_${nCacheKeys}_pbkdf2_keys_ms`] = ms(t);
  t = performance.now();
  const hit = await loadKeys({keystores: cacheJobs, cache: {path: cachePath}});
  results[`cache_reload_${nCacheKeys}_keys_n2^${Math.log2(DEFAULT_CACHE_SCRYPT_N)}_ms`] = ms(t);
  if (hit.source !== "cache") throw new Error("expected a cache hit");
  hit.close();
  t = performance.now();
  (await loadKeys({keystores: cacheJobs, cache: {path: cachePath, verifyKeys: false}})).close();
  results[`cache_reload_${nCacheKeys}_keys_no_verify_ms`] = ms(t);

  results.load_average_1min = Number(loadavg()[0].toFixed(2));
  results.cpus = availableParallelism();
  console.table(Object.entries(results).map(([metric, value]) => ({metric, value})));
  if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
} finally {
  rmSync(dir, {recursive: true, force: true});
}
