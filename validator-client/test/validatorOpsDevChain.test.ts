/**
 * `ceibo validator exit` (and bls-change's checks) against a real dev chain: `ceibo beacon --network dev` (minimal
 * preset, in-node signing, in-process mock engine) with `--dev.shardCommitteePeriod 0` so validators may exit from
 * genesis; keys imported with `ceibo validator import`; everything read back through the Beacon API.
 */

import {type ChildProcess, spawn} from "node:child_process";
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {BeaconConfig, createDevChainConfig} from "@ceibo/config";
import {encryptKeystore} from "@ceibo/keymanager";
import {interopSecretKey} from "@ceibo/state-transition";
import {toHex} from "@ceibo/utils";
import {afterAll, describe, expect, it} from "vitest";
import {beaconApiClient, checkExitable} from "../src/index.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin/ceibo");
const env = {
  ...process.env,
  PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}`,
  CEIBO_PRESET: "minimal",
};
const FAR_FUTURE = "18446744073709551615";

const children: ChildProcess[] = [];
const dirs: string[] = [];
const outputs: (() => string)[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  // ceibo dev's own children run in their own process groups
  for (const out of outputs) {
    for (const m of out().matchAll(/\[dev\] started the .* \[\w+\], pid (\d+)/g)) {
      try {
        process.kill(Number(m[1]), "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** `ceibo …` as a child process; `input` is written to its stdin (then closed). */
function run(
  args: string[],
  input = "",
  childEnv: NodeJS.ProcessEnv = env,
): {child: ChildProcess; out: () => string; exited: Promise<{code: number | null; out: string}>} {
  const child = spawn(BIN, args, {env: childEnv});
  children.push(child);
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  child.stdin?.end(input);
  const exited = new Promise<{code: number | null; out: string}>((r) => child.on("exit", (code) => r({code, out})));
  outputs.push(() => out);
  return {child, out: () => out, exited};
}

async function until<T>(f: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

type ValidatorJson = {
  data: {index: string; status: string; validator: {exit_epoch: string; withdrawal_credentials: string}};
};

describe("validator exit on a dev chain", () => {
  it("exits a validator: the CLI prints the exit epoch the chain then shows; bad requests are refused clearly", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ceibo-exit-"));
    dirs.push(dir);
    const bn = run([
      "beacon",
      "--network",
      "dev",
      "--dev.validators",
      "32",
      "--dev.slot-duration-ms",
      "2000",
      "--dev.shard-committee-period",
      "0",
      "--rest.port",
      "0",
      "--data-dir",
      path.join(dir, "bn"),
    ]);
    const url = await until(
      () => /Beacon API listening url=(http:\/\/[0-9.:]+)/.exec(bn.out())?.[1],
      60_000,
      "the beacon node's API",
    );

    // interop keys 0..2 as keystores, imported into the validator's data dir
    const ksDir = path.join(dir, "keys");
    mkdirSync(ksDir);
    const pubkeys = [0, 1, 2].map((i) => toHex(interopSecretKey(i).toPublicKey().toBytes(true)));
    for (const i of [0, 1, 2]) {
      const ks = await encryptKeystore(interopSecretKey(i).toBytes(), "pw", {kdf: "pbkdf2", cost: 1024});
      writeFileSync(path.join(ksDir, `keystore-${i}.json`), JSON.stringify(ks));
    }
    writeFileSync(path.join(dir, "pw.txt"), "pw");
    const data = path.join(dir, "vc");
    const imp = await run([
      "validator",
      "import",
      "--from",
      ksDir,
      "--password-file",
      path.join(dir, "pw.txt"),
      "--data-dir",
      data,
    ]).exited;
    expect(imp.code, imp.out).toBe(0);

    // the chain must have started (an exit is for an epoch the head has reached)
    await until(
      async () => {
        const h = await getJson<{data: {header: {message: {slot: string}}}}>(`${url}/eth/v1/beacon/headers/head`).catch(
          () => undefined,
        );
        return h !== undefined && Number(h.data.header.message.slot) >= 1 ? true : undefined;
      },
      120_000,
      "the chain's first block",
    );

    // confirmation read from stdin: the pubkey typed back (without 0x is fine)
    const exit = await run(
      ["validator", "exit", "--pubkeys", pubkeys[1], "--beacon-node", url, "--data-dir", data, "--wait-timeout", "120"],
      `${pubkeys[1].slice(2)}\n`,
    ).exited;
    expect(exit.code, exit.out).toBe(0);
    expect(exit.out).toMatch(/Type its pubkey to confirm/);
    expect(exit.out).toMatch(new RegExp(`Submitted the voluntary exit of ${pubkeys[1]} \\(index 1, epoch \\d+`));
    expect(exit.out).toMatch(
      /Exit queue: 0 validator\(s\) \(0 ETH\) ahead; churn \d+ ETH of exits per epoch\. .*estimated exit epoch \d+/,
    );
    const printed = new RegExp(
      `Validator ${pubkeys[1]} \\(index 1\\): exit epoch (\\d+) .*withdrawable from epoch (\\d+)`,
    ).exec(exit.out);
    expect(printed, exit.out).not.toBeNull();
    const onChain = await getJson<ValidatorJson>(`${url}/eth/v1/beacon/states/head/validators/1`);
    expect(onChain.data.validator.exit_epoch).not.toBe(FAR_FUTURE);
    expect(onChain.data.validator.exit_epoch).toBe(printed?.[1]);
    expect(onChain.data.status).toBe("active_exiting");

    // exiting it again: refused before signing
    const again = await run([
      "validator",
      "exit",
      "--pubkeys",
      pubkeys[1],
      "--beacon-node",
      url,
      "--data-dir",
      data,
      "--yes",
    ]).exited;
    expect(again.code).toBe(1);
    expect(again.out).toMatch(
      new RegExp(`validator ${pubkeys[1]} \\(index 1\\) is already exiting: exit epoch ${printed?.[1]}`),
    );

    // a key this data dir does not hold
    const stranger = toHex(interopSecretKey(7).toPublicKey().toBytes(true));
    const unknown = await run([
      "validator",
      "exit",
      "--pubkeys",
      stranger,
      "--beacon-node",
      url,
      "--data-dir",
      data,
      "--yes",
    ]).exited;
    expect(unknown.code).toBe(1);
    expect(unknown.out).toMatch(
      new RegExp(`unknown pubkey ${stranger}: it is not among the keys in .*vc \\(imported keys\\)`),
    );

    // a wrong confirmation: nothing signed or submitted
    const noConfirm = await run(
      ["validator", "exit", "--pubkeys", pubkeys[2], "--beacon-node", url, "--data-dir", data],
      "yes\n",
    ).exited;
    expect(noConfirm.code).toBe(1);
    expect(noConfirm.out).toMatch(/confirmation for 0x[0-9a-f]+ did not match: nothing was signed or submitted/);
    const pool = await getJson<{data: {message: {validator_index: string}}[]}>(
      `${url}/eth/v1/beacon/pool/voluntary_exits`,
    );
    expect(pool.data.map((e) => e.message.validator_index)).not.toContain("2");
    const v2 = await getJson<ValidatorJson>(`${url}/eth/v1/beacon/states/head/validators/2`);
    expect(v2.data.validator.exit_epoch).toBe(FAR_FUTURE);

    // a validator too young for SHARD_COMMITTEE_PERIOD (the minimal preset's 64 epochs), checked against this node
    // (this test process runs the mainnet preset: the chain config is built here, as the node's but with 64)
    const api = beaconApiClient(url);
    const spec = await getJson<{data: {SHARD_COMMITTEE_PERIOD: string}}>(`${url}/eth/v1/config/spec`);
    expect(spec.data.SHARD_COMMITTEE_PERIOD).toBe("0");
    const genesis = (await api.getGenesis()).data;
    const young = new BeaconConfig(
      createDevChainConfig({preset: "minimal", shardCommitteePeriod: 64}),
      genesis.genesisValidatorsRoot,
    );
    await expect(checkExitable(api, young, [pubkeys[2]], 1)).rejects.toThrow(
      /validator 0x[0-9a-f]+ \(index 2\) is too young to exit: active since epoch 0, it may exit from epoch 64 \(SHARD_COMMITTEE_PERIOD 64\); now epoch 1/,
    );

    // bls-change checks the chain's credentials: interop validators' BLS credentials are not this mnemonic's keys
    const mnemonicFile = path.join(dir, "mnemonic.txt");
    writeFileSync(
      mnemonicFile,
      "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about\n",
    );
    const bls = await run([
      "validator",
      "bls-change",
      "--beacon-node",
      url,
      "--validator-indices",
      "4",
      "--withdrawal-address",
      `0x${"11".repeat(20)}`,
      "--mnemonic-file",
      mnemonicFile,
    ]).exited;
    expect(bls.code).toBe(1);
    expect(bls.out).toMatch(
      /validator 4's withdrawal credentials 0x00[0-9a-f]{62} do not match the withdrawal key m\/12381\/3600\/0\/0/,
    );
    const v4 = await getJson<ValidatorJson>(`${url}/eth/v1/beacon/states/head/validators/4`);
    expect(v4.data.validator.withdrawal_credentials.startsWith("0x00")).toBe(true);

    bn.exited.catch(() => {});
  }, 400_000);

  it("bls-change on a chain of keys with 0x00 credentials (ceibo keys recover + ceibo dev --deposit-data): they become 0x01", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ceibo-blschange-"));
    dirs.push(dir);
    const mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    const mnemonicFile = path.join(dir, "mnemonic.txt");
    writeFileSync(mnemonicFile, `${mnemonic}\n`, {mode: 0o600});
    const pwFile = path.join(dir, "pw.txt");
    writeFileSync(pwFile, "dev chain password\n", {mode: 0o600});
    const keysDir = path.join(dir, "keys");
    const keys = await run([
      "keys",
      "recover",
      "--network",
      "dev",
      "--count",
      "4",
      "--bls-withdrawal-credentials",
      "--out-dir",
      keysDir,
      "--mnemonic-file",
      mnemonicFile,
      "--keystore-password-file",
      pwFile,
      "--kdf",
      "pbkdf2",
    ]).exited;
    expect(keys.code, keys.out).toBe(0);
    // and a 5th validator (key 4) with a 1 ETH deposit: in the registry but never active
    const smallDir = path.join(dir, "small");
    const small = await run([
      "keys",
      "recover",
      "--network",
      "dev",
      "--count",
      "1",
      "--start-index",
      "4",
      "--amount",
      "1",
      "--bls-withdrawal-credentials",
      "--out-dir",
      smallDir,
      "--mnemonic-file",
      mnemonicFile,
      "--keystore-password-file",
      pwFile,
      "--kdf",
      "pbkdf2",
    ]).exited;
    expect(small.code, small.out).toBe(0);
    const depositsOf = (d: string) =>
      JSON.parse(
        readFileSync(path.join(d, readdirSync(d).find((f) => f.startsWith("deposit_data-")) as string), "utf8"),
      );
    const depositFile = path.join(dir, "deposit_data-all.json");
    writeFileSync(depositFile, JSON.stringify([...depositsOf(keysDir), ...depositsOf(smallDir)]));
    const smallKeystore = readdirSync(smallDir).find((f) => f.startsWith("keystore-")) as string;
    writeFileSync(path.join(keysDir, smallKeystore), readFileSync(path.join(smallDir, smallKeystore)));
    const pubkey4 = `0x${JSON.parse(readFileSync(path.join(smallDir, smallKeystore), "utf8")).pubkey}`;

    const {CEIBO_PRESET: _preset, ...devEnv} = env; // ceibo dev hands the preset to its children
    const dev = run(
      [
        "dev",
        "--deposit-data",
        depositFile,
        "--keystores",
        keysDir,
        "--keystore-password-file",
        pwFile,
        "--rest.port",
        "0",
        "--keymanager.port",
        "0",
        "--slot-duration-ms",
        "2000",
        "--genesis-delay",
        "4",
      ],
      "",
      devEnv,
    );
    const url = await until(
      () => /\[dev\] Beacon API: (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.out())?.[1],
      120_000,
      "the Beacon API",
    );
    await until(
      async () => {
        const h = await getJson<{data: {header: {message: {slot: string}}}}>(`${url}/eth/v1/beacon/headers/head`).catch(
          () => undefined,
        );
        return h !== undefined && Number(h.data.header.message.slot) >= 1 ? true : undefined;
      },
      180_000,
      "the chain's first block",
    );
    const before = await Promise.all(
      [0, 1, 2, 3].map((i) => getJson<ValidatorJson>(`${url}/eth/v1/beacon/states/head/validators/${i}`)),
    );
    expect(before.every((v) => v.data.validator.withdrawal_credentials.startsWith("0x00"))).toBe(true);

    // the young chain refuses exits (SHARD_COMMITTEE_PERIOD 64 on minimal): said before anything is signed
    const pk0 = readdirSync(keysDir).find((f) => f.startsWith("keystore-m_12381_3600_0_0_0-")) as string;
    const pubkey0 = `0x${JSON.parse(readFileSync(path.join(keysDir, pk0), "utf8")).pubkey}`;
    const young = await run([
      "validator",
      "exit",
      "--pubkeys",
      pubkey0,
      "--keystores",
      keysDir,
      "--password-file",
      pwFile,
      "--beacon-node",
      url,
      "--yes",
    ]).exited;
    expect(young.code).toBe(1);
    expect(young.out).toMatch(
      /\(index 0\) is too young to exit: active since epoch 0, it may exit from epoch 64 \(SHARD_COMMITTEE_PERIOD 64\)/,
    );

    // a validator that is not active cannot exit
    const pending = await run([
      "validator",
      "exit",
      "--pubkeys",
      pubkey4,
      "--keystores",
      keysDir,
      "--password-file",
      pwFile,
      "--beacon-node",
      url,
      "--yes",
    ]).exited;
    expect(pending.code).toBe(1);
    expect(pending.out).toMatch(
      /\(index 4\) is not active \(status pending_initialized\): only an active validator can exit/,
    );

    // validators 1 and 2 (mnemonic keys 1 and 2) move to an execution address; the mnemonic comes on stdin
    const address = `0x${"c0ffee".repeat(6)}c0ff`;
    const change = await run(
      [
        "validator",
        "bls-change",
        "--beacon-node",
        url,
        "--validator-indices",
        "1,2",
        "--start-index",
        "1",
        "--withdrawal-address",
        address,
      ],
      `${mnemonic}\n`,
    ).exited;
    expect(change.code, change.out).toBe(0);
    expect(change.out).toMatch(/Checked 2 validator\(s\): BLS credentials that match/);
    expect(change.out).toMatch(/Submitted 2 BLS-to-execution change\(s\)/);
    expect(change.out).not.toContain("abandon");
    const expected = `0x01${"00".repeat(11)}${address.slice(2)}`;
    await until(
      async () => {
        const v = await Promise.all(
          [1, 2].map((i) => getJson<ValidatorJson>(`${url}/eth/v1/beacon/states/head/validators/${i}`)),
        );
        return v.every((x) => x.data.validator.withdrawal_credentials === expected) ? true : undefined;
      },
      120_000,
      "validators 1 and 2 with 0x01 credentials",
    );
    for (const i of [0, 3]) {
      const v = await getJson<ValidatorJson>(`${url}/eth/v1/beacon/states/head/validators/${i}`);
      expect(v.data.validator.withdrawal_credentials).toBe(before[i].data.validator.withdrawal_credentials);
    }
    // a second change for validator 1 is refused before signing: its credentials are not BLS any more
    const again = await run([
      "validator",
      "bls-change",
      "--beacon-node",
      url,
      "--validator-indices",
      "1",
      "--start-index",
      "1",
      "--withdrawal-address",
      address,
      "--mnemonic-file",
      mnemonicFile,
    ]).exited;
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/validator 1 has withdrawal credentials 0x01.* not BLS \(0x00\): nothing to change/);

    dev.child.kill("SIGTERM");
    expect((await dev.exited).code).toBe(0);
  }, 500_000);
});
