/**
 * Questions on the terminal for secrets (passwords, mnemonics) — never argv or the environment. On a TTY each
 * question is asked on stderr, hidden input for passwords; when stdin is not a TTY, answers are read line by line
 * from stdin (scripts and tests drive the commands that way), each question still written to stderr.
 */
import {createInterface, type Interface} from "node:readline";

export interface Prompter {
  /** Whether stdin is a terminal. */
  readonly interactive: boolean;
  /** Ask one question; resolves with the answer line (without its newline). */
  ask(question: string, opts?: {hidden?: boolean}): Promise<string>;
  close(): void;
}

export class PromptAborted extends Error {}

export function createPrompter(
  input: NodeJS.ReadStream = process.stdin,
  output: NodeJS.WriteStream = process.stderr,
): Prompter {
  if (input.isTTY) return ttyPrompter(input, output);
  return linePrompter(input, output);
}

function linePrompter(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Prompter {
  let rl: Interface | null = null;
  const lines: string[] = [];
  const waiters: {resolve: (l: string) => void; reject: (e: Error) => void; question: string}[] = [];
  let ended = false;
  const start = (): void => {
    if (rl !== null) return;
    rl = createInterface({input, terminal: false});
    rl.on("line", (line) => {
      const w = waiters.shift();
      if (w) w.resolve(line);
      else lines.push(line);
    });
    rl.on("close", () => {
      ended = true;
      for (const w of waiters.splice(0)) w.reject(new PromptAborted(`stdin ended before an answer to "${w.question}"`));
    });
  };
  return {
    interactive: false,
    ask(question) {
      start();
      output.write(`${question}\n`);
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.reject(new PromptAborted(`stdin ended before an answer to "${question}"`));
      return new Promise((resolve, reject) => waiters.push({resolve, reject, question}));
    },
    close() {
      rl?.close();
      rl = null;
    },
  };
}

function ttyPrompter(input: NodeJS.ReadStream, output: NodeJS.WriteStream): Prompter {
  return {
    interactive: true,
    ask(question, opts = {}) {
      if (!opts.hidden) {
        const rl = createInterface({input, output, terminal: true});
        return new Promise((resolve, reject) => {
          let answered = false;
          rl.once("SIGINT", () => {
            rl.close();
            reject(new PromptAborted("interrupted"));
          });
          rl.question(`${question} `, (answer) => {
            answered = true;
            rl.close();
            resolve(answer);
          });
          rl.once("close", () => {
            if (!answered) reject(new PromptAborted("interrupted"));
          });
        });
      }
      // hidden: raw mode, nothing echoed
      return new Promise((resolve, reject) => {
        output.write(`${question} `);
        let answer = "";
        const wasRaw = input.isRaw;
        input.setRawMode(true);
        input.resume();
        const done = (err: Error | null): void => {
          input.off("data", onData);
          input.setRawMode(wasRaw);
          input.pause();
          output.write("\n");
          if (err) reject(err);
          else resolve(answer);
        };
        const onData = (chunk: Buffer): void => {
          for (const ch of chunk.toString("utf8")) {
            if (ch === "\r" || ch === "\n") {
              done(null);
              return;
            }
            if (ch === "\u0003" || ch === "\u0004") {
              done(new PromptAborted("interrupted"));
              return;
            }
            if (ch === "\u007f" || ch === "\b") answer = [...answer].slice(0, -1).join("");
            else if (ch >= " ") answer += ch;
          }
        };
        input.on("data", onData);
      });
    },
    close() {},
  };
}
