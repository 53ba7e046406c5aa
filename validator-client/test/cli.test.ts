import {spawn, spawnSync} from "node:child_process";
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {createDevChainConfig} from "@ceibo/config";
import {encryptKeystore} from "@ceibo/keymanager";
import {interopSecretKey} from "@ceibo/state-transition";
import {describe, expect, it} from "vitest";
import {TestChain} from "./utils/testChain.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin/ceibo");
const env = {
  ...process.env,
  PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}`,
  CEIBO_PRESET: "mainnet",
};

describe("ceibo validator", () => {
  it("--help explains every option; bad options fail with a message", () => {
    const r = spawnSync(BIN, ["validator", "--help"], {encoding: "utf8", env});
    expect(r.status).toBe(0);
    for (const opt of [
      "--beacon-nodes",
      "--interop-indexes",
      "--keystores",
      "--password-file",
      "--data-dir",
      "--fee-recipient",
      "--graffiti",
      "--doppelganger-protection",
    ]) {
      expect(r.stdout).toContain(opt);
    }
    const bad = spawnSync(BIN, ["validator", "--interop-indexes", "0..3", "--fee-recipient", "0x12"], {
      encoding: "utf8",
      env,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--fee-recipient must be a 0x-prefixed 20-byte address/);
    const noKeys = spawnSync(BIN, ["validator"], {encoding: "utf8", env});
    expect(noKeys.stderr).toMatch(/give the validator keys/);
  });

  it("runs against a beacon node: proposes and attests, logs each duty, stops cleanly on SIGTERM", async () => {
    const config = createDevChainConfig({preset: "mainnet", slotDurationMs: 1000});
    // genesis well ahead: on a busy machine the client may take several seconds to start; it must still be in the
    // genesis epoch (32 one-second slots) for the doppelganger skip, and it proposes at whichever slots it reaches
    const chain = new TestChain({config, validatorCount: 64, genesisTime: Math.ceil(Date.now() / 1000) + 8});
    const {url, server} = await chain.serve();
    const dataDir = mkdtempSync(path.join(tmpdir(), "ceibo-vc-cli-"));
    try {
      const child = spawn(
        BIN,
        ["validator", "--beacon-nodes", url, "--interop-indexes", "0..63", "--data-dir", dataDir, "--graffiti", "cli"],
        {env},
      );
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      const end = Date.now() + 60_000;
      while (!(chain.blocks.size >= 2 && /Attested/.test(stderr)) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill("SIGTERM");
      expect(await exited, stderr).toBe(0);
      expect(chain.rejected).toEqual([]);
      expect(chain.blocks.size).toBeGreaterThanOrEqual(2);
      expect(stderr).toMatch(/Proposed block slot=\d+ /);
      expect(stderr).toMatch(/Attested slot=\d+ count=2/);
      expect(stderr).toMatch(/Doppelganger protection skipped at the genesis epoch/);
      expect(stderr).toMatch(/Validator client stopped/);
    } finally {
      await server.close();
      rmSync(dataDir, {recursive: true, force: true});
    }
  });

  it("loads EIP-2335 keystores (--keystores, --password-file) and validates with them", async () => {
    const config = createDevChainConfig({preset: "mainnet", slotDurationMs: 1000});
    const chain = new TestChain({config, validatorCount: 64, genesisTime: Math.ceil(Date.now() / 1000) + 3});
    const {url, server} = await chain.serve();
    const dir = mkdtempSync(path.join(tmpdir(), "ceibo-vc-ks-"));
    try {
      const ksDir = path.join(dir, "keystores");
      mkdirSync(ksDir);
      await Promise.all(
        Array.from({length: 64}, async (_, i) => {
          const ks = await encryptKeystore(interopSecretKey(i).toBytes(), "correct horse", {kdf: "pbkdf2", cost: 1024});
          writeFileSync(path.join(ksDir, `keystore-${i}.json`), JSON.stringify(ks));
        }),
      );
      writeFileSync(path.join(dir, "password.txt"), "correct horse\n");
      const wrong = spawnSync(
        BIN,
        ["validator", "--beacon-nodes", url, "--keystores", ksDir, "--password-file", path.join(dir, "nope.txt")],
        {encoding: "utf8", env},
      );
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toMatch(/cannot read password file/);
      const args = [
        "validator",
        "--beacon-nodes",
        url,
        "--keystores",
        ksDir,
        "--password-file",
        path.join(dir, "password.txt"),
      ];
      const child = spawn(BIN, [...args, "--data-dir", path.join(dir, "data")], {env});
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
      const end = Date.now() + 20_000;
      while (!(chain.blocks.size >= 1 && chain.attestations.length >= 2) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
      }
      child.kill("SIGTERM");
      expect(await exited, stderr.slice(-3000)).toBe(0);
      expect(stderr).toMatch(/Loaded keystores count=64 source=keystores/);
      expect(chain.rejected).toEqual([]);
      expect(chain.blocks.size).toBeGreaterThanOrEqual(1);
      expect(chain.attestations.length).toBeGreaterThanOrEqual(2);
    } finally {
      await server.close();
      rmSync(dir, {recursive: true, force: true});
    }
  });
});
