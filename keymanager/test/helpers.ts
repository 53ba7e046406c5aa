import {randomBytes} from "node:crypto";
import {mkdtempSync, rmSync} from "node:fs";
import {writeFile} from "node:fs/promises";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {SecretKey} from "@chainsafe/blst";
import {afterAll} from "vitest";
import {encryptKeystore} from "../src/keystore.ts";

const created: string[] = [];
// every directory tempDir() made is removed when the importing test file is done
afterAll(() => {
  for (const d of created.splice(0)) rmSync(d, {recursive: true, force: true});
});

export function tempDir(prefix = "ceibo-keymanager-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function randomSecret(): Uint8Array {
  return SecretKey.fromKeygen(randomBytes(32)).toBytes();
}

/** Write `count` low-cost test keystores (pbkdf2 c=2 unless told otherwise) into dir; returns their paths and secrets. */
export async function writeTestKeystores(
  dir: string,
  count: number,
  opts: {kdf?: "scrypt" | "pbkdf2"; cost?: number; password?: (i: number) => string} = {},
): Promise<{keystorePath: string; password: string; secretKey: Uint8Array}[]> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const secretKey = randomSecret();
    const password = opts.password ? opts.password(i) : `password-${i}`;
    const ks = await encryptKeystore(secretKey, password, {
      kdf: opts.kdf ?? "pbkdf2",
      cost: opts.cost ?? 2,
      path: `m/12381/3600/${i}/0/0`,
    });
    const keystorePath = join(dir, `keystore-${String(i).padStart(5, "0")}.json`);
    await writeFile(keystorePath, JSON.stringify(ks));
    out.push({keystorePath, password, secretKey});
  }
  return out;
}
