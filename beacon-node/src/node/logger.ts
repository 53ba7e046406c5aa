import {formatLogLine, type LogFormat} from "@ceibo/config";
import type {Logger} from "@ceibo/utils";

export type LogLevel = "error" | "warn" | "info" | "debug";
const LEVELS: LogLevel[] = ["error", "warn", "info", "debug"];

export interface ConsoleLoggerOpts {
  /** human (default) or json: one object per line (time, level, module, msg, the context's fields). */
  format?: LogFormat;
  /** Module name in every line (default "beacon"). */
  module?: string;
  /** The clock (tests). */
  now?: () => Date;
}

/**
 * One line per record: time with date and zone, level, module, message, context as key=value (bigints and byte
 * arrays printed as hex) — or the same as a JSON object (`format: "json"`). The line format is @ceibo/config's
 * formatLogLine, shared with the validator client.
 */
export class ConsoleLogger implements Logger {
  private readonly max: number;
  private readonly write: (line: string) => void;
  private readonly format: LogFormat;
  private readonly module: string;
  private readonly now: () => Date;

  constructor(
    level: LogLevel = "info",
    write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
    opts: ConsoleLoggerOpts = {},
  ) {
    this.max = LEVELS.indexOf(level);
    this.write = write;
    this.format = opts.format ?? "human";
    this.module = opts.module ?? "beacon";
    this.now = opts.now ?? (() => new Date());
  }

  private log(level: LogLevel, message: string, context?: Record<string, unknown>): void {
    if (LEVELS.indexOf(level) > this.max) return;
    this.write(formatLogLine({time: this.now(), level, module: this.module, msg: message, context}, this.format));
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
