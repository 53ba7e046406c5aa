import {type ChainConfig, mainnetChainConfig, minimalChainConfig} from "@ceibo/config";
import {ACTIVE_PRESET_NAME, type ForkName, ForkSeq, isForkName} from "@ceibo/params";
import {type BeaconStateAllForks, type CachedBeaconState, createCachedBeaconState} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {TestCase} from "./testCase.ts";

/** The fork of a case directory (tests/<preset>/<fork>/…) as a ForkName. */
export function caseFork(tc: TestCase): ForkName {
  if (!isForkName(tc.fork)) throw Error(`unknown fork "${tc.fork}" in ${tc.path}`);
  return tc.fork;
}

/** Upper-case config key prefix of each fork's epoch/version. */
const FORK_EPOCH_KEY: Record<Exclude<ForkName, "phase0">, keyof ChainConfig> = {
  altair: "ALTAIR_FORK_EPOCH",
  bellatrix: "BELLATRIX_FORK_EPOCH",
  capella: "CAPELLA_FORK_EPOCH",
  deneb: "DENEB_FORK_EPOCH",
  electra: "ELECTRA_FORK_EPOCH",
  fulu: "FULU_FORK_EPOCH",
};

/**
 * The chain config the vectors were generated with: the preset's reference config (configs/<preset>.yaml), with
 * every fork up to `fork` active from genesis and, optionally, one later fork scheduled at `forkEpochs`.
 */
export function testChainConfig(fork: ForkName, forkEpochs: Partial<Record<ForkName, number>> = {}): ChainConfig {
  const base = ACTIVE_PRESET_NAME === "minimal" ? minimalChainConfig : mainnetChainConfig;
  const config: ChainConfig = {...base};
  for (const [name, key] of Object.entries(FORK_EPOCH_KEY)) {
    if (ForkSeq[name as ForkName] <= ForkSeq[fork]) (config as unknown as Record<string, number>)[key] = 0;
  }
  for (const [name, epoch] of Object.entries(forkEpochs)) {
    if (name === "phase0") continue;
    (config as unknown as Record<string, number>)[FORK_EPOCH_KEY[name as Exclude<ForkName, "phase0">]] = epoch;
  }
  return config;
}

/** `<name>.ssz_snappy` of the case as a tree-backed BeaconState of `fork`. */
export function loadState(tc: TestCase, name: string, fork: ForkName): BeaconStateAllForks {
  return ssz[fork].BeaconState.deserializeToViewDU(tc.readSsz(name)) as BeaconStateAllForks;
}

/** A cached state (epoch cache built) from the case's `<name>` part. */
export function loadCachedState(
  tc: TestCase,
  name: string,
  fork: ForkName,
  config: ChainConfig = testChainConfig(fork),
): CachedBeaconState {
  return createCachedBeaconState(loadState(tc, name, fork), config, ForkSeq[fork]);
}

/**
 * Compares a computed post state with the case's `post` part by tree root; on mismatch names the first
 * top-level fields that differ so a failure says where to look.
 */
export function expectStateEqual(tc: TestCase, actual: BeaconStateAllForks, fork: ForkName, name = "post"): void {
  const type = ssz[fork].BeaconState;
  const expectedBytes = tc.readSsz(name);
  actual.commit();
  const actualRoot = actual.hashTreeRoot();
  const expected = type.deserializeToViewDU(expectedBytes);
  const expectedRoot = expected.hashTreeRoot();
  if (Buffer.from(actualRoot).equals(Buffer.from(expectedRoot))) return;
  const diffs: string[] = [];
  const a = actual as unknown as Record<string, {hashTreeRoot?: () => Uint8Array}>;
  const e = expected as unknown as Record<string, {hashTreeRoot?: () => Uint8Array}>;
  for (const field of Object.keys(type.fields)) {
    const av = a[field];
    const ev = e[field];
    const same =
      typeof av === "object" && av !== null && typeof av.hashTreeRoot === "function"
        ? Buffer.from(av.hashTreeRoot()).equals(Buffer.from((ev as {hashTreeRoot: () => Uint8Array}).hashTreeRoot()))
        : String(av) === String(ev);
    if (!same) {
      diffs.push(typeof av === "object" ? field : `${field} (got ${String(av)}, expected ${String(ev)})`);
    }
  }
  throw Error(`post state mismatch in: ${diffs.slice(0, 6).join(", ")}${diffs.length > 6 ? ", …" : ""}`);
}

/** Runs `fn`, which must throw (the case has no post state: the input is invalid). */
export function expectInvalid(fn: () => void, what: string): void {
  let threw = false;
  try {
    fn();
  } catch {
    threw = true;
  }
  if (!threw) throw Error(`${what}: expected processing to fail (no post state), but it succeeded`);
}
