/**
 * Known good peers across restarts: `<dataDir>/network/peers.json`, written atomically (temporary file, fsync,
 * rename) so a crash leaves either the old or the new list, never a torn one. A missing or unreadable file is an
 * empty list (with a warning for an unreadable one): the node then relies on bootnodes and discovery.
 */

import {closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync} from "node:fs";
import {dirname} from "node:path";
import type {Logger} from "@ceibo/utils";

export interface PersistedPeer {
  peerId: string;
  /** Dialable multiaddrs (with or without the /p2p/ suffix). */
  multiaddrs: string[];
  /** The peer's ENR, when discovery found it. */
  enr?: string;
  /** Last time (ms since the Unix epoch) the peer was connected and relevant. */
  lastSeen: number;
  /** Our combined score when last seen. */
  score: number;
}

interface PeersFile {
  version: 1;
  peers: PersistedPeer[];
}

/** How many peers the file keeps (most recently seen first). */
export const MAX_PERSISTED_PEERS = 200;

export function loadPersistedPeers(path: string, logger?: Logger): PersistedPeer[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") {
      logger?.warn("Cannot read the peers file", {path, error: (e as Error).message});
    }
    return [];
  }
  try {
    const parsed = JSON.parse(text) as Partial<PeersFile>;
    if (parsed.version !== 1 || !Array.isArray(parsed.peers)) throw Error("not a version 1 peers file");
    return parsed.peers.filter(isPersistedPeer);
  } catch (e) {
    logger?.warn("Ignoring an unreadable peers file", {path, error: (e as Error).message});
    return [];
  }
}

/** Writes the peers (most recently seen first, at most MAX_PERSISTED_PEERS) atomically. */
export function savePersistedPeers(path: string, peers: PersistedPeer[]): void {
  const sorted = [...peers].sort((a, b) => b.lastSeen - a.lastSeen).slice(0, MAX_PERSISTED_PEERS);
  const body: PeersFile = {version: 1, peers: sorted};
  mkdirSync(dirname(path), {recursive: true});
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, `${JSON.stringify(body, null, 1)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function isPersistedPeer(p: unknown): p is PersistedPeer {
  const v = p as PersistedPeer;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.peerId === "string" &&
    Array.isArray(v.multiaddrs) &&
    v.multiaddrs.every((m) => typeof m === "string") &&
    (v.enr === undefined || typeof v.enr === "string") &&
    typeof v.lastSeen === "number" &&
    typeof v.score === "number"
  );
}
