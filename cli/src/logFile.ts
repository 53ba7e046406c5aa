/**
 * `--log-file PATH`: log lines appended to PATH, rotated daily (local time). At the first line of a new day the
 * current file is renamed to `<name>.<YYYY-MM-DD>.<ext>` (the day it holds, e.g. beacon.2026-12-05.log) and a new
 * PATH is started; then only the newest `retention` rotated files are kept (older ones are deleted). A PATH left
 * from an earlier day (a restart) is rotated when the file is opened. Writes are synchronous appends, so a crash
 * loses no line already logged; a failing write (disk full) is reported once on stderr and the process goes on.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import {basename, dirname, extname, join} from "node:path";

export interface LogFileOpts {
  path: string;
  /** Rotated files to keep (0: delete a day's file when it is rotated). */
  retention: number;
  /** The clock (tests inject one instead of waiting for midnight). */
  now?: () => Date;
  /** Where a write failure is reported (default stderr). */
  onError?: (message: string) => void;
}

/** Local calendar day `YYYY-MM-DD` of a date. */
export function localDay(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export class RotatingLogFile {
  readonly path: string;
  private readonly retention: number;
  private readonly now: () => Date;
  private readonly onError: (message: string) => void;
  private fd: number | null = null;
  private day: string;
  private failed = false;

  constructor(opts: LogFileOpts) {
    if (!Number.isSafeInteger(opts.retention) || opts.retention < 0) {
      throw new Error(`log file retention must be a non-negative integer, got ${opts.retention}`);
    }
    this.path = opts.path;
    this.retention = opts.retention;
    this.now = opts.now ?? (() => new Date());
    this.onError = opts.onError ?? ((m) => process.stderr.write(`${m}\n`));
    mkdirSync(dirname(this.path), {recursive: true});
    this.day = localDay(this.now());
    const existing = statSync(this.path, {throwIfNoEntry: false});
    if (existing !== undefined && localDay(existing.mtime) !== this.day) this.rotate(localDay(existing.mtime));
    this.open();
  }

  /** Appends one line (a newline is added). */
  write(line: string): void {
    const day = localDay(this.now());
    if (day !== this.day) {
      this.closeFd();
      this.rotate(this.day);
      this.day = day;
      this.open();
    }
    if (this.fd === null) return;
    try {
      writeSync(this.fd, `${line}\n`);
    } catch (e) {
      if (!this.failed) this.onError(`cannot write the log file ${this.path}: ${(e as Error).message}`);
      this.failed = true;
    }
  }

  close(): void {
    this.closeFd();
  }

  /** The rotated files of this log, oldest first. */
  rotatedFiles(): string[] {
    const {stem, ext} = this.parts();
    const re = new RegExp(`^${escapeRegExp(stem)}\\.(\\d{4}-\\d{2}-\\d{2})(\\.\\d+)?${escapeRegExp(ext)}$`);
    return readdirSync(dirname(this.path))
      .filter((f) => re.test(f))
      .sort((a, b) => {
        const [ma, mb] = [re.exec(a), re.exec(b)] as RegExpExecArray[];
        return ma[1] !== mb[1] ? (ma[1] < mb[1] ? -1 : 1) : Number(ma[2]?.slice(1) ?? 0) - Number(mb[2]?.slice(1) ?? 0);
      })
      .map((f) => join(dirname(this.path), f));
  }

  private parts(): {stem: string; ext: string} {
    const name = basename(this.path);
    const ext = extname(name);
    return {stem: ext === "" ? name : name.slice(0, -ext.length), ext};
  }

  private open(): void {
    try {
      this.fd = openSync(this.path, "a", 0o640);
      this.failed = false;
    } catch (e) {
      throw new Error(
        `cannot open the log file ${this.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }

  private closeFd(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** Renames PATH to its dated name and prunes to `retention` rotated files. */
  private rotate(day: string): void {
    if (!existsSync(this.path)) return;
    const {stem, ext} = this.parts();
    let target = join(dirname(this.path), `${stem}.${day}${ext}`);
    for (let i = 1; existsSync(target); i++) target = join(dirname(this.path), `${stem}.${day}.${i}${ext}`);
    try {
      renameSync(this.path, target);
    } catch (e) {
      this.onError(`cannot rotate the log file ${this.path}: ${(e as Error).message}`);
      return;
    }
    const rotated = this.rotatedFiles();
    for (const old of rotated.slice(0, Math.max(0, rotated.length - this.retention))) {
      try {
        unlinkSync(old);
      } catch (e) {
        this.onError(`cannot delete the old log file ${old}: ${(e as Error).message}`);
      }
    }
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
