/**
 * What was signed, read back from a beacon node: every block in fork choice (double proposals) and the votes of
 * their attestations mapped to validators through the committees (double and surround votes). The same scan
 * the crash campaign runs (test/crash/crash.ts "the scan"), as a function over one Beacon API URL.
 */
import {getJson} from "../../../test/harness/processes.ts";

const hexBytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.slice(2), "hex"));
const bitsOf = (bytes: Uint8Array, n: number): boolean[] =>
  Array.from({length: n}, (_, i) => ((bytes[i >> 3] >> (i & 7)) & 1) === 1);
/** An SSZ bitlist without its length bit. */
function bitlist(h: string): boolean[] {
  const b = hexBytes(h);
  let last = b.length * 8 - 1;
  while (last >= 0 && ((b[last >> 3] >> (last & 7)) & 1) === 0) last--;
  return bitsOf(b, Math.max(0, last));
}

interface Vote {
  source: number;
  target: number;
  data: string;
}

export interface ScanResult {
  blocks: number;
  attestations: number;
  /** Attestations whose committees could not be read (not scanned). */
  unscannable: number;
  /** Distinct votes per validator index. */
  votes: Map<number, Vote[]>;
  /** Proposers per slot seen. */
  proposers: Map<string, string>;
  slashable: string[];
}

export function emptyScan(): ScanResult {
  return {blocks: 0, attestations: 0, unscannable: 0, votes: new Map(), proposers: new Map(), slashable: []};
}

/** Scans the blocks in `api`'s fork choice not scanned yet into `into` (call again to add later blocks). */
export async function scanForSlashable(
  api: string,
  into: ScanResult = emptyScan(),
  seen = new Set<string>(),
): Promise<ScanResult> {
  const spec = await getJson<{data: {SLOTS_PER_EPOCH: string}}>(`${api}/eth/v1/config/spec`);
  const slotsPerEpoch = Number(spec.data.SLOTS_PER_EPOCH);
  const committees = new Map<number, Map<string, number[]> | null>();
  const committeesOf = async (epoch: number): Promise<Map<string, number[]> | null> => {
    if (committees.has(epoch)) return committees.get(epoch) ?? null;
    for (const stateId of [String(epoch * slotsPerEpoch), "head"]) {
      const r = await getJson<{data: {index: string; slot: string; validators: string[]}[]}>(
        `${api}/eth/v1/beacon/states/${stateId}/committees?epoch=${epoch}`,
      ).catch(() => null);
      if (r === null) continue;
      const m = new Map(r.data.map((c) => [`${c.slot}/${c.index}`, c.validators.map(Number)]));
      committees.set(epoch, m);
      return m;
    }
    committees.set(epoch, null);
    return null;
  };
  const fc = await getJson<{fork_choice_nodes: {slot: string; block_root: string}[]}>(
    `${api}/eth/v1/debug/fork_choice`,
  );
  for (const node of fc.fork_choice_nodes) {
    if (seen.has(node.block_root)) continue;
    const blk = await getJson<{
      data: {message: {slot: string; proposer_index: string; body: {attestations: unknown[]}}};
    }>(`${api}/eth/v2/beacon/blocks/${node.block_root}`).catch(() => null);
    if (blk === null) continue;
    seen.add(node.block_root);
    into.blocks++;
    const {slot, proposer_index, body} = blk.data.message;
    const key = `${slot}/${proposer_index}`;
    const other = into.proposers.get(key);
    if (other !== undefined && other !== node.block_root) {
      into.slashable.push(
        `double proposal: validator ${proposer_index} at slot ${slot}: ${other} and ${node.block_root}`,
      );
    }
    into.proposers.set(key, node.block_root);
    for (const a of body.attestations as {
      aggregation_bits: string;
      committee_bits: string;
      data: {slot: string; source: {epoch: string}; target: {epoch: string}};
    }[]) {
      into.attestations++;
      const cm = await committeesOf(Math.floor(Number(a.data.slot) / slotsPerEpoch));
      if (cm === null) {
        into.unscannable++;
        continue;
      }
      const cb = hexBytes(a.committee_bits);
      const members: number[] = [];
      bitsOf(cb, cb.length * 8).forEach((set, ci) => {
        if (set) members.push(...(cm.get(`${a.data.slot}/${ci}`) ?? []));
      });
      const data = JSON.stringify(a.data);
      const vote = {source: Number(a.data.source.epoch), target: Number(a.data.target.epoch), data};
      bitlist(a.aggregation_bits).forEach((set, k) => {
        const v = members[k];
        if (!set || v === undefined) return;
        const list = into.votes.get(v) ?? [];
        for (const w of list) {
          if (w.data === vote.data) continue;
          if (w.target === vote.target) into.slashable.push(`double vote: validator ${v} target ${vote.target}`);
          else if (
            (w.source < vote.source && vote.target < w.target) ||
            (vote.source < w.source && w.target < vote.target)
          ) {
            into.slashable.push(
              `surround vote: validator ${v}: ${w.source}→${w.target} and ${vote.source}→${vote.target}`,
            );
          }
        }
        if (!list.some((w) => w.data === vote.data)) list.push(vote);
        into.votes.set(v, list);
      });
    }
  }
  return into;
}
