/**
 * Engine API authentication (execution-apis src/engine/authentication.md): HS256 JWTs over a shared 256-bit
 * secret read from a hex file; the `iat` claim is required and accepted within ±60 s of the verifier's clock.
 */
import {createHmac, randomBytes, timingSafeEqual} from "node:crypto";
import {readFileSync, writeFileSync} from "node:fs";
import {JwtError} from "./errors.ts";

/** "iat within +-60 seconds from the current time". */
export const JWT_IAT_TOLERANCE_SECONDS = 60;

/** Parses the hex text of a jwt-secret file: 32 bytes, with or without 0x, surrounding whitespace ignored. */
export function parseJwtSecret(text: string): Uint8Array {
  const s = text.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(s)) {
    throw new JwtError("INVALID_SECRET", "the JWT secret must be 32 bytes of hex (64 hex digits, optional 0x)");
  }
  return Uint8Array.from(Buffer.from(s, "hex"));
}

export function readJwtSecret(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new JwtError("INVALID_SECRET", `cannot read the JWT secret file ${file}: ${(e as Error).message}`);
  }
  return parseJwtSecret(text);
}

/** A new random secret, written as 0x-hex to `file` when given (what a client does without a jwt-secret flag). */
export function generateJwtSecret(file?: string): Uint8Array {
  const secret = new Uint8Array(randomBytes(32));
  if (file !== undefined) writeFileSync(file, `0x${Buffer.from(secret).toString("hex")}\n`, {mode: 0o600});
  return secret;
}

function b64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString("base64url");
}

export interface JwtClaims {
  /** Issued-at, seconds since the epoch (required). */
  iat: number;
  /** Optional client identifier. */
  id?: string;
  /** Optional client type/version. */
  clv?: string;
}

/** An HS256 token with the given claims; `iat` defaults to now. */
export function createJwt(secret: Uint8Array, claims: Partial<JwtClaims> = {}): string {
  const header = b64url(JSON.stringify({alg: "HS256", typ: "JWT"}));
  const payload = b64url(JSON.stringify({iat: Math.floor(Date.now() / 1000), ...claims}));
  const signature = createHmac("sha256", secret).update(`${header}.${payload}`).digest();
  return `${header}.${payload}.${b64url(signature)}`;
}

/**
 * Verifies a token as the execution layer must: alg HS256 only (never "none"), a valid signature, and an `iat`
 * within ±60 s of `nowSeconds`. Returns the claims; throws JwtError with a code otherwise. Unknown claims are ignored.
 */
export function verifyJwt(
  token: string,
  secret: Uint8Array,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): JwtClaims & Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new JwtError("MALFORMED_TOKEN", "a JWT has three dot-separated parts");
  const [h, p, s] = parts;
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8"));
  } catch {
    throw new JwtError("MALFORMED_TOKEN", "JWT header or payload is not base64url JSON");
  }
  if (typeof header !== "object" || header === null || typeof claims !== "object" || claims === null) {
    throw new JwtError("MALFORMED_TOKEN", "JWT header and payload must be JSON objects");
  }
  const alg = (header as {alg?: unknown}).alg;
  if (alg !== "HS256") throw new JwtError("UNSUPPORTED_ALGORITHM", `JWT alg ${JSON.stringify(alg)} is not HS256`);
  const expected = createHmac("sha256", secret).update(`${h}.${p}`).digest();
  const given = Buffer.from(s, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new JwtError("BAD_SIGNATURE", "JWT signature does not match the secret");
  }
  const iat = (claims as {iat?: unknown}).iat;
  if (typeof iat !== "number" || !Number.isFinite(iat))
    throw new JwtError("MISSING_IAT", "JWT has no numeric iat claim");
  if (Math.abs(nowSeconds - iat) > JWT_IAT_TOLERANCE_SECONDS) {
    throw new JwtError(
      "STALE_IAT",
      `JWT iat ${iat} is more than ${JWT_IAT_TOLERANCE_SECONDS} s from now (${nowSeconds})`,
    );
  }
  return claims as JwtClaims & Record<string, unknown>;
}

/** Verifies an HTTP `Authorization: Bearer <token>` header value. */
export function verifyAuthorizationHeader(
  value: string | undefined,
  secret: Uint8Array,
  nowSeconds?: number,
): JwtClaims & Record<string, unknown> {
  if (value === undefined || value === "") throw new JwtError("MISSING_TOKEN", "no Authorization header");
  const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
  if (m === null) throw new JwtError("MALFORMED_TOKEN", "Authorization header is not 'Bearer <token>'");
  return verifyJwt(m[1], secret, nowSeconds);
}
