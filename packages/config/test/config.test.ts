import {readFileSync} from "node:fs";
import path from "node:path";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import {describe, expect, it} from "vitest";
import {parse} from "yaml";
import {
  BeaconConfig,
  CHAIN_CONFIG_KEYS,
  ChainConfigError,
  chainConfigFromYaml,
  computeDomain,
  createDevChainConfig,
  mainnetChainConfig,
  minimalChainConfig,
  networks,
  parseConfigValue,
} from "../src/index.ts";

const CONFIGS_DIR = path.resolve(import.meta.dirname, "../../../../shared/spec-tests/configs");
/** Config keys of forks/features after fulu; this client does not implement them. */
const POST_FULU =
  /^(GLOAS|HEZE)_|_GLOAS$|^(MIN_BUILDER_WITHDRAWABILITY_DELAY|PAYLOAD_DUE_BPS|PAYLOAD_ATTESTATION_DUE_BPS|INCLUSION_LIST_DUE_BPS|CONSOLIDATION_CHURN_LIMIT_QUOTIENT|MAX_REQUEST_PAYLOADS|MAX_REQUEST_INCLUSION_LIST|MIN_SLOTS_FOR_INCLUSION_LISTS_REQUESTS|MAX_TRANSACTIONS_BYTES_PER_INCLUSION_LIST|CONFIRMATION_BYZANTINE_THRESHOLD)$/;

/** An independent reading of a YAML scalar: decimal → bigint, 0x → lowercase hex, quoted → string. */
function expected(raw: unknown): unknown {
  if (Array.isArray(raw))
    return raw.map((e) => ({EPOCH: BigInt(e.EPOCH), MAX_BLOBS_PER_BLOCK: BigInt(e.MAX_BLOBS_PER_BLOCK)}));
  const s = String(raw);
  if (/^\d+$/.test(s)) return BigInt(s);
  if (s.startsWith("0x")) return s.toLowerCase();
  return s;
}
function actual(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map((e) => ({EPOCH: BigInt(e.EPOCH), MAX_BLOBS_PER_BLOCK: BigInt(e.MAX_BLOBS_PER_BLOCK)}));
  if (value instanceof Uint8Array) return toHex(value);
  if (value === Number.POSITIVE_INFINITY) return 2n ** 64n - 1n;
  if (typeof value === "number" || typeof value === "bigint") return BigInt(value);
  return value;
}

describe("chain configs match consensus-specs configs/<name>.yaml key by key", () => {
  for (const [name, config] of Object.entries({mainnet: mainnetChainConfig, minimal: minimalChainConfig})) {
    it(name, () => {
      const doc = parse(readFileSync(path.join(CONFIGS_DIR, `${name}.yaml`), "utf8"), {schema: "failsafe"}) as Record<
        string,
        unknown
      >;
      const yamlKeys = Object.keys(doc).filter((k) => !POST_FULU.test(k));
      for (const key of yamlKeys) {
        expect(actual((config as unknown as Record<string, unknown>)[key]), `${name}.yaml ${key}`).toEqual(
          expected(doc[key]),
        );
      }
      expect([...CHAIN_CONFIG_KEYS].sort()).toEqual(yamlKeys.sort());
    });
  }

  it("loads a config.yaml, defaulting missing keys from its PRESET_BASE and keeping unknown keys aside", () => {
    const {config, unknown, defaulted} = chainConfigFromYaml(
      "PRESET_BASE: 'minimal'\nCONFIG_NAME: 'mytest'\nALTAIR_FORK_EPOCH: 3\nGENESIS_FORK_VERSION: 0x00000000\nGLOAS_FORK_EPOCH: 9\n",
    );
    expect(config.CONFIG_NAME).toBe("mytest");
    expect(config.ALTAIR_FORK_EPOCH).toBe(3);
    expect(toHex(config.GENESIS_FORK_VERSION)).toBe("0x00000000");
    expect(config.SLOT_DURATION_MS).toBe(6000);
    expect(unknown).toEqual({GLOAS_FORK_EPOCH: "9"});
    expect(defaulted).toContain("SLOT_DURATION_MS");
  });

  it("derives SLOT_DURATION_MS from a legacy SECONDS_PER_SLOT (configs of older clients)", () => {
    const {config} = chainConfigFromYaml("PRESET_BASE: 'minimal'\nCONFIG_NAME: 'old'\nSECONDS_PER_SLOT: 2\n");
    expect(config.SLOT_DURATION_MS).toBe(2000);
    const both = chainConfigFromYaml(
      "PRESET_BASE: 'minimal'\nCONFIG_NAME: 'x'\nSECONDS_PER_SLOT: 2\nSLOT_DURATION_MS: 3000\n",
    );
    expect(both.config.SLOT_DURATION_MS).toBe(3000);
    expect(() => chainConfigFromYaml("PRESET_BASE: 'minimal'\nCONFIG_NAME: 'x'\nSECONDS_PER_SLOT: 0\n")).toThrow(
      /SECONDS_PER_SLOT/,
    );
  });

  it("rejects malformed values with a message naming the key", () => {
    expect(() => parseConfigValue("ALTAIR_FORK_VERSION", "0x0100")).toThrow(/ALTAIR_FORK_VERSION: expected 4 bytes/);
    expect(() => parseConfigValue("SLOT_DURATION_MS", "12s")).toThrow(ChainConfigError);
    expect(() => parseConfigValue("DEPOSIT_CONTRACT_ADDRESS", "0xzz")).toThrow(/DEPOSIT_CONTRACT_ADDRESS/);
    expect(() => chainConfigFromYaml("- a\n- b\n")).toThrow(/not a YAML map/);
  });
});

describe("fork digests (compute_fork_digest, fulu EIP-7892 blob-parameter mask)", () => {
  it("mainnet digests of every fork and blob-parameter fork are the published ones", () => {
    const {chainConfig, genesis} = networks.mainnet;
    const cfg = new BeaconConfig(chainConfig, genesis!.genesisValidatorsRoot);
    const digests = Object.fromEntries(cfg.forks.map((f) => [f.name, toHex(cfg.computeForkDigest(f.epoch))]));
    expect(digests.phase0).toBe("0xb5303f2a");
    expect(digests.altair).toBe("0xafcaaba0");
    expect(digests.bellatrix).toBe("0x4a26c58b");
    expect(digests.capella).toBe("0xbba4da96");
    expect(digests.deneb).toBe("0x6a95a1a9");
    expect(digests.electra).toBe("0xad532ceb");
    expect(digests.fulu).toBe("0xcc2c5cdb");
    expect(toHex(cfg.computeForkDigest(412671))).toBe("0xcc2c5cdb");
    expect(toHex(cfg.computeForkDigest(412672))).toBe("0xcb0d1acc"); // BPO1: 15 blobs
    expect(toHex(cfg.computeForkDigest(419072))).toBe("0x8c9f62fe"); // BPO2: 21 blobs
  });

  it("sepolia digests across fulu and its two blob-parameter-only forks", () => {
    const {chainConfig, genesis} = networks.sepolia;
    const cfg = new BeaconConfig(chainConfig, genesis!.genesisValidatorsRoot);
    expect(toHex(cfg.computeForkDigest(222464))).toBe("0x14045b5a"); // electra
    expect(toHex(cfg.computeForkDigest(272640))).toBe("0x7e0d3447"); // fulu
    expect(toHex(cfg.computeForkDigest(274175))).toBe("0x7e0d3447");
    expect(toHex(cfg.computeForkDigest(274176))).toBe("0xfd32b622"); // BPO1
    expect(toHex(cfg.computeForkDigest(275712))).toBe("0x74d01459"); // BPO2
    expect(cfg.getMaxBlobsPerBlock(272640)).toBe(9);
    expect(cfg.getMaxBlobsPerBlock(275712)).toBe(21);
    expect(cfg.allForkDigests().map((d) => d.digest)).toContain("0xfd32b622");
  });

  it("fork lookups by slot and epoch", () => {
    const cfg = new BeaconConfig(networks.mainnet.chainConfig, networks.mainnet.genesis!.genesisValidatorsRoot);
    expect(cfg.getForkNameAtEpoch(74239)).toBe("phase0");
    expect(cfg.getForkNameAtEpoch(74240)).toBe("altair");
    expect(cfg.getForkNameAtEpoch(411392)).toBe("fulu");
  });
});

describe("signing domains", () => {
  it("mainnet deposit domain (genesis fork version, zero genesis_validators_root)", () => {
    const cfg = new BeaconConfig(networks.mainnet.chainConfig, networks.mainnet.genesis!.genesisValidatorsRoot);
    expect(toHex(cfg.getDepositDomain())).toBe("0x03000000f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a9");
  });

  it("a message from before the state's fork uses the previous fork version", () => {
    const chain = createDevChainConfig({forkEpochs: {altair: 2, bellatrix: 4, capella: 100}});
    const cfg = new BeaconConfig(chain, new Uint8Array(32));
    const domainType = fromHex("0x01000000");
    expect(cfg.getDomain(4, domainType, 3)).toEqual(cfg.getDomainForVersion(domainType, chain.ALTAIR_FORK_VERSION));
    expect(cfg.getDomain(4, domainType, 4)).toEqual(cfg.getDomainForVersion(domainType, chain.BELLATRIX_FORK_VERSION));
    expect(cfg.getDomain(4, domainType)).not.toEqual(cfg.getDomain(3, domainType));
  });

  it("dev chain: all forks at genesis by default; decreasing fork epochs are refused", () => {
    const dev = createDevChainConfig();
    expect(new BeaconConfig(dev, new Uint8Array(32)).getForkNameAtEpoch(0)).toBe("fulu");
    expect(() => createDevChainConfig({forkEpochs: {altair: 3, bellatrix: 1}})).toThrow(/must not decrease/);
  });
});

describe("computeDomain", () => {
  it("matches domain_type ++ hash_tree_root(ForkData)[:28] for every input, also when served from its cache", () => {
    const versions = [0, 1, 2, 3, 4, 5].map((v) => Uint8Array.of(v, 0, 0, 1));
    const roots = [new Uint8Array(32), new Uint8Array(32).fill(7)];
    const types = [Uint8Array.of(0, 0, 0, 0), Uint8Array.of(1, 0, 0, 0), Uint8Array.of(7, 0, 0, 0)];
    // 36 combinations, twice: the second round comes from the cache (and overflows it past its 64 entries)
    for (let round = 0; round < 2; round++) {
      for (const version of versions) {
        for (const gvr of roots) {
          for (const type of types) {
            const forkData = ssz.phase0.ForkData.hashTreeRoot({currentVersion: version, genesisValidatorsRoot: gvr});
            const expected = new Uint8Array(32);
            expected.set(type, 0);
            expected.set(forkData.subarray(0, 28), 4);
            expect(computeDomain(type, version, gvr)).toEqual(expected);
          }
        }
      }
    }
    // the inputs are copied into the cache: changing the caller's array afterwards changes the answer
    const gvr = new Uint8Array(32).fill(9);
    const before = computeDomain(types[0], versions[0], gvr);
    gvr[0] = 1;
    expect(computeDomain(types[0], versions[0], gvr)).not.toEqual(before);
  });
});
