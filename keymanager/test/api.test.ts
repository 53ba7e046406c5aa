/**
 * The Keymanager API on a real server (127.0.0.1, port 0) backed by a real ValidatorClient (connected to a real
 * Beacon API server of a test chain; slashing-protection LevelDB in a temp dir). Every request we send as valid
 * and every response is checked against the OpenAPI spec in ../shared/apis/keymanager-APIs.
 */

import {randomBytes} from "node:crypto";
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {computeDomain, computeSigningRoot, createDevChainConfig} from "@ceibo/config";
import {DOMAIN_RANDAO, DOMAIN_VOLUNTARY_EXIT, SLOTS_PER_EPOCH} from "@ceibo/params";
import {interopSecretKey} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {
  addKeymanagerKeys,
  KeyStore,
  loadKeymanagerState,
  silentLogger,
  ValidatorClient,
  ValidatorClientKeymanagerBackend,
} from "@ceibo/validator-client";
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import type {FastifyInstance} from "fastify";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {TestChain} from "../../validator-client/test/utils/testChain.ts";
import {DEFAULT_TOKEN_FILE, loadOrCreateToken, startKeymanagerServer} from "../src/api/index.ts";
import {encryptKeystore} from "../src/keystore.ts";
import {startWeb3SignerServer} from "../src/web3signer/index.ts";
import {matchOperation, validate} from "./apiOpenapi.ts";

const config = createDevChainConfig({preset: "mainnet", slotDurationMs: 12_000});
const VALIDATORS = 16;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
const covered = new Set<string>();

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "ceibo-km-api-"));
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}));
  return dir;
}

const pubkeyOf = (i: number) => toHex(interopSecretKey(i).toPublicKey().toBytes(true));
const keystoreOf = async (sk: Uint8Array, password: string, path = "") =>
  JSON.stringify(await encryptKeystore(sk, password, {kdf: "pbkdf2", cost: 2, path}));

interface Client {
  url: string;
  token: string;
  vc: ValidatorClient;
  dataDir: string;
}

/** Sends a request; validates the request (unless `invalid`) and the response against the spec. */
async function call(
  c: Client,
  method: string,
  path: string,
  opts: {body?: unknown; rawBody?: string; token?: string | null; invalid?: boolean; undeclared400?: boolean} = {},
): Promise<{status: number; body: Record<string, unknown>; empty: boolean}> {
  const [urlPath, query = ""] = path.split("?");
  const {op, params} = matchOperation(method, urlPath);
  if (!opts.invalid) {
    for (const p of op.parameters) {
      const value = p.in === "path" ? params[p.name] : new URLSearchParams(query).get(p.name);
      if (value === null || value === undefined) {
        expect(p.required ?? false, `parameter ${p.name} is required`).toBe(false);
        continue;
      }
      if (p.schema) expect(validate(p.schema, value), `${op.operationId} parameter ${p.name}`).toBeUndefined();
    }
    const schema = op.requestBody?.content["application/json"]?.schema;
    if (schema && opts.body !== undefined) {
      expect(validate(schema, opts.body), `${op.operationId} request body`).toBeUndefined();
    }
  }
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? c.token : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined || opts.body !== undefined) {
    headers["content-type"] = "application/json";
    body = opts.rawBody ?? JSON.stringify(opts.body);
  }
  const res = await fetch(`${c.url}${path}`, {method, headers, body});
  const text = await res.text();
  // the spec declares no 400 for the remotekeys routes; a malformed body still gets one ({message})
  const errorResponse = {
    content: {
      "application/json": {schema: {type: "object", required: ["message"], properties: {message: {type: "string"}}}},
    },
  };
  const declared =
    op.responses[String(res.status)] ?? (opts.undeclared400 && res.status === 400 ? errorResponse : undefined);
  expect(declared, `${op.operationId}: status ${res.status} is not in the spec (${text})`).toBeDefined();
  const parsed = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
  const resSchema = declared.content?.["application/json"]?.schema;
  if (resSchema)
    expect(validate(resSchema, parsed), `${op.operationId} ${res.status} response: ${text}`).toBeUndefined();
  else expect(text, `${op.operationId} ${res.status} has no body in the spec`).toBe("");
  if (res.status < 300) covered.add(op.operationId);
  return {status: res.status, body: parsed ?? {}, empty: parsed === undefined};
}

let chain: TestChain;
let beaconUrl: string;
let a: Client;
const FEE_DEFAULT = new Uint8Array(20).fill(0xfe);

async function startClient(opts: {interop: number[]; dataDir?: string}): Promise<Client> {
  const dataDir = opts.dataDir ?? tempDir();
  const keys = KeyStore.fromSecretKeys(opts.interop.map((i) => interopSecretKey(i)));
  const readonly = keys.pubkeysHex();
  const state = await loadKeymanagerState(dataDir);
  const derivationPaths = addKeymanagerKeys(keys, state);
  const vc = await ValidatorClient.start(
    {
      beaconNodes: [beaconUrl],
      dataDir,
      doppelganger: false,
      feeRecipient: FEE_DEFAULT,
      graffiti: "ceibo-default",
      allowNoKeys: true,
      log: silentLogger,
    },
    keys,
  );
  cleanups.push(() => vc.close());
  const backend = new ValidatorClientKeymanagerBackend(vc, {
    dataDir,
    readonlyPubkeys: readonly,
    derivationPaths,
    settings: state.settings,
  });
  const token = loadOrCreateToken(join(dataDir, DEFAULT_TOKEN_FILE), {create: true});
  const server = await startKeymanagerServer({backend, token, port: 0});
  cleanups.push(() => server.close());
  return {url: server.url, token, vc, dataDir};
}

beforeAll(async () => {
  // genesis an hour ahead: the validator client connects and tracks its keys but has no duties to run
  chain = new TestChain({config, validatorCount: VALIDATORS, genesisTime: Math.floor(Date.now() / 1000) + 3600});
  const served: {url: string; server: FastifyInstance} = await chain.serve();
  cleanups.push(() => served.server.close());
  beaconUrl = served.url;
  a = await startClient({interop: [0, 1, 2, 3]});
}, 60_000);

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function blockAt(slot: number, proposerIndex: number, graffitiByte = 0) {
  const block = ssz.fulu.BeaconBlock.defaultValue();
  block.slot = slot;
  block.proposerIndex = proposerIndex;
  block.body.graffiti = new Uint8Array(32).fill(graffitiByte);
  return block;
}

function attData(source: number, target: number, root = 1) {
  return {
    slot: target * SLOTS_PER_EPOCH,
    index: 0,
    beaconBlockRoot: new Uint8Array(32).fill(root),
    source: {epoch: source, root: new Uint8Array(32)},
    target: {epoch: target, root: new Uint8Array(32).fill(root)},
  };
}

describe("Keymanager API: authentication", () => {
  it("writes a 256-bit token file with mode 0600 and reuses it", () => {
    const file = join(a.dataDir, DEFAULT_TOKEN_FILE);
    expect(a.token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken(file, {create: true})).toBe(a.token);
    expect(() => loadOrCreateToken(join(a.dataDir, "nope.txt"), {create: false})).toThrow(/does not exist/);
  });

  it("answers 401 without a token and 403 with a wrong one, on every route", async () => {
    const routes: [string, string][] = [
      ["GET", "/eth/v1/keystores"],
      ["POST", "/eth/v1/keystores"],
      ["DELETE", "/eth/v1/keystores"],
      ["GET", "/eth/v1/remotekeys"],
      ["POST", "/eth/v1/remotekeys"],
      ["DELETE", "/eth/v1/remotekeys"],
      ...["feerecipient", "gas_limit", "graffiti"].flatMap((r) =>
        ["GET", "POST", "DELETE"].map((m): [string, string] => [m, `/eth/v1/validator/${pubkeyOf(0)}/${r}`]),
      ),
      ["POST", `/eth/v1/validator/${pubkeyOf(0)}/voluntary_exit`],
    ];
    for (const [method, path] of routes) {
      const none = await call(a, method, path, {token: null, invalid: true});
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(String(none.body.message)).toMatch(/token/);
      const wrong = await call(a, method, path, {token: randomBytes(32).toString("hex"), invalid: true});
      expect(wrong.status, `${method} ${path}`).toBe(403);
    }
    // a valid token in a wrong scheme is not accepted either
    const res = await fetch(`${a.url}/eth/v1/keystores`, {headers: {authorization: `Basic ${a.token}`}});
    expect(res.status).toBe(401);
  });
});

describe("Keymanager API: local keystores", () => {
  it("lists the startup keys as read-only", async () => {
    const res = await call(a, "GET", "/eth/v1/keystores");
    expect(res.status).toBe(200);
    const data = res.body.data as {validating_pubkey: string; readonly: boolean}[];
    expect(data.map((d) => d.validating_pubkey).sort()).toEqual([0, 1, 2, 3].map(pubkeyOf).sort());
    expect(data.every((d) => d.readonly)).toBe(true);
  });

  it("imports keystores with per-keystore statuses, persists them and signs with them", async () => {
    const ks10 = await keystoreOf(interopSecretKey(10).toBytes(), "pw-10", "m/12381/3600/10/0/0");
    const ks11 = await keystoreOf(interopSecretKey(11).toBytes(), "pässwörd 11");
    const wrong = await keystoreOf(interopSecretKey(12).toBytes(), "right");
    const dup = await keystoreOf(interopSecretKey(0).toBytes(), "x");
    const res = await call(a, "POST", "/eth/v1/keystores", {
      body: {keystores: [ks10, ks11, wrong, dup, "{not json"], passwords: ["pw-10", "pässwörd 11", "wrong", "x", "y"]},
    });
    expect(res.status).toBe(200);
    const data = res.body.data as {status: string; message?: string}[];
    expect(data.map((d) => d.status)).toEqual(["imported", "imported", "error", "duplicate", "error"]);
    expect(data[2].message).toMatch(/wrong password/);
    expect(data[4].message).toMatch(/malformed JSON/);
    expect(data[2].message).not.toContain('wrong"');

    const list = await call(a, "GET", "/eth/v1/keystores");
    const entries = list.body.data as {validating_pubkey: string; derivation_path?: string; readonly: boolean}[];
    const e10 = entries.find((e) => e.validating_pubkey === pubkeyOf(10));
    expect(e10).toEqual({validating_pubkey: pubkeyOf(10), derivation_path: "m/12381/3600/10/0/0", readonly: false});
    expect(entries.some((e) => e.validating_pubkey === pubkeyOf(12))).toBe(false);

    // the signing gate has the key: a block signature verifies under interop key 10
    const block = blockAt(7, 10);
    const sig = await a.vc.signer.signBlock(interopSecretKey(10).toPublicKey().toBytes(true), block);
    expect(sig.length).toBe(96);
    // persisted: keystore + password (0600), decrypted back by loadKeymanagerState
    const secret = join(a.dataDir, "keymanager", "secrets", pubkeyOf(11));
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(readFileSync(secret, "utf8")).toBe("pässwörd 11");
    const state = await loadKeymanagerState(a.dataDir);
    expect(state.local.map((k) => toHex(k.pubkey)).sort()).toEqual([pubkeyOf(10), pubkeyOf(11)].sort());
    expect(state.local.find((k) => toHex(k.pubkey) === pubkeyOf(11))?.secretKey).toEqual(
      interopSecretKey(11).toBytes(),
    );
  });

  it("refuses malformed input with 400 and a message", async () => {
    const ks = await keystoreOf(interopSecretKey(13).toBytes(), "p");
    const cases: [string, string, {body?: unknown; rawBody?: string}, RegExp][] = [
      ["POST", "/eth/v1/keystores", {body: {keystores: [ks], passwords: []}}, /same length/],
      ["POST", "/eth/v1/keystores", {body: {keystores: [ks]}}, /passwords/],
      ["POST", "/eth/v1/keystores", {body: {keystores: [{}], passwords: ["p"]}}, /keystores/],
      ["POST", "/eth/v1/keystores", {rawBody: '{"keystores": ['}, /malformed JSON/],
      [
        "POST",
        "/eth/v1/keystores",
        {body: {keystores: [ks], passwords: ["p"], slashing_protection: '{"metadata":{}}'}},
        /slashing_protection/,
      ],
      ["DELETE", "/eth/v1/keystores", {body: {pubkeys: ["0x1234"]}}, /pubkeys/],
      ["POST", `/eth/v1/validator/${pubkeyOf(0)}/feerecipient`, {body: {ethaddress: "0x12"}}, /ethaddress/],
      ["POST", `/eth/v1/validator/${pubkeyOf(0)}/feerecipient`, {body: {ethaddress: `0x${"00".repeat(20)}`}}, /0x00/],
      ["POST", `/eth/v1/validator/${pubkeyOf(0)}/gas_limit`, {body: {gas_limit: "3e7"}}, /gas_limit/],
      ["POST", `/eth/v1/validator/${pubkeyOf(0)}/graffiti`, {body: {graffiti: "x".repeat(33)}}, /at most 32/],
      ["GET", "/eth/v1/validator/0xabc/graffiti", {}, /pubkey/],
      ["POST", `/eth/v1/validator/${pubkeyOf(0)}/voluntary_exit?epoch=soon`, {}, /epoch/],
      ["POST", "/eth/v1/remotekeys", {body: {remote_keys: [{url: "http://x"}]}}, /pubkey/],
      ["DELETE", "/eth/v1/remotekeys", {body: {}}, /pubkeys/],
    ];
    for (const [method, path, opts, message] of cases) {
      const res = await call(a, method, path, {...opts, invalid: true, undeclared400: path.endsWith("remotekeys")});
      expect(res.status, `${method} ${path} ${JSON.stringify(opts)}`).toBe(400);
      expect(String(res.body.message)).toMatch(message);
    }
    // the refused interchange imported nothing, not even the keystore that came with it
    const list = await call(a, "GET", "/eth/v1/keystores");
    expect((list.body.data as {validating_pubkey: string}[]).some((d) => d.validating_pubkey === pubkeyOf(13))).toBe(
      false,
    );
  });

  it("deletes keys (signing stops first), returns their history, and the history protects after re-import", async () => {
    const pk14 = interopSecretKey(14).toPublicKey().toBytes(true);
    const ks14 = await keystoreOf(interopSecretKey(14).toBytes(), "pw14");
    const imp = await call(a, "POST", "/eth/v1/keystores", {body: {keystores: [ks14], passwords: ["pw14"]}});
    expect((imp.body.data as {status: string}[])[0].status).toBe("imported");
    await a.vc.signer.signBlock(pk14, blockAt(100, 14, 1));
    await a.vc.signer.signAttestation(pk14, attData(2, 3));

    const never = toHex(SecretKey.fromKeygen(randomBytes(32)).toPublicKey().toBytes(true));
    // a signature races the delete: either it is made before the key is removed (and then its record is in the
    // returned history) or it is refused; never a signature whose record is missing from the history
    const del = call(a, "DELETE", "/eth/v1/keystores", {body: {pubkeys: [pubkeyOf(14), never, pubkeyOf(0)]}});
    const racing = a.vc.signer.signBlock(pk14, blockAt(101, 14)).then(
      () => "signed" as const,
      (e: {code?: string}) => e.code,
    );
    const res = await del;
    const raced = await racing;
    expect(["signed", "UNKNOWN_PUBKEY"]).toContain(raced);
    expect(res.status).toBe(200);
    const statuses = res.body.data as {status: string; message?: string}[];
    expect(statuses.map((s) => s.status)).toEqual(["deleted", "not_found", "error"]);
    expect(statuses[2].message).toMatch(/read-only/);
    const doc = JSON.parse(res.body.slashing_protection as string);
    expect(doc.metadata).toEqual({
      interchange_format_version: "5",
      genesis_validators_root: toHex(chain.head.state.genesisValidatorsRoot),
    });
    expect(doc.data.map((d: {pubkey: string}) => d.pubkey)).toEqual([pubkeyOf(14)]);
    const slots = doc.data[0].signed_blocks.map((b: {slot: string}) => b.slot);
    expect(slots).toEqual(raced === "signed" ? ["100", "101"] : expect.arrayContaining(["100"]));
    expect(slots.every((x: string) => x === "100" || x === "101")).toBe(true);
    expect(doc.data[0].signed_attestations.map((x: {target_epoch: string}) => x.target_epoch)).toEqual(["3"]);
    // the key no longer signs, is no longer listed, its files are gone; the read-only key still signs
    await expect(a.vc.signer.signBlock(pk14, blockAt(102, 14))).rejects.toMatchObject({code: "UNKNOWN_PUBKEY"});
    const list = await call(a, "GET", "/eth/v1/keystores");
    expect((list.body.data as {validating_pubkey: string}[]).map((d) => d.validating_pubkey)).not.toContain(
      pubkeyOf(14),
    );
    expect(existsSync(join(a.dataDir, "keymanager", "keystores", `${pubkeyOf(14)}.json`))).toBe(false);
    expect(existsSync(join(a.dataDir, "keymanager", "secrets", pubkeyOf(14)))).toBe(false);
    await a.vc.signer.signBlock(interopSecretKey(0).toPublicKey().toBytes(true), blockAt(103, 0));

    // deleting again: not_active, and the history is still returned
    const again = await call(a, "DELETE", "/eth/v1/keystores", {body: {pubkeys: [pubkeyOf(14)]}});
    expect((again.body.data as {status: string}[])[0].status).toBe("not_active");
    expect(JSON.parse(again.body.slashing_protection as string).data[0].signed_blocks).toEqual(
      doc.data[0].signed_blocks,
    );

    // another client (fresh slashing-protection DB) imports the keystore with that history: it is protected
    const b = await startClient({interop: []});
    const ks15 = await keystoreOf(interopSecretKey(15).toBytes(), "pw15");
    const reimp = await call(b, "POST", "/eth/v1/keystores", {
      body: {keystores: [ks14, ks15], passwords: ["pw14", "pw15"], slashing_protection: res.body.slashing_protection},
    });
    expect((reimp.body.data as {status: string}[]).map((s) => s.status)).toEqual(["imported", "imported"]);
    await expect(b.vc.signer.signBlock(pk14, blockAt(100, 14, 2))).rejects.toMatchObject({
      code: "SLASHING_PROTECTION",
    });
    await expect(b.vc.signer.signAttestation(pk14, attData(2, 3, 9))).rejects.toMatchObject({
      code: "SLASHING_PROTECTION",
    });
    await expect(b.vc.signer.signAttestation(pk14, attData(1, 4))).rejects.toMatchObject({
      code: "SLASHING_PROTECTION",
    });
    // control: the same messages for a key without history are signed
    const pk15 = interopSecretKey(15).toPublicKey().toBytes(true);
    await b.vc.signer.signBlock(pk15, blockAt(100, 15, 2));
    await b.vc.signer.signAttestation(pk15, attData(1, 4));
    // and the protected key can still make a safe next signature
    await b.vc.signer.signBlock(pk14, blockAt(104, 14));
  });
});

describe("Keymanager API: remote keys", () => {
  it("imports, lists and deletes remote keys; signing through an unreachable signer fails (REMOTE_SIGNER_UNAVAILABLE)", async () => {
    const empty = await call(a, "GET", "/eth/v1/remotekeys");
    expect(empty.body.data).toEqual([]);
    const remote = toHex(SecretKey.fromKeygen(randomBytes(32)).toPublicKey().toBytes(true));
    const notPoint = `0x${"ab".repeat(48)}`;
    const res = await call(a, "POST", "/eth/v1/remotekeys", {
      body: {
        remote_keys: [
          {pubkey: remote, url: "https://signer.example:9000"},
          {pubkey: remote, url: "https://signer.example:9000"},
          {pubkey: pubkeyOf(0), url: "https://signer.example:9000"},
          {pubkey: toHex(SecretKey.fromKeygen(randomBytes(32)).toPublicKey().toBytes(true))},
          {pubkey: notPoint, url: "https://signer.example:9000"},
          {pubkey: toHex(SecretKey.fromKeygen(randomBytes(32)).toPublicKey().toBytes(true)), url: "ftp://x"},
        ],
      },
    });
    const statuses = res.body.data as {status: string; message?: string}[];
    expect(statuses.map((s) => s.status)).toEqual(["imported", "duplicate", "duplicate", "error", "error", "error"]);
    expect(statuses[3].message).toMatch(/url is required/);
    expect(statuses[4].message).toMatch(/not a valid BLS public key/);
    const list = await call(a, "GET", "/eth/v1/remotekeys");
    expect(list.body.data).toEqual([{pubkey: remote, url: "https://signer.example:9000", readonly: false}]);
    expect(JSON.parse(readFileSync(join(a.dataDir, "keymanager", "remote-keys.json"), "utf8"))).toEqual([
      {pubkey: remote, url: "https://signer.example:9000"},
    ]);
    // remote keys are not local keystores
    const local = await call(a, "GET", "/eth/v1/keystores");
    expect((local.body.data as {validating_pubkey: string}[]).map((d) => d.validating_pubkey)).not.toContain(remote);
    await expect(a.vc.signer.signRandao(Buffer.from(remote.slice(2), "hex"), 1)).rejects.toMatchObject({
      code: "REMOTE_SIGNER_UNAVAILABLE",
    });
    const del = await call(a, "DELETE", "/eth/v1/remotekeys", {body: {pubkeys: [remote, pubkeyOf(0)]}});
    expect((del.body.data as {status: string}[]).map((s) => s.status)).toEqual(["deleted", "not_found"]);
    expect((await call(a, "GET", "/eth/v1/remotekeys")).body.data).toEqual([]);
    expect(a.vc.keys.has(remote)).toBe(false);
  });
});

describe("Keymanager API: remote keys through a real ceibo signer", () => {
  it("a remote key imported through the API signs through the signer (local gate first), and stops when deleted", async () => {
    const sk = SecretKey.fromKeygen(randomBytes(32));
    const pub = toHex(sk.toPublicKey().toBytes(true));
    const signer = await startWeb3SignerServer({
      keys: [{pubkey: sk.toPublicKey().toBytes(true), secretKey: sk.toBytes()}],
      dataDir: tempDir(),
      chain: config,
      port: 0,
    });
    cleanups.push(() => signer.close());
    const res = await call(a, "POST", "/eth/v1/remotekeys", {body: {remote_keys: [{pubkey: pub, url: signer.url}]}});
    expect((res.body.data as {status: string}[]).map((s) => s.status)).toEqual(["imported"]);
    const pubBytes = sk.toPublicKey().toBytes(true);
    // RANDAO reveal at epoch 3: the signer's signature over the root computed here
    const sig = await a.vc.signer.signRandao(pubBytes, 3);
    const gvr = a.vc.chain.genesisValidatorsRoot;
    const domain = computeDomain(DOMAIN_RANDAO, a.vc.chain.config.computeForkVersion(3), gvr);
    const root = computeSigningRoot(ssz.phase0.Epoch, 3, domain);
    expect(verify(root, sk.toPublicKey(), Signature.fromBytes(sig))).toBe(true);
    // an attestation passes the client's own slashing protection, then the signer's
    const data = {
      slot: 5 * SLOTS_PER_EPOCH,
      index: 0,
      beaconBlockRoot: new Uint8Array(32).fill(1),
      source: {epoch: 4, root: new Uint8Array(32)},
      target: {epoch: 5, root: new Uint8Array(32).fill(1)},
    };
    await a.vc.signer.signAttestation(pubBytes, data);
    expect(signer.signed.get("ATTESTATION")).toBe(1);
    // a double vote is refused by the client's own gate: the signer is not even asked
    await expect(
      a.vc.signer.signAttestation(pubBytes, {...data, beaconBlockRoot: new Uint8Array(32).fill(2)}),
    ).rejects.toMatchObject({code: "SLASHING_PROTECTION"});
    expect(signer.signed.get("ATTESTATION")).toBe(1);
    expect(signer.refused).toBe(0);
    const del = await call(a, "DELETE", "/eth/v1/remotekeys", {body: {pubkeys: [pub]}});
    expect((del.body.data as {status: string}[]).map((s) => s.status)).toEqual(["deleted"]);
    await expect(a.vc.signer.signRandao(pubBytes, 4)).rejects.toMatchObject({code: "UNKNOWN_PUBKEY"});
    expect(signer.signed.get("RANDAO_REVEAL")).toBe(1);
  });
});

describe("Keymanager API: fee recipient, gas limit, graffiti", () => {
  const base = () => `/eth/v1/validator/${pubkeyOf(1)}`;
  const unknown = `/eth/v1/validator/${toHex(SecretKey.fromKeygen(randomBytes(32)).toPublicKey().toBytes(true))}`;

  it("fee recipient: default, set (used by the client), delete", async () => {
    const get = await call(a, "GET", `${base()}/feerecipient`);
    expect(get.body.data).toEqual({pubkey: pubkeyOf(1), ethaddress: toHex(FEE_DEFAULT)});
    const addr = "0xAbcF8e0d4e9587369b2301D0790347320302cc09";
    expect((await call(a, "POST", `${base()}/feerecipient`, {body: {ethaddress: addr}})).status).toBe(202);
    expect((await call(a, "GET", `${base()}/feerecipient`)).body.data).toEqual({
      pubkey: pubkeyOf(1),
      ethaddress: addr.toLowerCase(),
    });
    expect(toHex(a.vc.feeRecipientOf(pubkeyOf(1)) as Uint8Array)).toBe(addr.toLowerCase());
    expect(toHex(a.vc.feeRecipientOf(pubkeyOf(2)) as Uint8Array)).toBe(toHex(FEE_DEFAULT));
    const saved = JSON.parse(readFileSync(join(a.dataDir, "keymanager", "validator-settings.json"), "utf8"));
    expect(saved[pubkeyOf(1)].feeRecipient).toBe(addr.toLowerCase());
    expect((await call(a, "DELETE", `${base()}/feerecipient`)).status).toBe(204);
    expect((await call(a, "GET", `${base()}/feerecipient`)).body.data).toEqual({
      pubkey: pubkeyOf(1),
      ethaddress: toHex(FEE_DEFAULT),
    });
    expect((await call(a, "GET", `${unknown}/feerecipient`)).status).toBe(404);
    expect((await call(a, "POST", `${unknown}/feerecipient`, {body: {ethaddress: addr}})).status).toBe(404);
    expect((await call(a, "DELETE", `${unknown}/feerecipient`)).status).toBe(404);
  });

  it("gas limit: default, set, delete", async () => {
    expect((await call(a, "GET", `${base()}/gas_limit`)).body.data).toEqual({
      pubkey: pubkeyOf(1),
      gas_limit: "60000000",
    });
    expect((await call(a, "POST", `${base()}/gas_limit`, {body: {gas_limit: "36000000"}})).status).toBe(202);
    expect((await call(a, "GET", `${base()}/gas_limit`)).body.data).toEqual({
      pubkey: pubkeyOf(1),
      gas_limit: "36000000",
    });
    expect((await call(a, "DELETE", `${base()}/gas_limit`)).status).toBe(204);
    expect(((await call(a, "GET", `${base()}/gas_limit`)).body.data as {gas_limit: string}).gas_limit).toBe("60000000");
    expect((await call(a, "GET", `${unknown}/gas_limit`)).status).toBe(404);
  });

  it("graffiti: default, set (used by the client), delete", async () => {
    expect((await call(a, "GET", `${base()}/graffiti`)).body.data).toEqual({
      pubkey: pubkeyOf(1),
      graffiti: "ceibo-default",
    });
    expect((await call(a, "POST", `${base()}/graffiti`, {body: {graffiti: "ñandú 🐦"}})).status).toBe(202);
    expect((await call(a, "GET", `${base()}/graffiti`)).body.data).toEqual({
      pubkey: pubkeyOf(1),
      graffiti: "ñandú 🐦",
    });
    expect(a.vc.graffitiOf(pubkeyOf(1))).toBe("ñandú 🐦");
    expect((await call(a, "DELETE", `${base()}/graffiti`)).status).toBe(204);
    expect(((await call(a, "GET", `${base()}/graffiti`)).body.data as {graffiti: string}).graffiti).toBe(
      "ceibo-default",
    );
    expect((await call(a, "GET", `${unknown}/graffiti`)).status).toBe(404);
  });

  it("settings survive a restart of the client on the same data dir", async () => {
    await call(a, "POST", `${base()}/graffiti`, {body: {graffiti: "kept"}});
    await call(a, "POST", `${base()}/gas_limit`, {body: {gas_limit: "31000000"}});
    const state = await loadKeymanagerState(a.dataDir);
    expect(state.settings[pubkeyOf(1)]).toEqual({graffiti: "kept", gasLimit: "31000000"});
  });
});

describe("Keymanager API: voluntary exit", () => {
  it("signs an exit through the gate for the given or the current epoch", async () => {
    const res = await call(a, "POST", `/eth/v1/validator/${pubkeyOf(2)}/voluntary_exit?epoch=5`);
    expect(res.status).toBe(200);
    const data = res.body.data as {message: {epoch: string; validator_index: string}; signature: string};
    expect(data.message).toEqual({epoch: "5", validator_index: "2"});
    // EIP-7044: from deneb the exit domain uses CAPELLA_FORK_VERSION (the test chain is fulu)
    const domain = computeDomain(
      DOMAIN_VOLUNTARY_EXIT,
      config.CAPELLA_FORK_VERSION,
      chain.head.state.genesisValidatorsRoot,
    );
    const root = computeSigningRoot(ssz.phase0.VoluntaryExit, {epoch: 5, validatorIndex: 2}, domain);
    const sig = Signature.fromBytes(Buffer.from(data.signature.slice(2), "hex"));
    expect(verify(root, PublicKey.fromBytes(interopSecretKey(2).toPublicKey().toBytes(true)), sig)).toBe(true);
    expect(verify(root, PublicKey.fromBytes(interopSecretKey(3).toPublicKey().toBytes(true)), sig)).toBe(false);

    const now = await call(a, "POST", `/eth/v1/validator/${pubkeyOf(3)}/voluntary_exit`);
    // before genesis the current epoch is 0
    expect((now.body.data as {message: unknown}).message).toEqual({epoch: "0", validator_index: "3"});
  });

  it("404 for a key the client does not hold or one without a chain index", async () => {
    const stranger = toHex(SecretKey.fromKeygen(randomBytes(32)).toPublicKey().toBytes(true));
    const res = await call(a, "POST", `/eth/v1/validator/${stranger}/voluntary_exit`);
    expect(res.status).toBe(404);
    const sk = SecretKey.fromKeygen(randomBytes(32));
    const ks = await keystoreOf(sk.toBytes(), "p");
    await call(a, "POST", "/eth/v1/keystores", {body: {keystores: [ks], passwords: ["p"]}});
    const noIndex = await call(a, "POST", `/eth/v1/validator/${toHex(sk.toPublicKey().toBytes(true))}/voluntary_exit`);
    expect(noIndex.status).toBe(404);
    expect(String(noIndex.body.message)).toMatch(/no index/);
  });
});

describe("Keymanager API: coverage", () => {
  it("every operation of the spec was called with a successful, validated answer", () => {
    const all = [
      "listKeys",
      "importKeystores",
      "deleteKeys",
      "listRemoteKeys",
      "importRemoteKeys",
      "deleteRemoteKeys",
      "listFeeRecipient",
      "setFeeRecipient",
      "deleteFeeRecipient",
      "getGasLimit",
      "setGasLimit",
      "deleteGasLimit",
      "getGraffiti",
      "setGraffiti",
      "deleteGraffiti",
      "signVoluntaryExit",
    ];
    expect([...covered].sort()).toEqual(all.sort());
  });
});
