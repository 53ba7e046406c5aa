/**
 * Fault: the beacon node is suspended (SIGSTOP) for 30 s while the chain runs, then continued (SIGCONT). It must
 * catch up: its head back at the wall-clock slot, finality moving on, the validator client attesting again.
 * `npm run test:faults` (FAULTS_TEST=1).
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {sleep} from "@ceibo/utils";
import {afterAll, describe, expect, it} from "vitest";
import {finalizedEpoch, head, until} from "../harness/processes.ts";
import {attested, FaultChain, SLOTS_PER_EPOCH, VALIDATORS} from "./chain.ts";

const RUN = process.env.FAULTS_TEST === "1";
const SLOT_MS = Number(process.env.FAULTS_SLOT_MS ?? 2000);

describe.runIf(RUN)("fault: beacon node suspended for 30 s", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-fault-suspend-"));
  const chain = new FaultChain({dir, slotMs: SLOT_MS});

  afterAll(async () => {
    await chain.stop();
    if (process.env.FAULTS_KEEP !== "1") rmSync(dir, {recursive: true, force: true});
  });

  it("catches up after SIGSTOP/SIGCONT: head at the wall-clock slot, finality continues, duties resume", async () => {
    const el = await chain.startEngine("el");
    const bn = await chain.startBeacon("bn", {dataDir: join(dir, "bn"), engineUrl: el.url});
    const vc = chain.startValidator("vc", bn.api, 0, VALIDATORS - 1);
    const all = [el.proc, bn.proc, vc];
    const epochMs = SLOT_MS * SLOTS_PER_EPOCH;

    // the chain finalizes before the fault
    const before = await until(
      "finality before the suspension",
      12 * epochMs + 60_000,
      async () => {
        const f = await finalizedEpoch(bn.api);
        return f >= 1 ? f : null;
      },
      all,
    );

    const pid = bn.proc.child.pid as number;
    const stoppedAt = chain.wallSlot;
    process.kill(pid, "SIGSTOP");
    const t0 = Date.now();
    await sleep(30_000);
    process.kill(pid, "SIGCONT");
    const resumedAt = chain.wallSlot;
    expect(resumedAt - stoppedAt).toBeGreaterThanOrEqual(30_000 / SLOT_MS - 1);

    // the head reaches the wall-clock slot again (at most one slot behind)
    const caughtUp = await until(
      "the head to reach the wall-clock slot",
      10 * epochMs,
      async () => {
        const h = await head(bn.api);
        return h.slot >= resumedAt && h.slot >= chain.wallSlot - 1 ? h : null;
      },
      all,
    );
    const catchUpMs = Date.now() - t0 - 30_000;

    // finality moves past where it was before the suspension
    const after = await until(
      "finality to advance after the suspension",
      12 * epochMs,
      async () => {
        const f = await finalizedEpoch(bn.api);
        return f > before && f >= Math.floor(resumedAt / SLOTS_PER_EPOCH) - 2 ? f : null;
      },
      all,
    );

    // the validator client attested again after the node came back
    const late = attested(vc.output).filter((a) => a.slot > resumedAt);
    expect(late.length).toBeGreaterThan(0);
    for (const p of all) expect(p.running).toBe(true);
    console.log(
      `suspend: stopped at slot ${stoppedAt}, continued at ${resumedAt}, head ${caughtUp.slot} within ${catchUpMs} ms, ` +
        `finalized ${before} → ${after}, ${late.length} attestation slots after`,
    );
  }, 600_000);
});
