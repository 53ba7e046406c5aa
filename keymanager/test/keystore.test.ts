import {readFileSync} from "node:fs";
import {fromHex, toHex} from "@ceibo/utils";
import {create} from "@chainsafe/bls-keystore";
import {describe, expect, it} from "vitest";
import {KeystoreError} from "../src/errors.ts";
import {
  decryptKeystore,
  encryptKeystore,
  type IKeystore,
  parseKeystore,
  secretToPubkey,
  validateKeystoreObject,
} from "../src/keystore.ts";

const VECTORS = new URL("../../../shared/vectors/", import.meta.url);
const EIP_PASSWORD = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";
const EXPECTED_SECRET = "0x000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
const EXPECTED_PUBKEY =
  "0x9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07";

function readJson(rel: string): string {
  return readFileSync(new URL(rel, VECTORS), "utf8");
}

async function expectKeystoreError(
  p: Promise<unknown> | (() => unknown),
  code: string,
  message: RegExp,
): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(KeystoreError);
  expect((err as KeystoreError).code).toBe(code);
  expect((err as KeystoreError).message).toMatch(message);
}

describe("EIP-2335 vectors", () => {
  for (const name of ["scrypt", "pbkdf2"]) {
    it(`${name}: decrypts to the expected secret with the Unicode password and with its NFKD bytes`, async () => {
      const v = JSON.parse(readJson(`eip-2335/${name}_keystore_vector.json`));
      const ks = validateKeystoreObject(v.keystore, `${name}.json`);
      const key = await decryptKeystore(ks, v.password);
      expect(toHex(key.secretKey)).toBe(v.expected_secret);
      expect(toHex(key.pubkey)).toBe(v.expected_pubkey);
      if (name === "pbkdf2") {
        const key2 = await decryptKeystore(
          ks,
          fromHex(v.password_nfkd_utf8_hex, "password_nfkd_utf8_hex", {prefixOptional: true}),
        );
        expect(toHex(key2.secretKey)).toBe(v.expected_secret);
      }
    });
  }
});

describe("staking-deposit-cli keystore vectors", () => {
  for (const file of ["test0.json", "test1.json"]) {
    it(`${file}: decrypts, and re-encrypting with the stored salt/iv reproduces the crypto section`, async () => {
      const text = readJson(`staking-deposit-cli/keystore_test_vectors/${file}`);
      const ks = parseKeystore(text, file);
      const key = await decryptKeystore(ks, EIP_PASSWORD);
      expect(toHex(key.secretKey)).toBe(EXPECTED_SECRET);
      expect(toHex(key.pubkey)).toBe(EXPECTED_PUBKEY);
      const {kdf, checksum, cipher} = ks.keystore.crypto;
      const again = await create(
        EIP_PASSWORD,
        key.secretKey,
        key.pubkey,
        ks.keystore.path,
        ks.keystore.description,
        {function: kdf.function, params: kdf.params} as IKeystore["crypto"]["kdf"],
        {function: checksum.function},
        {function: cipher.function, params: cipher.params},
      );
      expect(again.crypto).toEqual(ks.keystore.crypto);
    });
  }
});

/** A keystore as loose JSON, to corrupt fields in tests. */
type MutableKeystore = {
  [k: string]: unknown;
  crypto: {
    kdf: {function: string; params: Record<string, unknown>};
    cipher: {function: string; params: {iv: string}};
  };
};

describe("keystore validation and errors", () => {
  const secret = fromHex("0x263dbd792f5b1be47ed85f8938c0f29586af0d3ac7b977f21c278fe1462040e3");

  async function fastKeystore(): Promise<IKeystore> {
    return encryptKeystore(secret, "correct horse", {kdf: "pbkdf2", cost: 2, path: "m/12381/3600/0/0/0"});
  }

  it("round-trips a freshly encrypted keystore (scrypt and pbkdf2, low cost)", async () => {
    for (const kdf of ["scrypt", "pbkdf2"] as const) {
      const ks = await encryptKeystore(secret, "pw", {kdf, cost: kdf === "scrypt" ? 1024 : 16});
      const key = await decryptKeystore(parseKeystore(JSON.stringify(ks), "k.json"), "pw");
      expect(key.secretKey).toEqual(secret);
      expect(key.pubkey).toEqual(secretToPubkey(secret));
    }
  });

  it("wrong password names the file and pubkey, never the password", async () => {
    const ks = parseKeystore(JSON.stringify(await fastKeystore()), "/keys/a.json");
    const pub = toHex(secretToPubkey(secret));
    let err: Error | undefined;
    try {
      await decryptKeystore(ks, "wrong horse");
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toBe(`wrong password for keystore /keys/a.json (pubkey ${pub})`);
    expect(err?.message).not.toContain("horse");
    expect((err as KeystoreError).code).toBe("WRONG_PASSWORD");
  });

  it("malformed JSON", async () => {
    await expectKeystoreError(
      () => parseKeystore('{"crypto": ', "bad.json"),
      "MALFORMED_JSON",
      /^malformed JSON in keystore bad\.json: /,
    );
  });

  it("schema errors: missing fields, wrong version, bad hex, unsupported kdf", async () => {
    const good = await fastKeystore();
    const cases: [(k: MutableKeystore) => void, RegExp][] = [
      [(k) => delete (k as Partial<MutableKeystore>).crypto, /invalid keystore k\.json: .*crypto/],
      [(k) => (k.version = 3), /unsupported version 3/],
      [(k) => (k.pubkey = "abcd"), /invalid keystore k\.json: .*pubkey/],
      [(k) => (k.crypto.cipher.params.iv = "zz"), /invalid keystore k\.json: .*iv/],
      [(k) => (k.crypto.kdf.function = "argon2"), /invalid keystore k\.json/],
      [(k) => (k.crypto.cipher.function = "aes-256-cbc"), /invalid keystore k\.json/],
      [(k) => (k.crypto.kdf.params.dklen = 16), /dklen must be 32/],
    ];
    for (const [mutate, re] of cases) {
      const k = structuredClone(good) as unknown as MutableKeystore;
      mutate(k);
      await expectKeystoreError(() => parseKeystore(JSON.stringify(k), "k.json"), "INVALID_KEYSTORE", re);
    }
    await expectKeystoreError(() => parseKeystore("[]", "k.json"), "INVALID_KEYSTORE", /not a JSON object/);
  });

  it("refuses absurd KDF cost (memory / rounds bombs)", async () => {
    const k = JSON.parse(readJson("eip-2335/scrypt_keystore_vector.json")).keystore;
    k.crypto.kdf.params.n = 2 ** 24;
    await expectKeystoreError(
      () => validateKeystoreObject(k, "big.json"),
      "UNSUPPORTED_KDF_PARAMS",
      /scrypt parameters n=16777216/,
    );
    k.crypto.kdf.params.n = 1000;
    await expectKeystoreError(() => validateKeystoreObject(k, "big.json"), "INVALID_KEYSTORE", /not a power of 2/);
  });

  it("refuses a keystore whose pubkey does not match the decrypted secret", async () => {
    const k = await fastKeystore();
    const other = secretToPubkey(fromHex("0x0000000000000000000000000000000000000000000000000000000000000001"));
    k.pubkey = toHex(other).slice(2);
    await expectKeystoreError(
      decryptKeystore(parseKeystore(JSON.stringify(k), "swapped.json"), "correct horse"),
      "PUBKEY_MISMATCH",
      /^refusing keystore swapped\.json: its pubkey 0x97f1d3a7.* does not match the decrypted secret key's pubkey 0x/,
    );
  });

  it("a keystore without a pubkey is invalid (the schema requires it)", async () => {
    const k = await fastKeystore();
    k.pubkey = "";
    await expectKeystoreError(() => parseKeystore(JSON.stringify(k), "nopub.json"), "INVALID_KEYSTORE", /pubkey/);
  });
});
