/**
 * A dev-only peer block list (`ceibo beacon --network dev --dev.peer-block-list FILE`), for simulating network
 * splits on one machine: the peers listed in FILE (one peer id per line; blank lines and `#` comments ignored)
 * are refused by the connection gater (no dial, no inbound or outbound connection once the peer's identity is
 * known) and their open connections are closed. The file is re-read whenever it changes (polled), so a test can
 * split the network and heal it at runtime; a missing file is an empty list.
 *
 * A file that does not parse when the node starts stops the start with an error naming the line; one that does
 * not parse later is reported and the list in force stays as it was.
 */

import {readFileSync, statSync} from "node:fs";
import type {Logger} from "@ceibo/utils";
import {peerIdFromString} from "@libp2p/peer-id";
import type {PeerIdStr} from "../types.ts";

/** The peer ids of a block-list file's text; throws naming the first line that is not a peer id. */
export function parsePeerBlockList(text: string, file: string): Set<PeerIdStr> {
  const peers = new Set<PeerIdStr>();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    try {
      peers.add(peerIdFromString(line).toString());
    } catch {
      throw Error(`${file} line ${i + 1}: "${line.slice(0, 60)}" is not a peer id`);
    }
  }
  return peers;
}

export interface PeerBlockListChange {
  blocked: PeerIdStr[];
  unblocked: PeerIdStr[];
}

export class PeerBlockList {
  readonly file: string;
  private peers: Set<PeerIdStr>;
  private stamp: string;
  private timer: NodeJS.Timeout | null = null;
  private readonly logger: Logger;
  private readonly pollMs: number;

  /** Reads the file now (throws on a malformed file). */
  constructor(file: string, logger: Logger, pollMs = 500) {
    this.file = file;
    this.logger = logger;
    this.pollMs = pollMs;
    this.stamp = this.fileStamp();
    this.peers = this.read();
  }

  has(peer: PeerIdStr): boolean {
    return this.peers.has(peer);
  }

  get size(): number {
    return this.peers.size;
  }

  /** Polls the file; `onChange` gets the peers newly blocked (to disconnect) and newly allowed. */
  start(onChange: (change: PeerBlockListChange) => void): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      const stamp = this.fileStamp();
      if (stamp === this.stamp) return;
      this.stamp = stamp;
      let next: Set<PeerIdStr>;
      try {
        next = this.read();
      } catch (e) {
        this.logger.warn("Peer block list not reloaded", {error: (e as Error).message});
        return;
      }
      const blocked = [...next].filter((p) => !this.peers.has(p));
      const unblocked = [...this.peers].filter((p) => !next.has(p));
      this.peers = next;
      this.logger.info("Peer block list reloaded", {
        file: this.file,
        peers: next.size,
        blocked: blocked.length,
        unblocked: unblocked.length,
      });
      onChange({blocked, unblocked});
    }, this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private read(): Set<PeerIdStr> {
    let text: string;
    try {
      text = readFileSync(this.file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Set();
      throw Error(`${this.file}: ${(e as Error).message}`);
    }
    return parsePeerBlockList(text, this.file);
  }

  /** Modification time, size and inode: changes whenever the file is rewritten or replaced. */
  private fileStamp(): string {
    try {
      const s = statSync(this.file, {bigint: true});
      return `${s.mtimeNs}:${s.size}:${s.ino}`;
    } catch {
      return "missing";
    }
  }
}
