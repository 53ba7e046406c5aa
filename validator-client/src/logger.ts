import {formatLogLine, type LogFormat} from "@ceibo/config";
import type {Logger} from "@ceibo/utils";

export {type Logger, silentLogger} from "@ceibo/utils";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = {debug: 0, info: 1, warn: 2, error: 3};

/**
 * Lines to stderr (or `write`): time with date and zone, level, `[validator]`, message, key=value context — or
 * one JSON object per line with `format: "json"` (@ceibo/config formatLogLine, shared with the beacon node).
 */
export function createLogger(
  opts: {level?: LogLevel; write?: (line: string) => void; format?: LogFormat; module?: string; now?: () => Date} = {},
): Logger {
  const min = LEVELS[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const format = opts.format ?? "human";
  const module = opts.module ?? "validator";
  const now = opts.now ?? (() => new Date());
  const at = (level: LogLevel) => (msg: string, ctx?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    write(formatLogLine({time: now(), level, module, msg, context: ctx}, format));
  };
  return {debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error")};
}
