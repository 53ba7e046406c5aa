import {randomBytes, timingSafeEqual} from "node:crypto";
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from "node:fs";
import {dirname} from "node:path";
import {KeymanagerApiError} from "./backend.ts";

/** The token file's name in the data directory when no --keymanager.token-file is given. */
export const DEFAULT_TOKEN_FILE = "api-token.txt";

/**
 * The bearer token: read from `path`; when the file does not exist and `create` is set (the default location),
 * a random 32-byte token is written there as hex with mode 0600. An explicitly configured file that cannot be
 * read, or holds less than 256 bits of hex, is an error (keymanager-oapi.yaml: "SHOULD treat this as an error").
 */
export function loadOrCreateToken(path: string, opts: {create: boolean}): string {
  if (!existsSync(path)) {
    if (!opts.create) throw new KeymanagerApiError("INTERNAL", `keymanager token file ${path} does not exist`);
    mkdirSync(dirname(path), {recursive: true});
    const token = randomBytes(32).toString("hex");
    writeFileSync(path, `${token}\n`, {mode: 0o600, flag: "wx"});
    chmodSync(path, 0o600);
    return token;
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8").trim();
  } catch (e) {
    throw new KeymanagerApiError("INTERNAL", `cannot read keymanager token file ${path}: ${(e as Error).message}`);
  }
  if (!/^(0x)?[0-9a-fA-F]{64,}$/.test(text)) {
    throw new KeymanagerApiError(
      "INTERNAL",
      `keymanager token file ${path} must hold a hex token of at least 256 bits (64 hex characters)`,
    );
  }
  return text;
}

/** Constant-time comparison of the presented token with the expected one. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented, "utf8");
  const b = Buffer.from(expected, "utf8");
  return a.length === b.length && timingSafeEqual(a, b);
}
