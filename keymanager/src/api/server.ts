/**
 * The Keymanager API (ethereum/keymanager-APIs, v1.1.0 route set) on fastify: local keystores, remote keys,
 * per-validator fee recipient / gas limit / graffiti, and voluntary exits. Every route needs
 * `Authorization: Bearer <token>` (401 without a token, 403 with a wrong one — the spec's Unauthorized /
 * Forbidden responses). Errors are `{message}` with the matching status; malformed input is a 400 that says what
 * is wrong. The token is never logged.
 */
import {ApiError, type KeymanagerApiHandlers, registerKeymanagerApi} from "@ceibo/api";
import {ssz} from "@ceibo/types";
import Fastify, {type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest} from "fastify";
import {KeymanagerApiError, type KeymanagerBackend} from "./backend.ts";
import {isAllowedHost, isLoopbackAddress} from "./hostCheck.ts";
import {tokenMatches} from "./token.ts";

export interface KeymanagerServerOptions {
  backend: KeymanagerBackend;
  token: string;
  /** Default 127.0.0.1. */
  address?: string;
  /** Default 5062; 0 lets the OS choose. */
  port?: number;
  /** Largest accepted request body (keystore imports), default 20 MiB. */
  bodyLimit?: number;
  /** Internal errors (5xx) are reported here; request bodies, passwords and the token never are. */
  onError?: (msg: string, ctx: Record<string, unknown>) => void;
  /** Host header names served besides localhost, IP addresses and the bound address (`*`: any). */
  allowedHosts?: string[];
  /** Warnings at start (a non-loopback address: plain HTTP on the network). Default: printed to stderr. */
  onWarning?: (msg: string, ctx: Record<string, unknown>) => void;
}

export const DEFAULT_KEYMANAGER_PORT = 5062;

/** Builds the server (not listening yet). */
export function buildKeymanagerServer(opts: KeymanagerServerOptions): FastifyInstance {
  const {backend, token} = opts;
  if (token.length < 32) throw new KeymanagerApiError("INTERNAL", "keymanager token is too short");
  const server = Fastify({logger: false, bodyLimit: opts.bodyLimit ?? 20 * 1024 * 1024});

  // JSON bodies: an empty body is no body (POST voluntary_exit has none), anything else must parse.
  server.removeContentTypeParser("application/json");
  server.addContentTypeParser("application/json", {parseAs: "string"}, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new KeymanagerApiError("BAD_REQUEST", `malformed JSON body: ${(e as Error).message}`), undefined);
    }
  });

  // DNS rebinding: a request must be addressed to this machine by IP, localhost or a configured name (checked
  // before the token, so a rebound page learns nothing)
  const allowedHosts = [opts.address ?? "127.0.0.1", ...(opts.allowedHosts ?? [])];
  server.addHook("onRequest", async (req, reply) => {
    if (!isAllowedHost(req.headers.host, allowedHosts)) {
      return reply.code(403).send({
        message: `Host "${req.headers.host}" is not allowed: the Keymanager API answers requests addressed to localhost, an IP address or a configured host name (DNS rebinding protection)`,
      });
    }
    const header = req.headers.authorization;
    if (header === undefined || header === "") {
      return reply.code(401).send({message: "missing bearer token (Authorization: Bearer <token>)"});
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return reply.code(401).send({message: "Authorization header must be 'Bearer <token>'"});
    if (!tokenMatches(m[1], token)) return reply.code(403).send({message: "invalid bearer token"});
  });

  server.setNotFoundHandler((req, reply) => {
    reply.code(404).send({message: `route ${req.method} ${req.url.split("?")[0]} not found`});
  });

  const errorHandler = (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void => {
    if (err instanceof KeymanagerApiError || err instanceof ApiError) {
      if (err.status >= 500) opts.onError?.("Keymanager API error", {route: req.routeOptions.url, error: err.message});
      void reply.code(err.status).send({message: err.message});
      return;
    }
    const fe = err as FastifyError;
    if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
      void reply.code(fe.statusCode).send({message: fe.message});
      return;
    }
    opts.onError?.("Keymanager API internal error", {route: req.routeOptions.url, error: err.message});
    void reply.code(500).send({message: `internal error: ${err.message}`});
  };
  server.setErrorHandler(errorHandler);

  registerKeymanagerApi(server, keymanagerHandlers(backend), {errorHandler});
  return server;
}

/**
 * The route handlers over a backend: the checks the spec's schemas cannot express (same-length keystores and
 * passwords, no 0x00…00 fee recipient, gas_limit above 0, graffiti of at most 32 bytes of UTF-8).
 */
function keymanagerHandlers(backend: KeymanagerBackend): KeymanagerApiHandlers {
  return {
    async listKeys() {
      const keys = await backend.listKeystores();
      return {
        data: keys.map((k) => ({
          validatingPubkey: k.validatingPubkey,
          ...(k.derivationPath ? {derivationPath: k.derivationPath} : {}),
          readonly: k.readonly,
        })),
      };
    },
    async importKeystores({body}) {
      const {keystores, passwords, slashingProtection} = body;
      if (keystores.length !== passwords.length) {
        throw new KeymanagerApiError(
          "BAD_REQUEST",
          `keystores and passwords must have the same length (${keystores.length} ≠ ${passwords.length})`,
        );
      }
      return {data: await backend.importKeystores(keystores, passwords, slashingProtection)};
    },
    async deleteKeys({body}) {
      const {statuses, slashingProtection} = await backend.deleteKeystores(body.pubkeys);
      return {data: statuses, slashingProtection};
    },
    async listRemoteKeys() {
      const keys = await backend.listRemoteKeys();
      return {data: keys.map((k) => ({pubkey: k.pubkey, url: k.url, readonly: k.readonly}))};
    },
    async importRemoteKeys({body}) {
      return {data: await backend.importRemoteKeys(body.remoteKeys)};
    },
    async deleteRemoteKeys({body}) {
      return {data: await backend.deleteRemoteKeys(body.pubkeys)};
    },
    async listFeeRecipient({pubkey}) {
      return {data: {pubkey, ethaddress: await backend.getFeeRecipient(pubkey)}};
    },
    async setFeeRecipient({pubkey, body}) {
      if (/^0x0{40}$/.test(body.ethaddress)) {
        throw new KeymanagerApiError("BAD_REQUEST", "the 0x00…00 fee recipient cannot be set through the API");
      }
      await backend.setFeeRecipient(pubkey, body.ethaddress);
    },
    async deleteFeeRecipient({pubkey}) {
      await backend.deleteFeeRecipient(pubkey);
    },
    async getGasLimit({pubkey}) {
      return {data: {pubkey, gasLimit: BigInt(await backend.getGasLimit(pubkey))}};
    },
    async setGasLimit({pubkey, body}) {
      if (body.gasLimit === 0n) {
        throw new KeymanagerApiError("BAD_REQUEST", `gas_limit must be a uint64 above 0, got ${body.gasLimit}`);
      }
      await backend.setGasLimit(pubkey, body.gasLimit);
    },
    async deleteGasLimit({pubkey}) {
      await backend.deleteGasLimit(pubkey);
    },
    async getGraffiti({pubkey}) {
      return {data: {pubkey, graffiti: await backend.getGraffiti(pubkey)}};
    },
    async setGraffiti({pubkey, body}) {
      const bytes = Buffer.byteLength(body.graffiti, "utf8");
      if (bytes > 32) throw new KeymanagerApiError("BAD_REQUEST", `graffiti is ${bytes} bytes of UTF-8, at most 32`);
      await backend.setGraffiti(pubkey, body.graffiti);
    },
    async deleteGraffiti({pubkey}) {
      await backend.deleteGraffiti(pubkey);
    },
    async signVoluntaryExit({pubkey, epoch}) {
      const signed = await backend.signVoluntaryExit(pubkey, epoch);
      return {data: ssz.phase0.SignedVoluntaryExit.fromJson(signed)};
    },
  };
}

/** The warning for a listen address reachable from other machines (the API speaks plain HTTP), else null. */
export function plainHttpWarning(address: string): string | null {
  if (isLoopbackAddress(address)) return null;
  return (
    `The Keymanager API listens on ${address}, reachable from other machines, over plain HTTP (no TLS): the bearer ` +
    "token and keystore passwords cross the network readable by anyone on the path. Bind 127.0.0.1 and use an " +
    "SSH tunnel or a TLS-terminating proxy"
  );
}

export interface KeymanagerServer {
  /** http://address:port */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Builds and starts the server on `address:port` (default 127.0.0.1:5062). */
export async function startKeymanagerServer(opts: KeymanagerServerOptions): Promise<KeymanagerServer> {
  const address = opts.address ?? "127.0.0.1";
  const warning = plainHttpWarning(address);
  if (warning !== null) {
    if (opts.onWarning !== undefined) opts.onWarning(warning, {address});
    else process.stderr.write(`WARNING: ${warning}\n`);
  }
  const server = buildKeymanagerServer(opts);
  await server.listen({host: opts.address ?? "127.0.0.1", port: opts.port ?? DEFAULT_KEYMANAGER_PORT});
  const addr = server.server.address();
  const port = typeof addr === "object" && addr !== null ? addr.port : (opts.port ?? DEFAULT_KEYMANAGER_PORT);
  const host = opts.address ?? "127.0.0.1";
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () => server.close(),
  };
}
