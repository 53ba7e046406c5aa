/**
 * Crash safety: a child process records blocks and attestations (fsync on) in a loop and is SIGKILLed at a
 * random moment. Reopening must give a consistent store that refuses every slashable signature against
 * anything the child was told was recorded.
 */
import {spawn} from "node:child_process";
import {mkdtemp, rm} from "node:fs/promises";
import {tmpdir} from "node:os";
import path from "node:path";
import {describe, expect, it} from "vitest";
import {SLASHABLE_CODES, SlashingProtection, SlashingProtectionError} from "../src/index.ts";
import {GVR, root} from "./helpers.ts";

const WRITER = path.join(import.meta.dirname, "fixtures/crashWriter.ts");
const PK = "0x" + "aa".repeat(48);
const IMPORTED = "0x" + "bb".repeat(48);

/** Run the writer, kill it `killAfterMs` after it is ready, and return the acknowledged writes. */
function runAndKill(dir: string, killAfterMs: number): Promise<{A: number[]; B: number[]; I: number[]}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir], {stdio: ["ignore", "pipe", "pipe"]});
    const acks = {A: [] as number[], B: [] as number[], I: [] as number[]};
    let buffer = "";
    let stderr = "";
    let killed = false;
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line === "READY") {
          setTimeout(() => {
            killed = true;
            child.kill("SIGKILL");
          }, killAfterMs);
        }
        const [kind, n] = line.split(" ");
        if (kind === "A" || kind === "B" || kind === "I") acks[kind].push(Number(n));
      }
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("exit", (code, signal) => {
      if (killed && signal === "SIGKILL") resolve(acks);
      else reject(new Error(`writer exited with ${code ?? signal}: ${stderr}`));
    });
  });
}

async function refusedCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SlashingProtectionError) return e.code;
    throw e;
  }
  return "ALLOWED";
}

describe("crash safety", () => {
  for (const run of [1, 2, 3]) {
    it(`survives SIGKILL at a random moment (run ${run})`, async () => {
      const dir = await mkdtemp(path.join(tmpdir(), "ceibo-sp-crash-"));
      try {
        const acks = await runAndKill(dir, 150 + Math.floor(Math.random() * 600));
        expect(acks.A.length).toBeGreaterThan(0);
        console.log(
          `crash run: killed after ${acks.A.length} attestations, ${acks.B.length} blocks, ${acks.I.length} imports`,
        );
        const store = await SlashingProtection.open({path: dir, genesisValidatorsRoot: GVR});
        try {
          expect(await store.checkConsistency()).toEqual([]);
          for (const i of acks.A) {
            // Recorded with its root: the identical message is a repeat, any other is refused.
            expect(await store.checkAndInsertAttestation(PK, i, i + 1, root(i))).toBe("repeat");
            expect(await refusedCode(store.checkAndInsertAttestation(PK, i, i + 1, root(i + 1e6)))).toBe("DOUBLE_VOTE");
          }
          for (const i of acks.B) {
            expect(await store.checkAndInsertBlock(PK, i, root(i))).toBe("repeat");
            expect(await refusedCode(store.checkAndInsertBlock(PK, i, root(i + 1e6)))).toBe("DOUBLE_BLOCK");
          }
          const last = acks.A[acks.A.length - 1];
          const surround = await refusedCode(store.checkAndInsertAttestation(PK, 0, last + 10, root(7)));
          expect(SLASHABLE_CODES.has(surround as never)).toBe(true);
          const exported = await store.exportInterchange(GVR, [IMPORTED]);
          const importedSlots = new Set(exported.data[0]?.signed_blocks.map((b) => Number(b.slot)) ?? []);
          for (const i of acks.I) expect(importedSlots.has(i)).toBe(true);
          // Writing goes on where the child stopped.
          expect(await store.checkAndInsertAttestation(PK, last + 5, last + 6, root(1))).toBe("new");
        } finally {
          await store.close();
        }
      } finally {
        await rm(dir, {recursive: true, force: true});
      }
    });
  }
});
