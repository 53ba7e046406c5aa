/**
 * `ceibo beacon --network dev --dev.fork NAME --dev.eth1-block-hash 0x…` as a process (in-process mock engine, dev
 * signing on, CEIBO_PRESET=minimal): a capella dev chain whose genesis payload header has the given block hash
 * builds VALID capella blocks; a restart of its data dir for another fork is refused with a clear error; bad option
 * values are usage errors.
 */
import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {ceibo, type Proc} from "./fixtures/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "ceibo-e2e-devfork-"));
const procs: Proc[] = [];
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill("SIGKILL")));
  rmSync(dir, {recursive: true, force: true});
});

const HASH = `0x${"7e".repeat(32)}`;

function beacon(args: string[]): Proc {
  const p = ceibo(
    `beacon#${procs.length}`,
    ["beacon", "--network", "dev", "--rest.port", "0", "--dev.slot-duration-ms", "1000", ...args],
    {CEIBO_PRESET: "minimal"},
  );
  procs.push(p);
  return p;
}

describe("ceibo beacon --dev.fork / --dev.eth1-block-hash", () => {
  const dataDir = join(dir, "data");

  it("a capella dev chain from the given execution genesis hash builds VALID capella blocks", async () => {
    const genesisTime = Math.ceil(Date.now() / 1000) + 10;
    const p = beacon([
      ...["--dev.fork", "capella", "--dev.eth1-block-hash", HASH],
      ...["--dev.genesis-time", String(genesisTime), "--data-dir", dataDir],
    ]);
    await p.waitFor(/Wrote dev genesis validators=64 genesisTime=\d+ fork=capella /, 90_000);
    const url = (await p.waitFor(/Beacon API listening url=(http:\/\/127\.0\.0\.1:\d+)/, 90_000))[1];
    // three blocks on the chain (on a busy machine a slot may pass without one: wait for the head, not the clock)
    await p.waitFor(/Slot \d+ \| head ([3-9]|\d\d+) /, 120_000);
    // raw JSON (this test process runs the mainnet preset; the node runs minimal)
    // the first block after genesis (slot 1 unless the busy machine let that slot pass empty)
    type BlockJson = {
      version: string;
      data: {message: {body: {execution_payload: {parent_hash: string; block_number: string}}}};
    };
    let block: BlockJson | null = null;
    for (let slot = 1; block === null && slot <= 3; slot++) {
      const res = await fetch(`${url}/eth/v2/beacon/blocks/${slot}`);
      if (res.status === 200) block = (await res.json()) as BlockJson;
    }
    if (block === null) throw Error("no block in slots 1-3 although the head is at slot 3 or later");
    expect(block.version).toBe("capella");
    expect(block.data.message.body.execution_payload.parent_hash).toBe(HASH);
    expect(block.data.message.body.execution_payload.block_number).toBe("1");
    const fork = (await (await fetch(`${url}/eth/v1/beacon/states/head/fork`)).json()) as {
      data: {current_version: string};
    };
    expect(fork.data.current_version).toBe("0x030ce1b0"); // the dev CAPELLA_FORK_VERSION
    const statuses = [...p.output.matchAll(/Slot (\d+) \| head (\d+) .*\| EL (\S+)/g)];
    for (const m of statuses.filter((x) => Number(x[1]) >= 1)) {
      expect(Number(m[2])).toBeLessThanOrEqual(Number(m[1]));
      expect(m[3]).toBe("VALID");
    }
    await p.kill("SIGTERM");
    expect(p.output).toContain("Beacon node stopped, database closed");
  });

  it("refuses to resume the capella data dir as a fulu chain", async () => {
    const p = beacon(["--data-dir", dataDir]);
    expect(await p.exited).not.toBe(0);
    // the data-dir guard (cli/src/dataDirGuard.ts) names the difference and the fix before opening anything
    expect(p.output).toContain(
      "with fork epochs altair=0,bellatrix=0,capella=0,deneb=never,electra=never,fulu=never, not " +
        "altair=0,bellatrix=0,capella=0,deneb=0,electra=0,fulu=0; start it with --dev.fork capella, or use another --data-dir or remove it",
    );
  });

  it("rejects bad option values", async () => {
    const fork = beacon(["--dev.fork", "altair", "--data-dir", join(dir, "x")]);
    const hash = beacon(["--dev.eth1-block-hash", "0x1234", "--data-dir", join(dir, "y")]);
    expect(await fork.exited).not.toBe(0);
    expect(fork.output).toContain("--dev.fork must be bellatrix, capella, deneb, electra or fulu");
    expect(await hash.exited).not.toBe(0);
    expect(hash.output).toContain("--dev.eth1-block-hash must be a 0x-prefixed 32-byte hex block hash");
  });
});
