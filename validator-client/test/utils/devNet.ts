/**
 * End-to-end helpers: `ceibo dev` and `ceibo validator` as real child processes on the project's Node 24, their
 * output kept in memory and awaited by pattern; the Beacon API read over HTTP; and a scan of everything the node
 * holds (every block of every slot, the attestation pool) for slashable messages.
 */
import {getJson, headSlot, type Proc, ceibo as startCeibo} from "../../../test/harness/processes.ts";

export {finalizedEpoch, getJson, headSlot, Proc, ROOT, waitForFinalized} from "../../../test/harness/processes.ts";

/** `ceibo …` without the test runner's preset: `ceibo dev` hands the preset to its children itself. */
export function ceibo(name: string, args: string[], env: Record<string, string> = {}): Proc {
  return startCeibo(name, args, env, {inheritPreset: false});
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
