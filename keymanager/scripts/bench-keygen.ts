/**
 * Key generation benchmark (not a test): `generateValidatorKeys` for N validators with EIP-2335 scrypt keystores
 * (n=2^18) on 1 vs 2 encryption workers, plus the EIP-2333 derivation + deposit signing per key.
 *
 *   npm run bench:keygen -w @ceibo/keymanager                 # 8 keys
 *   npm run bench:keygen -w @ceibo/keymanager -- --keys 16 --json out.json
 */
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {availableParallelism, loadavg, tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {depositNetworkByName, generateMnemonic, generateValidatorKeys} from "../src/index.ts";

const {values} = parseArgs({options: {keys: {type: "string", default: "8"}, json: {type: "string"}}});
const count = Number(values.keys);
const dir = mkdtempSync(join(tmpdir(), "ceibo-keygen-bench-"));
const results: Record<string, number> = {};
const network = depositNetworkByName("mainnet");
const mnemonic = generateMnemonic();
try {
  console.log(`load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} CPUs`);
  for (const kdf of ["pbkdf2", "scrypt"] as const) {
    for (const workers of [1, 2]) {
      const t = performance.now();
      let derivedAt = 0;
      await generateValidatorKeys({
        mnemonic,
        startIndex: 0,
        count,
        password: "benchmark password",
        kdf,
        withdrawal: {kind: "bls"},
        amountGwei: 32e9,
        network,
        outDir: join(dir, `${kdf}-${workers}`),
        workers,
        onProgress: (p) => {
          if (p.done === 0) derivedAt = performance.now();
        },
      });
      const total = performance.now() - t;
      results[`${kdf}_${workers}w_total_ms`] = Math.round(total);
      results[`${kdf}_${workers}w_derive_sign_ms_per_key`] = Math.round((derivedAt - t) / count);
      console.log(
        `${count} keys, ${kdf}, ${workers} worker(s): ${(total / 1000).toFixed(1)} s ` +
          `(derive + sign ${((derivedAt - t) / count).toFixed(0)} ms/key, encrypt ${((t + total - derivedAt) / 1000).toFixed(1)} s)`,
      );
    }
  }
  console.log(`load average after: ${loadavg()[0].toFixed(1)}`);
  if (values.json) writeFileSync(values.json, JSON.stringify({count, loadavg: loadavg()[0], results}, null, 2));
} finally {
  rmSync(dir, {recursive: true, force: true});
}
