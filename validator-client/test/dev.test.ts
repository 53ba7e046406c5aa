/**
 * End-to-end: `ceibo dev` as a real process (mock engine, beacon node and validator client as its children) in
 * real time with 1-second slots on the minimal preset, everything on 127.0.0.1.
 */
import {existsSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createKeymanagerApiClient} from "@ceibo/api";
import {afterAll, describe, expect, it} from "vitest";
import {ceibo, getJson, headSlot, type Proc, waitForFinalized} from "./utils/devNet.ts";

const procs: Proc[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const p of procs.reverse()) await p.killAll();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

function start(name: string, args: string[], env: Record<string, string> = {}): Proc {
  const p = ceibo(name, args, env);
  procs.push(p);
  return p;
}

async function until(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const FAST = ["--rest.port", "0", "--keymanager.port", "0", "--slot-duration-ms", "1000", "--genesis-delay", "3"];

describe("ceibo dev", () => {
  it("--help explains every option", async () => {
    const p = start("dev --help", ["dev", "--help"]);
    expect(await p.exited).toBe(0);
    for (const opt of [
      "--validators",
      "--preset",
      "--fork-epochs",
      "--slot-duration-ms",
      "--genesis-delay",
      "--data-dir",
      "--rest.port",
      "--el.port",
      "--validator-client",
      "--keymanager",
      "--keymanager.port",
      "--log-level",
    ]) {
      expect(p.output).toContain(opt);
    }
    const bad = start("dev bad", ["dev", "--fork-epochs", "bellatrix=3,altair=4"]);
    expect(await bad.exited).not.toBe(0);
    expect(bad.output).toContain("--fork-epochs: bellatrix=3 is before altair=4");
  });

  it("fulu at genesis: three processes finalize epoch 2; SIGTERM stops VC, BN, EL in order and exits 0", async () => {
    const t0 = Date.now();
    const dev = start("ceibo dev", ["dev", ...FAST]);
    const api = (await dev.waitFor(/\[dev\] Beacon API: (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1];
    // the Keymanager API when this build's validator client has it (added in parallel), else a clear "not yet"
    const km = await dev.waitFor(
      /\[dev\] Keymanager API: (not available yet|(http:\/\/127\.0\.0\.1:\d+) \(bearer token in (\S+)\))/,
      30_000,
    );
    if (km[2] !== undefined) {
      const token = readFileSync(km[3], "utf8").trim();
      expect((await fetch(`${km[2]}/eth/v1/keystores`)).status).toBe(401);
      const keys = await createKeymanagerApiClient({baseUrl: km[2], token}).listKeys();
      expect(keys.data.length).toBeGreaterThan(0);
    }
    const genesisTime = Number((await dev.waitFor(/genesis time (\d+)/, 1000))[1]);
    const dataDir = (await dev.waitFor(/data dir (\S+) \(temporary/, 1000))[1];
    // three separate processes, each one's lines prefixed
    await dev.waitFor(/started the validator client \[vc\]/, 5000);
    expect(new Set(dev.childPids()).size).toBe(3);
    expect(dev.childPids()).not.toContain(dev.child.pid);

    const finalized = await waitForFinalized(api, 2, 120_000, dev);
    const tFinal = Date.now();
    expect(finalized).toBeGreaterThanOrEqual(2);
    expect(dev.output).toMatch(/\[el\] mock engine listening on/);
    expect(dev.output).toMatch(/\[bn\] .*Slot \d+ \| head/);
    expect(dev.output).toMatch(/\[vc\] .*Proposed block slot=\d+/);
    expect(dev.output).toMatch(/\[vc\] .*Attested slot=\d+/);
    const fork = await getJson<{data: {current_version: string}}>(`${api}/eth/v1/beacon/states/head/fork`);
    expect(fork.data.current_version).toBe("0x060ce1b0"); // the dev chain's FULU_FORK_VERSION
    // the beacon node signs nothing itself: every block came from the validator client
    const proposed = dev.output.match(/\[vc\] .*Proposed block/g)?.length ?? 0;
    expect(proposed).toBeGreaterThanOrEqual(16);
    console.log(
      `[dev e2e a] finalized epoch ${finalized} ${((tFinal - genesisTime * 1000) / 1000).toFixed(1)} s after genesis, ` +
        `${((tFinal - t0) / 1000).toFixed(1)} s after start; ${proposed} blocks proposed by the VC`,
    );

    const code = await dev.kill("SIGTERM");
    expect(code).toBe(0);
    const vcStop = dev.output.indexOf("[vc] ", dev.output.indexOf("[dev] received SIGTERM"));
    const vcStopped = dev.output.search(/\[vc\] .*Validator client stopped/);
    const bnStopped = dev.output.search(/\[bn\] .*Beacon node stopped, database closed/);
    const elStopped = dev.output.indexOf("[el] mock engine stopped");
    expect(vcStop).toBeGreaterThan(0);
    expect(vcStopped).toBeGreaterThan(0);
    expect(bnStopped).toBeGreaterThan(vcStopped);
    expect(elStopped).toBeGreaterThan(bnStopped);
    expect(dev.output).toContain("[dev] stopped");
    // the temporary data dir is gone
    expect(existsSync(dataDir)).toBe(false);
    // and so are the children
    for (const pid of dev.childPids()) expect(() => process.kill(pid, 0)).toThrow();
  }, 180_000);

  it("--data-dir keeps the chain: a restart continues from the stored head", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ceibo-dev-e2e-"));
    dirs.push(dir);
    const args = ["dev", ...FAST, "--data-dir", join(dir, "dev")];
    const first = start("ceibo dev (1st run)", args);
    const api1 = (await first.waitFor(/\[dev\] Beacon API: (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1];
    await until(async () => (await headSlot(api1)) >= 6, 60_000, "slot 6");
    const genesis1 = await getJson<{data: {genesis_validators_root: string}}>(`${api1}/eth/v1/beacon/genesis`);
    expect(await first.kill("SIGTERM")).toBe(0);
    const stop = await getJson<{data: {header: {message: {slot: string}}; root: string}}>(
      `${api1}/eth/v1/beacon/headers/head`,
    ).catch(() => null);
    expect(stop).toBe(null); // the node is down
    expect(existsSync(join(dir, "dev", "bn"))).toBe(true);
    const lastHead = Number([...first.output.matchAll(/\[bn\] .*Slot \d+ \| head (\d+)/g)].at(-1)?.[1]);

    const second = start("ceibo dev (2nd run)", args);
    const api2 = (await second.waitFor(/\[dev\] Beacon API: (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1];
    expect(second.output).toMatch(/\[bn\] .*Resumed chain from the database headSlot=(\d+)/);
    expect(second.output).toMatch(/handed the resumed chain's \d+ execution payloads to the new mock engine/);
    const genesis2 = await getJson<{data: {genesis_validators_root: string}}>(`${api2}/eth/v1/beacon/genesis`);
    expect(genesis2.data.genesis_validators_root).toBe(genesis1.data.genesis_validators_root);
    // new blocks on top of the stored chain, built by the restarted validator client
    await second.waitFor(/\[vc\] .*Proposed block slot=\d+/, 30_000);
    await until(async () => (await headSlot(api2)) > lastHead + 1, 30_000, "a block after the stored head");
    const block = await getJson<{data: {message: {slot: string}}}>(`${api2}/eth/v2/beacon/blocks/${lastHead}`);
    expect(Number(block.data.message.slot)).toBe(lastHead); // the first run's head is still in the chain
    expect(await second.kill("SIGTERM")).toBe(0);
  }, 180_000);
});
