/**
 * The log line format both processes write (the beacon node's and the validator client's loggers):
 * - human: `2026-12-06T10:15:42.123+01:00 INFO  [beacon] Imported block slot=12 root=0xab…`
 * - json:  `{"time":"2026-12-06T10:15:42.123+01:00","level":"info","module":"beacon","msg":"Imported block","slot":12,…}`
 *   one object per line; the context's fields follow msg (a field named like time/level/module/msg is written
 *   as `ctx.<name>`).
 * Timestamps are local time with the date and the zone offset. Context fields whose name says they hold a
 * secret (password, secret, mnemonic, private key, token) are written as "[redacted]" — a guard, not a licence:
 * never pass secrets to a logger.
 */

export type LogFormat = "human" | "json";
export const LOG_FORMATS: readonly LogFormat[] = ["human", "json"];

export interface LogRecord {
  time: Date;
  level: "error" | "warn" | "info" | "debug";
  module: string;
  msg: string;
  context?: Record<string, unknown>;
}

const RESERVED = new Set(["time", "level", "module", "msg"]);
/** Field names that hold secrets (matched on the whole name, case-insensitive; "tokenFile" is a path, not one). */
const SECRET_FIELD =
  /^(password|passphrase|secret|.*Secret|mnemonic|seed|privateKey|private_key|secretKey|token|bearer|apiToken)$/i;

/** `2026-12-06T10:15:42.123+01:00`: local time, with the date and the UTC offset. */
export function logTimestamp(d: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

export function formatLogLine(record: LogRecord, format: LogFormat): string {
  const time = logTimestamp(record.time);
  const fields = Object.entries(record.context ?? {}).map(([k, v]): [string, unknown] => [
    k,
    SECRET_FIELD.test(k) ? "[redacted]" : v,
  ]);
  if (format === "json") {
    const obj: Record<string, unknown> = {time, level: record.level, module: record.module, msg: record.msg};
    for (const [k, v] of fields) obj[RESERVED.has(k) ? `ctx.${k}` : k] = jsonValue(v);
    return JSON.stringify(obj);
  }
  const ctx = fields.map(([k, v]) => ` ${k}=${humanValue(v)}`).join("");
  return `${time} ${record.level.toUpperCase().padEnd(5)} [${record.module}] ${record.msg}${ctx}`;
}

function jsonValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Error) return v.message;
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v !== null && typeof v === "object") {
    try {
      return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x)));
    } catch {
      return String(v);
    }
  }
  return v;
}

function humanValue(v: unknown): string {
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === "string") return /\s/.test(v) || v === "" ? JSON.stringify(v) : v;
  return String(v);
}
