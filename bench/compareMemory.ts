/**
 * The memory part of `npm run bench:compare`: bench/memory.ts run once per client, each in a process of its own
 * on the same state file (method: bench/memory.ts and bench/README.md).
 */
import {execFile} from "node:child_process";
import {mkdtempSync, rmSync, writeFileSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";

export interface ClientMemory {
  validators: number;
  decodedPubkeys: number;
  loadMs: number;
  /** Growth of V8 heap used + external memory per validator. */
  heapBytesPerValidator: number;
  /** Growth of the resident set size per validator (also counts native memory: blst keys). */
  rssBytesPerValidator: number;
  heapUsedBytesPerValidator: number;
  externalBytesPerValidator: number;
  arrayBuffersBytesPerValidator: number;
}

function runChild(client: string, stateFile: string): Promise<ClientMemory> {
  const script = join(import.meta.dirname, "memory.ts");
  const args = ["--max-old-space-size=16384", "--expose-gc", script, "--client", client, "--state", stateFile];
  return new Promise((resolve, reject) => {
    // process.execPath: the same Node as this bench (the project's Node 24)
    execFile(process.execPath, args, {maxBuffer: 64 << 20}, (err, stdout, stderr) => {
      if (err !== null) {
        reject(Error(`memory of ${client}: ${stderr.trim().split("\n").pop() ?? err.message}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop() ?? "") as ClientMemory);
      } catch {
        reject(Error(`memory of ${client}: no JSON in its output`));
      }
    });
  });
}

/**
 * Measures both clients on `stateFile` (or on `bytes`, written to a temporary file removed afterwards), one after
 * the other (never at once: each process holds a whole state).
 */
export async function measureMemory(
  source: {stateFile: string} | {bytes: Uint8Array},
  log: (msg: string) => void,
): Promise<{ceibo: ClientMemory; lodestar: ClientMemory}> {
  let dir: string | null = null;
  let stateFile: string;
  if ("stateFile" in source) {
    stateFile = source.stateFile;
  } else {
    dir = mkdtempSync(join(tmpdir(), "ceibo-bench-memory-"));
    stateFile = join(dir, "state.ssz");
    writeFileSync(stateFile, source.bytes);
  }
  try {
    log("memory: ceibo (own process: state, caches, every pubkey decoded)…");
    const ceibo = await runChild("ceibo", stateFile);
    log("memory: Lodestar (own process: state, caches, every pubkey decoded)…");
    const lodestar = await runChild("lodestar", stateFile);
    return {ceibo, lodestar};
  } finally {
    if (dir !== null) rmSync(dir, {recursive: true, force: true});
  }
}
