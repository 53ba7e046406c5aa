/** `ceibo validator --keymanager` as a child process against a real Beacon API server (test chain). */

import {type ChildProcess, spawn, spawnSync} from "node:child_process";
import {mkdtempSync, readFileSync, rmSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import path from "node:path";
import {createKeymanagerApiClient} from "@ceibo/api";
import {createDevChainConfig} from "@ceibo/config";
import {interopSecretKey} from "@ceibo/state-transition";
import {toHex} from "@ceibo/utils";
import {afterAll, describe, expect, it} from "vitest";
import {TestChain} from "../../validator-client/test/utils/testChain.ts";
import {encryptKeystore} from "../src/keystore.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules/.bin/ceibo");
const env = {
  ...process.env,
  PATH: `${path.join(ROOT, "node_modules/.bin")}:${process.env.PATH}`,
  CEIBO_PRESET: "mainnet",
};
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function startVc(args: string[]): {
  child: ChildProcess;
  out: () => string;
  url: Promise<string>;
  exited: Promise<number | null>;
} {
  const child = spawn(BIN, ["validator", ...args], {env});
  let stderr = "";
  const url = new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (d) => {
      stderr += d;
      const m = /Keymanager API listening url=(http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.on("exit", () => reject(Error(`validator exited before serving the Keymanager API:\n${stderr}`)));
  });
  url.catch(() => {});
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  cleanups.push(() => child.exitCode === null && child.kill("SIGKILL"));
  return {child, out: () => stderr, url, exited};
}

describe("ceibo validator --keymanager", () => {
  it("--help documents the options; --keymanager.* without --keymanager is refused", () => {
    const r = spawnSync(BIN, ["validator", "--help"], {encoding: "utf8", env});
    expect(r.status).toBe(0);
    for (const opt of ["--keymanager ", "--keymanager.address", "--keymanager.port", "--keymanager.token-file"]) {
      expect(r.stdout).toContain(opt);
    }
    const bad = spawnSync(BIN, ["validator", "--interop-indexes", "0..1", "--keymanager.port", "5999"], {
      encoding: "utf8",
      env,
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--keymanager\.\* options need --keymanager/);
  });

  it("starts with no keys, imports a keystore over the API, and has it again after a restart", async () => {
    const config = createDevChainConfig({preset: "mainnet", slotDurationMs: 12_000});
    const chain = new TestChain({config, validatorCount: 8, genesisTime: Math.floor(Date.now() / 1000) + 3600});
    const {url: beacon, server} = await chain.serve();
    cleanups.push(() => server.close());
    const dataDir = mkdtempSync(path.join(tmpdir(), "ceibo-km-cli-"));
    cleanups.push(() => rmSync(dataDir, {recursive: true, force: true}));
    const args = [
      "--beacon-nodes",
      beacon,
      "--data-dir",
      dataDir,
      "--doppelganger-protection",
      "false",
      "--keymanager",
    ];

    const first = startVc([...args, "--keymanager.port", "0"]);
    const url = await first.url;
    const tokenFile = path.join(dataDir, "api-token.txt");
    const token = readFileSync(tokenFile, "utf8").trim();
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(first.out()).not.toContain(token);
    expect((await fetch(`${url}/eth/v1/keystores`)).status).toBe(401);
    const ks = JSON.stringify(
      await encryptKeystore(interopSecretKey(5).toBytes(), "pw", {kdf: "pbkdf2", cost: 2, path: "m/12381/3600/5/0/0"}),
    );
    const imp = await createKeymanagerApiClient({baseUrl: url, token}).importKeystores({
      body: {keystores: [ks], passwords: ["pw"]},
    });
    expect(imp).toEqual({data: [{status: "imported"}]});
    first.child.kill("SIGTERM");
    expect(await first.exited, first.out()).toBe(0);

    // restart on the same data dir with an explicit token file (the generated one)
    const second = startVc([...args, "--keymanager.port", "0", "--keymanager.token-file", tokenFile]);
    const url2 = await second.url;
    expect(second.out()).toMatch(/Loaded keys imported through the Keymanager API local=1 remote=0/);
    const list = await createKeymanagerApiClient({baseUrl: url2, token}).listKeys();
    expect(list).toEqual({
      data: [
        {
          validatingPubkey: toHex(interopSecretKey(5).toPublicKey().toBytes(true)),
          derivationPath: "m/12381/3600/5/0/0",
          readonly: false,
        },
      ],
    });
    second.child.kill("SIGTERM");
    expect(await second.exited, second.out()).toBe(0);

    // a configured token file that does not exist is an error
    const third = startVc([...args, "--keymanager.token-file", path.join(dataDir, "missing.txt")]);
    expect(await third.exited).toBe(1);
    expect(third.out()).toMatch(/missing\.txt does not exist/);
  }, 60_000);
});
