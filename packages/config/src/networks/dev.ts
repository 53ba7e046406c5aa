import {fromHex} from "@ceibo/utils";
import type {ChainConfig} from "../chainConfig.ts";
import {minimalChainConfig} from "./minimal.ts";

export interface DevChainOptions {
  /** Fork epochs; a fork not given activates at the same epoch as the previous one (default: all at 0 → fulu genesis). */
  forkEpochs?: Partial<Record<"altair" | "bellatrix" | "capella" | "deneb" | "electra" | "fulu", number>>;
  /** Minimal (default) or mainnet preset constants. */
  preset?: "minimal" | "mainnet";
  slotDurationMs?: number;
  /**
   * SHARD_COMMITTEE_PERIOD (default the preset config's: 64 epochs minimal, 256 mainnet). 0 lets validators exit
   * (and make withdrawal/consolidation requests) from genesis, for testing exits on a young dev chain.
   */
  shardCommitteePeriod?: number;
}

/**
 * A local development chain. Its fork versions (0x..ce1b0) are its own, so nothing signed on it is valid on a
 * public network. By default every fork is active from genesis (a fulu chain from slot 0); staged fork epochs
 * exercise each upgrade.
 */
export function createDevChainConfig(opts: DevChainOptions = {}): ChainConfig {
  const e = opts.forkEpochs ?? {};
  const altair = e.altair ?? 0;
  const bellatrix = e.bellatrix ?? altair;
  const capella = e.capella ?? bellatrix;
  const deneb = e.deneb ?? capella;
  const electra = e.electra ?? deneb;
  const fulu = e.fulu ?? electra;
  const order = [altair, bellatrix, capella, deneb, electra, fulu];
  for (let i = 1; i < order.length; i++) {
    if (order[i] < order[i - 1]) throw Error(`dev chain fork epochs must not decrease: got ${order.join(", ")}`);
  }
  return {
    ...minimalChainConfig,
    PRESET_BASE: opts.preset ?? "minimal",
    CONFIG_NAME: "dev",
    TERMINAL_TOTAL_DIFFICULTY: 0n,
    MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: 1,
    GENESIS_DELAY: 0,
    GENESIS_FORK_VERSION: fromHex("0x000ce1b0"),
    ALTAIR_FORK_VERSION: fromHex("0x010ce1b0"),
    ALTAIR_FORK_EPOCH: altair,
    BELLATRIX_FORK_VERSION: fromHex("0x020ce1b0"),
    BELLATRIX_FORK_EPOCH: bellatrix,
    CAPELLA_FORK_VERSION: fromHex("0x030ce1b0"),
    CAPELLA_FORK_EPOCH: capella,
    DENEB_FORK_VERSION: fromHex("0x040ce1b0"),
    DENEB_FORK_EPOCH: deneb,
    ELECTRA_FORK_VERSION: fromHex("0x050ce1b0"),
    ELECTRA_FORK_EPOCH: electra,
    FULU_FORK_VERSION: fromHex("0x060ce1b0"),
    FULU_FORK_EPOCH: fulu,
    SLOT_DURATION_MS: opts.slotDurationMs ?? (opts.preset === "mainnet" ? 12000 : 6000),
    DEPOSIT_CHAIN_ID: 1337,
    DEPOSIT_NETWORK_ID: 1337,
    BLOB_SCHEDULE: [],
    ...(opts.shardCommitteePeriod !== undefined ? {SHARD_COMMITTEE_PERIOD: opts.shardCommitteePeriod} : {}),
  };
}

export const devChainConfig: ChainConfig = createDevChainConfig();
