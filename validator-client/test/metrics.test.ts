/**
 * The validator client's metrics: the signing gate counts what it signed and what slashing protection refused
 * (real SlashingProtection store, real keys); the beacon node requests are counted per URL, route and result
 * against real HTTP servers (one answering, one refusing connections).
 */
import {mkdtempSync, rmSync} from "node:fs";
import {createServer} from "node:http";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {BeaconConfig, createDevChainConfig} from "@ceibo/config";
import {SlashingProtection} from "@ceibo/slashing-protection";
import {interopSecretKey} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {afterEach, beforeEach, describe, expect, it} from "vitest";
import {BeaconNodes, createLogger, KeyStore, Signer, ValidatorClientMetrics} from "../src/index.ts";

const gvr = new Uint8Array(32).fill(7);
const config = new BeaconConfig(createDevChainConfig({preset: "mainnet"}), gvr);
const sk = interopSecretKey(0);
const pubkey = sk.toPublicKey().toBytes(true);

function attData(slot: number, source: number, target: number, root: number) {
  return {
    slot,
    index: 0,
    beaconBlockRoot: new Uint8Array(32).fill(root),
    source: {epoch: source, root: new Uint8Array(32)},
    target: {epoch: target, root: new Uint8Array(32).fill(root)},
  };
}

/** The value of one series in the registry's Prometheus text (undefined when absent). */
async function value(metrics: ValidatorClientMetrics, series: string): Promise<number | undefined> {
  const line = (await metrics.registry.metrics()).split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("validator client metrics", () => {
  let dir: string;
  let sp: SlashingProtection;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "ceibo-vc-metrics-"));
    sp = await SlashingProtection.open({path: join(dir, "sp"), genesisValidatorsRoot: gvr});
  });
  afterEach(async () => {
    await sp.close();
    rmSync(dir, {recursive: true, force: true});
  });

  it("counts signatures by type and the slashing-protection refusals", async () => {
    const metrics = new ValidatorClientMetrics({defaultMetrics: false});
    const signer = new Signer({config, keys: KeyStore.fromSecretKeys([sk]), slashingProtection: sp});
    signer.metrics = metrics;
    await signer.signAttestation(pubkey, attData(32, 0, 1, 1));
    await signer.signAttestation(pubkey, attData(64, 1, 2, 1));
    // a double vote (same target, other root) and a second block at one slot are refused: nothing signed
    await expect(signer.signAttestation(pubkey, attData(33, 0, 1, 2))).rejects.toThrow(/refused to sign attestation/);
    const block = ssz.fulu.BeaconBlock.defaultValue();
    block.slot = 40;
    await signer.signBlock(pubkey, block);
    await expect(
      signer.signBlock(pubkey, {...block, proposerIndex: 0, stateRoot: new Uint8Array(32).fill(9)}),
    ).rejects.toThrow(/refused to sign block/);
    await signer.signRandao(pubkey, 1);

    expect(await value(metrics, 'vc_signed_messages_total{type="attestation"}')).toBe(2);
    expect(await value(metrics, "vc_signed_attestations_total")).toBe(2);
    expect(await value(metrics, 'vc_signed_messages_total{type="block"}')).toBe(1);
    expect(await value(metrics, "vc_signed_beacon_blocks_total")).toBe(1);
    expect(await value(metrics, 'vc_signed_messages_total{type="randao_reveal"}')).toBe(1);
    expect(await value(metrics, 'vc_slashing_protection_refusals_total{type="attestation"}')).toBe(1);
    expect(await value(metrics, 'vc_slashing_protection_refusals_total{type="block"}')).toBe(1);
    expect(await value(metrics, 'vc_signing_errors_total{type="attestation"}')).toBeUndefined();
  });

  it("counts beacon node requests per URL, route and result, with their latency", async () => {
    const server = createServer((req, res) => {
      if (req.url === "/eth/v1/node/syncing") {
        res.writeHead(200, {"content-type": "application/json"});
        res.end(
          JSON.stringify({
            data: {head_slot: "5", sync_distance: "0", is_syncing: false, is_optimistic: false, el_offline: false},
          }),
        );
      } else {
        res.writeHead(500).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const up = `http://127.0.0.1:${(server.address() as {port: number}).port}`;
    // a port that refuses connections: a listener closed again
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const down = `http://127.0.0.1:${(closed.address() as {port: number}).port}`;
    await new Promise<void>((r) => closed.close(() => r()));
    try {
      const metrics = new ValidatorClientMetrics({defaultMetrics: false});
      const nodes = new BeaconNodes([down, up], {log: createLogger({level: "error"}), timeoutMs: 2000});
      nodes.metricsHook = metrics.beaconNodeRequest;
      await nodes.api.getSyncingStatus();
      expect(
        await value(metrics, `vc_beacon_node_requests_total{url="${down}",route="getSyncingStatus",result="error"}`),
      ).toBe(1);
      expect(
        await value(metrics, `vc_beacon_node_requests_total{url="${up}",route="getSyncingStatus",result="ok"}`),
      ).toBe(1);
      expect(await value(metrics, `vc_beacon_node_request_seconds_count{url="${up}",route="getSyncingStatus"}`)).toBe(
        1,
      );
      const sum = await value(metrics, `vc_beacon_node_request_seconds_sum{url="${up}",route="getSyncingStatus"}`);
      expect(sum).toBeGreaterThan(0);
      expect(sum).toBeLessThan(2);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
