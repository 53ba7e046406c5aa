import {mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {afterAll, describe, expect, it} from "vitest";
import {DOPPELGANGER_EXIT_CODE, RingBuffer, SupervisedChild} from "../src/host/supervisor.ts";
import type {ProcessStatus} from "../src/shared/contract.ts";

const dir = mkdtempSync(join(tmpdir(), "ceibo-sup-"));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** A real tiny child: counts its runs in a file, prints, then exits with the code given. */
function script(name: string, body: string): string {
  const f = join(dir, name);
  writeFileSync(f, body);
  return f;
}

async function until(cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("SupervisedChild", () => {
  it("restarts a crashing child with backoff, then stops after the crash-loop limit", async () => {
    const runs = join(dir, "runs.txt");
    writeFileSync(runs, "");
    const f = script(
      "crash.mjs",
      `import {appendFileSync} from "node:fs"; appendFileSync(${JSON.stringify(runs)}, "x"); console.log("run"); process.exit(1);`,
    );
    const seen: ProcessStatus[] = [];
    const c = new SupervisedChild(
      {name: "beacon", command: process.execPath, args: [f], backoffMs: 50, maxRestarts: 3},
      (s) => seen.push(s),
      () => {},
    );
    c.start();
    await until(() => c.status().state === "failed");
    expect(readFileSync(runs, "utf8")).toBe("xxxx"); // first run + 3 restarts
    expect(c.status().reasonCode).toBe("crashLoop");
    expect(c.status().restarts).toBe(3);
    expect(c.status().lastExitCode).toBe(1);
    expect(seen.some((s) => s.state === "restarting")).toBe(true);
    expect(c.logs.last(100).filter((l) => l.text === "run")).toHaveLength(4);
    const waits = c.logs
      .last(100)
      .map((l) => /restart in (\d+) ms/.exec(l.text)?.[1])
      .filter((x) => x !== undefined)
      .map(Number);
    expect(waits).toEqual([50, 100, 200]);
  });

  it("does not restart the validator client after its doppelganger exit code, and says why", async () => {
    const runs = join(dir, "dg.txt");
    writeFileSync(runs, "");
    const f = script(
      "dg.mjs",
      `import {appendFileSync} from "node:fs"; appendFileSync(${JSON.stringify(runs)}, "x"); process.exit(${DOPPELGANGER_EXIT_CODE});`,
    );
    const c = new SupervisedChild(
      {
        name: "validator",
        command: process.execPath,
        args: [f],
        backoffMs: 20,
        stopCodes: {[DOPPELGANGER_EXIT_CODE]: {code: "doppelganger", state: "doppelganger", reason: "doppelganger!"}},
      },
      () => {},
      () => {},
    );
    c.start();
    await until(() => c.status().state === "doppelganger");
    // give a would-be restart ample time to happen: it must not
    await new Promise((r) => setTimeout(r, 500));
    expect(readFileSync(runs, "utf8")).toBe("x");
    expect(c.status()).toMatchObject({reasonCode: "doppelganger", reason: "doppelganger!", restarts: 0});
  });

  it("treats a doppelganger log line from ceibo dev as a stop, not a crash", async () => {
    const f = script(
      "devdg.mjs",
      `console.error("[vc] error: DOPPELGANGER_DETECTED validator 0x12"); process.exit(1);`,
    );
    const c = new SupervisedChild(
      {name: "dev", command: process.execPath, args: [f], backoffMs: 20, doppelgangerLine: /DOPPELGANGER_DETECTED/},
      () => {},
      () => {},
    );
    c.start();
    await until(() => c.status().state === "doppelganger");
    expect(c.status().restarts).toBe(0);
  });

  it("hands a secret over stdin (not argv/env) and stops a running child on request", async () => {
    const out = join(dir, "stdin.txt");
    const f = script(
      "long.mjs",
      `import {writeFileSync} from "node:fs"; let s=""; process.stdin.on("data",(d)=>{s+=d}); process.stdin.on("end",()=>{writeFileSync(${JSON.stringify(out)}, s); console.log("ready")}); setInterval(()=>{}, 1000);`,
    );
    const c = new SupervisedChild(
      {name: "dev", command: process.execPath, args: [f], stdin: "pw-123456\n"},
      () => {},
      () => {},
    );
    c.start();
    await until(() => c.logs.last(10).some((l) => l.text === "ready"));
    expect(readFileSync(out, "utf8")).toBe("pw-123456\n");
    const pid = c.status().pid!;
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).not.toContain("pw-123456");
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain("pw-123456");
    await c.stop();
    expect(c.status().state).toBe("stopped");
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it("keeps only the last N log lines", () => {
    const b = new RingBuffer<number>(3);
    for (let i = 0; i < 10; i++) b.push(i);
    expect(b.last(10)).toEqual([7, 8, 9]);
    expect(b.last(2)).toEqual([8, 9]);
  });
});
