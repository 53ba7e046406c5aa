import {computeForkDigest} from "@ceibo/config";
import {
  getLcExecutionRoot,
  initializeLightClientStore,
  type LightClientForkName,
  type LightClientForkSchedule,
  type LightClientHeader,
  type LightClientStore,
  lightClientTypes,
  processLightClientStoreForceUpdate,
  processLightClientUpdate,
  upgradeLcBootstrapToGloas,
  upgradeLcUpdateToGloas,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import {assertBytesEqual} from "../util/hex.ts";
import type {TestCase} from "../util/testCase.ts";
import {field, toNumber} from "../util/yaml.ts";

/**
 * light_client/sync (tests/formats/light_client/sync.md at a08d8a6): initialize_light_client_store from the
 * bootstrap, then force_update / process_update / upgrade_store steps, checking the finalized and optimistic
 * headers (slot, beacon root, get_lc_execution_root) after each. The fork schedule, including gloas, comes from
 * the case's config.yaml; object forms are found from their fork digests.
 */
export function runLightClientSync(tc: TestCase): void {
  const cfgYaml = tc.readYaml("config") as Record<string, unknown>;
  const schedule = lcScheduleFromYaml(cfgYaml);
  const meta = tc.readYaml("meta") as Record<string, unknown>;
  const gvr = fromHex(field(meta, "genesis_validators_root", "meta.yaml"), "genesis_validators_root");
  const digests = forkDigests(cfgYaml, gvr);
  const forkOfDigest = (d: unknown): LightClientForkName => {
    const fork = digests.get(String(d).toLowerCase());
    if (fork === undefined) throw Error(`unknown fork digest ${String(d)}`);
    return fork;
  };

  const bootstrapFork = forkOfDigest(field(meta, "bootstrap_fork_digest", "meta.yaml"));
  const bootstrap = lightClientTypes(bootstrapFork).LightClientBootstrap.deserialize(tc.readSsz("bootstrap"));
  const store = initializeLightClientStore(
    schedule,
    fromHex(field(meta, "trusted_block_root", "meta.yaml"), "trusted_block_root"),
    upgradeLcBootstrapToGloas(schedule, bootstrapFork, bootstrap),
  );

  const steps = tc.readYaml("steps") as Record<string, Record<string, unknown>>[];
  steps.forEach((step, i) => {
    const where = `step ${i}`;
    if ("force_update" in step) {
      const s = step.force_update;
      processLightClientStoreForceUpdate(store, toNumber(s.current_slot, `${where} current_slot`));
      checkStore(schedule, store, s.checks, where);
    } else if ("process_update" in step) {
      const s = step.process_update;
      const fork = forkOfDigest(s.update_fork_digest);
      const update = lightClientTypes(fork).LightClientUpdate.deserialize(tc.readSsz(String(s.update).trim()));
      processLightClientUpdate(
        schedule,
        store,
        upgradeLcUpdateToGloas(schedule, fork, update),
        toNumber(s.current_slot, `${where} current_slot`),
        gvr,
      );
      checkStore(schedule, store, s.checks, where);
    } else if ("upgrade_store" in step) {
      // ceibo's store is kept in the newest (gloas) form from the start: upgrade_lc_store_to_* change nothing
      // the checks can see, which is what this step asserts
      checkStore(schedule, store, step.upgrade_store.checks, where);
    } else {
      throw Error(`${where}: unknown step ${Object.keys(step).join(",")}`);
    }
  });
}

function checkStore(cfg: LightClientForkSchedule, store: LightClientStore, checks: unknown, where: string): void {
  if (checks === undefined) return;
  const c = checks as Record<string, Record<string, unknown>>;
  const check = (name: "finalized_header" | "optimistic_header", header: LightClientHeader): void => {
    const expected = c[name];
    if (expected === undefined) return;
    const slot = toNumber(expected.slot, `${where} ${name}.slot`);
    if (header.beacon.slot !== slot) throw Error(`${where}: ${name}.slot ${header.beacon.slot}, expected ${slot}`);
    assertBytesEqual(
      ssz.phase0.BeaconBlockHeader.hashTreeRoot(header.beacon),
      fromHex(expected.beacon_root, "beacon_root"),
      `${where} ${name}.beacon_root`,
    );
    if (expected.execution_root !== undefined) {
      const actual = getLcExecutionRoot(cfg, header);
      const exp = fromHex(expected.execution_root, "execution_root");
      if (toHex(actual) !== toHex(exp)) {
        throw Error(`${where}: ${name}.execution_root ${toHex(actual)}, expected ${toHex(exp)}`);
      }
    }
  };
  check("finalized_header", store.finalizedHeader);
  check("optimistic_header", store.optimisticHeader);
}

const FORKS = ["GENESIS", "ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU", "GLOAS"] as const;
const LC_FORK: Record<(typeof FORKS)[number], LightClientForkName | null> = {
  GENESIS: null,
  ALTAIR: "altair",
  BELLATRIX: "altair",
  CAPELLA: "capella",
  DENEB: "deneb",
  ELECTRA: "electra",
  FULU: "electra",
  GLOAS: "gloas",
};

function yamlEpoch(v: unknown): number {
  const n = typeof v === "bigint" ? v : BigInt(v as number);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(n);
}

function yamlVersion(v: unknown): Uint8Array {
  if (typeof v === "string") return fromHex(v, "fork version");
  const n = typeof v === "bigint" ? v : BigInt(v as number);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, Number(n));
  return out;
}

function forkEpoch(cfg: Record<string, unknown>, fork: (typeof FORKS)[number]): number {
  if (fork === "GENESIS") return 0;
  const v = cfg[`${fork}_FORK_EPOCH`];
  return v === undefined ? Number.POSITIVE_INFINITY : yamlEpoch(v);
}

function forkVersion(cfg: Record<string, unknown>, fork: (typeof FORKS)[number]): Uint8Array {
  return yamlVersion(cfg[`${fork}_FORK_VERSION`]);
}

export function lcScheduleFromYaml(cfg: Record<string, unknown>): LightClientForkSchedule {
  return {
    ALTAIR_FORK_EPOCH: forkEpoch(cfg, "ALTAIR"),
    CAPELLA_FORK_EPOCH: forkEpoch(cfg, "CAPELLA"),
    DENEB_FORK_EPOCH: forkEpoch(cfg, "DENEB"),
    ELECTRA_FORK_EPOCH: forkEpoch(cfg, "ELECTRA"),
    GLOAS_FORK_EPOCH: forkEpoch(cfg, "GLOAS"),
    forkVersionAtEpoch(epoch: number): Uint8Array {
      let version = forkVersion(cfg, "GENESIS");
      for (const f of FORKS) if (epoch >= forkEpoch(cfg, f)) version = forkVersion(cfg, f);
      return version;
    },
  };
}

/**
 * compute_fork_digest of every fork of the config → the form of its light-client data. From fulu on the digest
 * mixes in get_blob_parameters(epoch); with an empty BLOB_SCHEDULE that is (ELECTRA_FORK_EPOCH,
 * MAX_BLOBS_PER_BLOCK_ELECTRA).
 */
function forkDigests(cfg: Record<string, unknown>, gvr: Uint8Array): Map<string, LightClientForkName> {
  const out = new Map<string, LightClientForkName>();
  if (Array.isArray(cfg.BLOB_SCHEDULE) && cfg.BLOB_SCHEDULE.length > 0)
    throw Error("BLOB_SCHEDULE entries not handled");
  const blobParams = {
    EPOCH: forkEpoch(cfg, "ELECTRA"),
    MAX_BLOBS_PER_BLOCK:
      cfg.MAX_BLOBS_PER_BLOCK_ELECTRA === undefined
        ? 0
        : toNumber(cfg.MAX_BLOBS_PER_BLOCK_ELECTRA, "MAX_BLOBS_PER_BLOCK_ELECTRA"),
  };
  for (const f of FORKS) {
    const lc = LC_FORK[f];
    if (lc === null) continue;
    const postFulu = f === "FULU" || f === "GLOAS";
    if (cfg[`${f}_FORK_VERSION`] === undefined) continue;
    // fork digests past an unscheduled electra are never used (no data of those forks)
    if (postFulu && !Number.isFinite(blobParams.EPOCH)) continue;
    const digest = computeForkDigest(forkVersion(cfg, f), gvr, postFulu ? blobParams : undefined);
    out.set(toHex(digest).toLowerCase(), lc);
  }
  return out;
}
