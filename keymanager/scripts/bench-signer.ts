/**
 * `npm run bench:signer -w @ceibo/keymanager -- [--keys 64] [--requests 2000] [--concurrency 64]`: the remote
 * signer (Web3Signer eth2 API, in process on 127.0.0.1) under sign requests over HTTP, mainnet preset:
 *
 * - RANDAO_REVEAL (no slashing protection): one at a time (latency) and `concurrency` at once (throughput);
 * - ATTESTATION (slashing-protected, fsynced record per request): one at a time and concurrently over all keys;
 * - the client-side cost the validator client adds: verifying the returned signature (blst).
 *
 * Prints a table; never asserts on time.
 */

import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import {loadavg, tmpdir} from "node:os";
import {join} from "node:path";
import {parseArgs} from "node:util";
import {mainnetChainConfig} from "@ceibo/config";
import {toHex} from "@ceibo/utils";
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {startWeb3SignerServer} from "../src/web3signer/index.ts";

const {values} = parseArgs({
  options: {
    keys: {type: "string", default: "64"},
    requests: {type: "string", default: "2000"},
    concurrency: {type: "string", default: "64"},
  },
});
const N = Number(values.keys);
const R = Number(values.requests);
const C = Number(values.concurrency);

const keys = Array.from({length: N}, () => SecretKey.fromKeygen(randomBytes(32)));
const pubkeys = keys.map((k) => toHex(k.toPublicKey().toBytes(true)));
const dir = mkdtempSync(join(tmpdir(), "ceibo-bench-signer-"));
const server = await startWeb3SignerServer({
  keys: keys.map((k) => ({pubkey: k.toPublicKey().toBytes(true), secretKey: k.toBytes()})),
  dataDir: dir,
  chain: mainnetChainConfig,
  port: 0,
});
const forkInfo = {
  fork: {previous_version: "0x00000000", current_version: "0x00000000", epoch: "0"},
  genesis_validators_root: `0x${"11".repeat(32)}`,
};

async function post(pubkey: string, body: unknown): Promise<string> {
  const res = await fetch(`${server.url}/api/v1/eth2/sign/${pubkey}`, {
    method: "POST",
    headers: {"content-type": "application/json", accept: "application/json"},
    body: JSON.stringify(body),
  });
  const j = (await res.json()) as {signature?: string; message?: string};
  if (!res.ok) throw Error(`HTTP ${res.status}: ${j.message}`);
  return j.signature as string;
}

const randao = (epoch: number) => ({type: "RANDAO_REVEAL", fork_info: forkInfo, randao_reveal: {epoch: String(epoch)}});
const attestation = (target: number) => ({
  type: "ATTESTATION",
  fork_info: forkInfo,
  attestation: {
    slot: String(target * 32),
    index: "0",
    beacon_block_root: `0x${"22".repeat(32)}`,
    source: {epoch: String(target - 1), root: `0x${"33".repeat(32)}`},
    target: {epoch: String(target), root: `0x${"44".repeat(32)}`},
  },
});

const rows: [string, string, string][] = [];
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
async function sequential(name: string, n: number, body: (i: number) => [string, unknown]): Promise<void> {
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await post(...body(i));
    lat.push(performance.now() - t);
  }
  const s = (performance.now() - t0) / 1000;
  rows.push([
    name,
    `${(n / s).toFixed(0)} req/s`,
    `p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms`,
  ]);
}
async function concurrent(name: string, n: number, body: (i: number) => [string, unknown]): Promise<void> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({length: C}, async () => {
      while (next < n) {
        const i = next++;
        await post(...body(i));
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  rows.push([name, `${(n / s).toFixed(0)} req/s`, `${n} requests, ${C} in flight`]);
}

await sequential("RANDAO_REVEAL, one at a time", R, (i) => [pubkeys[i % N], randao(i)]);
await concurrent("RANDAO_REVEAL, concurrent", R, (i) => [pubkeys[i % N], randao(i)]);
// attestations: each (key, target) once, targets rising (the normal case for the slashing-protection checks)
const perKey = Math.max(1, Math.floor(R / N));
await sequential("ATTESTATION (slashing-protected), one at a time", perKey * N, (i) => [
  pubkeys[i % N],
  attestation(1 + Math.floor(i / N)),
]);
await concurrent("ATTESTATION (slashing-protected), concurrent", perKey * N, (i) => [
  pubkeys[i % N],
  attestation(1 + perKey + Math.floor(i / N)),
]);
// the validator client's extra work per signature: verify what came back
const sig = await post(pubkeys[0], randao(1));
const root = new Uint8Array(32).fill(1);
const pk = PublicKey.fromBytes(keys[0].toPublicKey().toBytes(true));
const s0 = Signature.fromBytes(Buffer.from(sig.slice(2), "hex"));
const t0 = performance.now();
for (let i = 0; i < 500; i++) verify(root, pk, s0);
rows.push(["client-side signature verification (blst)", `${((performance.now() - t0) / 500).toFixed(2)} ms each`, ""]);

await server.close();
rmSync(dir, {recursive: true, force: true});
console.log(`ceibo signer: ${N} keys, mainnet preset, load average ${loadavg()[0].toFixed(1)}`);
for (const [a, b, c] of rows) console.log(`${a.padEnd(52)} ${b.padEnd(22)} ${c}`);
