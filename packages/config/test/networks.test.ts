/**
 * The public networks (mainnet, hoodi, sepolia) against their published facts: every chain-config key against
 * the network's config.yaml (eth-clients/<network> metadata/config.yaml), genesis, deposit contract, and every
 * fork digest (incl. the fulu blob-parameter-only forks) against the digests published by other clients.
 */

import {existsSync, readFileSync} from "node:fs";
import path from "node:path";
import {toHex} from "@ceibo/utils";
import {describe, expect, it} from "vitest";
import {parse} from "yaml";
import {
  BeaconConfig,
  CHAIN_CONFIG_KEYS,
  computeForkDataRoot,
  DEPOSIT_CONTRACTS,
  isPublicNetwork,
  networks,
  PUBLIC_NETWORK_NAMES,
} from "../src/index.ts";

/** consensus-specs configs/mainnet.yaml in ../shared (the first ancestor directory holding shared/spec-tests). */
function findSpecMainnetYaml(): string {
  for (let dir = path.resolve(import.meta.dirname, "../../.."); ; dir = path.dirname(dir)) {
    const file = path.join(dir, "shared/spec-tests/configs/mainnet.yaml");
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) throw Error("shared/spec-tests/configs/mainnet.yaml not found next to the repo");
  }
}
const SPEC_MAINNET_YAML = findSpecMainnetYaml();

/**
 * What each network's published config.yaml says where it differs from consensus-specs configs/mainnet.yaml
 * (written here from the eth-clients snapshots: mainnet 9df5a5b, hoodi 7f71638, sepolia 129de38). Those
 * snapshots predate the fulu schedule (mainnet and sepolia have no FULU_* keys, hoodi has FULU_FORK_EPOCH
 * 2**64-1 and no BLOB_SCHEDULE): the fulu and blob-parameter fork epochs below are the ones scheduled later
 * (the same values other clients ship, e.g. Lighthouse's built-in hoodi config: fulu 50688, BPO 52480/54016).
 */
const PUBLISHED: Record<string, Record<string, string | {EPOCH: string; MAX_BLOBS_PER_BLOCK: string}[]>> = {
  mainnet: {
    FULU_FORK_EPOCH: "411392",
    BLOB_SCHEDULE: [
      {EPOCH: "412672", MAX_BLOBS_PER_BLOCK: "15"},
      {EPOCH: "419072", MAX_BLOBS_PER_BLOCK: "21"},
    ],
  },
  hoodi: {
    CONFIG_NAME: "hoodi",
    MIN_GENESIS_TIME: "1742212800",
    GENESIS_FORK_VERSION: "0x10000910",
    GENESIS_DELAY: "600",
    ALTAIR_FORK_VERSION: "0x20000910",
    ALTAIR_FORK_EPOCH: "0",
    BELLATRIX_FORK_VERSION: "0x30000910",
    BELLATRIX_FORK_EPOCH: "0",
    TERMINAL_TOTAL_DIFFICULTY: "0",
    CAPELLA_FORK_VERSION: "0x40000910",
    CAPELLA_FORK_EPOCH: "0",
    DENEB_FORK_VERSION: "0x50000910",
    DENEB_FORK_EPOCH: "0",
    ELECTRA_FORK_VERSION: "0x60000910",
    ELECTRA_FORK_EPOCH: "2048",
    FULU_FORK_VERSION: "0x70000910",
    FULU_FORK_EPOCH: "50688", // the snapshot: 18446744073709551615 (not yet scheduled)
    SECONDS_PER_ETH1_BLOCK: "12",
    DEPOSIT_CHAIN_ID: "560048",
    DEPOSIT_NETWORK_ID: "560048",
    BLOB_SCHEDULE: [
      {EPOCH: "52480", MAX_BLOBS_PER_BLOCK: "15"},
      {EPOCH: "54016", MAX_BLOBS_PER_BLOCK: "21"},
    ],
  },
  sepolia: {
    CONFIG_NAME: "sepolia",
    MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: "1300",
    MIN_GENESIS_TIME: "1655647200",
    GENESIS_FORK_VERSION: "0x90000069",
    GENESIS_DELAY: "86400",
    ALTAIR_FORK_VERSION: "0x90000070",
    ALTAIR_FORK_EPOCH: "50",
    BELLATRIX_FORK_VERSION: "0x90000071",
    BELLATRIX_FORK_EPOCH: "100",
    TERMINAL_TOTAL_DIFFICULTY: "17000000000000000",
    CAPELLA_FORK_VERSION: "0x90000072",
    CAPELLA_FORK_EPOCH: "56832",
    DENEB_FORK_VERSION: "0x90000073",
    DENEB_FORK_EPOCH: "132608",
    ELECTRA_FORK_VERSION: "0x90000074",
    ELECTRA_FORK_EPOCH: "222464",
    FULU_FORK_VERSION: "0x90000075",
    FULU_FORK_EPOCH: "272640",
    DEPOSIT_CHAIN_ID: "11155111",
    DEPOSIT_NETWORK_ID: "11155111",
    DEPOSIT_CONTRACT_ADDRESS: "0x7f02C3E3c98b133055B8B348B2Ac625669Ed295D",
    BLOB_SCHEDULE: [
      {EPOCH: "274176", MAX_BLOBS_PER_BLOCK: "15"},
      {EPOCH: "275712", MAX_BLOBS_PER_BLOCK: "21"},
    ],
  },
};

/** An independent reading of a YAML scalar: decimal → bigint, 0x → lowercase hex, else the string. */
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

describe("public network configs equal their published config.yaml key by key", () => {
  const spec = parse(readFileSync(SPEC_MAINNET_YAML, "utf8"), {schema: "failsafe"}) as Record<string, unknown>;
  for (const name of PUBLIC_NETWORK_NAMES) {
    it(name, () => {
      const config = networks[name].chainConfig as unknown as Record<string, unknown>;
      const published = {...spec, ...PUBLISHED[name]};
      for (const key of CHAIN_CONFIG_KEYS) {
        if (key === "SLOT_DURATION_MS") {
          // the published configs still give SECONDS_PER_SLOT: 12
          expect(config[key], `${name} ${key}`).toBe(12_000);
          continue;
        }
        expect(published[key], `${name}: ${key} is published`).toBeDefined();
        expect(actual(config[key]), `${name} ${key}`).toEqual(expected(published[key]));
      }
      expect(config.PRESET_BASE).toBe("mainnet");
    });
  }
});

describe("public network genesis and deposit contract", () => {
  it("genesis time and genesis validators root (eth-clients genesis_validators_root.txt / the genesis state)", () => {
    expect(networks.mainnet.genesis?.genesisTime).toBe(1606824023);
    expect(toHex(networks.mainnet.genesis?.genesisValidatorsRoot as Uint8Array)).toBe(
      "0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95",
    );
    expect(networks.hoodi.genesis?.genesisTime).toBe(1742213400);
    expect(toHex(networks.hoodi.genesis?.genesisValidatorsRoot as Uint8Array)).toBe(
      "0x212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f",
    );
    expect(networks.sepolia.genesis?.genesisTime).toBe(1655733600);
    expect(toHex(networks.sepolia.genesis?.genesisValidatorsRoot as Uint8Array)).toBe(
      "0xd8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078",
    );
    // genesis time = MIN_GENESIS_TIME + GENESIS_DELAY for networks that started on time (hoodi, sepolia)
    for (const name of ["hoodi", "sepolia"] as const) {
      const c = networks[name].chainConfig;
      expect(networks[name].genesis?.genesisTime).toBe(c.MIN_GENESIS_TIME + c.GENESIS_DELAY);
    }
  });

  it("deposit contracts: address (as in the chain config), deploy block and its hash", () => {
    expect(DEPOSIT_CONTRACTS.mainnet).toEqual({
      address: "0x00000000219ab540356cBB839Cbe05303d7705Fa",
      deployBlock: 11052984,
      deployBlockHash: "0x44bca881b07a6a09f83b130798072441705d9a665c5ac8bdf2f39a3cdf3bee29",
    });
    expect(DEPOSIT_CONTRACTS.hoodi.deployBlock).toBe(0);
    expect(DEPOSIT_CONTRACTS.sepolia.deployBlock).toBe(1273020);
    for (const name of PUBLIC_NETWORK_NAMES) {
      const dc = networks[name].depositContract;
      expect(dc).toBe(DEPOSIT_CONTRACTS[name]);
      expect(dc?.address.toLowerCase()).toBe(toHex(networks[name].chainConfig.DEPOSIT_CONTRACT_ADDRESS));
      expect(dc?.deployBlockHash).toMatch(/^0x[0-9a-f]{64}$/);
      expect(networks[name].bootnodes?.length).toBeGreaterThan(0);
    }
  });

  it("isPublicNetwork", () => {
    expect(PUBLIC_NETWORK_NAMES.filter(isPublicNetwork)).toEqual(["mainnet", "hoodi", "sepolia"]);
    expect(isPublicNetwork("dev")).toBe(false);
    expect(isPublicNetwork("custom")).toBe(false);
  });
});

describe("fork digests of every fork of mainnet, hoodi and sepolia are the published ones", () => {
  /**
   * Published digests: mainnet (consensus-specs / every client's p2p topics), hoodi (other clients' fork-digest
   * vectors: electra 82556a32, fulu e2abcca4, BPO1 ae9f70a0, BPO2 c6ecb76c; deneb d2f1997f is in hoodi's
   * published bootnode ENRs), sepolia (capella 47eb72b3 and deneb d31f6191 as fork data roots in other
   * projects, bellatrix 36fa5013 and phase0 a8fee8ee in its bootnode ENRs, electra/fulu/BPO in ceibo info).
   */
  const PUBLISHED_DIGESTS: Record<string, [string, number, string][]> = {
    mainnet: [
      ["phase0", 0, "0xb5303f2a"],
      ["altair", 74240, "0xafcaaba0"],
      ["bellatrix", 144896, "0x4a26c58b"],
      ["capella", 194048, "0xbba4da96"],
      ["deneb", 269568, "0x6a95a1a9"],
      ["electra", 364032, "0xad532ceb"],
      ["fulu", 411392, "0xcc2c5cdb"],
      ["fulu", 412672, "0xcb0d1acc"],
      ["fulu", 419072, "0x8c9f62fe"],
    ],
    hoodi: [
      ["deneb", 0, "0xd2f1997f"],
      ["electra", 2048, "0x82556a32"],
      ["fulu", 50688, "0xe2abcca4"],
      ["fulu", 52480, "0xae9f70a0"],
      ["fulu", 54016, "0xc6ecb76c"],
    ],
    sepolia: [
      ["phase0", 0, "0xa8fee8ee"],
      ["altair", 50, "0x60725ca1"],
      ["bellatrix", 100, "0x36fa5013"],
      ["capella", 56832, "0x47eb72b3"],
      ["deneb", 132608, "0xd31f6191"],
      ["electra", 222464, "0x14045b5a"],
      ["fulu", 272640, "0x7e0d3447"],
      ["fulu", 274176, "0xfd32b622"],
      ["fulu", 275712, "0x74d01459"],
    ],
  };
  for (const name of PUBLIC_NETWORK_NAMES) {
    it(name, () => {
      const {chainConfig, genesis} = networks[name];
      const cfg = new BeaconConfig(chainConfig, genesis?.genesisValidatorsRoot as Uint8Array);
      const published = PUBLISHED_DIGESTS[name];
      // every digest ceibo can compute (forks and blob-parameter forks) is in the published list, and vice versa
      expect(cfg.allForkDigests().map((d) => [d.fork, d.epoch, d.digest])).toEqual(published);
      for (const [, epoch, digest] of published) {
        expect(toHex(cfg.computeForkDigest(epoch)), `${name} epoch ${epoch}`).toBe(digest);
        if (epoch > 0) expect(toHex(cfg.computeForkDigest(epoch - 1))).not.toBe(digest);
      }
    });
  }

  it("sepolia's capella and deneb fork data roots are the published ones (a digest is the first 4 bytes)", () => {
    const gvr = networks.sepolia.genesis?.genesisValidatorsRoot as Uint8Array;
    const capella = toHex(computeForkDataRoot(networks.sepolia.chainConfig.CAPELLA_FORK_VERSION, gvr));
    const deneb = toHex(computeForkDataRoot(networks.sepolia.chainConfig.DENEB_FORK_VERSION, gvr));
    // published as the last 28 bytes of signing domains (domain type ‖ fork_data_root[:28])
    expect(capella.slice(0, 58)).toBe("0x47eb72b3be36f08feffcaba760f0a2ed78c1a85f0654941a0d19d0fa");
    expect(deneb).toBe("0xd31f6191ca65c836e170318c55fcf34b7e308f8fbca8e663bf565808b255b10b");
  });
});
