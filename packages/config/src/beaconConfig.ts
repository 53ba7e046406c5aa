import {DOMAIN_DEPOSIT, FORK_NAMES, type ForkName, ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {toHex} from "@ceibo/utils";
import {digest} from "@chainsafe/as-sha256";
import type {BlobScheduleEntry, ChainConfig} from "./chainConfig.ts";
import {computeDomain, computeForkDataRoot} from "./signing.ts";

export interface ForkInfo {
  name: ForkName;
  seq: number;
  epoch: number;
  version: Uint8Array;
  prevVersion: Uint8Array;
  prevForkName: ForkName;
}

/** The ordered fork schedule of a chain config: every fork with its activation epoch and versions. */
export function getForkSchedule(config: ChainConfig): ForkInfo[] {
  const versions: Record<ForkName, [Uint8Array, number]> = {
    phase0: [config.GENESIS_FORK_VERSION, 0],
    altair: [config.ALTAIR_FORK_VERSION, config.ALTAIR_FORK_EPOCH],
    bellatrix: [config.BELLATRIX_FORK_VERSION, config.BELLATRIX_FORK_EPOCH],
    capella: [config.CAPELLA_FORK_VERSION, config.CAPELLA_FORK_EPOCH],
    deneb: [config.DENEB_FORK_VERSION, config.DENEB_FORK_EPOCH],
    electra: [config.ELECTRA_FORK_VERSION, config.ELECTRA_FORK_EPOCH],
    fulu: [config.FULU_FORK_VERSION, config.FULU_FORK_EPOCH],
  };
  const forks: ForkInfo[] = [];
  let prev: ForkName = "phase0";
  for (const name of FORK_NAMES) {
    const [version, epoch] = versions[name];
    if (forks.length > 0 && epoch < forks[forks.length - 1].epoch) {
      throw Error(`${name.toUpperCase()}_FORK_EPOCH (${epoch}) is before the previous fork's epoch`);
    }
    forks.push({name, seq: ForkSeq[name], epoch, version, prevVersion: versions[prev][0], prevForkName: prev});
    prev = name;
  }
  return forks;
}

const scheduleCache = new WeakMap<ChainConfig, ForkInfo[]>();

/** getForkSchedule, computed once per config object (configs are never mutated after creation). */
export function forkScheduleOf(config: ChainConfig): readonly ForkInfo[] {
  let schedule = scheduleCache.get(config);
  if (schedule === undefined) {
    schedule = getForkSchedule(config);
    scheduleCache.set(config, schedule);
  }
  return schedule;
}

/**
 * A chain config bound to a chain's genesis_validators_root: fork lookups by slot/epoch, fork digests
 * (with fulu's blob-parameter masking) and signing domains, computed once and cached.
 */
export class BeaconConfig {
  readonly chain: ChainConfig;
  readonly genesisValidatorsRoot: Uint8Array;
  readonly forks: readonly ForkInfo[];
  private readonly digestCache = new Map<string, Uint8Array>();
  private readonly domainCache = new Map<string, Uint8Array>();
  private readonly blobSchedule: BlobScheduleEntry[];

  constructor(chain: ChainConfig, genesisValidatorsRoot: Uint8Array) {
    this.chain = chain;
    this.genesisValidatorsRoot = genesisValidatorsRoot;
    this.forks = getForkSchedule(chain);
    this.blobSchedule = [...chain.BLOB_SCHEDULE].sort((a, b) => b.EPOCH - a.EPOCH);
  }

  /** The fork active at an epoch (the last fork whose epoch is <= the given epoch). */
  getForkInfoAtEpoch(epoch: number): ForkInfo {
    for (let i = this.forks.length - 1; i >= 0; i--) {
      if (epoch >= this.forks[i].epoch) return this.forks[i];
    }
    return this.forks[0];
  }

  getForkName(slot: number): ForkName {
    return this.getForkInfoAtEpoch(Math.floor(slot / SLOTS_PER_EPOCH)).name;
  }

  getForkSeq(slot: number): number {
    return this.getForkInfoAtEpoch(Math.floor(slot / SLOTS_PER_EPOCH)).seq;
  }

  getForkNameAtEpoch(epoch: number): ForkName {
    return this.getForkInfoAtEpoch(epoch).name;
  }

  /** compute_fork_version (fulu/beacon-chain.md and earlier). */
  computeForkVersion(epoch: number): Uint8Array {
    return this.getForkInfoAtEpoch(epoch).version;
  }

  /** fulu get_blob_parameters: the blob schedule entry in force at an epoch (electra's limit before any entry). */
  getBlobParameters(epoch: number): BlobScheduleEntry {
    for (const entry of this.blobSchedule) {
      if (epoch >= entry.EPOCH) return entry;
    }
    return {EPOCH: this.chain.ELECTRA_FORK_EPOCH, MAX_BLOBS_PER_BLOCK: this.chain.MAX_BLOBS_PER_BLOCK_ELECTRA};
  }

  /** The maximum blobs per block at an epoch, for every fork from deneb on. */
  getMaxBlobsPerBlock(epoch: number): number {
    const seq = this.getForkInfoAtEpoch(epoch).seq;
    if (seq >= ForkSeq.fulu) return this.getBlobParameters(epoch).MAX_BLOBS_PER_BLOCK;
    if (seq >= ForkSeq.electra) return this.chain.MAX_BLOBS_PER_BLOCK_ELECTRA;
    return this.chain.MAX_BLOBS_PER_BLOCK;
  }

  /** fulu compute_fork_digest: base digest, masked with the blob parameters from fulu on (EIP-7892). */
  computeForkDigest(epoch: number): Uint8Array {
    const fork = this.getForkInfoAtEpoch(epoch);
    const blob = fork.seq >= ForkSeq.fulu ? this.getBlobParameters(epoch) : undefined;
    const key = `${fork.name}/${blob?.EPOCH ?? ""}`;
    let cached = this.digestCache.get(key);
    if (cached === undefined) {
      cached = computeForkDigest(fork.version, this.genesisValidatorsRoot, blob);
      this.digestCache.set(key, cached);
    }
    return cached;
  }

  /** Every fork digest this chain can have (each fork and each blob-parameter fork), for gossip topic lookups. */
  allForkDigests(): {digest: string; fork: ForkName; epoch: number}[] {
    const epochs = new Set<number>();
    for (const f of this.forks) if (Number.isFinite(f.epoch)) epochs.add(f.epoch);
    for (const b of this.blobSchedule) if (b.EPOCH >= this.chain.FULU_FORK_EPOCH) epochs.add(b.EPOCH);
    return [...epochs]
      .sort((a, b) => a - b)
      .map((epoch) => ({digest: toHex(this.computeForkDigest(epoch)), fork: this.getForkNameAtEpoch(epoch), epoch}));
  }

  /**
   * get_domain for a message at `messageEpoch`, as seen from a state at `stateEpoch`: the state's fork has
   * previous/current versions, and a message from before the state's fork epoch uses the previous version.
   */
  getDomain(stateEpoch: number, domainType: Uint8Array, messageEpoch: number = stateEpoch): Uint8Array {
    const fork = this.getForkInfoAtEpoch(stateEpoch);
    const version = messageEpoch < fork.epoch ? fork.prevVersion : fork.version;
    return this.getDomainForVersion(domainType, version);
  }

  /** A domain for an explicit fork version (e.g. voluntary exits pinned to capella by EIP-7044). */
  getDomainForVersion(domainType: Uint8Array, forkVersion: Uint8Array): Uint8Array {
    const key = `${toHex(domainType)}/${toHex(forkVersion)}`;
    let cached = this.domainCache.get(key);
    if (cached === undefined) {
      cached = computeDomain(domainType, forkVersion, this.genesisValidatorsRoot);
      this.domainCache.set(key, cached);
    }
    return cached;
  }

  /** Deposits are signed with the genesis fork version and a zero genesis_validators_root (phase0 spec). */
  getDepositDomain(): Uint8Array {
    return computeDomain(DOMAIN_DEPOSIT, this.chain.GENESIS_FORK_VERSION, new Uint8Array(32));
  }
}

/** compute_fork_digest for a version, root and (from fulu on) blob parameters. */
export function computeForkDigest(
  forkVersion: Uint8Array,
  genesisValidatorsRoot: Uint8Array,
  blobParameters?: BlobScheduleEntry,
): Uint8Array {
  const base = computeForkDataRoot(forkVersion, genesisValidatorsRoot);
  if (blobParameters === undefined) return base.slice(0, 4);
  const buf = Buffer.alloc(16);
  buf.writeBigUInt64LE(BigInt(blobParameters.EPOCH), 0);
  buf.writeBigUInt64LE(BigInt(blobParameters.MAX_BLOBS_PER_BLOCK), 8);
  const mask = digest(buf);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = base[i] ^ mask[i];
  return out;
}
