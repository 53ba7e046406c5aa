/**
 * Drives `ceibo keys new|recover` as a real process through its stdin (not a TTY): the password line, then the
 * confirmation words it asks for, read from the mnemonic it printed.
 */
import {spawn} from "node:child_process";
import {readFileSync} from "node:fs";
import {CEIBO, NODE, ROOT} from "../../test/harness/processes.ts";

export interface KeysRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The 24 words `keys new` printed (new only). */
  mnemonic?: string;
  /** The argv the process ran with (from /proc while it ran). */
  cmdline: string;
  /** Its environment (from /proc while it ran). */
  environ: string;
}

const MNEMONIC_LINE = /^ {2}((?:[a-z]+ ){23}[a-z]+)$/m;

/**
 * Runs `ceibo keys <args>`. `lines` are written to stdin one by one as the command asks (each question is a line on
 * stderr ending in "?" or ":"); with `confirm` set (keys new) the answers to "word #N" questions come from the
 * printed mnemonic, `confirm: "wrong"` answers the first one wrongly.
 */
export function runKeys(
  args: string[],
  opts: {lines?: string[]; confirm?: "right" | "wrong"; timeoutMs?: number} = {},
): Promise<KeysRun> {
  const child = spawn(NODE, [CEIBO, "keys", ...args], {cwd: ROOT, stdio: ["pipe", "pipe", "pipe"]});
  const lines = [...(opts.lines ?? [])];
  let stdout = "";
  let stderr = "";
  let answered = 0;
  let cmdline = "";
  let environ = "";
  const readProc = (): void => {
    if (cmdline !== "") return;
    try {
      cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8");
      environ = readFileSync(`/proc/${child.pid}/environ`, "utf8");
    } catch {
      // exited already
    }
  };
  const questions = (): string[] => stderr.split("\n").filter((l) => /[?:]$/.test(l.trim()) && l.trim() !== "");
  const pump = (): void => {
    readProc();
    const qs = questions();
    while (answered < qs.length) {
      const q = qs[answered];
      const m = /word #(\d+)/.exec(q);
      const words = MNEMONIC_LINE.exec(stdout)?.[1].split(" ") ?? [];
      // the mnemonic (stdout) may arrive after the question (stderr): answer once it is there
      if (m !== null && opts.confirm !== undefined && words.length === 0) return;
      answered++;
      if (m !== null && opts.confirm !== undefined) {
        const right = words[Number(m[1]) - 1] ?? "";
        const wrong = words.find((w) => w !== right) ?? "zoo";
        child.stdin.write(`${opts.confirm === "wrong" ? wrong : right}\n`);
      } else {
        const line = lines.shift();
        if (line === undefined) child.stdin.end();
        else child.stdin.write(`${line}\n`);
      }
    }
  };
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
    pump();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
    pump();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(Error(`ceibo keys ${args[0]} did not finish in time:\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 120_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr, mnemonic: MNEMONIC_LINE.exec(stdout)?.[1], cmdline, environ});
    });
  });
}
