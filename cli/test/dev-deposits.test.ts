/**
 * End-to-end: 8 validator keys made by `ceibo keys new --network dev` (driven through stdin), then
 * `ceibo dev --deposit-data FILE --keystores DIR` — genesis built from those deposits, the validator client running
 * with those keystores (the password typed on stdin, handed on over a pipe) — finalizes. Real processes on
 * 127.0.0.1, 1-second slots, minimal preset.
 */
import {type ChildProcess, spawn} from "node:child_process";
import {mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {CEIBO, getJson, NODE, type Proc, ROOT, until, waitForFinalized} from "../../test/harness/processes.ts";
import {runKeys} from "./keysHarness.ts";

const PASSWORD = "dev chain password";
const dirs: string[] = [];
const running: ChildProcess[] = [];
const outputs: string[] = [];

afterAll(async () => {
  for (const p of running) {
    if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
  }
  for (const out of outputs) {
    for (const m of out.matchAll(/\[dev\] started the .* \[\w+\], pid (\d+)/g)) {
      try {
        process.kill(Number(m[1]), "SIGKILL");
      } catch {
        // gone
      }
    }
  }
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

/** `ceibo dev …` with `stdinText` on its stdin; output collected. */
function startDev(
  args: string[],
  stdinText?: string,
): {proc: ChildProcess; out: () => string; exited: Promise<number | null>} {
  const env = {...process.env};
  delete env.CEIBO_PRESET; // ceibo dev hands the preset to its children
  const proc = spawn(NODE, [CEIBO, "dev", ...args], {cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"]});
  running.push(proc);
  let out = "";
  const index = outputs.push("") - 1;
  const onData = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
    outputs[index] = out;
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  if (stdinText !== undefined) proc.stdin?.end(stdinText);
  else proc.stdin?.end();
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const watched = {
    name: "ceibo dev",
    get running() {
      return proc.exitCode === null && proc.signalCode === null;
    },
    get output() {
      return out;
    },
  } as unknown as Proc;
  return {proc, out: () => out, exited, watched: [watched]};
}

const FAST = ["--rest.port", "0", "--keymanager.port", "0", "--slot-duration-ms", "1000", "--genesis-delay", "4"];

describe("ceibo dev --deposit-data --keystores", () => {
  let keysDir = "";
  let depositFile = "";
  let deposits: {pubkey: string; withdrawal_credentials: string}[] = [];

  it("keys new --network dev: 8 keys with 0x00 credentials, through stdin", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ceibo-dev-deposits-"));
    dirs.push(dir);
    keysDir = join(dir, "keys");
    const r = await runKeys(
      [
        "new",
        "--network",
        "dev",
        "--count",
        "8",
        "--bls-withdrawal-credentials",
        "--out-dir",
        keysDir,
        "--kdf",
        "pbkdf2",
      ],
      {lines: [PASSWORD], confirm: "right"},
    );
    expect(r.code, r.stderr).toBe(0);
    depositFile = join(keysDir, readdirSync(keysDir).find((n) => n.startsWith("deposit_data-")) as string);
    deposits = JSON.parse(readFileSync(depositFile, "utf8"));
    expect(deposits).toHaveLength(8);
  }, 120_000);

  it("bad input stops before anything starts: another network's deposits, a wrong password", async () => {
    // the same keys' deposits re-signed for mainnet are not dev deposits
    const mainnetDir = join(dirs[0], "mainnet");
    const pw = join(dirs[0], "pw.txt");
    writeFileSync(pw, `${PASSWORD}\n`);
    const mnemonicLess = await runKeys(
      [
        "new",
        "--network",
        "mainnet",
        "--count",
        "1",
        "--bls-withdrawal-credentials",
        "--out-dir",
        mainnetDir,
        "--keystore-password-file",
        pw,
        "--kdf",
        "pbkdf2",
      ],
      {confirm: "right"},
    );
    expect(mnemonicLess.code, mnemonicLess.stderr).toBe(0);
    const mainnetFile = join(mainnetDir, readdirSync(mainnetDir).find((n) => n.startsWith("deposit_data-")) as string);
    const wrongNetwork = startDev([...FAST, "--deposit-data", mainnetFile, "--keystores", mainnetDir], `${PASSWORD}\n`);
    expect(await wrongNetwork.exited).toBe(1);
    expect(wrongNetwork.out()).toMatch(
      /deposit #0 .*fork_version 0x00000000 is not dev's genesis fork version 0x000ce1b0/,
    );
    expect(wrongNetwork.out()).not.toMatch(/started the/);

    const wrongPassword = startDev(
      [...FAST, "--deposit-data", depositFile, "--keystores", keysDir],
      "not the password\n",
    );
    expect(await wrongPassword.exited).toBe(1);
    expect(wrongPassword.out()).toMatch(/wrong password for keystore .*keystore-m_12381_3600_0_0_0-\d+\.json/);
    expect(wrongPassword.out()).not.toMatch(/started the/);
  }, 120_000);

  it("the chain starts from those deposits and finalizes with those keys in ceibo's validator client", async () => {
    const dev = startDev([...FAST, "--deposit-data", depositFile, "--keystores", keysDir], `${PASSWORD}\n`);
    const api = await until(
      "the Beacon API URL",
      120_000,
      async () => /\[dev\] Beacon API: (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.out())?.[1],
      dev.watched,
    );
    expect(dev.out()).toMatch(/8 validators/);

    // genesis holds exactly the deposits: same pubkeys, same 0x00 credentials, all active
    const genesis = await getJson<{
      data: {index: string; status: string; validator: {pubkey: string; withdrawal_credentials: string}}[];
    }>(`${api}/eth/v1/beacon/states/genesis/validators`);
    expect(genesis.data.map((v) => v.validator.pubkey)).toEqual(deposits.map((d) => `0x${d.pubkey}`));
    expect(genesis.data.map((v) => v.validator.withdrawal_credentials)).toEqual(
      deposits.map((d) => `0x${d.withdrawal_credentials}`),
    );
    expect(deposits.every((d) => d.withdrawal_credentials.startsWith("00"))).toBe(true);

    // the validator client loaded those 8 keystores (not interop keys); the password is not in its argv or env
    await until(
      "the validator client's keystores",
      120_000,
      async () => /\[vc\].*Loaded keystores count=8/.test(dev.out()),
      dev.watched,
    );
    expect(dev.out()).not.toMatch(/Using interop keys/);
    const vcPid = Number(/\[dev\] started the validator client \[vc\], pid (\d+)/.exec(dev.out())?.[1]);
    const cmdline = readFileSync(`/proc/${vcPid}/cmdline`, "utf8");
    expect(cmdline).toContain("--keystores");
    expect(cmdline).not.toContain(PASSWORD);
    expect(readFileSync(`/proc/${vcPid}/environ`, "utf8")).not.toContain(PASSWORD);

    // only these validators exist and the node signs nothing itself (--dev.signing false): finality means their keys signed
    const finalized = await waitForFinalized(api, 2, 240_000, dev.watched[0]);
    expect(finalized).toBeGreaterThanOrEqual(2);
    expect(dev.out()).toMatch(/\[vc\].*Proposed block/);
    expect(dev.out()).toMatch(/\[vc\].*Attested/);

    dev.proc.kill("SIGTERM");
    expect(await dev.exited).toBe(0);
  }, 420_000);
});
