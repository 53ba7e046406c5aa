/**
 * The public networks' bootnode ENRs (packages/config networks/bootnodes.ts) decode with a valid signature, have
 * a discv5 (UDP) endpoint and a secp256k1 key, and — where they carry an eth2 field — name a fork digest of
 * their own network. Nothing is contacted: the records are only decoded.
 *
 * Named exception (what the issue asks vs. what is published): no published bootnode ENR carries its network's
 * CURRENT (fulu blob-parameter) fork digest. Bootnodes are discv5-only nodes that are not re-signed at forks:
 * they carry their network's genesis-era digest, a digest of its genesis fork version with a zero
 * genesis_validators_root (Prysm's bootnodes on mainnet), of GENESIS_FORK_VERSION with the real root (hoodi's
 * EF bootnodes, although hoodi started at deneb), or no eth2 field at all.
 * So this test asserts the digest belongs to the network (and is never another network's), and counts them.
 */

import {BeaconConfig, computeForkDataRoot, networks, PUBLIC_NETWORK_NAMES} from "@ceibo/config";
import {toHex} from "@ceibo/utils";
import {describe, expect, it} from "vitest";
import {decodeEnrTxt, readEth2Fields} from "../src/network/discovery/enr.ts";

function networkDigests(name: (typeof PUBLIC_NETWORK_NAMES)[number]): Map<string, string> {
  const {chainConfig, genesis} = networks[name];
  const cfg = new BeaconConfig(chainConfig, genesis?.genesisValidatorsRoot as Uint8Array);
  const out = new Map<string, string>();
  for (const d of cfg.allForkDigests()) out.set(d.digest, `${d.fork}@${d.epoch}`);
  const bootOnly = toHex(computeForkDataRoot(chainConfig.GENESIS_FORK_VERSION, new Uint8Array(32)).subarray(0, 4));
  out.set(bootOnly, "genesis fork version, zero genesis_validators_root");
  // GENESIS_FORK_VERSION with the real root: hoodi's phase0 digest, although hoodi started at deneb
  const gvr = genesis?.genesisValidatorsRoot as Uint8Array;
  const genesisVersion = toHex(computeForkDataRoot(chainConfig.GENESIS_FORK_VERSION, gvr).subarray(0, 4));
  if (!out.has(genesisVersion)) out.set(genesisVersion, "genesis fork version");
  return out;
}

describe("public network bootnode ENRs", () => {
  // counts of each published list by what its eth2 field says (written from eth-clients bootstrap_nodes.yaml)
  const EXPECTED: Record<string, {total: number; byDigest: Record<string, number>; noEth2: number}> = {
    mainnet: {total: 17, byDigest: {"0xb5303f2a": 10, "0xf5a5fd42": 3}, noEth2: 4},
    hoodi: {total: 9, byDigest: {"0xd2f1997f": 5, "0x5df5c106": 3}, noEth2: 1},
    sepolia: {total: 9, byDigest: {"0xa8fee8ee": 5, "0x36fa5013": 1}, noEth2: 3},
  };
  for (const name of PUBLIC_NETWORK_NAMES) {
    it(`${name}: every ENR decodes, has a UDP endpoint and names a digest of ${name} (if any)`, () => {
      const list = networks[name].bootnodes ?? [];
      const own = networkDigests(name);
      const others = new Set(
        PUBLIC_NETWORK_NAMES.filter((n) => n !== name).flatMap((n) => [...networkDigests(n).keys()]),
      );
      const byDigest: Record<string, number> = {};
      let noEth2 = 0;
      const seen = new Set<string>();
      for (const text of list) {
        const enr = decodeEnrTxt(text);
        expect(enr, `${name}: ${text.slice(0, 30)}… decodes and its signature verifies`).not.toBeNull();
        if (enr === null) continue;
        expect(enr.kvs.get("secp256k1")?.length, `${name} ${enr.nodeId}: compressed secp256k1 key`).toBe(33);
        expect(enr.udp ?? enr.udp6, `${name} ${enr.nodeId}: UDP port`).toBeGreaterThan(0);
        expect(enr.ip ?? enr.ip6, `${name} ${enr.nodeId}: IP`).toBeDefined();
        expect(seen.has(enr.nodeId), `${name}: ${enr.nodeId} listed twice`).toBe(false);
        seen.add(enr.nodeId);
        const eth2 = readEth2Fields(enr).eth2;
        if (eth2 === undefined) {
          noEth2++;
          continue;
        }
        const digest = toHex(eth2.forkDigest);
        expect(own.has(digest), `${name} ${enr.nodeId}: eth2 digest ${digest} is one of ${name}'s`).toBe(true);
        expect(others.has(digest), `${name} ${enr.nodeId}: ${digest} is another network's`).toBe(false);
        byDigest[digest] = (byDigest[digest] ?? 0) + 1;
      }
      expect({total: list.length, byDigest, noEth2}).toEqual(EXPECTED[name]);
      // the named exception: none carries the current digest (the last blob-parameter fork's)
      const cfg = new BeaconConfig(networks[name].chainConfig, networks[name].genesis?.genesisValidatorsRoot as never);
      const current = cfg.allForkDigests().at(-1)?.digest as string;
      expect(byDigest[current] ?? 0).toBe(0);
    });
  }
});
