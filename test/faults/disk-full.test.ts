/**
 * Fault: the beacon node's disk fills up. Its data dir is on a small tmpfs made for the test (mount needs root;
 * without it the test fails saying so). While the chain runs a filler file takes every free byte: the node must
 * log a clear error naming ENOSPC and what it could not write, stay up (no crash, no restart loop), and once the
 * filler is removed import again (the head reaches the wall-clock slot); stopped and started again, its database
 * opens and the chain goes on. `npm run test:faults` (FAULTS_TEST=1).
 */

import {execFileSync} from "node:child_process";
import {closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {sleep} from "@ceibo/utils";
import {afterAll, describe, expect, it} from "vitest";
import {finalizedEpoch, head, until} from "../harness/processes.ts";
import {FaultChain, lines, SLOTS_PER_EPOCH, VALIDATORS} from "./chain.ts";

const RUN = process.env.FAULTS_TEST === "1";
const SLOT_MS = Number(process.env.FAULTS_SLOT_MS ?? 2000);
const DISK_MB = 64;

/** Writes zeros to `file` until the filesystem is full; returns the bytes written. */
function fill(file: string): number {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(256 * 1024);
  let written = 0;
  try {
    for (;;) {
      try {
        written += writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOSPC") break;
        throw e;
      }
    }
    // the last partial blocks too
    for (const size of [4096, 512, 1]) {
      for (;;) {
        try {
          written += writeSync(fd, chunk.subarray(0, size));
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

describe.runIf(RUN)("fault: the beacon node's disk fills up", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-fault-disk-"));
  const disk = join(dir, "disk");
  const chain = new FaultChain({dir, slotMs: SLOT_MS});
  let mounted = false;

  afterAll(async () => {
    await chain.stop();
    if (mounted) execFileSync("umount", [disk]);
    if (process.env.FAULTS_KEEP !== "1") rmSync(dir, {recursive: true, force: true});
  });

  it("logs ENOSPC clearly, stays up, resumes once space is freed, and its database opens again", async () => {
    mkdirSync(disk);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${DISK_MB}m`, "tmpfs", disk], {stdio: "pipe"});
      mounted = true;
    } catch (e) {
      throw Error(
        `this test needs a small filesystem for the node's data dir: "mount -t tmpfs" failed (run it as root): ${(e as Error).message}`,
      );
    }
    const dataDir = join(disk, "bn");
    const el = await chain.startEngine("el");
    let bn = await chain.startBeacon("bn", {dataDir, engineUrl: el.url});
    const vc = chain.startValidator("vc", bn.api, 0, VALIDATORS - 1);
    const epochMs = SLOT_MS * SLOTS_PER_EPOCH;

    await until(
      "finality before the disk fills",
      12 * epochMs + 60_000,
      async () => {
        const f = await finalizedEpoch(bn.api);
        return f >= 1 ? f : null;
      },
      [el.proc, bn.proc, vc],
    );

    // the disk fills up
    const filler = join(disk, "filler");
    const filled = fill(filler);
    const fullAt = chain.wallSlot;
    const errLine = await bn.proc.waitFor(/ERROR[^\n]*ENOSPC[^\n]*/, 10 * SLOT_MS + 30_000);
    const headAtError = (await head(bn.api)).slot;
    // it stays up while the disk is full (a few slots more), without exiting or restarting
    await sleep(6 * SLOT_MS);
    expect(bn.proc.running).toBe(true);
    expect((await head(bn.api)).slot).toBeLessThanOrEqual(chain.wallSlot);
    const enospcLines = lines(bn.proc, /ENOSPC/).length;

    // space freed: it imports again up to the wall-clock slot
    rmSync(filler);
    const freedAt = chain.wallSlot;
    const resumed = await until(
      "the head to move on after the disk was freed",
      6 * epochMs,
      async () => {
        const h = await head(bn.api);
        return h.slot > freedAt && h.slot >= chain.wallSlot - 1 ? h : null;
      },
      [el.proc, bn.proc, vc],
    );
    const resumeMs = (chain.wallSlot - freedAt) * SLOT_MS;
    const finalizedBefore = await finalizedEpoch(bn.api);

    // a restart on the same data dir: the database opens and the chain goes on
    expect(await bn.proc.kill("SIGTERM")).toBe(0);
    bn = await chain.startBeacon("bn", {dataDir, engineUrl: el.url, restPort: bn.restPort});
    const restartedHead = (await head(bn.api)).slot;
    expect(restartedHead).toBeGreaterThanOrEqual(resumed.slot);
    await until(
      "the restarted node to finalize further",
      8 * epochMs,
      async () => ((await finalizedEpoch(bn.api)) > finalizedBefore ? true : null),
      [el.proc, bn.proc, vc],
    );
    console.log(
      `disk full: ${DISK_MB} MB tmpfs filled with ${(filled / 2 ** 20).toFixed(1)} MB at slot ${fullAt}; ` +
        `node logged "${errLine[0].trim().slice(0, 300)}" (${enospcLines} ENOSPC lines); head at the error ${headAtError}; ` +
        `freed at slot ${freedAt}, head ${resumed.slot} after ~${resumeMs} ms; restart opened the database at head ${restartedHead}`,
    );
  }, 600_000);
});
