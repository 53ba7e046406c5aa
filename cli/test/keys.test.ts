/**
 * `ceibo keys new|recover|validate-deposit` as real processes. The deposit data they write is checked by code
 * written here, independently of the producing code: the SSZ containers are defined with @chainsafe/ssz directly,
 * both roots recomputed, every signature verified with @chainsafe/blst under DOMAIN_DEPOSIT with the network's
 * published genesis fork version, and the keys re-derived with blst's own EIP-2333 from @scure/bip39's seed.
 */

import {createHash} from "node:crypto";
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {toHexUnprefixed} from "@ceibo/utils";
import {decrypt} from "@chainsafe/bls-keystore";
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {ByteVectorType, ContainerType, UintNumberType} from "@chainsafe/ssz";
import {mnemonicToSeedSync} from "@scure/bip39";
import {afterAll, describe, expect, it} from "vitest";
import {runKeys} from "./keysHarness.ts";

// ---- the independent check ----
const Bytes4 = new ByteVectorType(4);
const Bytes32 = new ByteVectorType(32);
const Bytes48 = new ByteVectorType(48);
const Bytes96 = new ByteVectorType(96);
const Gwei = new UintNumberType(8);
const DepositMessage = new ContainerType({pubkey: Bytes48, withdrawal_credentials: Bytes32, amount: Gwei});
const DepositData = new ContainerType({
  pubkey: Bytes48,
  withdrawal_credentials: Bytes32,
  amount: Gwei,
  signature: Bytes96,
});
const ForkData = new ContainerType({current_version: Bytes4, genesis_validators_root: Bytes32});
const SigningData = new ContainerType({object_root: Bytes32, domain: Bytes32});
const DOMAIN_DEPOSIT = "03000000";

/** Published GENESIS_FORK_VERSIONs (consensus-specs configs / the networks' config.yaml; shared/vectors). */
const GENESIS_FORK_VERSION: Record<string, string> = {
  mainnet: "00000000",
  sepolia: "90000069",
  hoodi: "10000910",
};

const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/^0x/, ""), "hex"));

interface Entry {
  pubkey: string;
  withdrawal_credentials: string;
  amount: number;
  signature: string;
  deposit_message_root: string;
  deposit_data_root: string;
  fork_version: string;
  network_name: string;
  deposit_cli_version: string;
}

function checkEntry(e: Entry, network: string): void {
  const forkVersion = GENESIS_FORK_VERSION[network];
  expect(Object.keys(e).sort()).toEqual(
    [
      "amount",
      "deposit_cli_version",
      "deposit_data_root",
      "deposit_message_root",
      "fork_version",
      "network_name",
      "pubkey",
      "signature",
      "withdrawal_credentials",
    ].sort(),
  );
  for (const f of ["pubkey", "withdrawal_credentials", "signature", "deposit_message_root", "deposit_data_root"]) {
    expect((e as unknown as Record<string, string>)[f], f).toMatch(/^[0-9a-f]+$/); // hex without 0x
  }
  expect(e.fork_version).toBe(forkVersion);
  expect(e.network_name).toBe(network);
  expect(e.deposit_cli_version).toMatch(/^\d+\.\d+\.\d+$/);
  const message = {
    pubkey: unhex(e.pubkey),
    withdrawal_credentials: unhex(e.withdrawal_credentials),
    amount: e.amount,
  };
  expect(toHexUnprefixed(DepositMessage.hashTreeRoot(message))).toBe(e.deposit_message_root);
  expect(toHexUnprefixed(DepositData.hashTreeRoot({...message, signature: unhex(e.signature)}))).toBe(
    e.deposit_data_root,
  );
  const forkDataRoot = ForkData.hashTreeRoot({
    current_version: unhex(forkVersion),
    genesis_validators_root: new Uint8Array(32),
  });
  const domain = unhex(DOMAIN_DEPOSIT + toHexUnprefixed(forkDataRoot).slice(0, 56));
  const signingRoot = SigningData.hashTreeRoot({object_root: DepositMessage.hashTreeRoot(message), domain});
  const ok = verify(
    signingRoot,
    PublicKey.fromBytes(unhex(e.pubkey), true),
    Signature.fromBytes(unhex(e.signature), true),
  );
  expect(ok, `signature of ${e.pubkey.slice(0, 12)} under ${network}'s fork version`).toBe(true);
}

/** blst's own EIP-2333 walk of an EIP-2334 path from a BIP-39 seed. */
function blstKey(seed: Uint8Array, path: number[]): SecretKey {
  let sk = SecretKey.deriveMasterEip2333(seed);
  for (const i of path) sk = sk.deriveChildEip2333(i);
  return sk;
}

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ceibo-keys-test-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

const PASSWORD = "correct horse battery";
const ADDRESS = "0x00000000219ab540356cBB839Cbe05303d7705Fa";

/** Every file under dir (recursively), path → content. */
function allFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, {withFileTypes: true, recursive: true})) {
    if (e.isFile()) out.set(join(e.parentPath, e.name), readFileSync(join(e.parentPath, e.name), "latin1"));
  }
  return out;
}

const generated: Record<string, {file: string; mnemonic: string; outDir: string}> = {};

describe("ceibo keys new: deposit data verified independently", () => {
  const cases: {network: string; extra: string[]; prefix: string; amountGwei: number; start: number}[] = [
    {network: "mainnet", extra: ["--withdrawal-address", ADDRESS], prefix: "01", amountGwei: 32e9, start: 0},
    {
      network: "hoodi",
      extra: ["--withdrawal-address", ADDRESS, "--compounding", "--amount", "2048"],
      prefix: "02",
      amountGwei: 2048e9,
      start: 5,
    },
    {
      network: "sepolia",
      extra: ["--bls-withdrawal-credentials", "--amount", "1.5"],
      prefix: "00",
      amountGwei: 1.5e9,
      start: 0,
    },
  ];
  for (const c of cases) {
    it(`${c.network}: 0x${c.prefix} credentials, ${c.amountGwei / 1e9} ETH, keys from index ${c.start}`, async () => {
      const outDir = join(tempDir(), "out");
      const args = ["new", "--network", c.network, "--count", "2", "--start-index", String(c.start), ...c.extra];
      const r = await runKeys([...args, "--out-dir", outDir, "--kdf", "pbkdf2"], {lines: [PASSWORD], confirm: "right"});
      expect(r.code, r.stderr).toBe(0);
      const mnemonic = r.mnemonic as string;
      expect(mnemonic.split(" ")).toHaveLength(24);
      expect(r.stderr).toMatch(/Encrypting keystores: 2\/2 keystores encrypted/);

      // the files, named as staking-deposit-cli names them; no temporary directory left
      const names = readdirSync(outDir).sort();
      expect(names).toHaveLength(3);
      const t = /^deposit_data-(\d+)\.json$/.exec(names[0])?.[1];
      expect(t).toBeDefined();
      expect(names.slice(1)).toEqual([
        `keystore-m_12381_3600_${c.start}_0_0-${t}.json`,
        `keystore-m_12381_3600_${c.start + 1}_0_0-${t}.json`,
      ]);

      const entries = JSON.parse(readFileSync(join(outDir, names[0]), "utf8")) as Entry[];
      expect(entries).toHaveLength(2);
      const seed = mnemonicToSeedSync(mnemonic, "");
      for (const [k, e] of entries.entries()) {
        checkEntry(e, c.network);
        const i = c.start + k;
        expect(e.amount).toBe(c.amountGwei);
        // the key is the EIP-2334 signing key of index i, as blst derives it
        const signing = blstKey(seed, [12381, 3600, i, 0, 0]);
        expect(e.pubkey).toBe(toHexUnprefixed(signing.toPublicKey().toBytes(true)));
        const wc = e.withdrawal_credentials;
        if (c.prefix === "00") {
          const withdrawalPk = blstKey(seed, [12381, 3600, i, 0]).toPublicKey().toBytes(true);
          expect(wc).toBe(`00${createHash("sha256").update(withdrawalPk).digest("hex").slice(2)}`);
        } else {
          expect(wc).toBe(`${c.prefix}${"00".repeat(11)}${ADDRESS.slice(2).toLowerCase()}`);
        }
        // the keystore decrypts (EIP-2335 library directly) to that key, and says so
        const ks = JSON.parse(readFileSync(join(outDir, names[1 + k]), "utf8"));
        expect(ks.pubkey).toBe(e.pubkey);
        expect(ks.path).toBe(`m/12381/3600/${i}/0/0`);
        expect(ks.crypto.kdf.function).toBe("pbkdf2");
        expect(toHexUnprefixed(await decrypt(ks, PASSWORD))).toBe(toHexUnprefixed(signing.toBytes()));
      }

      // the mnemonic is in no file written, nor in the process's argv or environment; neither is the password
      const words = mnemonic.split(" ");
      for (const [file, content] of allFiles(outDir)) {
        for (let w = 0; w + 3 <= words.length; w++) {
          expect(content.includes(words.slice(w, w + 3).join(" ")), `${file} holds mnemonic words`).toBe(false);
        }
        expect(content.includes(PASSWORD)).toBe(false);
      }
      expect(r.cmdline).not.toBe("");
      for (const text of [r.cmdline, r.environ]) {
        expect(text).not.toContain(words.slice(0, 3).join(" "));
        expect(text).not.toContain(PASSWORD);
      }
      generated[c.network] = {file: join(outDir, names[0]), mnemonic, outDir};

      // validate-deposit accepts it for its network, and only for it
      const ok = await runKeys(["validate-deposit", generated[c.network].file, "--network", c.network]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/2 deposit\(s\) valid/);
      const other = c.network === "mainnet" ? "hoodi" : "mainnet";
      const bad = await runKeys(["validate-deposit", generated[c.network].file, "--network", other]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/fork_version .* is not .*genesis fork version/);
      expect(bad.stderr).toMatch(/signature does not verify/);
    }, 180_000);
  }

  it("recover gives the same keys from the same mnemonic (mnemonic and password on stdin)", async () => {
    const g = generated.mainnet;
    expect(g).toBeDefined();
    const outDir = join(tempDir(), "again");
    const r = await runKeys(
      [
        "recover",
        "--network",
        "mainnet",
        "--count",
        "2",
        "--withdrawal-address",
        ADDRESS,
        "--out-dir",
        outDir,
        "--kdf",
        "pbkdf2",
      ],
      {lines: [g.mnemonic, PASSWORD]},
    );
    expect(r.code, r.stderr).toBe(0);
    const file = readdirSync(outDir).find((n) => n.startsWith("deposit_data-")) as string;
    const again = JSON.parse(readFileSync(join(outDir, file), "utf8")) as Entry[];
    const first = JSON.parse(readFileSync(g.file, "utf8")) as Entry[];
    // same keys, same signed message (BLS signatures are deterministic)
    expect(again).toEqual(first);
  }, 120_000);
});

describe("ceibo keys: a network given by its config.yaml", () => {
  it("signs with the file's GENESIS_FORK_VERSION and names the network by its CONFIG_NAME", async () => {
    const dir = tempDir();
    const config = join(dir, "config.yaml");
    writeFileSync(config, "PRESET_BASE: 'mainnet'\nCONFIG_NAME: 'my-devnet'\nGENESIS_FORK_VERSION: 0x12345678\n");
    GENESIS_FORK_VERSION["my-devnet"] = "12345678";
    const passwordFile = join(dir, "pw.txt");
    writeFileSync(passwordFile, PASSWORD);
    const outDir = join(dir, "out");
    const r = await runKeys(
      [
        "new",
        "--config-file",
        config,
        "--count",
        "1",
        "--withdrawal-address",
        ADDRESS,
        "--out-dir",
        outDir,
        "--keystore-password-file",
        passwordFile,
        "--kdf",
        "pbkdf2",
      ],
      {confirm: "right"},
    );
    expect(r.code, r.stderr).toBe(0);
    const file = join(outDir, readdirSync(outDir).find((n) => n.startsWith("deposit_data-")) as string);
    const [entry] = JSON.parse(readFileSync(file, "utf8")) as Entry[];
    checkEntry(entry, "my-devnet");
    const ok = await runKeys(["validate-deposit", file, "--config-file", config]);
    expect(ok.code, ok.stderr).toBe(0);
    const both = await runKeys(["validate-deposit", file, "--config-file", config, "--network", "mainnet"]);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/either --network or --config-file, not both/);
  }, 120_000);
});

describe("ceibo keys recover: the EIP-2334 path vectors", () => {
  interface Derived {
    mnemonic: string;
    bip39_passphrase: string;
    path: string;
    role: string;
    secret_key_hex: string;
  }
  // shared/ sits next to the repository (CEIBO_SHARED_DIR overrides, e.g. for a git worktree elsewhere)
  const shared = process.env.CEIBO_SHARED_DIR ?? join(import.meta.dirname, "../../../shared");
  const vectors = JSON.parse(readFileSync(join(shared, "vectors/eip-2334/paths.json"), "utf8")) as {
    derived_keys: Derived[];
  };
  const keys = vectors.derived_keys.filter((k) => k.bip39_passphrase === "");

  it("keystores hold the vectors' signing keys; 0x00 credentials come from their withdrawal keys", async () => {
    const dir = tempDir();
    const mnemonicFile = join(dir, "mnemonic.txt");
    writeFileSync(mnemonicFile, `${keys[0].mnemonic}\n`);
    const passwordFile = join(dir, "password.txt");
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    const outDir = join(dir, "out");
    const r = await runKeys([
      "recover",
      "--network",
      "mainnet",
      "--count",
      "2",
      "--bls-withdrawal-credentials",
      "--mnemonic-file",
      mnemonicFile,
      "--keystore-password-file",
      passwordFile,
      "--out-dir",
      outDir,
      "--kdf",
      "pbkdf2",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: 0x00 BLS withdrawal credentials/);
    const names = readdirSync(outDir).sort();
    const entries = JSON.parse(readFileSync(join(outDir, names[0]), "utf8")) as Entry[];
    for (const i of [0, 1]) {
      const signing = keys.find((k) => k.path === `m/12381/3600/${i}/0/0`) as Derived;
      const withdrawal = keys.find((k) => k.path === `m/12381/3600/${i}/0`) as Derived;
      const ks = JSON.parse(readFileSync(join(outDir, names[1 + i]), "utf8"));
      expect(`0x${toHexUnprefixed(await decrypt(ks, PASSWORD))}`).toBe(signing.secret_key_hex);
      const withdrawalPk = SecretKey.fromBytes(unhex(withdrawal.secret_key_hex)).toPublicKey().toBytes(true);
      expect(entries[i].withdrawal_credentials).toBe(
        `00${createHash("sha256").update(withdrawalPk).digest("hex").slice(2)}`,
      );
      checkEntry(entries[i], "mainnet");
    }
  }, 120_000);
});

describe("ceibo keys: refusals", () => {
  it("a wrong confirmation word is refused and nothing is written", async () => {
    const outDir = join(tempDir(), "out");
    const r = await runKeys(
      [
        "new",
        "--network",
        "hoodi",
        "--count",
        "1",
        "--withdrawal-address",
        ADDRESS,
        "--out-dir",
        outDir,
        "--kdf",
        "pbkdf2",
      ],
      {lines: [PASSWORD], confirm: "wrong"},
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/word #\d+ does not match the mnemonic: not confirmed, nothing was written/);
    expect(readdirSync(join(outDir, ".."))).not.toContain("out");
  }, 60_000);

  it("bad options: one line naming the problem, nothing written", async () => {
    const dir = tempDir();
    const outDir = join(dir, "out");
    const badMnemonic = join(dir, "m.txt");
    writeFileSync(badMnemonic, `${"abandon ".repeat(23)}abandon\n`);
    const base = ["--count", "1", "--out-dir", outDir];
    const cases: [string[], RegExp][] = [
      [["new", "--network", "goerli", ...base, "--withdrawal-address", ADDRESS], /unknown network "goerli"/],
      [
        ["new", "--network", "mainnet", ...base, "--withdrawal-address", "0x1234"],
        /--withdrawal-address: .*not a 0x-prefixed 20-byte/,
      ],
      [
        ["new", "--network", "mainnet", ...base, "--withdrawal-address", ADDRESS, "--amount", "33"],
        /--amount: .*0x01 credentials take 1 to 32 ETH/,
      ],
      [
        ["new", "--network", "mainnet", ...base, "--withdrawal-address", ADDRESS, "--compounding", "--amount", "2049"],
        /--amount: .*compounding \(0x02\) credentials take 1 to 2048 ETH/,
      ],
      [
        ["new", "--network", "mainnet", ...base, "--withdrawal-address", ADDRESS, "--amount", "0.5"],
        /--amount: .*take 1 to 32 ETH/,
      ],
      [["new", "--network", "mainnet", ...base], /--withdrawal-address 0x… is required/],
      [
        ["new", "--network", "mainnet", ...base, "--withdrawal-address", ADDRESS, "abandon"],
        /never taken from the command line/,
      ],
      [["new", "--network", "mainnet", "--count", "1", "--withdrawal-address", ADDRESS], /--out-dir DIR is required/],
      [
        ["recover", "--network", "mainnet", ...base, "--withdrawal-address", ADDRESS, "--mnemonic-file", badMnemonic],
        new RegExp(`the mnemonic in ${badMnemonic} is not valid: mnemonic checksum does not match`),
      ],
    ];
    for (const [args, re] of cases) {
      const r = await runKeys(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
    expect(readdirSync(dir)).toEqual(["m.txt"]);
  }, 120_000);

  it("validate-deposit: one line per problem in a tampered file", async () => {
    const g = generated.mainnet;
    expect(g).toBeDefined();
    const dir = tempDir();
    const original = JSON.parse(readFileSync(g.file, "utf8")) as Record<string, unknown>[];
    const write = (name: string, data: unknown): string => {
      const f = join(dir, name);
      writeFileSync(f, typeof data === "string" ? data : JSON.stringify(data));
      return f;
    };
    const check = async (file: string): Promise<string[]> => {
      const r = await runKeys(["validate-deposit", file, "--network", "mainnet"]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split("\n");
      for (const l of lines) expect(l.startsWith(`${file}:`), l).toBe(true);
      return lines.slice(0, -1); // the last line counts them
    };

    // amount changed: the message root, the data root and the signature no longer match
    const amount = structuredClone(original);
    amount[0].amount = 31e9;
    const amountLines = await check(write("amount.json", amount));
    expect(amountLines).toHaveLength(3);
    expect(amountLines[0]).toMatch(/deposit #0 \(pubkey 0x[0-9a-f]{12}…\): deposit_message_root does not match/);
    expect(amountLines[1]).toMatch(/deposit #0 .*deposit_data_root does not match/);
    expect(amountLines[2]).toMatch(/deposit #0 .*signature does not verify under DOMAIN_DEPOSIT/);

    // another deposit's signature, a missing field, a short pubkey, over the maximum amount, wrong network name
    const mixed = structuredClone(original);
    mixed[0].signature = original[1].signature;
    delete mixed[1].deposit_cli_version;
    const lines = await check(write("mixed.json", mixed));
    expect(lines).toEqual([
      expect.stringMatching(/deposit #0 .*deposit_data_root does not match/),
      expect.stringMatching(/deposit #0 .*signature does not verify/),
      expect.stringMatching(/deposit #1 .*deposit_cli_version is missing/),
    ]);
    const shape = structuredClone(original);
    shape[0].pubkey = String(original[0].pubkey).slice(0, 94);
    shape[1].amount = 33e9;
    shape[1].network_name = "sepolia";
    const shapeLines = await check(write("shape.json", shape));
    expect(shapeLines.some((l) => /deposit #0 .*pubkey must be 48 bytes \(96 hex digits\), got 94/.test(l))).toBe(true);
    expect(shapeLines.some((l) => /deposit #1 .*amount 33000000000 Gwei is above the 32 ETH maximum/.test(l))).toBe(
      true,
    );
    expect(shapeLines.some((l) => /deposit #1 .*network_name "sepolia" is not "mainnet"/.test(l))).toBe(true);

    // not JSON / not an array / a duplicate
    expect(await check(write("broken.json", "[{"))).toEqual([expect.stringMatching(/not valid JSON/)]);
    expect(await check(write("object.json", {pubkey: "00"}))).toEqual([expect.stringMatching(/must be a JSON array/)]);
    expect(await check(write("dup.json", [original[0], original[0]]))).toEqual([
      expect.stringMatching(/deposit #1 .*pubkey is the same as deposit #0's/),
    ]);
  }, 120_000);

  it("--help documents every command and option", async () => {
    const r = await runKeys(["--help"]);
    expect(r.code).toBe(0);
    for (const opt of [
      "new",
      "recover",
      "validate-deposit",
      "--network",
      "--config-file",
      "--count",
      "--start-index",
      "--withdrawal-address",
      "--compounding",
      "--bls-withdrawal-credentials",
      "--amount",
      "--out-dir",
      "--keystore-password-file",
      "--mnemonic-file",
      "--kdf",
    ]) {
      expect(r.stdout).toContain(opt);
    }
  });
});
