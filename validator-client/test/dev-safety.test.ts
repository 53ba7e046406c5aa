/**
 * End-to-end safety: `ceibo dev --validator-client false` (engine + beacon node) with validator clients run by the
 * test as real processes: one crashed mid-epoch and restarted on its slashing-protection database, and a second
 * one with the same keys that doppelganger protection must stop. Real time, 1-second slots, minimal preset.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {CommitteeRecorder, ceibo, headSlot, type Proc, scanForSlashable, waitForFinalized} from "./utils/devNet.ts";

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

describe("ceibo dev: validator client safety", () => {
  it("VC restarted mid-epoch + a second VC with the same keys: no slashable message, doppelganger stops the second; a dying child stops ceibo dev", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ceibo-dev-e2e-"));
    dirs.push(dir);
    const env = {CEIBO_PRESET: "minimal"};
    const dev = start("ceibo dev (no vc)", [
      "dev",
      ...FAST,
      "--validator-client",
      "false",
      "--data-dir",
      join(dir, "dev"),
    ]);
    const api = (await dev.waitFor(/\[dev\] Beacon API: (http:\/\/127\.0\.0\.1:\d+)/, 60_000))[1];
    expect(dev.childPids().length).toBe(2);
    const recorder = new CommitteeRecorder(api).start();
    const vcArgs = ["validator", "--beacon-nodes", api, "--interop-indexes", "0..63"];

    const vc1 = start("vc1", [...vcArgs, "--data-dir", join(dir, "vc1")], env);
    await vc1.waitFor(/Doppelganger protection skipped at the genesis epoch/, 30_000);
    // crash it mid-epoch 1 (minimal: 8-slot epochs), right after it attested at slot 11
    await vc1.waitFor(/Attested slot=11 /, 60_000);
    await vc1.kill("SIGKILL");
    const killedAt = await headSlot(api);
    // restarted on the same slashing-protection database; the same client, so no doppelganger wait
    const vc1b = start(
      "vc1 restarted",
      [...vcArgs, "--data-dir", join(dir, "vc1"), "--doppelganger-protection", "false"],
      env,
    );
    await vc1b.waitFor(/Attested slot=\d+/, 30_000);

    // a second client with the same keys once the chain is past its genesis epoch: doppelganger protection on
    await until(async () => (await headSlot(api)) >= 18, 60_000, "epoch 2");
    const vc2 = start("vc2 (doppelganger)", [...vcArgs, "--data-dir", join(dir, "vc2")], env);
    await vc2.waitFor(/Doppelganger protection: watching liveness/, 30_000);
    const vc2Code = await Promise.race([vc2.exited, new Promise((r) => setTimeout(() => r("timeout"), 60_000))]);
    expect(vc2Code).toBe(3);
    expect(vc2.output).not.toMatch(/Attested slot|Proposed block|Aggregated slot|Sync committee messages slot/);

    const finalized = await waitForFinalized(api, 4, 90_000, dev);
    expect(vc1b.running).toBe(true);
    const scan = await scanForSlashable(api, recorder);
    recorder.stop();
    console.log(
      `[dev e2e c] VC killed at head slot ${killedAt} and restarted; doppelganger stopped the 2nd VC (exit 3); ` +
        `finalized ${finalized}; scanned ${scan.slotsScanned} slots, ${scan.blocks} blocks, ${scan.attestationsChecked} ` +
        `attestations, ${scan.votes} distinct votes`,
    );
    // the scan covered a real chain (a loaded machine misses slots; safety, not liveness, is under test here)
    expect(scan.blocks).toBeGreaterThan(scan.slotsScanned / 4);
    expect(scan.votes).toBeGreaterThan(64 * 4);
    expect(scan.proposerSlashings).toBe(0);
    expect(scan.attesterSlashings).toBe(0);
    expect(scan.doubleProposals).toEqual([]);
    expect(scan.slashableVotes).toEqual([]);

    // a child dying on its own stops the others and ceibo dev exits non-zero naming it
    await vc1b.kill("SIGTERM");
    const bnPid = Number((await dev.waitFor(/started the beacon node \[bn\], pid (\d+)/, 1000))[1]);
    process.kill(bnPid, "SIGKILL");
    const code = await dev.exited;
    expect(code).toBe(1);
    expect(dev.output).toMatch(/ceibo dev: the beacon node \[bn\] exited on its own \(SIGKILL\)/);
    expect(dev.output).toContain("[el] mock engine stopped");
  }, 240_000);
});
