/**
 * `ceibo signer`: a remote signer speaking the Web3Signer eth2 API (2.0.0) from decrypted EIP-2335 keys, with its
 * own EIP-3076 slashing-protection database.
 *
 * - `GET /upcheck` → 200 `OK` (text/plain); `GET /healthcheck` → `{status: "UP"}`.
 * - `GET /api/v1/eth2/publicKeys` → JSON array of 0x pubkeys.
 * - `POST /api/v1/eth2/sign/{identifier}` → the signature: `{"signature": "0x…"}` when the `Accept` header asks
 *   for JSON, else the hex string as text/plain. 404 for a key the signer does not hold, 400 for a malformed
 *   request (or a `signingRoot` that does not match the object), 412 when slashing protection refuses (one log
 *   line per refusal).
 *
 * The signing root is recomputed from the typed body (`signingRoot.ts`). Blocks and attestations are checked
 * and recorded in the slashing-protection store (atomically, per key) before the key signs. The store is bound to
 * one genesis_validators_root: the configured one, or the one of the first block/attestation request (kept in
 * `<dataDir>/genesis-validators-root.txt`); a request of another chain is refused with 412.
 */

import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {SlashingProtection, SlashingProtectionError} from "@ceibo/slashing-protection";
import {fromHex, toHex} from "@ceibo/utils";
import {SecretKey} from "@chainsafe/blst";
import Fastify, {type FastifyInstance} from "fastify";
import {parseSigningRequest, type SignerChainConfig, SigningRequestError} from "./signingRoot.ts";

export interface SignerLogger {
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

export interface Web3SignerServerOptions {
  /** Decrypted keys (the caller may wipe `secretKey` after start: the server keeps blst keys). */
  keys: {pubkey: Uint8Array; secretKey: Uint8Array}[];
  /** Holds `slashing-protection/` and `genesis-validators-root.txt`. */
  dataDir: string;
  /** The network's fork versions (EIP-7044 voluntary exits, builder registrations). */
  chain: SignerChainConfig;
  /** Bind slashing protection to this chain from the start (else: the first block/attestation request's). */
  genesisValidatorsRoot?: Uint8Array;
  /** Default 127.0.0.1. */
  address?: string;
  /** Default 9000 (Web3Signer's); 0 lets the OS choose. */
  port?: number;
  log?: SignerLogger;
}

export const DEFAULT_SIGNER_PORT = 9000;

export interface Web3SignerServer {
  url: string;
  server: FastifyInstance;
  /** Signatures made since start, by request type (for status lines and tests). */
  signed: Map<string, number>;
  /** Requests refused by slashing protection since start. */
  refused: number;
  close(): Promise<void>;
}

const silent: SignerLogger = {info() {}, warn() {}, error() {}};
const GVR_FILE = "genesis-validators-root.txt";

/** Thrown at start for a data directory bound to another chain than the configured one. */
export class SignerConfigError extends Error {}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startWeb3SignerServer(opts: Web3SignerServerOptions): Promise<Web3SignerServer> {
  const log = opts.log ?? silent;
  const keys = new Map<string, SecretKey>();
  for (const k of opts.keys) {
    const sk = SecretKey.fromBytes(k.secretKey);
    const id = toHex(sk.toPublicKey().toBytes(true));
    if (id !== toHex(k.pubkey)) throw new SignerConfigError(`secret key does not match pubkey ${toHex(k.pubkey)}`);
    keys.set(id, sk);
  }
  mkdirSync(opts.dataDir, {recursive: true});
  const gvrPath = join(opts.dataDir, GVR_FILE);
  let pinned: Uint8Array | undefined;
  if (existsSync(gvrPath)) {
    const text = readFileSync(gvrPath, "utf8").trim();
    if (!/^0x[0-9a-f]{64}$/.test(text)) throw new SignerConfigError(`${gvrPath} does not hold a 32-byte 0x-hex root`);
    pinned = fromHex(text);
  }
  if (opts.genesisValidatorsRoot !== undefined) {
    if (pinned !== undefined && toHex(pinned) !== toHex(opts.genesisValidatorsRoot)) {
      throw new SignerConfigError(
        `${opts.dataDir} holds slashing protection for genesis validators root ${toHex(pinned)}, not ${toHex(opts.genesisValidatorsRoot)}`,
      );
    }
    pinned = opts.genesisValidatorsRoot;
  }

  let store: SlashingProtection | undefined;
  let opening: Promise<SlashingProtection> | undefined;
  const openStore = (gvr: Uint8Array): Promise<SlashingProtection> => {
    opening ??= (async () => {
      if (!existsSync(gvrPath)) {
        const tmp = `${gvrPath}.tmp`;
        writeFileSync(tmp, `${toHex(gvr)}\n`);
        renameSync(tmp, gvrPath);
      }
      pinned = gvr;
      store = await SlashingProtection.open({
        path: join(opts.dataDir, "slashing-protection"),
        genesisValidatorsRoot: gvr,
      });
      return store;
    })();
    return opening;
  };
  if (pinned !== undefined) await openStore(pinned);

  const signed = new Map<string, number>();
  const state = {refused: 0};
  const server = Fastify({logger: false, bodyLimit: 8 * 1024 * 1024});

  server.removeContentTypeParser("application/json");
  server.addContentTypeParser("application/json", {parseAs: "string"}, (_req, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch (e) {
      done(new HttpError(400, `malformed JSON body: ${(e as Error).message}`), undefined);
    }
  });
  server.setNotFoundHandler((req, reply) => {
    reply.code(404).send({message: `route ${req.method} ${req.url.split("?")[0]} not found`});
  });
  server.setErrorHandler((err: Error & {statusCode?: number}, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({message: err.message});
    if (err.statusCode !== undefined && err.statusCode < 500)
      return reply.code(err.statusCode).send({message: err.message});
    log.error("Signer request failed", {route: req.routeOptions.url, error: err.message});
    return reply.code(500).send({message: "internal error"});
  });

  server.get("/upcheck", async (_req, reply) => reply.type("text/plain; charset=utf-8").send("OK"));
  server.get("/healthcheck", async () => ({status: "UP", checks: [{id: "keys", status: "UP"}], outcome: "UP"}));
  server.get("/api/v1/eth2/publicKeys", async () => [...keys.keys()]);

  server.post<{Params: {identifier: string}}>("/api/v1/eth2/sign/:identifier", async (req, reply) => {
    // the pubkey as 0x-hex (also accepted without the 0x, as Web3Signer normalises it)
    const raw = req.params.identifier.toLowerCase();
    const id = /^[0-9a-f]{96}$/.test(raw) ? `0x${raw}` : raw;
    if (!/^0x[0-9a-f]{96}$/.test(id))
      throw new HttpError(400, `identifier ${req.params.identifier} is not a 0x-hex BLS public key`);
    const sk = keys.get(id);
    if (sk === undefined) throw new HttpError(404, `no key for ${id}`);
    let parsed: ReturnType<typeof parseSigningRequest>;
    try {
      parsed = parseSigningRequest(req.body, opts.chain);
    } catch (e) {
      if (e instanceof SigningRequestError) throw new HttpError(400, e.message);
      throw e;
    }
    const gvr = parsed.genesisValidatorsRoot;
    if (gvr !== undefined && pinned !== undefined && toHex(gvr) !== toHex(pinned)) {
      state.refused++;
      const reason = `genesis_validators_root ${toHex(gvr)} is not this signer's chain (${toHex(pinned)})`;
      log.warn("Refused to sign", {pubkey: id, what: parsed.describe, reason});
      throw new HttpError(412, `refused: ${reason}`);
    }
    if (parsed.slashing !== undefined && gvr !== undefined) {
      const sp = store ?? (await openStore(gvr));
      try {
        if (parsed.slashing.kind === "block") {
          await sp.checkAndInsertBlock(id, parsed.slashing.slot, parsed.signingRoot);
        } else {
          await sp.checkAndInsertAttestation(
            id,
            parsed.slashing.sourceEpoch,
            parsed.slashing.targetEpoch,
            parsed.signingRoot,
          );
        }
      } catch (e) {
        if (e instanceof SlashingProtectionError && e.code !== "CLOSED") {
          state.refused++;
          log.warn("Refused to sign (slashing protection)", {pubkey: id, what: parsed.describe, reason: e.code});
          throw new HttpError(412, `slashing protection refused ${parsed.describe}: ${e.message}`);
        }
        throw e;
      }
    }
    const signature = toHex(sk.sign(parsed.signingRoot).toBytes(true));
    signed.set(parsed.type, (signed.get(parsed.type) ?? 0) + 1);
    const accept = req.headers.accept ?? "";
    if (/application\/json/i.test(accept)) return reply.type("application/json; charset=utf-8").send({signature});
    return reply.type("text/plain; charset=utf-8").send(signature);
  });

  await server.listen({host: opts.address ?? "127.0.0.1", port: opts.port ?? DEFAULT_SIGNER_PORT});
  const addr = server.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : opts.port;
  const host = opts.address ?? "127.0.0.1";
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const result: Web3SignerServer = {
    url,
    server,
    signed,
    get refused() {
      return state.refused;
    },
    async close() {
      await server.close();
      const sp = store ?? (opening ? await opening.catch(() => undefined) : undefined);
      await sp?.close();
    },
  };
  return result;
}
