import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {
  depositNetworkByName,
  generateValidatorKeys,
  keystoreFileName,
  parseDepositAmountEth,
  parseExecutionAddress,
} from "../src/index.ts";

const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art";
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ceibo-keygen-"));
  dirs.push(d);
  return d;
}

describe("deposit amounts and addresses", () => {
  it("ETH → Gwei within each credential kind's range", () => {
    expect(parseDepositAmountEth("32", "eth1")).toBe(32_000_000_000);
    expect(parseDepositAmountEth("1", "bls")).toBe(1_000_000_000);
    expect(parseDepositAmountEth("1.000000001", "eth1")).toBe(1_000_000_001);
    expect(parseDepositAmountEth("2048", "compounding")).toBe(2_048_000_000_000);
    for (const [text, kind] of [
      ["0.999999999", "eth1"],
      ["32.000000001", "eth1"],
      ["33", "bls"],
      ["2048.5", "compounding"],
      ["0", "compounding"],
    ] as const) {
      expect(() => parseDepositAmountEth(text, kind), text).toThrow(/out of range/);
    }
    for (const text of ["1e3", "-1", "", "32.0000000001", "ten"]) {
      expect(() => parseDepositAmountEth(text, "eth1"), text).toThrow(/is not a number of ETH/);
    }
  });

  it("execution addresses are 0x + 40 hex digits", () => {
    expect(parseExecutionAddress("0x00000000219ab540356cBB839Cbe05303d7705Fa")).toHaveLength(20);
    for (const bad of [
      "00000000219ab540356cBB839Cbe05303d7705Fa",
      "0x1234",
      "0x00000000219ab540356cBB839Cbe05303d7705Fz",
    ]) {
      expect(() => parseExecutionAddress(bad)).toThrow(/not a 0x-prefixed 20-byte hex address/);
    }
  });
});

describe("generateValidatorKeys writes nothing half-way", () => {
  const base = {
    mnemonic: MNEMONIC,
    startIndex: 0,
    count: 2,
    password: "password123",
    kdf: "pbkdf2" as const,
    withdrawal: {kind: "bls" as const},
    amountGwei: 32e9,
    network: depositNetworkByName("dev"),
    workers: 1,
  };

  it("refuses to overwrite an existing keystore and leaves the directory as it was", async () => {
    const outDir = tempDir();
    writeFileSync(join(outDir, keystoreFileName(1, 1_700_000_000)), "mine");
    await expect(generateValidatorKeys({...base, outDir, nowSec: 1_700_000_000})).rejects.toThrow(
      /keystore-m_12381_3600_1_0_0-1700000000\.json already exists: refusing to overwrite it/,
    );
    expect(readdirSync(outDir)).toEqual(["keystore-m_12381_3600_1_0_0-1700000000.json"]);
  });

  it("an encryption failure leaves no file, no temporary directory and no new output directory", async () => {
    const parent = tempDir();
    const outDir = join(parent, "new-dir");
    // scrypt n must be a power of two: the workers fail
    await expect(generateValidatorKeys({...base, kdf: "scrypt", kdfCost: 3, outDir})).rejects.toThrow(
      /cannot encrypt the keystore of m\/12381\/3600\/0\/0\/0/,
    );
    expect(existsSync(outDir)).toBe(false);
    const existing = join(parent, "existing");
    mkdirSync(existing);
    await expect(generateValidatorKeys({...base, kdf: "scrypt", kdfCost: 3, outDir: existing})).rejects.toThrow();
    expect(readdirSync(existing)).toEqual([]);
  });

  it("a wrong mnemonic is refused before anything is written", async () => {
    const outDir = join(tempDir(), "out");
    await expect(
      generateValidatorKeys({...base, mnemonic: MNEMONIC.replace(/art$/, "abandon"), outDir}),
    ).rejects.toThrow(/checksum does not match/);
    expect(existsSync(outDir)).toBe(false);
  });
});
