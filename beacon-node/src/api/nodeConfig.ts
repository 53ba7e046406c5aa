/**
 * Beacon API node and config routes (beacon-APIs apis/node/*.yaml, apis/config/*.yaml).
 * Identity, peers and sync status come from the node's p2p network (ctx.network); a node without one (tests,
 * in-process dev chains) answers with an empty identity and no peers.
 */
import {ApiError, type BeaconApiBackend} from "@ceibo/api";
import {forkScheduleOf} from "@ceibo/config";
import * as params from "@ceibo/params";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {BitArray} from "@chainsafe/ssz";
import type {ApiContext} from "./context.ts";

const UINT64_MAX_STRING = "18446744073709551615";

/** A spec value as the config/spec route writes it: decimal strings, 0x hex, 2**64-1 for "never". */
function specString(v: unknown): string | null {
  if (typeof v === "number") return v === Number.POSITIVE_INFINITY ? UINT64_MAX_STRING : String(v);
  if (typeof v === "bigint") return v.toString(10);
  if (typeof v === "string") return v;
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
  return null;
}

/** Every preset value, constant and chain config value (BLOB_SCHEDULE is a list: not a string, left out). */
export function specValues(chainConfig: object): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(k)) continue;
    const s = specString(v);
    if (s !== null) out[k] = s;
  }
  for (const [k, v] of Object.entries(params.ACTIVE_PRESET)) {
    const s = specString(v);
    if (s !== null) out[k] = s;
  }
  for (const [k, v] of Object.entries(chainConfig)) {
    const s = specString(v);
    if (s !== null) out[k] = s;
  }
  // SLOT_DURATION_MS replaced SECONDS_PER_SLOT; validator clients that know only the older key read it (without
  // it they silently assume 12 s or their preset's value): both, when the slot is a whole number of seconds
  const ms = (chainConfig as {SLOT_DURATION_MS?: unknown}).SLOT_DURATION_MS;
  if (typeof ms === "number" && ms > 0 && ms % 1000 === 0 && out.SECONDS_PER_SLOT === undefined) {
    out.SECONDS_PER_SLOT = String(ms / 1000);
  }
  return out;
}

export function nodeConfigHandlers(
  ctx: ApiContext,
): Pick<
  BeaconApiBackend,
  | "getNetworkIdentity"
  | "getPeers"
  | "getPeer"
  | "getPeerCount"
  | "getNodeVersion"
  | "getSyncingStatus"
  | "getHealth"
  | "getSpec"
  | "getForkSchedule"
  | "getDepositContract"
> {
  const chain = ctx.chain;
  const headSyncing = (): boolean => chain.clock.currentSlot > chain.head.slot + SLOTS_PER_EPOCH;
  let spec: Record<string, string> | null = null;
  return {
    async getNetworkIdentity() {
      const id = ctx.network?.identity();
      if (id === undefined) {
        return {
          data: {
            peerId: "",
            enr: "",
            p2pAddresses: [],
            discoveryAddresses: [],
            metadata: {seqNumber: 0n, attnets: BitArray.fromBitLen(64), syncnets: BitArray.fromBitLen(4)},
          },
        };
      }
      const {custodyGroupCount, ...meta} = id.metadata;
      return {
        data: {
          peerId: id.peerId,
          enr: id.enr,
          p2pAddresses: id.p2pAddresses,
          discoveryAddresses: id.discoveryAddresses,
          metadata: {
            seqNumber: meta.seqNumber,
            attnets: BitArray.fromBoolArray(meta.attnets),
            syncnets: BitArray.fromBoolArray(meta.syncnets),
            ...(custodyGroupCount !== undefined ? {custodyGroupCount} : {}),
          },
        },
      };
    },
    async getPeers({state, direction} = {}) {
      const peers = (ctx.network?.peers() ?? []).filter(
        (p) =>
          (state === undefined || state.length === 0 || state.includes(p.state)) &&
          (direction === undefined || direction.length === 0 || direction.includes(p.direction)),
      );
      return {data: peers, meta: {count: peers.length}};
    },
    async getPeer({peerId}) {
      const peer = ctx.network?.peers().find((p) => p.peerId === peerId);
      if (peer === undefined) throw ApiError.notFound(`Peer not found: ${peerId}`);
      return {data: peer};
    },
    async getPeerCount() {
      const counts = {disconnected: 0, connecting: 0, connected: 0, disconnecting: 0};
      for (const p of ctx.network?.peers() ?? []) counts[p.state]++;
      return {data: counts};
    },
    async getNodeVersion() {
      return {data: {version: ctx.opts.version}};
    },
    async getSyncingStatus() {
      const fromSync = ctx.network?.syncing?.();
      if (fromSync != null) return {data: {...fromSync, elOffline: chain.elStatus === "ERROR"}};
      const headSlot = chain.head.slot;
      return {
        data: {
          headSlot,
          syncDistance: Math.max(0, chain.clock.currentSlot - headSlot),
          isSyncing: headSyncing(),
          isOptimistic: chain.head.executionStatus === "syncing",
          elOffline: chain.elStatus === "ERROR",
        },
      };
    },
    async getHealth() {
      return headSyncing() ? "syncing" : "ready";
    },
    async getSpec() {
      spec ??= specValues(chain.config);
      return {data: spec};
    },
    async getForkSchedule() {
      return {
        data: forkScheduleOf(chain.config)
          .filter((f) => f.epoch !== Number.POSITIVE_INFINITY)
          .map((f) => ({previousVersion: f.prevVersion, currentVersion: f.version, epoch: f.epoch})),
      };
    },
    async getDepositContract() {
      return {data: {chainId: chain.config.DEPOSIT_CHAIN_ID, address: chain.config.DEPOSIT_CONTRACT_ADDRESS}};
    },
  };
}
