/**
 * Keystore load benchmark (not a test): the time a validator client needs to load N EIP-2335 scrypt keystores
 * (n=2^18, the deposit tools' default) on first start (decrypt every keystore across worker threads, then write the
 * encrypted key cache) and on restart (one scrypt for the cache key, then AES-GCM), for N in --sizes.
 *
 *   npm run bench:load -w @ceibo/keymanager                         # sizes 1,100,1000
 *   npm run bench:load -w @ceibo/keymanager -- --sizes 1,10 --json out.json
 *
 * Creating N real scrypt keystores would itself take N scrypt runs; here every keystore of a run shares one salt and
 * password, so the derived key is computed once while creating them (each keystore still has its own secret key,
 * IV, ciphertext and checksum). Loading cannot take advantage of that: the loader runs the full scrypt per keystore,
 * as it would for keystores made by a deposit tool.
 */
import {createCipheriv, createHash, randomBytes, scryptSync} from "node:crypto";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {availableParallelism, loadavg, tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {SecretKey} from "@chainsafe/blst";
import {loadKeys} from "../src/loader.ts";
import {progressLine} from "../src/pool.ts";

const {values} = parseArgs({
  options: {
    sizes: {type: "string", default: "1,100,1000"},
    json: {type: "string"},
  },
});
const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw Error("--sizes must be positive integers, e.g. 1,100,1000");

const SCRYPT = {n: 2 ** 18, r: 8, p: 1, dklen: 32};

/** An EIP-2335 scrypt keystore for `secret`, given the already derived key of (password, salt). */
function keystoreJson(secret: Uint8Array, pubkey: Uint8Array, salt: Buffer, derivedKey: Buffer, index: number): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv("aes-128-ctr", derivedKey.subarray(0, 16), iv);
  const message = Buffer.concat([cipher.update(secret), cipher.final()]);
  const checksum = createHash("sha256")
    .update(Buffer.concat([derivedKey.subarray(16, 32), message]))
    .digest();
  return JSON.stringify({
    crypto: {
      kdf: {function: "scrypt", params: {...SCRYPT, salt: salt.toString("hex")}, message: ""},
      checksum: {function: "sha256", params: {}, message: checksum.toString("hex")},
      cipher: {function: "aes-128-ctr", params: {iv: iv.toString("hex")}, message: message.toString("hex")},
    },
    description: "ceibo keystore load benchmark",
    pubkey: Buffer.from(pubkey).toString("hex"),
    path: `m/12381/3600/${index}/0/0`,
    uuid: crypto.randomUUID(),
    version: 4,
  });
}

const results: Record<string, number> = {};
const root = mkdtempSync(join(tmpdir(), "ceibo-keystore-load-"));
try {
  const password = "benchmark password";
  const salt = randomBytes(32);
  const derivedKey = scryptSync(password, salt, 32, {N: SCRYPT.n, r: SCRYPT.r, p: SCRYPT.p, maxmem: 512 * 2 ** 20});
  for (const n of sizes) {
    const dir = join(root, `n${n}`);
    mkdirSync(dir);
    const jobs = [];
    for (let i = 0; i < n; i++) {
      const sk = SecretKey.fromKeygen(randomBytes(32));
      const keystorePath = join(dir, `keystore-${i}.json`);
      writeFileSync(keystorePath, keystoreJson(sk.toBytes(), sk.toPublicKey().toBytes(), salt, derivedKey, i));
      jobs.push({keystorePath, password});
    }
    const cachePath = join(dir, "key-cache.json");
    console.log(`${n} keystores: first start…`);
    let t = performance.now();
    const first = await loadKeys({keystores: jobs, cache: {path: cachePath}, onProgress: progressLine()});
    results[`first_start_${n}_keys_ms`] = Math.round(performance.now() - t);
    if (first.source !== "keystores") throw Error("first start should decrypt the keystores");
    first.close();
    console.log(`${n} keystores: restart…`);
    t = performance.now();
    const again = await loadKeys({keystores: jobs, cache: {path: cachePath}});
    results[`restart_${n}_keys_ms`] = Math.round(performance.now() - t);
    if (again.source !== "cache") throw Error(`restart should hit the key cache (${again.cacheMissReason})`);
    again.close();
  }
  results.load_average_1min = Number(loadavg()[0].toFixed(2));
  results.cpus = availableParallelism();
  console.table(Object.entries(results).map(([metric, value]) => ({metric, value})));
  if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
} finally {
  rmSync(root, {recursive: true, force: true});
}
