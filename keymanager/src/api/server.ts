/**
 * The Keymanager API (ethereum/keymanager-APIs, v1.1.0 route set) on fastify: local keystores, remote keys,
 * per-validator fee recipient / gas limit / graffiti, and voluntary exits. Every route needs
 * `Authorization: Bearer <token>` (401 without a token, 403 with a wrong one — the spec's Unauthorized /
 * Forbidden responses). Errors are `{message}` with the matching status; malformed input is a 400 that says what
 * is wrong. The token is never logged.
 */
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

const PUBKEY = {type: "string", pattern: "^0x[a-fA-F0-9]{96}$"} as const;
const UINT64 = {type: "string", pattern: "^(0|[1-9][0-9]{0,19})$"} as const;
const ADDRESS = {type: "string", pattern: "^0x[a-fA-F0-9]{40}$"} as const;
const PUBKEY_PARAMS = {type: "object", required: ["pubkey"], properties: {pubkey: PUBKEY}} as const;
const PUBKEYS_BODY = {
  type: "object",
  required: ["pubkeys"],
  properties: {pubkeys: {type: "array", items: PUBKEY}},
} as const;

const UINT64_MAX = 2n ** 64n - 1n;

type PubkeyReq = FastifyRequest<{Params: {pubkey: string}}>;

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

  server.setErrorHandler((err: FastifyError | KeymanagerApiError | Error, req, reply) => {
    if (err instanceof KeymanagerApiError) {
      if (err.status >= 500) opts.onError?.("Keymanager API error", {route: req.routeOptions.url, error: err.message});
      return reply.code(err.status).send({message: err.message});
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.code(400).send({message: `invalid request: ${fe.message}`});
    }
    if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send({message: fe.message});
    }
    opts.onError?.("Keymanager API internal error", {route: req.routeOptions.url, error: err.message});
    return reply.code(500).send({message: `internal error: ${err.message}`});
  });

  const pk = (req: PubkeyReq) => req.params.pubkey.toLowerCase();

  // ---- local keystores
  server.get("/eth/v1/keystores", async () => {
    const keys = await backend.listKeystores();
    return {
      data: keys.map((k) => ({
        validating_pubkey: k.validatingPubkey,
        ...(k.derivationPath ? {derivation_path: k.derivationPath} : {}),
        readonly: k.readonly,
      })),
    };
  });

  server.post<{Body: {keystores: string[]; passwords: string[]; slashing_protection?: string}}>(
    "/eth/v1/keystores",
    {
      schema: {
        body: {
          type: "object",
          required: ["keystores", "passwords"],
          properties: {
            keystores: {type: "array", items: {type: "string"}},
            passwords: {type: "array", items: {type: "string"}},
            slashing_protection: {type: "string"},
          },
        },
      },
    },
    async (req) => {
      const {keystores, passwords, slashing_protection} = req.body;
      if (keystores.length !== passwords.length) {
        throw new KeymanagerApiError(
          "BAD_REQUEST",
          `keystores and passwords must have the same length (${keystores.length} ≠ ${passwords.length})`,
        );
      }
      const statuses = await backend.importKeystores(keystores, passwords, slashing_protection);
      return {data: statuses};
    },
  );

  server.delete<{Body: {pubkeys: string[]}}>("/eth/v1/keystores", {schema: {body: PUBKEYS_BODY}}, async (req) => {
    const {statuses, slashingProtection} = await backend.deleteKeystores(req.body.pubkeys.map((p) => p.toLowerCase()));
    return {data: statuses, slashing_protection: slashingProtection};
  });

  // ---- remote keys
  server.get("/eth/v1/remotekeys", async () => {
    const keys = await backend.listRemoteKeys();
    return {data: keys.map((k) => ({pubkey: k.pubkey, url: k.url, readonly: k.readonly}))};
  });

  server.post<{Body: {remote_keys: {pubkey: string; url?: string}[]}}>(
    "/eth/v1/remotekeys",
    {
      schema: {
        body: {
          type: "object",
          required: ["remote_keys"],
          properties: {
            remote_keys: {
              type: "array",
              items: {type: "object", required: ["pubkey"], properties: {pubkey: PUBKEY, url: {type: "string"}}},
            },
          },
        },
      },
    },
    async (req) => {
      const keys = req.body.remote_keys.map((k) => ({
        pubkey: k.pubkey.toLowerCase(),
        ...(k.url !== undefined ? {url: k.url} : {}),
      }));
      return {data: await backend.importRemoteKeys(keys)};
    },
  );

  server.delete<{Body: {pubkeys: string[]}}>("/eth/v1/remotekeys", {schema: {body: PUBKEYS_BODY}}, async (req) => {
    return {data: await backend.deleteRemoteKeys(req.body.pubkeys.map((p) => p.toLowerCase()))};
  });

  // ---- fee recipient
  server.get<{Params: {pubkey: string}}>(
    "/eth/v1/validator/:pubkey/feerecipient",
    {schema: {params: PUBKEY_PARAMS}},
    async (req) => ({data: {pubkey: pk(req), ethaddress: await backend.getFeeRecipient(pk(req))}}),
  );
  server.post<{Params: {pubkey: string}; Body: {ethaddress: string}}>(
    "/eth/v1/validator/:pubkey/feerecipient",
    {
      schema: {
        params: PUBKEY_PARAMS,
        body: {type: "object", required: ["ethaddress"], properties: {ethaddress: ADDRESS}},
      },
    },
    async (req, reply) => {
      if (/^0x0{40}$/.test(req.body.ethaddress)) {
        throw new KeymanagerApiError("BAD_REQUEST", "the 0x00…00 fee recipient cannot be set through the API");
      }
      await backend.setFeeRecipient(pk(req), req.body.ethaddress.toLowerCase());
      return noContent(reply, 202);
    },
  );
  server.delete<{Params: {pubkey: string}}>(
    "/eth/v1/validator/:pubkey/feerecipient",
    {schema: {params: PUBKEY_PARAMS}},
    async (req, reply) => {
      await backend.deleteFeeRecipient(pk(req));
      return noContent(reply, 204);
    },
  );

  // ---- gas limit
  server.get<{Params: {pubkey: string}}>(
    "/eth/v1/validator/:pubkey/gas_limit",
    {schema: {params: PUBKEY_PARAMS}},
    async (req) => ({data: {pubkey: pk(req), gas_limit: await backend.getGasLimit(pk(req))}}),
  );
  server.post<{Params: {pubkey: string}; Body: {gas_limit: string}}>(
    "/eth/v1/validator/:pubkey/gas_limit",
    {
      schema: {
        params: PUBKEY_PARAMS,
        body: {type: "object", required: ["gas_limit"], properties: {gas_limit: UINT64}},
      },
    },
    async (req, reply) => {
      const gasLimit = BigInt(req.body.gas_limit);
      if (gasLimit === 0n || gasLimit > UINT64_MAX) {
        throw new KeymanagerApiError("BAD_REQUEST", `gas_limit must be a uint64 above 0, got ${req.body.gas_limit}`);
      }
      await backend.setGasLimit(pk(req), gasLimit);
      return noContent(reply, 202);
    },
  );
  server.delete<{Params: {pubkey: string}}>(
    "/eth/v1/validator/:pubkey/gas_limit",
    {schema: {params: PUBKEY_PARAMS}},
    async (req, reply) => {
      await backend.deleteGasLimit(pk(req));
      return noContent(reply, 204);
    },
  );

  // ---- graffiti
  server.get<{Params: {pubkey: string}}>(
    "/eth/v1/validator/:pubkey/graffiti",
    {schema: {params: PUBKEY_PARAMS}},
    async (req) => ({data: {pubkey: pk(req), graffiti: await backend.getGraffiti(pk(req))}}),
  );
  server.post<{Params: {pubkey: string}; Body: {graffiti: string}}>(
    "/eth/v1/validator/:pubkey/graffiti",
    {
      schema: {
        params: PUBKEY_PARAMS,
        body: {type: "object", required: ["graffiti"], properties: {graffiti: {type: "string"}}},
      },
    },
    async (req, reply) => {
      const bytes = Buffer.byteLength(req.body.graffiti, "utf8");
      if (bytes > 32) throw new KeymanagerApiError("BAD_REQUEST", `graffiti is ${bytes} bytes of UTF-8, at most 32`);
      await backend.setGraffiti(pk(req), req.body.graffiti);
      return noContent(reply, 202);
    },
  );
  server.delete<{Params: {pubkey: string}}>(
    "/eth/v1/validator/:pubkey/graffiti",
    {schema: {params: PUBKEY_PARAMS}},
    async (req, reply) => {
      await backend.deleteGraffiti(pk(req));
      return noContent(reply, 204);
    },
  );

  // ---- voluntary exit
  server.post<{Params: {pubkey: string}; Querystring: {epoch?: string}}>(
    "/eth/v1/validator/:pubkey/voluntary_exit",
    {
      schema: {
        params: PUBKEY_PARAMS,
        querystring: {type: "object", properties: {epoch: UINT64}},
      },
    },
    async (req) => {
      const e = req.query.epoch;
      let epoch: number | undefined;
      if (e !== undefined) {
        epoch = Number(e);
        if (!Number.isSafeInteger(epoch)) throw new KeymanagerApiError("BAD_REQUEST", `epoch ${e} is out of range`);
      }
      return {data: await backend.signVoluntaryExit(pk(req), epoch)};
    },
  );

  return server;
}

function noContent(reply: FastifyReply, status: 202 | 204): FastifyReply {
  return reply.code(status).send();
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
