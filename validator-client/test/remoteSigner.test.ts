/**
 * The validator client's signing gate with remote keys (`Web3SignerClient`) against a real `ceibo signer` server
 * (in process, real port, real slashing-protection databases on both sides). Between them a small HTTP relay
 * validates every request body against Web3Signer's published OpenAPI schema
 * (keymanager/test/fixtures/web3signer-eth2-api.json) and can be stopped (signer down) or made to alter the
 * signature (a man in the middle). Every kind of signature made remotely must equal the one the gate makes with the
 * same key locally: the signer recomputed the same signing root from the Web3Signer body as the gate from the SSZ
 * object, at every fork of a staged chain (phase0 → fulu).
 */

import {mkdtempSync, readFileSync, rmSync} from "node:fs";
import {createServer, type Server} from "node:http";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {BeaconConfig, createDevChainConfig} from "@ceibo/config";
import {startWeb3SignerServer, type Web3SignerServer} from "@ceibo/keymanager/web3signer";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {SlashingProtection} from "@ceibo/slashing-protection";
import {interopSecretKey} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {Ajv} from "ajv";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {KeyStore, type Logger, Signer, ValidatorClientError, Web3SignerClient} from "../src/index.ts";

const API = JSON.parse(
  readFileSync(new URL("../../keymanager/test/fixtures/web3signer-eth2-api.json", import.meta.url), "utf8"),
) as {
  definitions: Record<string, unknown>;
  signRequest: Record<string, unknown>;
  signResponse200: Record<string, unknown>;
};
const ajv = new Ajv({strict: false, allErrors: true});
const validateRequest = ajv.compile({...API.signRequest, definitions: API.definitions});
const validateResponse = ajv.compile({...API.signResponse200, definitions: API.definitions});

const gvr = new Uint8Array(32).fill(9);
// one fork per epoch: phase0 at 0, altair 1, bellatrix 2, capella 3, deneb 4, electra 5, fulu 6
const chain = createDevChainConfig({
  preset: "mainnet",
  forkEpochs: {altair: 1, bellatrix: 2, capella: 3, deneb: 4, electra: 5, fulu: 6},
});
const config = new BeaconConfig(chain, gvr);
const sk = interopSecretKey(3);
const pubkey = sk.toPublicKey().toBytes(true);
const slotOf = (epoch: number, i = 1) => epoch * SLOTS_PER_EPOCH + i;

const dirs: string[] = [];
const tmp = (p: string) => {
  const d = mkdtempSync(join(tmpdir(), p));
  dirs.push(d);
  return d;
};

/** The relay: validates each request against the schema, forwards it, optionally alters the signature. */
class Relay {
  server!: Server;
  port = 0;
  bodies: {type: string; valid: boolean; errors: string}[] = [];
  tamper = false;
  readonly target: string;
  constructor(target: string) {
    this.target = target;
  }
  async start(port = 0): Promise<void> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString();
      if (req.method === "POST") {
        const body = JSON.parse(text);
        const valid = validateRequest(body);
        this.bodies.push({type: body.type, valid, errors: JSON.stringify(validateRequest.errors)});
      }
      const upstream = await fetch(`${this.target}${req.url}`, {
        method: req.method,
        headers: {accept: req.headers.accept ?? "", "content-type": req.headers["content-type"] ?? "application/json"},
        body: req.method === "POST" ? text : undefined,
      });
      let out = await upstream.text();
      if (this.tamper && upstream.ok && req.method === "POST") {
        const sig = interopSecretKey(4).sign(new Uint8Array(32)).toBytes(true);
        out = JSON.stringify({signature: toHex(sig)});
      }
      res.writeHead(upstream.status, {"content-type": upstream.headers.get("content-type") ?? "text/plain"});
      res.end(out);
    });
    await new Promise<void>((r) => this.server.listen(port, "127.0.0.1", r));
    this.port = (this.server.address() as {port: number}).port;
  }
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

const logs: string[] = [];
const log: Logger = {
  debug() {},
  info: (m, c) => logs.push(`INFO ${m} ${JSON.stringify(c ?? {})}`),
  warn: (m, c) => logs.push(`WARN ${m} ${JSON.stringify(c ?? {})}`),
  error: (m, c) => logs.push(`ERROR ${m} ${JSON.stringify(c ?? {})}`),
};

let signerServer: Web3SignerServer;
let relay: Relay;
let client: Web3SignerClient;
let remote: Signer;
let local: Signer;
const stores: SlashingProtection[] = [];

async function gate(keys: KeyStore): Promise<Signer> {
  const sp = await SlashingProtection.open({path: join(tmp("ceibo-vc-remote-sp-"), "sp"), genesisValidatorsRoot: gvr});
  stores.push(sp);
  return new Signer({config, keys, slashingProtection: sp});
}

beforeAll(async () => {
  signerServer = await startWeb3SignerServer({
    keys: [{pubkey, secretKey: sk.toBytes()}],
    dataDir: tmp("ceibo-vc-remote-signer-"),
    chain,
    port: 0,
  });
  relay = new Relay(signerServer.url);
  await relay.start();
  client = new Web3SignerClient(relay.url, {log, timeoutMs: 3000});
  const remoteKeys = new KeyStore();
  remoteKeys.add({type: "remote", pubkey, signer: client});
  remote = await gate(remoteKeys);
  local = await gate(KeyStore.fromSecretKeys([sk]));
});

afterAll(async () => {
  await relay?.stop().catch(() => {});
  await signerServer?.close();
  for (const s of stores) await s.close();
  for (const d of dirs) rmSync(d, {recursive: true, force: true});
});

function blockAt(slot: number): {slot: number; proposerIndex: number} & Record<string, unknown> {
  const fork = config.getForkName(slot);
  const block = (
    ssz[fork] as unknown as {BeaconBlock: {defaultValue(): Record<string, unknown>}}
  ).BeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = 3;
  return block as {slot: number; proposerIndex: number} & Record<string, unknown>;
}

function attData(epoch: number, source: number, root = 1) {
  return {
    slot: slotOf(epoch),
    index: 0,
    beaconBlockRoot: new Uint8Array(32).fill(root),
    source: {epoch: source, root: new Uint8Array(32)},
    target: {epoch, root: new Uint8Array(32).fill(root)},
  };
}

describe("remote signing through ceibo signer (Web3Signer eth2 API)", () => {
  it("lists the signer's keys and sees it up", async () => {
    expect((await client.listKeys()).map(toHex)).toEqual([toHex(pubkey)]);
    expect(await client.upcheck()).toBe(true);
  });

  it("every kind of signature, at every fork, equals the local one; every request matches Web3Signer's schema", async () => {
    const both = async (f: (s: Signer) => Promise<Uint8Array>) => {
      const [r, l] = [await f(remote), await f(local)];
      expect(toHex(r)).toBe(toHex(l));
    };
    for (let epoch = 0; epoch <= 6; epoch++) {
      const slot = slotOf(epoch);
      await both((s) => s.signRandao(pubkey, epoch));
      await both((s) => s.signBlock(pubkey, blockAt(slot)));
      await both((s) => s.signAttestation(pubkey, attData(epoch, Math.max(0, epoch - 1))));
      await both((s) => s.signSelectionProof(pubkey, slot));
      const electra = config.getForkSeq(slot) >= 5;
      const aap = (electra ? ssz.electra.AggregateAndProof : ssz.phase0.AggregateAndProof).defaultValue();
      aap.aggregate.data.slot = slot;
      aap.aggregatorIndex = 3;
      await both((s) => s.signAggregateAndProof(pubkey, aap));
      await both((s) => s.signVoluntaryExit(pubkey, {epoch, validatorIndex: 3}));
      if (epoch >= 1) {
        await both((s) => s.signSyncCommitteeMessage(pubkey, slot, new Uint8Array(32).fill(epoch)));
        await both((s) => s.signSyncSelectionProof(pubkey, slot, 2));
        const cap = ssz.altair.ContributionAndProof.defaultValue();
        cap.contribution.slot = slot;
        cap.aggregatorIndex = 3;
        await both((s) => s.signContributionAndProof(pubkey, cap));
      }
    }
    // a blinded block (deneb) has the same root as the full one
    const deneb = ssz.deneb.BlindedBeaconBlock.defaultValue();
    deneb.slot = slotOf(4, 5);
    await both((s) => s.signBlock(pubkey, deneb as never, {blinded: true}));
    await both((s) =>
      s.signValidatorRegistration(pubkey, {
        feeRecipient: new Uint8Array(20).fill(1),
        gasLimit: 60_000_000,
        timestamp: 1_700_000_000,
        pubkey,
      }),
    );
    const invalid = relay.bodies.filter((b) => !b.valid);
    expect(invalid, JSON.stringify(invalid.slice(0, 2))).toEqual([]);
    expect(new Set(relay.bodies.map((b) => b.type))).toEqual(
      new Set([
        "RANDAO_REVEAL",
        "BLOCK_V2",
        "ATTESTATION",
        "AGGREGATION_SLOT",
        "AGGREGATE_AND_PROOF_V2",
        "VOLUNTARY_EXIT",
        "SYNC_COMMITTEE_MESSAGE",
        "SYNC_COMMITTEE_SELECTION_PROOF",
        "SYNC_COMMITTEE_CONTRIBUTION_AND_PROOF",
        "VALIDATOR_REGISTRATION",
      ]),
    );
    // the answer is the published SigningResponse
    const res = await fetch(`${signerServer.url}/api/v1/eth2/sign/${toHex(pubkey)}`, {
      method: "POST",
      headers: {"content-type": "application/json", accept: "application/json"},
      body: JSON.stringify({
        type: "RANDAO_REVEAL",
        fork_info: {
          fork: {
            previous_version: toHex(chain.GENESIS_FORK_VERSION),
            current_version: toHex(chain.GENESIS_FORK_VERSION),
            epoch: "0",
          },
          genesis_validators_root: toHex(gvr),
        },
        randao_reveal: {epoch: "0"},
      }),
    });
    expect(validateResponse(await res.json())).toBe(true);
  });

  it("the client's own slashing protection refuses first: the signer is not asked", async () => {
    const asked = relay.bodies.length;
    await expect(remote.signAttestation(pubkey, attData(6, 5, 7))).rejects.toMatchObject({code: "SLASHING_PROTECTION"});
    await expect(
      remote.signBlock(pubkey, {...blockAt(slotOf(6)), stateRoot: new Uint8Array(32).fill(1)}),
    ).rejects.toMatchObject({
      code: "SLASHING_PROTECTION",
    });
    expect(relay.bodies.length).toBe(asked);
  });

  it("the signer's own slashing protection refuses what the client's (fresh) history allows: 412, nothing signed", async () => {
    const keys = new KeyStore();
    keys.add({type: "remote", pubkey, signer: client});
    const fresh = await gate(keys); // another client with the same key and an empty history
    const refusedBefore = signerServer.refused;
    const err = await fresh.signAttestation(pubkey, attData(6, 5, 8)).catch((e) => e);
    expect(err).toBeInstanceOf(ValidatorClientError);
    expect(err.code).toBe("REMOTE_SIGNER_REFUSED");
    expect(err.message).toMatch(/refused ATTESTATION .*412/);
    expect(signerServer.refused).toBe(refusedBefore + 1);
  });

  it("a signature that does not verify is not used", async () => {
    relay.tamper = true;
    try {
      const err = await remote.signRandao(pubkey, 7).catch((e) => e);
      expect(err.code).toBe("REMOTE_SIGNER_REFUSED");
      expect(err.message).toMatch(/does not verify/);
    } finally {
      relay.tamper = false;
    }
  });

  it("with the signer down nothing is signed, 'unreachable' is logged once; it resumes when the signer is back", async () => {
    const port = relay.port;
    await relay.stop();
    expect(await client.upcheck()).toBe(false);
    for (const epoch of [7, 8, 9]) {
      const err = await remote.signRandao(pubkey, epoch).catch((e) => e);
      expect(err.code).toBe("REMOTE_SIGNER_UNAVAILABLE");
      expect(err.message).toMatch(
        /remote signer http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\): not signing RANDAO_REVEAL/,
      );
    }
    expect(client.isDown).toBe(true);
    expect(logs.filter((l) => l.startsWith("WARN Remote signer unreachable"))).toHaveLength(1);
    await relay.start(port);
    const sig = await remote.signRandao(pubkey, 10);
    expect(toHex(sig)).toBe(toHex(await local.signRandao(pubkey, 10)));
    expect(logs.filter((l) => l.startsWith("INFO Remote signer reachable again"))).toHaveLength(1);
  });
});
