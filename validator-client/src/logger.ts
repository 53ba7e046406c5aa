/** A small structured logger: `log.info("Published block", {slot, root})`. Never pass secrets. */
export interface Logger {
  debug(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = {debug: 0, info: 1, warn: 2, error: 3};

function format(ctx: Record<string, unknown> | undefined): string {
  if (ctx === undefined) return "";
  const parts = Object.entries(ctx).map(([k, v]) => `${k}=${v instanceof Error ? v.message : String(v)}`);
  return parts.length > 0 ? ` ${parts.join(" ")}` : "";
}

export function createLogger(opts: {level?: LogLevel; write?: (line: string) => void} = {}): Logger {
  const min = LEVELS[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const at = (level: LogLevel) => (msg: string, ctx?: Record<string, unknown>) => {
    if (LEVELS[level] < min) return;
    write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [validator] ${msg}${format(ctx)}`);
  };
  return {debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error")};
}

export const silentLogger: Logger = {debug() {}, info() {}, warn() {}, error() {}};
