/** `ceibo signer` as a child process: help, bad input, per-key password files, keystore locks, a clean stop. */

import {randomBytes} from "node:crypto";
import {mkdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {toHex} from "@ceibo/utils";
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {afterAll, describe, expect, it} from "vitest";
import {ceibo, freePort, type Proc} from "../../test/harness/processes.ts";
import {encryptKeystore} from "../src/keystore.ts";
import {tempDir} from "./helpers.ts";

const procs: Proc[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of procs) await p.kill("SIGKILL");
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

function run(args: string[], env: Record<string, string> = {CEIBO_PRESET: "minimal"}): Proc {
  const p = ceibo("ceibo signer", ["signer", ...args], env);
  procs.push(p);
  return p;
}

const API = JSON.parse(readFileSync(new URL("./fixtures/web3signer-eth2-api.json", import.meta.url), "utf8")) as {
  examples: {name: string; body: Record<string, unknown>}[];
};

async function keystores(n: number, perKeyPasswords: boolean) {
  const dir = tempDir("ceibo-signer-cli-");
  dirs.push(dir);
  mkdirSync(join(dir, "keys"));
  mkdirSync(join(dir, "secrets"));
  const keys = [];
  for (let i = 0; i < n; i++) {
    const sk = SecretKey.fromKeygen(randomBytes(32));
    const pubkey = toHex(sk.toPublicKey().toBytes(true));
    const password = perKeyPasswords ? `password ${i}` : "one password";
    const ks = await encryptKeystore(sk.toBytes(), password, {kdf: "pbkdf2", cost: 2, path: `m/12381/3600/${i}/0/0`});
    writeFileSync(join(dir, "keys", `keystore-m_12381_3600_${i}_0_0-1700000000.json`), JSON.stringify(ks));
    if (perKeyPasswords) writeFileSync(join(dir, "secrets", `${pubkey}.txt`), `${password}\n`);
    keys.push({sk, pubkey});
  }
  // a staking-deposit-cli folder also holds the deposit data: skipped
  writeFileSync(join(dir, "keys", "deposit_data-1700000000.json"), "[]");
  writeFileSync(join(dir, "password.txt"), "one password\n");
  return {dir, keys};
}

describe("ceibo signer (process)", () => {
  it("--help lists every option", async () => {
    const p = run(["--help"]);
    expect(await p.exited).toBe(0);
    for (const opt of [
      "--keystores",
      "--password-file",
      "--password-dir",
      "--data-dir",
      "--address",
      "--port",
      "--network",
      "--config-file",
      "--genesis-validators-root",
      "--log-level",
      "/api/v1/eth2/sign/{pubkey}",
      "/upcheck",
      "412",
    ]) {
      expect(p.output).toContain(opt);
    }
  });

  it("bad input: one clear error each, exit code 1", async () => {
    const {dir} = await keystores(1, false);
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [[], /--keystores DIR is required/],
      [["--keystores", join(dir, "keys")], /give exactly one of --password-file FILE or --password-dir DIR/],
      [["--keystores", join(dir, "keys"), "--password-file", "x", "--password-dir", "y"], /give exactly one of/],
      [
        ["--keystores", join(dir, "nope"), "--password-file", "x", "--network", "dev"],
        /--keystores: .*nope is not a directory/,
      ],
      [
        ["--keystores", join(dir, "keys"), "--password-file", "x", "--network", "nowhere"],
        /--network: Unknown network "nowhere"/,
      ],
      [["--keystores", join(dir, "keys"), "--password-file", "x", "--port", "70000"], /--port must be a port number/],
      [
        ["--keystores", join(dir, "keys"), "--password-file", join(dir, "password.txt"), "--network", "mainnet"],
        /network mainnet uses the mainnet preset but this process runs minimal/,
      ],
      [
        ["--keystores", join(dir, "keys"), "--password-dir", join(dir, "secrets"), "--network", "dev"],
        /--password-dir: no password file for .*keystore-m_12381_3600_0_0_0-1700000000\.json/,
      ],
    ];
    for (const [args, re] of cases) {
      const p = run(args);
      expect(await p.exited, p.output).toBe(1);
      expect(p.output).toMatch(re);
    }
    writeFileSync(join(dir, "wrong.txt"), "not the password\n");
    const wrong = run([
      "--keystores",
      join(dir, "keys"),
      "--password-file",
      join(dir, "wrong.txt"),
      "--network",
      "dev",
      "--data-dir",
      join(dir, "data"),
      "--port",
      "0",
    ]);
    expect(await wrong.exited).toBe(1);
    expect(wrong.output).toMatch(/wrong password for keystore .*keystore-m_12381_3600_0_0_0-1700000000\.json/);
    expect(wrong.output).not.toContain("not the password");
  });

  it("serves keys with per-key password files, signs a published minimal-preset example, holds the keystore locks, stops on SIGTERM", async () => {
    const {dir, keys} = await keystores(3, true);
    const port = await freePort();
    const args = [
      "--keystores",
      join(dir, "keys"),
      "--password-dir",
      join(dir, "secrets"),
      "--network",
      "dev",
      "--data-dir",
      join(dir, "data"),
      "--port",
      String(port),
    ];
    const p = run(args);
    await p.waitFor(/Signer listening url=http:\/\/127\.0\.0\.1:\d+ keys=3/, 60_000);
    const url = `http://127.0.0.1:${port}`;
    const listed = (await (await fetch(`${url}/api/v1/eth2/publicKeys`)).json()) as string[];
    expect([...listed].sort()).toEqual(keys.map((k) => k.pubkey).sort());
    // Web3Signer's sync contribution example has minimal-preset aggregation bits: this process runs minimal
    const ex = API.examples.find((e) => e.name === "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF") as {
      body: Record<string, unknown>;
    };
    const res = await fetch(`${url}/api/v1/eth2/sign/${keys[0].pubkey}`, {
      method: "POST",
      headers: {"content-type": "application/json", accept: "application/json"},
      body: JSON.stringify(ex.body),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const sig = JSON.parse(text).signature as string;
    const root = Buffer.from((ex.body.signingRoot as string).slice(2), "hex");
    expect(
      verify(
        root,
        PublicKey.fromBytes(keys[0].sk.toPublicKey().toBytes(true)),
        Signature.fromBytes(Buffer.from(sig.slice(2), "hex")),
      ),
    ).toBe(true);
    // a second signer on the same keystores is refused: the files are locked
    const second = run([...args.slice(0, -1), String(await freePort()), "--data-dir", join(dir, "data2")]);
    expect(await second.exited).toBe(1);
    expect(second.output).toMatch(
      /keystore \S+keystore-m_12381_3600_\d_0_0-1700000000\.json is locked by running process \d+/,
    );
    expect(await p.kill("SIGTERM")).toBe(0);
    expect(p.output).toMatch(/Signer stopped signed=SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF:1 refused=0/);
  });

  it("ceibo validator --remote-signer: a signer that cannot be reached or bad options are one clear error", async () => {
    const dir = tempDir("ceibo-signer-vc-");
    dirs.push(dir);
    const down = `http://127.0.0.1:${await freePort()}`;
    const cases: [string[], RegExp][] = [
      [
        ["--remote-signer", down],
        /--remote-signer: cannot list the keys of http:\/\/127\.0\.0\.1:\d+: remote signer .* is unreachable \(ECONNREFUSED\)/,
      ],
      [["--remote-signer", "ftp://x"], /--remote-signer: "ftp:\/\/x" is not an http\(s\) URL/],
      [
        ["--remote-signer", down, "--remote-signer-pubkeys", "0x1234"],
        /--remote-signer-pubkeys: "0x1234" is not a 0x-hex BLS public key/,
      ],
      [
        ["--interop-indexes", "0..1", "--remote-signer-pubkeys", "all"],
        /--remote-signer-pubkeys needs --remote-signer/,
      ],
    ];
    for (const [args, re] of cases) {
      const p = ceibo("ceibo validator", ["validator", "--data-dir", join(dir, "vc"), ...args], {
        CEIBO_PRESET: "minimal",
      });
      procs.push(p);
      expect(await p.exited, p.output).toBe(1);
      expect(p.output).toMatch(re);
    }
  });
});
