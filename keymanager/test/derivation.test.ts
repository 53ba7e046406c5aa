import {readFileSync} from "node:fs";
import {fromHex, toHex} from "@ceibo/utils";
import {SecretKey} from "@chainsafe/blst";
import {wordlist as english} from "@scure/bip39/wordlists/english.js";
import {wordlist as italian} from "@scure/bip39/wordlists/italian.js";
import {wordlist as korean} from "@scure/bip39/wordlists/korean.js";
import {wordlist as portuguese} from "@scure/bip39/wordlists/portuguese.js";
import {wordlist as chineseSimplified} from "@scure/bip39/wordlists/simplified-chinese.js";
import {wordlist as spanish} from "@scure/bip39/wordlists/spanish.js";
import {wordlist as chineseTraditional} from "@scure/bip39/wordlists/traditional-chinese.js";
import {describe, expect, it} from "vitest";
import {
  deriveChildSK,
  deriveKeyFromSeed,
  deriveMasterSK,
  deriveSigningKeyFromMnemonic,
  entropyToMnemonic,
  i2osp,
  mnemonicToEntropy,
  mnemonicToSeed,
  parentSKToLamportPK,
  parentSKToLamportSKs,
  parsePath,
  signingKeyPath,
  withdrawalKeyPath,
} from "../src/derivation.ts";
import {KeystoreError} from "../src/errors.ts";

const VECTORS = new URL("../../../shared/vectors/", import.meta.url);
/** JSON.parse that keeps integers past 2^53 exact (as strings). */
function readJson<T>(rel: string): T {
  const text = readFileSync(new URL(rel, VECTORS), "utf8");
  return JSON.parse(text.replace(/:\s*(\d{16,})/g, ': "$1"')) as T;
}

interface KdfCase {
  name?: string;
  seed: string;
  master_SK: string;
  child_index: number;
  child_SK: string;
  bip39_source?: {mnemonic: string; passphrase: string};
}
interface IntermediateCase extends KdfCase {
  lamport_0: string[];
  lamport_1: string[];
  compressed_lamport_PK: string;
}
interface PathsFile {
  path_parse_cases: {path: string; valid: boolean}[];
  derived_keys: {
    mnemonic: string;
    bip39_passphrase: string;
    seed: string;
    path: string;
    role: string;
    secret_key_hex: string;
  }[];
}

describe("EIP-2333 test cases", () => {
  const {test_cases} = readJson<{test_cases: KdfCase[]}>("eip-2333/test_cases.json");
  for (const c of test_cases) {
    it(`${c.name}: master and child keys`, () => {
      const master = deriveMasterSK(fromHex(c.seed, "seed", {prefixOptional: true}));
      expect(master.toString()).toBe(c.master_SK);
      expect(deriveChildSK(master, c.child_index).toString()).toBe(c.child_SK);
      // Independent cross-check against blst's built-in EIP-2333.
      const blstMaster = SecretKey.deriveMasterEip2333(fromHex(c.seed, "seed", {prefixOptional: true}));
      expect(toHex(blstMaster.toBytes())).toBe(toHex(i2osp(master, 32)));
      if (c.bip39_source)
        expect(toHex(mnemonicToSeed(c.bip39_source.mnemonic, c.bip39_source.passphrase))).toBe(c.seed);
    });
  }

  it("rejects a seed shorter than 32 bytes", () => {
    expect(() => deriveMasterSK(new Uint8Array(31))).toThrow(/at least 32 bytes/);
  });
});

describe("EIP-2333 intermediate values (Lamport)", () => {
  const {vector: v} = readJson<{vector: IntermediateCase}>("eip-2333/intermediate_values.json");
  it("lamport_0, lamport_1, compressed_lamport_PK and child_SK", () => {
    const master = deriveMasterSK(fromHex(v.seed, "seed", {prefixOptional: true}));
    expect(master.toString()).toBe(v.master_SK);
    const {lamport0, lamport1} = parentSKToLamportSKs(master, v.child_index);
    expect(lamport0.map(toHex)).toEqual(v.lamport_0);
    expect(lamport1.map(toHex)).toEqual(v.lamport_1);
    expect(lamport0.length).toBe(255);
    expect(toHex(parentSKToLamportPK(master, v.child_index))).toBe(v.compressed_lamport_PK);
    expect(deriveChildSK(master, v.child_index).toString()).toBe(v.child_SK);
  });
});

describe("staking-deposit-cli key derivation vectors", () => {
  const {kdf_tests} = readJson<{kdf_tests: KdfCase[]}>("staking-deposit-cli/key_derivation_test_vectors/tree_kdf.json");
  kdf_tests.forEach((c, i) => {
    it(`tree_kdf #${i}`, () => {
      const master = deriveMasterSK(fromHex(c.seed, "seed", {prefixOptional: true}));
      expect(master.toString()).toBe(c.master_SK);
      expect(deriveChildSK(master, c.child_index).toString()).toBe(c.child_SK);
    });
  });

  it("tree_kdf_intermediate: mnemonic → seed → path → key, with Lamport values", () => {
    const v = readJson<IntermediateCase & {mnemonic: string; password: string; path: string}>(
      "staking-deposit-cli/key_derivation_test_vectors/tree_kdf_intermediate.json",
    );
    const seed = mnemonicToSeed(v.mnemonic, v.password);
    expect(toHex(seed)).toBe(`0x${v.seed}`);
    const master = deriveMasterSK(seed);
    expect(master.toString()).toBe(v.master_SK);
    const {lamport0, lamport1} = parentSKToLamportSKs(master, v.child_index);
    expect(lamport0.map((x) => toHex(x).slice(2))).toEqual(v.lamport_0);
    expect(lamport1.map((x) => toHex(x).slice(2))).toEqual(v.lamport_1);
    expect(toHex(parentSKToLamportPK(master, v.child_index)).slice(2)).toBe(v.compressed_lamport_PK);
    expect(toHex(deriveKeyFromSeed(seed, v.path))).toBe(toHex(i2osp(BigInt(v.child_SK), 32)));
  });

  const lists: Record<string, readonly string[]> = {
    english,
    italian,
    korean,
    portuguese,
    spanish,
    chinese_simplified: chineseSimplified,
    chinese_traditional: chineseTraditional,
  };
  const mnemonicVectors = readJson<Record<string, string[][]>>(
    "staking-deposit-cli/key_derivation_test_vectors/mnemonic.json",
  );
  for (const [language, cases] of Object.entries(mnemonicVectors)) {
    it(`mnemonic.json ${language}: entropy ↔ mnemonic and seed (passphrase TREZOR), ${cases.length} cases`, () => {
      const list = lists[language];
      expect(list, `no word list for ${language}`).toBeDefined();
      for (const [entropy, mnemonic, seed] of cases) {
        expect(entropyToMnemonic(fromHex(entropy, "entropy", {prefixOptional: true}), list).normalize("NFKD")).toBe(
          mnemonic.normalize("NFKD"),
        );
        expect(toHex(mnemonicToEntropy(mnemonic, list))).toBe(`0x${entropy}`);
        expect(toHex(mnemonicToSeed(mnemonic, "TREZOR", list))).toBe(`0x${seed}`);
      }
    });
  }

  it("rejects a bad mnemonic word or checksum", () => {
    const m = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
    expect(() => mnemonicToSeed(m.replace(/about$/, "abandon"))).toThrow(/checksum does not match/);
    expect(() => mnemonicToSeed(m.replace(/about$/, "zzzz"))).toThrow(/word #12 is not in the word list/);
    expect(() => mnemonicToSeed("abandon about")).toThrow(KeystoreError);
  });
});

describe("EIP-2334 paths", () => {
  const v = readJson<PathsFile>("eip-2334/paths.json");
  for (const c of v.path_parse_cases) {
    it(`parse ${c.path} → ${c.valid ? "valid" : "invalid"}`, () => {
      if (c.valid) expect(parsePath(c.path)).toEqual([12381, 3600, 0, 0, 0]);
      else expect(() => parsePath(c.path)).toThrow(KeystoreError);
    });
  }

  it("rejects hardened markers, empty levels and indices >= 2^32", () => {
    for (const p of ["m/12381'/3600/0/0", "m//0", "m", "m/4294967296", "m/-1", "m/1.5"])
      expect(() => parsePath(p)).toThrow(KeystoreError);
    expect(parsePath("m/4294967295")).toEqual([4294967295]);
  });

  it("validator path templates", () => {
    expect(signingKeyPath(7)).toBe("m/12381/3600/7/0/0");
    expect(withdrawalKeyPath(7)).toBe("m/12381/3600/7/0");
  });

  for (const k of v.derived_keys) {
    it(`derived key ${k.path} (passphrase ${JSON.stringify(k.bip39_passphrase)})`, () => {
      const seed = mnemonicToSeed(k.mnemonic, k.bip39_passphrase);
      expect(toHex(seed)).toBe(k.seed);
      expect(toHex(deriveKeyFromSeed(seed, k.path))).toBe(k.secret_key_hex);
      if (k.role === "signing" && k.bip39_passphrase === "") {
        const i = parsePath(k.path)[2];
        expect(toHex(deriveSigningKeyFromMnemonic(k.mnemonic, i))).toBe(k.secret_key_hex);
      }
    });
  }
});
