/**
 * The duty watcher: records what the host sees each slot and, once an epoch's messages had their chance to be
 * included, reads each duty's outcome from the chain and explains every missed or late one (dutiesClassify.ts).
 *
 * Recorded each slot (in memory, the last 4096 slots): the validator client's state (`vcState()`: the
 * supervisor's, or whether its Keymanager API answers), whether the beacon node's API answers, `is_syncing`,
 * `sync_distance` and `el_offline` (/eth/v1/node/syncing), connected peers (/eth/v1/node/peer_count; null when
 * the node runs without p2p, as a single-node dev network does). Block arrival: the node's `block` events
 * (/eth/v1/events), timed by the host when they arrive — the node's import time as the host sees it, not the
 * gossip arrival (the node has no block_gossip source yet).
 *
 * Outcomes (epoch E, evaluated when the head is 2 epochs past E's start, so inclusions up to 1 epoch late count):
 * - attestations: the committees of E (/eth/v1/beacon/states/{slot}/committees), the canonical blocks of the
 *   next SLOTS_PER_EPOCH slots (/eth/v2/beacon/blocks/{slot}); first inclusion → distance; voted head vs the
 *   canonical block at the slot (/eth/v1/beacon/headers), target vs the epoch boundary block; a voted head the
 *   node knows as non-canonical → reorged.
 * - proposals: /eth/v1/validator/duties/proposer/E; the slot's canonical header by that proposer, or a `block`
 *   event of that slot the chain did not keep (orphaned).
 * - sync committee: /eth/v1/beacon/rewards/sync_committee/{slot + 1} (a negative reward = the message of `slot`
 *   was missing from the next block's sync aggregate).
 * Explanations are appended to `<dataDir>/duties/duties-<gvr 16 hex>.jsonl` (one per missed/late duty, never twice).
 */
import {closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync} from "node:fs";
import {join} from "node:path";
import type {DutyRecord} from "../shared/monitorTypes.ts";
import {beaconData, beaconDataOrNull} from "./beaconFetch.ts";
import {type BlockArrival, classifyDuty, type DutyOutcome, type SlotSample} from "./dutiesClassify.ts";

export interface ChainParams {
  genesisTimeMs: number;
  slotMs: number;
  slotsPerEpoch: number;
  genesisValidatorsRoot: string;
}

const MAX_SAMPLES = 4096;

export async function readChainParams(beaconUrl: string): Promise<ChainParams> {
  const g = await beaconData<{genesis_time: string; genesis_validators_root: string}>(
    beaconUrl,
    "/eth/v1/beacon/genesis",
  );
  const spec = await beaconData<Record<string, string>>(beaconUrl, "/eth/v1/config/spec");
  const slotMs =
    spec.SLOT_DURATION_MS !== undefined ? Number(spec.SLOT_DURATION_MS) : Number(spec.SECONDS_PER_SLOT) * 1000;
  return {
    genesisTimeMs: Number(g.genesis_time) * 1000,
    slotMs,
    slotsPerEpoch: Number(spec.SLOTS_PER_EPOCH),
    genesisValidatorsRoot: g.genesis_validators_root,
  };
}

/** Bit `i` of an SSZ bitlist/bitvector in 0x-hex (little-endian bit order within each byte). */
export function bitAt(hex: string, i: number): boolean {
  const byte = Number.parseInt(hex.slice(2 + 2 * (i >> 3), 4 + 2 * (i >> 3)), 16);
  return Number.isFinite(byte) && ((byte >> (i & 7)) & 1) === 1;
}

interface Committee {
  index: string;
  slot: string;
  validators: string[];
}
interface AttestationJson {
  aggregation_bits: string;
  committee_bits?: string;
  data: {slot: string; index: string; beacon_block_root: string; target: {epoch: string; root: string}};
}
interface BlockJson {
  message: {slot: string; proposer_index: string; body: {attestations: AttestationJson[]}};
}
interface HeaderJson {
  root: string;
  canonical: boolean;
  header: {message: {slot: string; proposer_index: string}};
}

/** The participants' validator indices of one attestation (electra committee_bits, or phase0 data.index). */
export function attesters(att: AttestationJson, committeesAtSlot: Committee[]): number[] {
  const byIndex = new Map(committeesAtSlot.map((c) => [Number(c.index), c.validators.map(Number)]));
  const out: number[] = [];
  if (att.committee_bits !== undefined) {
    let offset = 0;
    for (let ci = 0; ci < (att.committee_bits.length - 2) * 4; ci++) {
      if (!bitAt(att.committee_bits, ci)) continue;
      const members = byIndex.get(ci) ?? [];
      members.forEach((v, pos) => {
        if (bitAt(att.aggregation_bits, offset + pos)) out.push(v);
      });
      offset += members.length;
    }
  } else {
    const members = byIndex.get(Number(att.data.index)) ?? [];
    members.forEach((v, pos) => {
      if (bitAt(att.aggregation_bits, pos)) out.push(v);
    });
  }
  return out;
}

export interface DutyWatcherOptions {
  dataDir: string;
  beaconUrl: () => string | null;
  vcState: () => Promise<SlotSample["vc"]>;
  /** The user's validators (pubkeys 0x…). */
  pubkeys: () => Promise<string[]>;
  onRecord?: (r: DutyRecord) => void;
}

export class DutyWatcher {
  private readonly opts: DutyWatcherOptions;
  private params: ChainParams | null = null;
  private p2p: boolean | null = null;
  private readonly samples = new Map<number, SlotSample>();
  private readonly arrivals = new Map<number, {root: string; offsetMs: number}[]>();
  private records: DutyRecord[] = [];
  private readonly recorded = new Set<string>();
  private file: string | null = null;
  /** Epochs already evaluated (this run). */
  private readonly evaluated = new Set<number>();
  /** First slot watched in this run: epochs before it are not evaluated (nothing was seen then). */
  private firstSlot: number | null = null;
  private events: AbortController | null = null;
  private busy = false;

  constructor(opts: DutyWatcherOptions) {
    this.opts = opts;
  }

  chainParams(): ChainParams | null {
    return this.params;
  }

  list(): DutyRecord[] {
    return [...this.records];
  }

  samplesList(): SlotSample[] {
    return [...this.samples.values()].sort((a, b) => a.slot - b.slot);
  }

  currentSlot(): number | null {
    if (this.params === null) return null;
    return Math.floor((Date.now() - this.params.genesisTimeMs) / this.params.slotMs);
  }

  private openFile(gvr: string): void {
    const dir = join(this.opts.dataDir, "duties");
    mkdirSync(dir, {recursive: true, mode: 0o700});
    this.file = join(dir, `duties-${gvr.slice(2, 18)}.jsonl`);
    this.records = [];
    this.recorded.clear();
    if (!existsSync(this.file)) return;
    for (const line of readFileSync(this.file, "utf8").split("\n")) {
      try {
        const r = JSON.parse(line) as DutyRecord;
        const key = `${r.kind}/${r.slot}/${r.validatorIndex}`;
        if (!this.recorded.has(key)) {
          this.recorded.add(key);
          this.records.push(r);
        }
      } catch {
        // a torn last line
      }
    }
  }

  private record(r: DutyRecord): void {
    const key = `${r.kind}/${r.slot}/${r.validatorIndex}`;
    if (this.recorded.has(key) || this.file === null) return;
    this.recorded.add(key);
    this.records.push(r);
    const fd = openSync(this.file, "a", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(r)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.opts.onRecord?.(r);
  }

  /** One sample of this slot (call about once per slot). */
  async sample(): Promise<void> {
    const url = this.opts.beaconUrl();
    const vc = await this.opts.vcState();
    if (url === null) return;
    if (this.params === null) {
      try {
        this.params = await readChainParams(url);
        this.openFile(this.params.genesisValidatorsRoot);
        this.subscribe(url);
      } catch {
        return; // node not up yet: nothing to place samples on
      }
    }
    const slot = this.currentSlot() as number;
    if (slot < 0) return; // before genesis: no duties yet
    if (this.firstSlot === null) this.firstSlot = slot;
    const s: SlotSample = {
      slot,
      vc,
      bnReachable: false,
      isSyncing: null,
      syncDistance: null,
      peers: null,
      elOffline: null,
    };
    try {
      const sy = await beaconData<{is_syncing: boolean; sync_distance: string; el_offline?: boolean}>(
        url,
        "/eth/v1/node/syncing",
        undefined,
        3000,
      );
      s.bnReachable = true;
      s.isSyncing = sy.is_syncing;
      s.syncDistance = Number(sy.sync_distance);
      s.elOffline = sy.el_offline ?? null;
      if (this.p2p === null) {
        const id = await beaconData<{p2p_addresses: string[]}>(url, "/eth/v1/node/identity", undefined, 3000);
        this.p2p = id.p2p_addresses.length > 0;
      }
      if (this.p2p) {
        const pc = await beaconData<{connected: string}>(url, "/eth/v1/node/peer_count", undefined, 3000);
        s.peers = Number(pc.connected);
      }
    } catch {
      // not answering: bnReachable stays false
    }
    // a sample taken late in the slot still describes it; keep the worst of two samples of one slot
    const prev = this.samples.get(slot);
    if (prev === undefined || prev.vc !== "stopped") this.samples.set(slot, s);
    if (this.samples.size > MAX_SAMPLES) this.samples.delete(Math.min(...this.samples.keys()));
  }

  /** The node's block events, timed on arrival. */
  private subscribe(url: string): void {
    const ac = new AbortController();
    this.events = ac;
    const run = async (): Promise<void> => {
      while (!ac.signal.aborted) {
        try {
          const r = await fetch(`${url}/eth/v1/events?topics=block`, {
            headers: {accept: "text/event-stream"},
            signal: ac.signal,
          });
          if (r.body === null) throw new Error("no body");
          const dec = new TextDecoder();
          let buf = "";
          for await (const chunk of r.body as unknown as AsyncIterable<Uint8Array>) {
            buf += dec.decode(chunk, {stream: true});
            let i = buf.indexOf("\n\n");
            while (i !== -1) {
              const ev = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const data = /^data: ?(.*)$/m.exec(ev)?.[1];
              if (data !== undefined && this.params !== null) {
                const m = JSON.parse(data) as {slot: string; block: string};
                const slot = Number(m.slot);
                const offsetMs = Date.now() - (this.params.genesisTimeMs + slot * this.params.slotMs);
                const list = this.arrivals.get(slot) ?? [];
                if (!list.some((x) => x.root === m.block)) list.push({root: m.block, offsetMs});
                this.arrivals.set(slot, list);
                if (this.arrivals.size > MAX_SAMPLES) this.arrivals.delete(Math.min(...this.arrivals.keys()));
              }
              i = buf.indexOf("\n\n");
            }
          }
        } catch {
          // node restarting: try again
        }
        if (!ac.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
      }
    };
    void run();
  }

  /** Evaluates every finished epoch not evaluated yet (those after the host started watching). */
  async evaluate(): Promise<void> {
    const url = this.opts.beaconUrl();
    const p = this.params;
    if (url === null || p === null || this.firstSlot === null || this.busy) return;
    this.busy = true;
    try {
      const head = await beaconData<HeaderJson>(url, "/eth/v1/beacon/headers/head");
      const headSlot = Number(head.header.message.slot);
      const pubkeys = await this.opts.pubkeys();
      if (pubkeys.length === 0) return;
      const vals = await beaconData<{index: string}[]>(
        url,
        `/eth/v1/beacon/states/head/validators?id=${pubkeys.join(",")}`,
      );
      const mine = new Set(vals.map((v) => Number(v.index)));
      if (mine.size === 0) return;
      const firstEpoch = Math.ceil(this.firstSlot / p.slotsPerEpoch);
      for (let e = firstEpoch; (e + 2) * p.slotsPerEpoch <= headSlot; e++) {
        if (this.evaluated.has(e)) continue;
        await this.evaluateEpoch(url, e, mine);
        this.evaluated.add(e);
      }
    } catch {
      // node busy or restarting: next time
    } finally {
      this.busy = false;
    }
  }

  private async evaluateEpoch(url: string, epoch: number, mine: Set<number>): Promise<void> {
    const p = this.params as ChainParams;
    const spe = p.slotsPerEpoch;
    const start = epoch * spe;
    const blocks = new Map<number, BlockJson | null>();
    const block = async (slot: number): Promise<BlockJson | null> => {
      if (!blocks.has(slot)) blocks.set(slot, await beaconDataOrNull<BlockJson>(url, `/eth/v2/beacon/blocks/${slot}`));
      return blocks.get(slot) ?? null;
    };
    const headers = new Map<string, HeaderJson | null>();
    const header = async (id: string | number): Promise<HeaderJson | null> => {
      const k = String(id);
      if (!headers.has(k)) headers.set(k, await beaconDataOrNull<HeaderJson>(url, `/eth/v1/beacon/headers/${k}`));
      return headers.get(k) ?? null;
    };
    /** get_block_root_at_slot on the canonical chain: the latest canonical block at or before `slot`. */
    const canonicalRootAt = async (slot: number): Promise<string | null> => {
      for (let s = slot; s >= Math.max(0, slot - 4 * spe); s--) {
        const h = await header(s);
        if (h !== null) return h.root;
      }
      return null;
    };
    const ctxFor = (slot: number) => {
      const samples = [this.samples.get(slot - 1), this.samples.get(slot)].filter((x): x is SlotSample => !!x);
      const canonicalArrival = this.arrivals.get(slot);
      let arrival: BlockArrival | null = null;
      if (canonicalArrival !== undefined && canonicalArrival.length > 0) {
        arrival = {slot, offsetMs: Math.min(...canonicalArrival.map((a) => a.offsetMs))};
      }
      return {slotMs: p.slotMs, samples, arrival};
    };
    const explainAndRecord = (o: DutyOutcome): void => {
      const ex = classifyDuty(o, ctxFor(o.slot));
      if (ex.cause === "ok") return;
      this.record({
        kind: o.kind,
        slot: o.slot,
        epoch,
        validatorIndex: o.validatorIndex,
        result: ex.result,
        cause: ex.cause,
        details: ex.details,
        text: ex.text,
        todo: ex.todo,
        ts: Date.now(),
      });
    };

    // attestations
    const committees = await beaconData<Committee[]>(url, `/eth/v1/beacon/states/${start}/committees?epoch=${epoch}`);
    const targetRoot = await canonicalRootAt(start);
    for (let slot = start; slot < start + spe; slot++) {
      const atSlot = committees.filter((c) => Number(c.slot) === slot);
      const duty = new Set(atSlot.flatMap((c) => c.validators.map(Number)).filter((v) => mine.has(v)));
      if (duty.size === 0) continue;
      const found = new Map<number, {distance: number; att: AttestationJson}>();
      for (let incl = slot + 1; incl <= slot + spe; incl++) {
        const b = await block(incl);
        if (b === null) continue;
        for (const att of b.message.body.attestations) {
          if (Number(att.data.slot) !== slot) continue;
          for (const v of attesters(att, atSlot)) {
            if (duty.has(v) && !found.has(v)) found.set(v, {distance: incl - slot, att});
          }
        }
      }
      const headRoot = await canonicalRootAt(slot);
      for (const v of duty) {
        const f = found.get(v);
        if (f === undefined) {
          explainAndRecord({
            kind: "attestation",
            validatorIndex: v,
            slot,
            included: false,
            inclusionDistance: null,
            headCorrect: null,
            targetCorrect: null,
            votedHeadReorged: null,
          });
          continue;
        }
        const voted = f.att.data.beacon_block_root;
        const headCorrect = voted === headRoot;
        const votedHeader = headCorrect ? null : await header(voted);
        explainAndRecord({
          kind: "attestation",
          validatorIndex: v,
          slot,
          included: true,
          inclusionDistance: f.distance,
          headCorrect,
          targetCorrect: f.att.data.target.root === targetRoot,
          votedHeadReorged: votedHeader !== null && votedHeader.canonical === false,
        });
      }
    }

    // proposals
    const proposers = await beaconData<{validator_index: string; slot: string}[]>(
      url,
      `/eth/v1/validator/duties/proposer/${epoch}`,
    );
    for (const d of proposers) {
      const v = Number(d.validator_index);
      const slot = Number(d.slot);
      if (!mine.has(v) || slot === 0) continue;
      const h = await header(slot);
      const canonical = h !== null && Number(h.header.message.proposer_index) === v;
      let seenNonCanonical = false;
      if (!canonical) {
        for (const a of this.arrivals.get(slot) ?? []) {
          const ah = await header(a.root);
          if (ah !== null && ah.canonical === false) seenNonCanonical = true;
        }
      }
      explainAndRecord({kind: "proposal", validatorIndex: v, slot, canonical, seenNonCanonical});
    }

    // sync committee messages of slot s are in the block of s + 1
    for (let slot = start; slot < start + spe; slot++) {
      if ((await block(slot + 1)) === null) continue;
      const rewards = await beaconDataOrNull<{validator_index: string; reward: string}[]>(
        url,
        `/eth/v1/beacon/rewards/sync_committee/${slot + 1}`,
        [...mine].map(String),
      );
      for (const r of rewards ?? []) {
        const v = Number(r.validator_index);
        if (!mine.has(v)) continue;
        explainAndRecord({kind: "sync", validatorIndex: v, slot, included: BigInt(r.reward) >= 0n});
      }
    }
  }

  close(): void {
    this.events?.abort();
  }
}
