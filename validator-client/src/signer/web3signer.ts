/**
 * The validator client's side of remote signing: a client of the Web3Signer eth2 API (2.0.0) — `ceibo signer`,
 * Web3Signer itself, or anything speaking it. The signing gate (`Signer`) has already checked and recorded the
 * client's own slashing protection before `sign` is called; the remote signer then applies its own.
 *
 * - `GET /api/v1/eth2/publicKeys` lists the signer's keys (`listKeys`), `GET /upcheck` says whether it is up.
 * - `POST /api/v1/eth2/sign/{pubkey}` with `{type, fork_info, signingRoot, <typed body>}` and
 *   `Accept: application/json`; the answer is `{signature}` JSON (or the bare hex as text/plain).
 * - The returned signature is verified against the pubkey and the signing root before it is used: a signer that
 *   answers with anything else is treated as a failure, never published.
 *
 * Failures are `ValidatorClientError`s: `REMOTE_SIGNER_UNAVAILABLE` (unreachable, timeout, 5xx) or
 * `REMOTE_SIGNER_REFUSED` (412 slashing protection, 404 unknown key, 400, a bad signature), their message naming
 * the signer, the request type and the key. The client logs once when the signer becomes unreachable and once
 * when it is back.
 */
import type {Logger} from "@ceibo/utils";
import {toHex} from "@ceibo/utils";
import {PublicKey, Signature, verify} from "@chainsafe/blst";
import {ValidatorClientError} from "../errors.ts";
import type {RemoteSigner, SigningRequest} from "./keys.ts";

export interface Web3SignerClientOptions {
  /** Per-request timeout (default 5 s: a signature later than that misses its duty anyway). */
  timeoutMs?: number;
  log?: Logger;
}

export class Web3SignerClient implements RemoteSigner {
  readonly url: string;
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly log?: Logger;
  private down = false;

  constructor(url: string, opts: Web3SignerClientOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ValidatorClientError("INVALID_SIGNING_REQUEST", `remote signer URL "${url}" is not a URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new ValidatorClientError("INVALID_SIGNING_REQUEST", `remote signer URL "${url}" is not http(s)`);
    }
    this.url = url;
    this.base = url.replace(/\/+$/, "");
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.log = opts.log;
  }

  /** Whether the last request could not reach the signer. */
  get isDown(): boolean {
    return this.down;
  }

  /** `GET /upcheck`: true when the signer answers 200. */
  async upcheck(): Promise<boolean> {
    try {
      const res = await fetch(`${this.base}/upcheck`, {signal: AbortSignal.timeout(this.timeoutMs)});
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }

  /** `GET /api/v1/eth2/publicKeys`: the signer's keys as 48-byte pubkeys. */
  async listKeys(): Promise<Uint8Array[]> {
    const res = await this.request("GET", "/api/v1/eth2/publicKeys", undefined, "listing keys");
    const text = await res.text();
    if (!res.ok) {
      throw new ValidatorClientError(
        res.status >= 500 ? "REMOTE_SIGNER_UNAVAILABLE" : "REMOTE_SIGNER_REFUSED",
        `remote signer ${this.url} answered HTTP ${res.status} to GET /api/v1/eth2/publicKeys: ${text.slice(0, 200)}`,
      );
    }
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list) || !list.every((k) => typeof k === "string" && /^0x[0-9a-fA-F]{96}$/.test(k))) {
      throw new ValidatorClientError(
        "REMOTE_SIGNER_REFUSED",
        `remote signer ${this.url}: /api/v1/eth2/publicKeys is not a JSON array of 0x-hex BLS public keys`,
      );
    }
    return list.map((k) => Uint8Array.from(Buffer.from(k.slice(2), "hex")));
  }

  async sign(pubkey: Uint8Array, request: SigningRequest): Promise<Uint8Array> {
    const id = toHex(pubkey);
    const body = {
      type: request.kind,
      ...(request.forkInfo ? {fork_info: request.forkInfo} : {}),
      signingRoot: toHex(request.signingRoot),
      ...request.body,
    };
    const what = `${request.kind} for ${id}`;
    const res = await this.request("POST", `/api/v1/eth2/sign/${id}`, body, `signing ${what}`);
    const text = await res.text();
    if (res.status === 412) {
      throw new ValidatorClientError(
        "REMOTE_SIGNER_REFUSED",
        `remote signer ${this.url} refused ${what} (412, its slashing protection): ${text.slice(0, 300)}`,
        {pubkey: id, status: 412},
      );
    }
    if (res.status === 404) {
      throw new ValidatorClientError(
        "REMOTE_SIGNER_REFUSED",
        `remote signer ${this.url} does not hold the key ${id} (404)`,
        {pubkey: id, status: 404},
      );
    }
    if (!res.ok) {
      throw new ValidatorClientError(
        res.status >= 500 ? "REMOTE_SIGNER_UNAVAILABLE" : "REMOTE_SIGNER_REFUSED",
        `remote signer ${this.url} answered HTTP ${res.status} to ${what}: ${text.slice(0, 300)}`,
        {pubkey: id, status: res.status},
      );
    }
    let sigHex = text.trim();
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      try {
        sigHex = String((JSON.parse(text) as {signature?: unknown}).signature);
      } catch {
        sigHex = "";
      }
    }
    const signature = /^0x[0-9a-fA-F]{192}$/.test(sigHex)
      ? Uint8Array.from(Buffer.from(sigHex.slice(2), "hex"))
      : undefined;
    if (signature === undefined || !this.verifies(pubkey, request.signingRoot, signature)) {
      throw new ValidatorClientError(
        "REMOTE_SIGNER_REFUSED",
        `remote signer ${this.url} returned a signature for ${what} that does not verify: not used`,
        {pubkey: id},
      );
    }
    return signature;
  }

  private verifies(pubkey: Uint8Array, root: Uint8Array, signature: Uint8Array): boolean {
    try {
      return verify(root, PublicKey.fromBytes(pubkey, true), Signature.fromBytes(signature, true, true));
    } catch {
      return false;
    }
  }

  private async request(method: string, path: string, body: unknown, what: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: "application/json",
          ...(body !== undefined ? {"content-type": "application/json"} : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      const err = e as Error & {cause?: {code?: string; message?: string}};
      const reason =
        err.name === "TimeoutError"
          ? `no answer within ${this.timeoutMs} ms`
          : (err.cause?.code ?? err.cause?.message ?? err.message);
      if (!this.down) {
        this.down = true;
        this.log?.warn("Remote signer unreachable: nothing is signed through it until it is back", {
          url: this.url,
          reason,
        });
      }
      throw new ValidatorClientError(
        "REMOTE_SIGNER_UNAVAILABLE",
        `remote signer ${this.url} is unreachable (${reason}): not ${what}`,
      );
    }
    if (this.down) {
      this.down = false;
      this.log?.info("Remote signer reachable again", {url: this.url});
    }
    return res;
  }
}
