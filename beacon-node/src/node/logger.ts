import type {Logger} from "../chain/logger.ts";

export type LogLevel = "error" | "warn" | "info" | "debug";
const LEVELS: LogLevel[] = ["error", "warn", "info", "debug"];

/** One line per record: time, level, message, context as key=value (bigints and byte arrays printed as hex). */
export class ConsoleLogger implements Logger {
  private readonly max: number;
  private readonly write: (line: string) => void;

  constructor(level: LogLevel = "info", write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {
    this.max = LEVELS.indexOf(level);
    this.write = write;
  }

  private log(level: LogLevel, message: string, context?: Record<string, unknown>): void {
    if (LEVELS.indexOf(level) > this.max) return;
    const time = new Date().toISOString().slice(11, 23);
    const ctx =
      context === undefined
        ? ""
        : ` ${Object.entries(context)
            .map(([k, v]) => `${k}=${format(v)}`)
            .join(" ")}`;
    this.write(`${time} ${level.toUpperCase().padEnd(5)} ${message}${ctx}`);
  }

  error(message: string, context?: Record<string, unknown>): void {
    this.log("error", message, context);
  }
  warn(message: string, context?: Record<string, unknown>): void {
    this.log("warn", message, context);
  }
  info(message: string, context?: Record<string, unknown>): void {
    this.log("info", message, context);
  }
  debug(message: string, context?: Record<string, unknown>): void {
    this.log("debug", message, context);
  }
}

function format(v: unknown): string {
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
  if (typeof v === "string") return /\s/.test(v) ? JSON.stringify(v) : v;
  return String(v);
}
