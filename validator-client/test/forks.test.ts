import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {createDevChainConfig} from "@ceibo/config";
import {interopSecretKey} from "@ceibo/state-transition";
import {describe, expect, it} from "vitest";
import {KeyStore, silentLogger, ValidatorClient} from "../src/index.ts";
import {TestChain} from "./utils/testChain.ts";

const INF = Number.POSITIVE_INFINITY;

/** Chains whose every block is of one pre-electra fork: attestations in the phase0 format (one aggregation bit). */
const cases = [
  {fork: "phase0", forkEpochs: {altair: INF}},
  {fork: "deneb", forkEpochs: {electra: INF}},
] as const;

describe("validator client across forks and block kinds", () => {
  for (const c of cases) {
    it(`${c.fork}: phase0-format attestations and aggregates, ${c.fork} blocks pass the state transition`, async () => {
      const config = createDevChainConfig({preset: "mainnet", slotDurationMs: 1000, forkEpochs: c.forkEpochs});
      const chain = new TestChain({config, validatorCount: 64, genesisTime: Math.ceil(Date.now() / 1000) + 1});
      expect(chain.fork).toBe(c.fork);
      const {url, server} = await chain.serve();
      const dataDir = mkdtempSync(join(tmpdir(), "ceibo-vc-fork-"));
      const keys = KeyStore.fromSecretKeys(Array.from({length: 64}, (_, i) => interopSecretKey(i)));
      const vc = await ValidatorClient.start({beaconNodes: [url], dataDir, log: silentLogger}, keys);
      // wait for conditions (a loaded machine misses slots): blocks, aggregates and an included attestation
      const included = () =>
        [...chain.blocks.values()].reduce(
          (n, b) => n + (b.message.body as {attestations: unknown[]}).attestations.length,
          0,
        );
      try {
        const end = Date.now() + 45_000;
        while (
          !(chain.headSlot >= 3 && chain.aggregates.length >= 2 && chain.attestations.length >= 6 && included() >= 1) &&
          Date.now() < end
        ) {
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await vc.close();
        await server.close();
        rmSync(dataDir, {recursive: true, force: true});
      }
      expect(chain.rejected).toEqual([]);
      expect(chain.headSlot).toBeGreaterThanOrEqual(3);
      expect(chain.attestations.length).toBeGreaterThanOrEqual(6);
      // the submitted objects were phase0 Attestations (the chain refuses SingleAttestation before electra)
      const submitted = (chain.calls.submitPoolAttestationsV2 as {version: string; attestations: object[]}[]).flatMap(
        (x) => x.attestations,
      );
      expect(submitted.every((a) => "aggregationBits" in a && !("attesterIndex" in a))).toBe(true);
      expect(chain.aggregates.length).toBeGreaterThanOrEqual(2);
      expect(chain.aggregates.every((a) => !("committeeBits" in a.message.aggregate))).toBe(true);
      expect(included()).toBeGreaterThanOrEqual(1);
    });
  }

  it("blinded blocks (a builder's): signed as the blinded block and published with publishBlindedBlockV2", async () => {
    const config = createDevChainConfig({preset: "mainnet", slotDurationMs: 1000});
    const chain = new TestChain({
      config,
      validatorCount: 64,
      genesisTime: Math.ceil(Date.now() / 1000) + 1,
      blinded: true,
    });
    const {url, server} = await chain.serve();
    const dataDir = mkdtempSync(join(tmpdir(), "ceibo-vc-blinded-"));
    const keys = KeyStore.fromSecretKeys(Array.from({length: 64}, (_, i) => interopSecretKey(i)));
    const vc = await ValidatorClient.start({beaconNodes: [url], dataDir, log: silentLogger}, keys);
    try {
      const end = Date.now() + 45_000;
      while (chain.blocks.size < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await vc.close();
      await server.close();
      rmSync(dataDir, {recursive: true, force: true});
    }
    expect(chain.rejected).toEqual([]);
    expect(chain.blocks.size).toBeGreaterThanOrEqual(2);
    expect(chain.calls.publishBlindedBlockV2?.length).toBe(chain.blocks.size);
    expect(chain.calls.publishBlockV2).toBeUndefined();
  });
});
