import type {BeaconApiClient} from "@ceibo/api";
import {
  BeaconConfig,
  CHAIN_CONFIG_KEYS,
  type ChainConfig,
  type ChainConfigKey,
  mainnetChainConfig,
  minimalChainConfig,
  parseConfigValue,
} from "@ceibo/config";
import {ACTIVE_PRESET_NAME, FORK_NAMES, SLOTS_PER_EPOCH} from "@ceibo/params";
import type {Logger} from "@ceibo/utils";
import {sleep, toHex} from "@ceibo/utils";
import type {BeaconNodes} from "./beaconNodes.ts";
import {ValidatorClientError} from "./errors.ts";

export interface ChainInfo {
  config: BeaconConfig;
  genesisTime: number;
  genesisValidatorsRoot: Uint8Array;
}

const FORK_VERSION_KEYS = [
  ["GENESIS_FORK_VERSION", undefined],
  ["ALTAIR_FORK_VERSION", "ALTAIR_FORK_EPOCH"],
  ["BELLATRIX_FORK_VERSION", "BELLATRIX_FORK_EPOCH"],
  ["CAPELLA_FORK_VERSION", "CAPELLA_FORK_EPOCH"],
  ["DENEB_FORK_VERSION", "DENEB_FORK_EPOCH"],
  ["ELECTRA_FORK_VERSION", "ELECTRA_FORK_EPOCH"],
  ["FULU_FORK_VERSION", "FULU_FORK_EPOCH"],
] as const;

/**
 * The chain config as the beacon node reports it (`/eth/v1/config/spec`), with the fork versions and epochs
 * taken from `/eth/v1/config/fork_schedule` (authoritative for signing domains). Keys the node leaves out take
 * the values of its PRESET_BASE's reference config. The node's preset must be this process's preset.
 */
export function chainConfigFromSpec(
  spec: Record<string, string>,
  forkSchedule: {previousVersion: Uint8Array; currentVersion: Uint8Array; epoch: number}[],
): ChainConfig {
  const presetBase = spec.PRESET_BASE ?? ACTIVE_PRESET_NAME;
  if (presetBase !== ACTIVE_PRESET_NAME) {
    throw new ValidatorClientError(
      "CHAIN_MISMATCH",
      `the beacon node runs the ${presetBase} preset, this validator client ${ACTIVE_PRESET_NAME} (set CEIBO_PRESET=${presetBase})`,
    );
  }
  if (spec.SLOTS_PER_EPOCH !== undefined && Number(spec.SLOTS_PER_EPOCH) !== SLOTS_PER_EPOCH) {
    throw new ValidatorClientError(
      "CHAIN_MISMATCH",
      `the beacon node has SLOTS_PER_EPOCH=${spec.SLOTS_PER_EPOCH}, this validator client ${SLOTS_PER_EPOCH}`,
    );
  }
  const out: Record<string, unknown> = {...(presetBase === "minimal" ? minimalChainConfig : mainnetChainConfig)};
  for (const key of CHAIN_CONFIG_KEYS) {
    const raw = spec[key];
    if (raw === undefined) continue;
    try {
      out[key] = parseConfigValue(key as ChainConfigKey, key === "BLOB_SCHEDULE" ? JSON.parse(raw) : raw);
    } catch (e) {
      throw new ValidatorClientError("CHAIN_MISMATCH", `beacon node spec value ${key}: ${(e as Error).message}`);
    }
  }
  // a node that predates SLOT_DURATION_MS serves SECONDS_PER_SLOT only: without this the preset's slot time
  // (e.g. 6 s on minimal) would silently stand in for the node's real one
  if (spec.SLOT_DURATION_MS === undefined && spec.SECONDS_PER_SLOT !== undefined) {
    const seconds = Number(spec.SECONDS_PER_SLOT);
    if (!/^[1-9][0-9]*$/.test(spec.SECONDS_PER_SLOT) || !Number.isSafeInteger(seconds)) {
      throw new ValidatorClientError(
        "CHAIN_MISMATCH",
        `beacon node spec value SECONDS_PER_SLOT: expected a positive integer, got "${spec.SECONDS_PER_SLOT}"`,
      );
    }
    out.SLOT_DURATION_MS = seconds * 1000;
  }
  const sorted = [...forkSchedule].sort((a, b) => a.epoch - b.epoch);
  if (sorted.length > 0) {
    // fork_schedule lists each fork in order; a fork this client does not know (after fulu) is ignored
    for (let i = 0; i < FORK_VERSION_KEYS.length; i++) {
      const [versionKey, epochKey] = FORK_VERSION_KEYS[i];
      const entry = sorted[i];
      if (entry === undefined) {
        if (epochKey !== undefined) out[epochKey] = Number.POSITIVE_INFINITY;
        continue;
      }
      out[versionKey] = entry.currentVersion;
      if (epochKey !== undefined) out[epochKey] = entry.epoch;
      else if (entry.epoch !== 0) {
        throw new ValidatorClientError("CHAIN_MISMATCH", `fork_schedule's first fork starts at epoch ${entry.epoch}`);
      }
      if (i > 0 && toHex(entry.previousVersion) !== toHex(sorted[i - 1].currentVersion)) {
        throw new ValidatorClientError(
          "CHAIN_MISMATCH",
          `fork_schedule entry ${i} (${FORK_NAMES[i]}) has previous_version ${toHex(entry.previousVersion)}, expected ${toHex(sorted[i - 1].currentVersion)}`,
        );
      }
    }
  }
  return out as unknown as ChainConfig;
}

/**
 * Genesis, spec and fork schedule from the beacon node: everything the signing domains and the clock need.
 * Signing domains come from the fork schedule and the genesis validators root; a genesis fork version in
 * `/eth/v1/beacon/genesis` that differs from them is a warning when config/spec's GENESIS_FORK_VERSION agrees
 * with the fork schedule (two of three sources agree: some nodes report it differently), else an error.
 */
export async function fetchChainInfo(api: BeaconApiClient, log?: Logger): Promise<ChainInfo> {
  const [genesis, spec, schedule] = await Promise.all([api.getGenesis(), api.getSpec(), api.getForkSchedule()]);
  const chain = chainConfigFromSpec(spec.data, schedule.data);
  const fromGenesis = toHex(genesis.data.genesisForkVersion);
  const fromSchedule = toHex(chain.GENESIS_FORK_VERSION);
  if (fromGenesis !== fromSchedule) {
    const fromSpec = spec.data.GENESIS_FORK_VERSION?.toLowerCase();
    if (fromSpec !== fromSchedule || schedule.data.length === 0) {
      throw new ValidatorClientError(
        "CHAIN_MISMATCH",
        `genesis fork version ${fromGenesis} differs from the fork schedule's ${fromSchedule}` +
          (fromSpec !== undefined ? ` (config/spec says ${fromSpec})` : ""),
      );
    }
    log?.warn(
      "The beacon node reports a genesis fork version that differs from its fork schedule and config: signing with the fork schedule's",
      {
        genesisForkVersion: fromGenesis,
        forkSchedule: fromSchedule,
        genesisValidatorsRoot: toHex(genesis.data.genesisValidatorsRoot),
      },
    );
  }
  return {
    config: new BeaconConfig(chain, genesis.data.genesisValidatorsRoot),
    genesisTime: genesis.data.genesisTime,
    genesisValidatorsRoot: genesis.data.genesisValidatorsRoot,
  };
}

/**
 * fetchChainInfo, waiting for a beacon node that is not up yet (none answers: connection refused, timeouts, 5xx):
 * retried with a doubling backoff (0.5 s up to `maxBackoffMs`), with ONE "Waiting for a beacon node" line, then a
 * reminder every `reminderMs`, and a line when one answers. A node that answers with another chain or preset
 * (CHAIN_MISMATCH) is an error at once. Rejects with the signal's reason when `signal` aborts.
 */
export async function waitForChainInfo(
  nodes: BeaconNodes,
  log: Logger,
  opts: {reminderMs?: number; maxBackoffMs?: number; signal?: AbortSignal} = {},
): Promise<ChainInfo> {
  const reminderMs = opts.reminderMs ?? 60_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  const signal = opts.signal ?? new AbortController().signal;
  let backoffMs = 500;
  let since: number | null = null;
  let lastLine = 0;
  for (;;) {
    try {
      await nodes.checkHealth();
      const info = await fetchChainInfo(nodes.api, log);
      if (since !== null)
        log.info("A beacon node answers: starting", {waitedSeconds: Math.round((Date.now() - since) / 1000)});
      return info;
    } catch (e) {
      if (!(e instanceof ValidatorClientError && e.code === "NO_BEACON_NODE")) throw e;
      const now = Date.now();
      if (since === null) {
        since = now;
        lastLine = now;
        log.warn("Waiting for a beacon node: none answers yet; retrying until one does", {
          beaconNodes: nodes.urls.join(","),
          error: e.message,
        });
      } else if (now - lastLine >= reminderMs) {
        lastLine = now;
        log.warn("Still waiting for a beacon node", {
          waitingSeconds: Math.round((now - since) / 1000),
          beaconNodes: nodes.urls.join(","),
          error: e.message,
        });
      }
    }
    await sleep(backoffMs, signal);
    backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
  }
}
