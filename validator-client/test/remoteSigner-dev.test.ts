/**
 * End-to-end remote signing: `ceibo dev --validator-client false` (mock engine + beacon node), `ceibo signer`
 * holding the 64 dev validators' keys as EIP-2335 keystores, and `ceibo validator --remote-signer` — three
 * separate processes on 127.0.0.1, minimal preset, 3-second slots (every signature is an HTTP round trip on a busy machine).
 *
 * - the chain finalizes with every signature made by the signer;
 * - with the signer stopped the validator client signs nothing (no attestation or block for later slots, the head
 *   stops) and says why; started again on the same data dir and port, it signs again and finality moves on.
 */
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {encryptKeystore} from "@ceibo/keymanager";
import {interopSecretKey} from "@ceibo/state-transition";
import {afterAll, describe, expect, it} from "vitest";
import {ceibo as ceiboProc, finalizedEpoch, freePort, headSlot, until} from "../../test/harness/processes.ts";
import {ceibo, type Proc, waitForFinalized} from "./utils/devNet.ts";

const VALIDATORS = 64;
const procs: Proc[] = [];
let dir = "";
afterAll(async () => {
  for (const p of procs.reverse()) await p.killAll();
  if (dir) rmSync(dir, {recursive: true, force: true});
});

const minimal = {CEIBO_PRESET: "minimal"};

function slotsOf(output: string, re: RegExp): number[] {
  return [...output.matchAll(re)].map((m) => Number(m[1]));
}

describe("validator client + ceibo signer on a dev chain", () => {
  it("finalizes through the signer; with the signer stopped nothing is signed and the client says why; it resumes", async () => {
    try {
      await scenario();
    } catch (e) {
      // what each process said last, for a failure on a busy machine
      for (const p of procs) console.log(`---- ${p.name} (last lines)\n${p.output.split("\n").slice(-40).join("\n")}`);
      throw e;
    }
  }, 600_000);
});

async function scenario(): Promise<void> {
  {
    dir = mkdtempSync(join(tmpdir(), "ceibo-remote-dev-"));
    const keysDir = join(dir, "keys");
    mkdirSync(keysDir);
    const passwordFile = join(dir, "password.txt");
    writeFileSync(passwordFile, "remote signing test password\n");
    for (let i = 0; i < VALIDATORS; i++) {
      const ks = await encryptKeystore(interopSecretKey(i).toBytes(), "remote signing test password", {
        kdf: "pbkdf2",
        cost: 2,
        path: `m/12381/3600/${i}/0/0`,
      });
      writeFileSync(join(keysDir, `keystore-${i}.json`), JSON.stringify(ks));
    }

    const dev = ceibo("ceibo dev", [
      "dev",
      "--validator-client",
      "false",
      "--validators",
      String(VALIDATORS),
      "--rest.port",
      "0",
      "--slot-duration-ms",
      "3000",
      "--genesis-delay",
      "12",
    ]);
    procs.push(dev);
    const api = (await dev.waitFor(/\[dev\] Beacon API: (http:\/\/127\.0\.0\.1:\d+)/, 90_000))[1];

    const port = await freePort();
    const signerArgs = [
      "signer",
      "--keystores",
      keysDir,
      "--password-file",
      passwordFile,
      "--network",
      "dev",
      "--data-dir",
      join(dir, "signer"),
      "--port",
      String(port),
    ];
    let signer = ceiboProc("ceibo signer", signerArgs, minimal);
    procs.push(signer);
    await signer.waitFor(/Signer listening url=http:\/\/127\.0\.0\.1:\d+ keys=64/, 60_000);
    const url = `http://127.0.0.1:${port}`;

    const vc = ceiboProc(
      "ceibo validator",
      [
        "validator",
        "--beacon-nodes",
        api,
        "--remote-signer",
        url,
        "--data-dir",
        join(dir, "vc"),
        "--doppelganger-protection",
        "false",
      ],
      minimal,
    );
    procs.push(vc);
    await vc.waitFor(/Remote signer keys url=\S+ count=64/, 60_000);

    // 1. finality, every signature from the signer
    const t0 = Date.now();
    const finalized = await waitForFinalized(api, 2, 240_000, vc);
    console.log(
      `[remote-dev] finalized epoch ${finalized} ${((Date.now() - t0) / 1000).toFixed(1)} s after the VC started`,
    );
    expect(vc.output).toMatch(/Proposed block slot=\d+/);
    expect(vc.output).toMatch(/Attested slot=\d+/);
    // (a request may time out on a busy machine: the client then logs "unreachable" and "reachable again")

    // 2. the signer stops: nothing is signed, the client says why. The client's log is read from BEFORE the kill:
    // the signer's graceful shutdown takes a moment, and a request the client makes meanwhile can already fail and
    // log "unreachable" before kill() resolves (a CI run missed the line that way).
    const stopAt = vc.output.length;
    expect(await signer.kill("SIGTERM")).toBe(0);
    expect(signer.output).toMatch(/Signer stopped signed=\S*ATTESTATION:\d+\S* refused=0/);
    await until(
      "the client's 'unreachable' line",
      30_000,
      // the client's latest word on the signer is "unreachable" (it may have said so just before the kill, or
      // still be unreachable after a timed-out request on a busy machine)
      async () => {
        const down = [
          ...vc.output.matchAll(
            /Remote signer unreachable: nothing is signed through it until it is back url=\S+ reason=\S+/g,
          ),
        ];
        const up = [...vc.output.matchAll(/Remote signer reachable again/g)];
        const lastDown = down.at(-1)?.index ?? -1;
        return lastDown >= 0 && lastDown > (up.at(-1)?.index ?? -1);
      },
      [vc, dev],
    );
    // each attestation duty says why it was not done
    await until(
      "two slots of refused attestations",
      60_000,
      async () => {
        const slots = new Set(
          slotsOf(vc.output.slice(stopAt), /Not attesting slot=(\d+) .*remote signer \S+ is unreachable/g),
        );
        return slots.size >= 2;
      },
      [vc, dev],
    );
    const after = vc.output.slice(stopAt);
    const firstRefused = Math.min(...slotsOf(after, /Not attesting slot=(\d+)/g));
    // no attestation and no block for any slot after the first refused one
    expect(slotsOf(after, /Attested slot=(\d+)/g).filter((s) => s > firstRefused)).toEqual([]);
    expect(slotsOf(after, /Proposed block slot=(\d+)/g).filter((s) => s > firstRefused)).toEqual([]);
    // the node builds no block without the validator client: the head stays behind
    const headWhileDown = await headSlot(api);
    expect(headWhileDown).toBeLessThanOrEqual(firstRefused + 1);
    expect(vc.running).toBe(true);
    const finalizedWhileDown = await finalizedEpoch(api);
    console.log(
      `[remote-dev] signer stopped: first refused slot ${firstRefused}, head ${headWhileDown}, finalized ${finalizedWhileDown}`,
    );

    // 3. the signer is back (same data dir and port): signing resumes, finality moves on
    const backAt = vc.output.length;
    signer = ceiboProc("ceibo signer (again)", signerArgs, minimal);
    procs.push(signer);
    await signer.waitFor(/Signer listening/, 60_000);
    await until(
      "the client's 'reachable again' line",
      60_000,
      async () => /Remote signer reachable again/.test(vc.output.slice(backAt)),
      [vc, dev, signer],
    );
    await until(
      "an attestation after the signer is back",
      60_000,
      async () => slotsOf(vc.output.slice(backAt), /Attested slot=(\d+)/g).length > 0,
      [vc, dev, signer],
    );
    const resumed = await waitForFinalized(api, finalizedWhileDown + 1, 240_000, vc);
    expect(resumed).toBeGreaterThan(finalizedWhileDown);
    expect(await headSlot(api)).toBeGreaterThan(headWhileDown);
    // the restarted signer found nothing to refuse: the client never asked for anything slashable
    expect(signer.output).not.toMatch(/Refused to sign/);
    console.log(
      `[remote-dev] signer down from slot ${firstRefused} (head stayed at ${headWhileDown}); after restart finalized ${resumed}`,
    );
    expect(await vc.kill("SIGTERM")).toBe(0);
    expect(await signer.kill("SIGTERM")).toBe(0);
  }
}
