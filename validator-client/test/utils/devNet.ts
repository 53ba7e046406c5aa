/**
 * End-to-end helpers: `ceibo dev` and `ceibo validator` as real child processes on the project's Node 24, their
 * output kept in memory and awaited by pattern; the Beacon API read over HTTP; and a scan of everything the node
 * holds (every block of every slot, the attestation pool) for slashable messages.
 */
import {type ChildProcess, spawn} from "node:child_process";
import {join, resolve} from "node:path";

export const ROOT = resolve(import.meta.dirname, "../../..");
const NODE = join(ROOT, "node_modules/.bin/node");
const CEIBO = join(ROOT, "cli/bin/ceibo.js");

export class Proc {
  readonly name: string;
  readonly child: ChildProcess;
  output = "";
  readonly exited: Promise<number | null>;
  private readonly waiters: {re: RegExp; done: (m: RegExpMatchArray) => void}[] = [];

  constructor(name: string, args: string[], env: Record<string, string> = {}) {
    this.name = name;
    const childEnv: Record<string, string | undefined> = {...process.env, ...env};
    // `ceibo dev` must pass the preset to its children itself: do not hand one down from the test runner
    if (!("CEIBO_PRESET" in env)) delete childEnv.CEIBO_PRESET;
    this.child = spawn(NODE, [CEIBO, ...args], {cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"]});
    const onData = (d: Buffer): void => {
      this.output += d.toString();
      for (const w of [...this.waiters]) {
        const m = this.output.match(w.re);
        if (m !== null) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.done(m);
        }
      }
    };
    this.child.stdout?.on("data", onData);
    this.child.stderr?.on("data", onData);
    this.exited = new Promise((r) => this.child.once("exit", (code) => r(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first match of `re` in the output so far or to come; rejects on exit or timeout. */
  waitFor(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const m = this.output.match(re);
    if (m !== null) return Promise.resolve(m);
    return new Promise((resolveMatch, reject) => {
      const waiter = {
        re,
        done: (x: RegExpMatchArray) => {
          clearTimeout(timer);
          resolveMatch(x);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(Error(`${this.name}: no ${re} within ${timeoutMs} ms; output:\n${this.output.slice(-3000)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
      void this.exited.then((code) => {
        if (!this.waiters.includes(waiter)) return;
        clearTimeout(timer);
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(Error(`${this.name} exited (${code}) before ${re}; output:\n${this.output.slice(-3000)}`));
      });
    });
  }

  /** Process ids of the children `ceibo dev` reported starting. */
  childPids(): number[] {
    return [...this.output.matchAll(/\[dev\] started the .* \[\w+\], pid (\d+)/g)].map((m) => Number(m[1]));
  }

  async kill(signal: NodeJS.Signals = "SIGKILL", graceMs = 20_000): Promise<number | null> {
    if (this.running) {
      this.child.kill(signal);
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** Kills this process and any child it reported (they run in their own process groups). */
  async killAll(): Promise<void> {
    await this.kill("SIGKILL");
    for (const pid of this.childPids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

export function ceibo(name: string, args: string[], env: Record<string, string> = {}): Proc {
  return new Proc(name, args, env);
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const res = await fetch(url);
  const text = await res.text();
  if (!res.ok) throw Error(`GET ${url}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

export async function finalizedEpoch(api: string): Promise<number> {
  const r = await getJson<{data: {finalized: {epoch: string}}}>(
    `${api}/eth/v1/beacon/states/head/finality_checkpoints`,
  );
  return Number(r.data.finalized.epoch);
}

/** Polls until the finalized epoch reaches `epoch`; resolves with it. */
export async function waitForFinalized(api: string, epoch: number, timeoutMs: number, proc?: Proc): Promise<number> {
  const end = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    if (proc !== undefined && !proc.running) throw Error(`${proc.name} exited; output:\n${proc.output.slice(-3000)}`);
    try {
      last = await finalizedEpoch(api);
      if (last >= epoch) return last;
    } catch {
      // the API may be briefly unavailable
    }
    if (Date.now() > end) throw Error(`finalized epoch ${last} after ${timeoutMs} ms, wanted ${epoch}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function headSlot(api: string): Promise<number> {
  const r = await getJson<{data: {header: {message: {slot: string}}}}>(`${api}/eth/v1/beacon/headers/head`);
  return Number(r.data.header.message.slot);
}

// ---- slashable-message scan ----

interface AttestationJson {
  aggregation_bits: string;
  committee_bits?: string;
  data: {
    slot: string;
    index: string;
    beacon_block_root: string;
    source: {epoch: string; root: string};
    target: {epoch: string; root: string};
  };
}

/** Bits of an SSZ bitlist (hex), without the length bit. */
export function bitlistBits(hex: string): boolean[] {
  const bytes = Buffer.from(hex.slice(2), "hex");
  let last = bytes.length - 1;
  while (last >= 0 && bytes[last] === 0) last--;
  if (last < 0) throw Error(`bitlist ${hex} has no length bit`);
  const length = last * 8 + (31 - Math.clz32(bytes[last]));
  return Array.from({length}, (_, i) => (bytes[i >> 3] & (1 << (i & 7))) !== 0);
}

/** Bits of an SSZ bitvector (hex). */
export function bitvectorBits(hex: string, length: number): boolean[] {
  const bytes = Buffer.from(hex.slice(2), "hex");
  return Array.from({length}, (_, i) => (bytes[i >> 3] & (1 << (i & 7))) !== 0);
}

type Committees = Map<string, number[]>;

/**
 * Records the beacon committees of the head's epoch and the next one every second (the node answers committee
 * queries only for epochs near a state it holds, and it prunes old states): the scan needs the committees of
 * every epoch to turn aggregation bits into validator indexes.
 */
export class CommitteeRecorder {
  readonly byEpoch = new Map<number, Committees>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly api: string;
  constructor(api: string) {
    this.api = api;
  }

  start(): this {
    this.timer = setInterval(() => void this.poll(), 1000);
    void this.poll();
    return this;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const spec = await getJson<{data: Record<string, string>}>(`${this.api}/eth/v1/config/spec`);
      const epoch = Math.floor((await headSlot(this.api)) / Number(spec.data.SLOTS_PER_EPOCH));
      for (const e of [epoch, epoch + 1]) {
        if (this.byEpoch.has(e)) continue;
        const r = await getJson<{data: {index: string; slot: string; validators: string[]}[]}>(
          `${this.api}/eth/v1/beacon/states/head/committees?epoch=${e}`,
        );
        this.byEpoch.set(e, new Map(r.data.map((x) => [`${x.slot}/${x.index}`, x.validators.map(Number)])));
      }
    } catch {
      // not ready yet / briefly unavailable: next second
    } finally {
      this.busy = false;
    }
  }
}

export interface ScanResult {
  slotsScanned: number;
  blocks: number;
  proposerSlashings: number;
  attesterSlashings: number;
  /** Validator indexes that proposed two different blocks at one slot. */
  doubleProposals: string[];
  attestationsChecked: number;
  /** (validator, vote A, vote B) of double or surround votes. */
  slashableVotes: string[];
  /** Distinct (validator, attestation data) votes seen. */
  votes: number;
}

/**
 * Every block the node has at every slot from 0 to its head (all of them, canonical or not, by
 * /eth/v1/beacon/headers?slot=), the attestations in those blocks and in the pool, checked for slashable
 * messages: proposer/attester slashings included, two different blocks of one proposer at one slot, and for
 * each validator two different attestation data with the same target epoch (double vote) or one surrounding
 * the other (phase0 beacon-chain.md is_slashable_attestation_data).
 */
export async function scanForSlashable(api: string, recorder: CommitteeRecorder): Promise<ScanResult> {
  const spec = await getJson<{data: Record<string, string>}>(`${api}/eth/v1/config/spec`);
  const slotsPerEpoch = Number(spec.data.SLOTS_PER_EPOCH);
  const maxCommittees = Number(spec.data.MAX_COMMITTEES_PER_SLOT);
  const head = await headSlot(api);
  const result: ScanResult = {
    slotsScanned: 0,
    blocks: 0,
    proposerSlashings: 0,
    attesterSlashings: 0,
    doubleProposals: [],
    attestationsChecked: 0,
    slashableVotes: [],
    votes: 0,
  };
  const attestations: {att: AttestationJson; electra: boolean}[] = [];
  for (let slot = 0; slot <= head; slot++) {
    result.slotsScanned++;
    const headers = await getJson<{data: {root: string; header: {message: {proposer_index: string}}}[]}>(
      `${api}/eth/v1/beacon/headers?slot=${slot}`,
    ).catch(() => ({data: []}));
    const byProposer = new Map<string, Set<string>>();
    for (const h of headers.data) {
      const p = h.header.message.proposer_index;
      const set = byProposer.get(p) ?? new Set();
      set.add(h.root);
      byProposer.set(p, set);
    }
    for (const [p, roots] of byProposer) if (roots.size > 1) result.doubleProposals.push(`${p}@${slot}`);
    for (const h of headers.data) {
      const block = await getJson<{version: string; data: {message: {body: Record<string, unknown[]>}}}>(
        `${api}/eth/v2/beacon/blocks/${h.root}`,
      );
      result.blocks++;
      const body = block.data.message.body;
      result.proposerSlashings += body.proposer_slashings.length;
      result.attesterSlashings += body.attester_slashings.length;
      const electra = ["electra", "fulu"].includes(block.version);
      for (const a of body.attestations as AttestationJson[]) attestations.push({att: a, electra});
    }
  }
  const pool = await getJson<{version: string; data: AttestationJson[]}>(`${api}/eth/v2/beacon/pool/attestations`);
  for (const a of pool.data) attestations.push({att: a, electra: a.committee_bits !== undefined});

  await recorder.poll();
  const committeesOf = (epoch: number): Committees => {
    const c = recorder.byEpoch.get(epoch);
    if (c === undefined) throw Error(`committees of epoch ${epoch} were not recorded`);
    return c;
  };

  const votes: Vote[] = [];
  for (const {att, electra} of attestations) {
    result.attestationsChecked++;
    const slot = Number(att.data.slot);
    const committees = committeesOf(Math.floor(slot / slotsPerEpoch));
    const bits = bitlistBits(att.aggregation_bits);
    const indexes = electra
      ? bitvectorBits(att.committee_bits as string, maxCommittees)
          .map((on, i) => (on ? i : -1))
          .filter((i) => i >= 0)
      : [Number(att.data.index)];
    const attesters: number[] = [];
    let offset = 0;
    for (const ci of indexes) {
      const committee = committees.get(`${slot}/${ci}`);
      if (committee === undefined) throw Error(`no committee ${ci} at slot ${slot}`);
      committee.forEach((v, i) => {
        if (bits[offset + i]) attesters.push(v);
      });
      offset += committee.length;
    }
    if (offset !== bits.length)
      throw Error(`aggregation bits ${bits.length} != committee sizes ${offset} at slot ${slot}`);
    const key = JSON.stringify(att.data);
    const [source, target] = [Number(att.data.source.epoch), Number(att.data.target.epoch)];
    for (const validator of attesters) votes.push({validator, key, source, target});
  }
  const checked = slashableVotes(votes);
  result.votes = checked.distinct;
  result.slashableVotes = checked.slashable;
  return result;
}

export interface Vote {
  validator: number;
  /** The attestation data (any string that is equal exactly for equal data). */
  key: string;
  source: number;
  target: number;
}

/**
 * phase0 beacon-chain.md is_slashable_attestation_data over every pair of distinct votes of each validator:
 * a double vote (different data, same target epoch) or a surround vote (s1 < s2 and t2 < t1).
 */
export function slashableVotes(votes: Vote[]): {distinct: number; slashable: string[]} {
  const byValidator = new Map<number, Map<string, Vote>>();
  const slashable: string[] = [];
  let distinct = 0;
  for (const v of votes) {
    const mine = byValidator.get(v.validator) ?? new Map<string, Vote>();
    byValidator.set(v.validator, mine);
    if (mine.has(v.key)) continue;
    for (const other of mine.values()) {
      const double = v.target === other.target;
      const surround =
        (v.source < other.source && other.target < v.target) || (other.source < v.source && v.target < other.target);
      if (double || surround) slashable.push(`${v.validator}: ${v.key} vs ${other.key}`);
    }
    mine.set(v.key, v);
    distinct++;
  }
  return {distinct, slashable};
}
