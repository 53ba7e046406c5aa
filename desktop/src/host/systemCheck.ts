/**
 * The onboarding system check: free disk against the chosen network's needs, RAM, CPU cores, the p2p port,
 * and the clock. Each item is pass / warn / fail with the measured value; the renderer says what to do.
 *
 * Needs (consensus + execution client on the same disk, as home stakers run them; ethereum.org's hardware
 * guidance for a full node: 2 TB SSD, 16 GB RAM, 4 cores): fail below what the beacon node alone needs,
 * warn below the pair's recommendation.
 */

import {createSocket} from "node:dgram";
import {existsSync, statfsSync} from "node:fs";
import {createServer as createTcp} from "node:net";
import {availableParallelism, totalmem} from "node:os";
import type {CheckLevel, NetworkName, SystemCheckItem} from "../shared/contract.ts";

export interface NetworkNeeds {
  /** GB: below failGb fail, below warnGb warn. */
  disk: {failGb: number; warnGb: number};
  ramGb: {fail: number; warn: number};
  cores: {fail: number; warn: number};
}

export const NETWORK_NEEDS: Record<NetworkName, NetworkNeeds> = {
  mainnet: {disk: {failGb: 300, warnGb: 2000}, ramGb: {fail: 8, warn: 16}, cores: {fail: 2, warn: 4}},
  hoodi: {disk: {failGb: 100, warnGb: 500}, ramGb: {fail: 8, warn: 16}, cores: {fail: 2, warn: 4}},
  sepolia: {disk: {failGb: 100, warnGb: 500}, ramGb: {fail: 8, warn: 16}, cores: {fail: 2, warn: 4}},
  dev: {disk: {failGb: 1, warnGb: 5}, ramGb: {fail: 2, warn: 4}, cores: {fail: 1, warn: 2}},
};

/** The libp2p port `ceibo beacon` listens on by default (TCP + UDP for discv5). */
export const P2P_PORT = 9000;

/** Clock offset limits (seconds): attestations are due 4 s into a 12 s slot. */
export const CLOCK_WARN_S = 0.5;
export const CLOCK_FAIL_S = 2;

const GB = 1024 ** 3;

export function grade(value: number, fail: number, warn: number): CheckLevel {
  return value < fail ? "fail" : value < warn ? "warn" : "pass";
}

export function diskItem(freeBytes: number, network: NetworkName): SystemCheckItem {
  const n = NETWORK_NEEDS[network].disk;
  const freeGb = Math.floor(freeBytes / GB);
  return {id: "disk", level: grade(freeBytes / GB, n.failGb, n.warnGb), values: {freeGb, needGb: n.warnGb}};
}

export function ramItem(totalBytes: number, network: NetworkName): SystemCheckItem {
  const n = NETWORK_NEEDS[network].ramGb;
  // installed RAM shows as a little less than the marketing size (firmware reserves some): round first
  const gb = Math.round((totalBytes / GB) * 10) / 10;
  return {id: "ram", level: grade(Math.round(gb), n.fail, n.warn), values: {gb, needGb: n.warn}};
}

export function cpuItem(cores: number, network: NetworkName): SystemCheckItem {
  const n = NETWORK_NEEDS[network].cores;
  return {id: "cpu", level: grade(cores, n.fail, n.warn), values: {cores, need: n.warn}};
}

/** Offset (s) of this machine's clock against a reference; null = no reference could be asked. */
export function clockItem(offsetS: number | null, syncedFlag: boolean): SystemCheckItem {
  if (offsetS === null) {
    return {id: "clock", level: syncedFlag ? "pass" : "warn", values: {source: syncedFlag ? "ntp" : "none"}};
  }
  const a = Math.abs(offsetS);
  const level: CheckLevel = a >= CLOCK_FAIL_S ? "fail" : a >= CLOCK_WARN_S ? "warn" : "pass";
  return {id: "clock", level, values: {source: "http", offsetMs: Math.round(offsetS * 1000)}};
}

/** Is `port` free on all interfaces, TCP and UDP? */
export async function portFree(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((res) => {
    const s = createTcp();
    s.once("error", () => res(false));
    s.listen(port, "0.0.0.0", () => s.close(() => res(true)));
  });
  if (!tcp) return false;
  return await new Promise<boolean>((res) => {
    const u = createSocket("udp4");
    u.once("error", () => {
      u.close();
      res(false);
    });
    u.bind(port, "0.0.0.0", () => u.close(() => res(true)));
  });
}

/**
 * The clock against a remote server's HTTP `Date` header (1 s resolution: the midpoint of the request is
 * compared with the header + 0.5 s), so only offsets of about a second or more are seen — enough to catch a
 * clock that would make attestations late. Loopback references are skipped (same clock).
 */
export async function httpClockOffset(url: string, timeoutMs = 5000): Promise<number | null> {
  const u = new URL(url);
  if (u.hostname === "127.0.0.1" || u.hostname === "localhost" || u.hostname === "::1") return null;
  try {
    const t0 = Date.now();
    const r = await fetch(u.origin, {method: "HEAD", signal: AbortSignal.timeout(timeoutMs)});
    const t1 = Date.now();
    const date = r.headers.get("date");
    if (date === null) return null;
    const server = Date.parse(date) + 500;
    if (!Number.isFinite(server)) return null;
    return ((t0 + t1) / 2 - server) / 1000;
  } catch {
    return null;
  }
}

/** systemd-timesyncd marks a synchronised clock with this file (no NTP query of our own needed). */
export const TIMESYNC_FLAG = "/run/systemd/timesync/synchronized";

export async function systemCheck(opts: {
  dataDir: string;
  network: NetworkName;
  /** The p2p port is in use by ceibo's own node (then "in use" is expected). */
  ownNodeRunning: boolean;
  /** A remote URL to compare the clock with (checkpoint sync / beacon node), if any. */
  clockReference: string | null;
}): Promise<SystemCheckItem[]> {
  const st = statfsSync(opts.dataDir);
  const free = await portFree(P2P_PORT);
  const offset = opts.clockReference === null ? null : await httpClockOffset(opts.clockReference);
  return [
    diskItem(st.bavail * st.bsize, opts.network),
    ramItem(totalmem(), opts.network),
    cpuItem(availableParallelism(), opts.network),
    {
      id: "p2pPort",
      level: free || opts.ownNodeRunning ? "pass" : "warn",
      values: {port: P2P_PORT, state: free ? "free" : opts.ownNodeRunning ? "ceibo" : "used"},
    },
    clockItem(offset, existsSync(TIMESYNC_FLAG)),
  ];
}
