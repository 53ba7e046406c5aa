/**
 * Per-keystore lockfiles: `<keystore>.lock` created with O_EXCL holding the owner's pid, so two validator clients
 * never sign with the same key. A lock whose pid is no longer alive is stale and taken over; every lock this
 * process holds is removed on exit.
 */
import {closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync} from "node:fs";
import {KeystoreError} from "./errors.ts";

export interface KeyLock {
  /** Path of the lock file. */
  readonly lockPath: string;
  /** Remove the lock file (idempotent). */
  release(): void;
}

const held = new Map<string, KeyLock>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' runs for normal exits and process.exit(); signal handlers in the process's composition root should
  // call process.exit() so this still runs.
  process.on("exit", releaseAllLocks);
}

/** Whether a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readPid(lockPath: string): number | null {
  try {
    const text = readFileSync(lockPath, "utf8").trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

function tryCreate(lockPath: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx", 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new KeystoreError("IO", `cannot create lock file ${lockPath}: ${(e as Error).message}`, lockPath);
  }
  try {
    writeSync(fd, `${process.pid}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Lock one keystore. Throws KEY_LOCKED when another live process holds it (or this process already does).
 * A stale lock (dead pid, or unreadable content) is moved aside atomically and taken over.
 */
export function acquireKeystoreLock(keystorePath: string): KeyLock {
  const lockPath = `${keystorePath}.lock`;
  if (held.has(lockPath)) {
    throw new KeystoreError(
      "KEY_LOCKED",
      `keystore ${keystorePath} is already in use by this process (lock ${lockPath})`,
      keystorePath,
    );
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(lockPath)) {
      const lock: KeyLock = {
        lockPath,
        release() {
          if (held.get(lockPath) !== lock) return;
          held.delete(lockPath);
          try {
            if (readPid(lockPath) === process.pid) unlinkSync(lockPath);
          } catch {
            // already gone: nothing to release
          }
        },
      };
      held.set(lockPath, lock);
      installExitHook();
      return lock;
    }
    const pid = readPid(lockPath);
    if (pid !== null && pid !== process.pid && isPidAlive(pid)) {
      throw new KeystoreError(
        "KEY_LOCKED",
        `keystore ${keystorePath} is locked by running process ${pid} (lock file ${lockPath}); ` +
          "another validator client is using this key — stop it first, signing with one key from two clients gets you slashed",
        keystorePath,
      );
    }
    // Stale: move it aside (rename is atomic, so only one of several racing processes wins), then re-check that
    // what we moved was really the stale lock and not a fresh one created in between.
    const aside = `${lockPath}.stale-${process.pid}`;
    try {
      renameSync(lockPath, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new KeystoreError("IO", `cannot take over stale lock ${lockPath}: ${(e as Error).message}`, keystorePath);
    }
    const movedPid = readPid(aside);
    if (movedPid !== pid) {
      // We grabbed someone else's fresh lock: put it back and report the key as locked.
      renameSync(aside, lockPath);
      throw new KeystoreError(
        "KEY_LOCKED",
        `keystore ${keystorePath} was just locked by process ${movedPid} (lock file ${lockPath})`,
        keystorePath,
      );
    }
    unlinkSync(aside);
  }
  throw new KeystoreError("KEY_LOCKED", `could not acquire lock ${lockPath} after several attempts`, keystorePath);
}

/** Lock many keystores; on any failure releases those already taken and rethrows. */
export function acquireKeystoreLocks(keystorePaths: string[]): KeyLock[] {
  const locks: KeyLock[] = [];
  try {
    for (const p of keystorePaths) locks.push(acquireKeystoreLock(p));
  } catch (e) {
    for (const l of locks) l.release();
    throw e;
  }
  return locks;
}

/** Release every lock this process holds (also run automatically on process exit). */
export function releaseAllLocks(): void {
  for (const lock of [...held.values()]) lock.release();
}
