/**
 * Fault: the machine's wall clock jumps forward one epoch while the chain runs. libfaketime (Debian `faketime`)
 * is preloaded into the engine, beacon node and validator client processes (the project's `node` binary is
 * dynamically linked) with a timestamp file the test rewrites: "+0" at first, then "+16" (8 slots of 2 s). The
 * monotonic clock is left alone (FAKETIME_DONT_FAKE_MONOTONIC), as with a real NTP step. The node must not crash,
 * must log the jump, must keep producing and importing (the skipped slots are just missed) and finalizing, and the
 * validator client must neither be refused by its slashing protection nor sign a slot twice.
 * `npm run test:faults` (FAULTS_TEST=1).
 */
import {existsSync, mkdtempSync, renameSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {finalizedEpoch, head, until} from "../harness/processes.ts";
import {attested, FaultChain, lines, SLOTS_PER_EPOCH, VALIDATORS} from "./chain.ts";

const RUN = process.env.FAULTS_TEST === "1";
const SLOT_MS = Number(process.env.FAULTS_SLOT_MS ?? 2000);
const JUMP_S = (SLOTS_PER_EPOCH * SLOT_MS) / 1000;
const LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

describe.runIf(RUN)("fault: the wall clock jumps forward an epoch", () => {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-fault-clock-"));
  const chain = new FaultChain({dir, slotMs: SLOT_MS});
  const offsetFile = join(dir, "faketime.txt");
  const setOffset = (seconds: number): void => {
    // written beside and renamed: libfaketime never reads a half-written file
    writeFileSync(`${offsetFile}.tmp`, `+${seconds}\n`);
    renameSync(`${offsetFile}.tmp`, offsetFile);
  };

  afterAll(async () => {
    await chain.stop();
    if (process.env.FAULTS_KEEP !== "1") rmSync(dir, {recursive: true, force: true});
  });

  it("keeps running, logs the jump, misses only the skipped slots and signs nothing twice", async () => {
    if (!existsSync(LIBFAKETIME)) {
      throw Error(`${LIBFAKETIME} is missing: install Debian's faketime (apt-get install -y faketime; .ci/run does)`);
    }
    setOffset(0);
    const env = {
      LD_PRELOAD: LIBFAKETIME,
      FAKETIME_TIMESTAMP_FILE: offsetFile,
      // re-read the file at most once a second (reading it on every clock call would slow the processes down)
      FAKETIME_CACHE_DURATION: "1",
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    };
    const el = await chain.startEngine("el", undefined, [], env);
    const bn = await chain.startBeacon("bn", {dataDir: join(dir, "bn"), engineUrl: el.url, env});
    const vc = chain.startValidator("vc", bn.api, 0, VALIDATORS - 1, env);
    const all = [el.proc, bn.proc, vc];
    const epochMs = SLOT_MS * SLOTS_PER_EPOCH;

    const before = await until(
      "finality before the jump",
      12 * epochMs + 60_000,
      async () => {
        const f = await finalizedEpoch(bn.api);
        return f >= 1 ? f : null;
      },
      all,
    );
    const headBefore = await head(bn.api);
    const jumpAt = chain.wallSlot;
    setOffset(JUMP_S);
    const fakeSlot = (): number => chain.wallSlot + JUMP_S / (SLOT_MS / 1000);

    // the node notices and says so
    const jumpLine = await bn.proc.waitFor(/clock jumped forward[^\n]*/i, 30_000);
    // producing and importing go on at the new time: the head reaches the (jumped) wall-clock slot
    const caughtUp = await until(
      "the head to reach the jumped wall-clock slot",
      10 * epochMs,
      async () => {
        const h = await head(bn.api);
        return h.slot >= jumpAt + JUMP_S / 2 && h.slot >= fakeSlot() - 1 ? h : null;
      },
      all,
    );
    const jumpedSlot = fakeSlot();
    // finality continues
    const after = await until(
      "finality to advance after the jump",
      12 * epochMs,
      async () => {
        const f = await finalizedEpoch(bn.api);
        return f > before + 1 ? f : null;
      },
      all,
    );

    // the validator client: nothing refused, no slot attested twice, duties after the jump
    const refused = lines(vc, /slashab|Not attesting|Not proposing|refus/i);
    expect(refused).toEqual([]);
    const votes = attested(vc.output);
    const slots = votes.map((v) => v.slot);
    expect(new Set(slots).size).toBe(slots.length);
    expect(votes.filter((v) => v.slot > fakeSlot() - SLOTS_PER_EPOCH).length).toBeGreaterThan(0);
    // no block proposed twice at a slot either
    const proposals = [...vc.output.matchAll(/Proposed[^\n]*? slot=(\d+)/g)].map((m) => Number(m[1]));
    expect(new Set(proposals).size).toBe(proposals.length);
    for (const p of all) expect(p.running).toBe(true);
    console.log(
      `clock jump: +${JUMP_S} s at slot ${jumpAt} (head ${headBefore.slot}); node logged "${jumpLine[0].trim()}"; ` +
        `head ${caughtUp.slot} at jumped slot ${jumpedSlot}; finalized ${before} → ${after}; ${votes.length} attestation slots, ${proposals.length} proposals`,
    );
  }, 600_000);
});
