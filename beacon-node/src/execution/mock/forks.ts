/**
 * The mock engine's fork schedule by timestamp, named by consensus fork (the Engine API names execution forks:
 * Paris = bellatrix, Shanghai = capella, Cancun = deneb, Prague = electra, Osaka = fulu).
 */
import type {ChainConfig} from "@ceibo/config";
import {type ForkName, ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";

/** Activation timestamps (seconds); a fork left out never activates. The chain starts post-merge (bellatrix). */
export interface MockForkTimes {
  capella?: number;
  deneb?: number;
  electra?: number;
  fulu?: number;
}

export type ExecutionForkName = "bellatrix" | "capella" | "deneb" | "electra" | "fulu";
const ORDER: ExecutionForkName[] = ["fulu", "electra", "deneb", "capella"];

export function forkAtTimestamp(times: MockForkTimes, timestamp: number): ExecutionForkName {
  for (const fork of ORDER) {
    const t = times[fork as keyof MockForkTimes];
    if (t !== undefined && timestamp >= t) return fork;
  }
  return "bellatrix";
}

export function forkSeqAtTimestamp(times: MockForkTimes, timestamp: number): number {
  return ForkSeq[forkAtTimestamp(times, timestamp)];
}

/** Every fork active from timestamp 0 up to and including `fork` (the shape of a dev chain forked at genesis). */
export function forkTimesFromGenesis(fork: ForkName): MockForkTimes {
  const seq = ForkSeq[fork];
  const times: MockForkTimes = {};
  if (seq >= ForkSeq.capella) times.capella = 0;
  if (seq >= ForkSeq.deneb) times.deneb = 0;
  if (seq >= ForkSeq.electra) times.electra = 0;
  if (seq >= ForkSeq.fulu) times.fulu = 0;
  return times;
}

/** Timestamps of the consensus fork epochs: genesis_time + epoch * SLOTS_PER_EPOCH * SLOT_DURATION_MS / 1000. */
export function forkTimesFromChainConfig(config: ChainConfig, genesisTime: number): MockForkTimes {
  const at = (epoch: number): number | undefined =>
    Number.isFinite(epoch)
      ? genesisTime + Math.floor((epoch * SLOTS_PER_EPOCH * config.SLOT_DURATION_MS) / 1000)
      : undefined;
  const times: MockForkTimes = {};
  const set = (k: keyof MockForkTimes, epoch: number) => {
    const t = at(epoch);
    if (t !== undefined) times[k] = t;
  };
  set("capella", config.CAPELLA_FORK_EPOCH);
  set("deneb", config.DENEB_FORK_EPOCH);
  set("electra", config.ELECTRA_FORK_EPOCH);
  set("fulu", config.FULU_FORK_EPOCH);
  return times;
}
