import {readFileSync, rmSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {DbError} from "./errors.ts";

/**
 * Who holds a chain database. LevelDB locks its directory with an fcntl lock on the LOCK file, which stops a
 * second process. Inside one process LevelDB only keeps a set of locked names — and a second open of the same
 * path in the same process CLOSES its file descriptor of LOCK, which (POSIX fcntl semantics) silently releases
 * the process's lock for the first handle too. So a second open in-process must never reach LevelDB: the
 * registry below refuses it first.
 */
const openInThisProcess = new Set<string>();

export const PID_FILE = "ceibo.pid";

export function acquireInProcess(location: string): void {
  if (openInThisProcess.has(location)) throw lockedError(location, process.pid, true);
  openInThisProcess.add(location);
}

export function releaseInProcess(location: string): void {
  openInThisProcess.delete(location);
}

/** Records this process as the holder (read back only to word the error another process gets). */
export function writePidFile(location: string): void {
  try {
    writeFileSync(join(location, PID_FILE), `${process.pid}\n`);
  } catch {
    // the pid file only improves an error message; LevelDB's LOCK is what excludes other processes
  }
}

export function removePidFile(location: string): void {
  rmSync(join(location, PID_FILE), {force: true});
}

export function readPidFile(location: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(join(location, PID_FILE), "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function lockedError(location: string, pid: number | null, sameProcess = false, cause?: unknown): DbError {
  if (sameProcess) {
    return new DbError("LOCKED", `database ${location} is already open in this process (pid ${pid}) — close it first`);
  }
  const holder = `pid ${pid === null ? "unknown" : `${pid}?`}`;
  return new DbError(
    "LOCKED",
    `database ${location} is locked by another process (${holder}) — is another ceibo beacon running with this --data-dir?`,
    {cause},
  );
}
