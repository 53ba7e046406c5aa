/**
 * builder-specs HTTP client (ethereum/builder-specs builder-oapi.yaml, apis/builder/*.yaml): status,
 * registerValidator, getHeader, submitBlindedBlock (v1: the builder answers the payload, with its blobs bundle from
 * deneb) and submitBlindedBlockV2 (fulu: 202 and no body, the builder publishes the block). JSON only. Every call
 * has a timeout; a bid that is not there in time is a TIMEOUT error (the caller builds locally).
 */

import {ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import type {BlobsBundle, ExecutionPayload} from "../types.ts";
import {type BuilderFork, builderBidTypes, isBuilderFork, type SignedBuilderBid} from "./types.ts";

/** bellatrix builder validator.md BUILDER_PROPOSAL_DELAY_TOLERANCE: 1 s for a bid. */
export const BUILDER_PROPOSAL_DELAY_TOLERANCE_MS = 1000;

export interface BuilderClientOpts {
  /** Base URL of the builder / relay / mev-boost (e.g. http://127.0.0.1:18550, or http://0xRELAYPUBKEY@host). */
  url: string;
  /** getHeader timeout in ms (default BUILDER_PROPOSAL_DELAY_TOLERANCE, 1000). */
  getHeaderTimeoutMs?: number;
  /** submitBlindedBlock timeout in ms (default 4000, as mev-boost's getPayload timeout). */
  submitTimeoutMs?: number;
  /** registerValidator and status timeout in ms (default 3000). */
  timeoutMs?: number;
}

export type BuilderErrorCode = "TIMEOUT" | "UNREACHABLE" | "HTTP_ERROR" | "INVALID_RESPONSE";

export class BuilderError extends Error {
  readonly code: BuilderErrorCode;
  readonly status?: number;
  constructor(code: BuilderErrorCode, message: string, opts: {status?: number; cause?: unknown} = {}) {
    super(message, {cause: opts.cause});
    this.name = "BuilderError";
    this.code = code;
    this.status = opts.status;
  }
}

export interface GetHeaderResult {
  version: BuilderFork;
  bid: SignedBuilderBid;
}

export interface UnblindedPayload {
  version: BuilderFork;
  executionPayload: ExecutionPayload;
  /** deneb+. */
  blobsBundle?: BlobsBundle;
}

function hexList(value: unknown, length: number, what: string): Uint8Array[] {
  if (!Array.isArray(value)) throw Error(`${what} is not a list`);
  return value.map((v, i) => fromHex(v, `${what}[${i}]`, {length}));
}

export class BuilderHttpClient {
  /** The base URL (without a relay pubkey). */
  readonly url: string;
  /** The relay's BLS pubkey from a `http://0xPUBKEY@host` URL: bids signed by another key are refused. */
  readonly pubkey: Uint8Array | null = null;
  readonly getHeaderTimeoutMs: number;
  private readonly submitTimeoutMs: number;
  private readonly timeoutMs: number;

  constructor(opts: BuilderClientOpts) {
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      throw new BuilderError("UNREACHABLE", `builder URL ${JSON.stringify(opts.url)} is not a URL`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new BuilderError("UNREACHABLE", `builder URL ${opts.url} must be http(s)`);
    }
    // a relay URL in mev-boost's form names the relay's BLS key: http://0xPUBKEY@host:port (its bids must be signed
    // with that key)
    if (parsed.username !== "") {
      if (!/^0x[0-9a-fA-F]{96}$/.test(parsed.username) || parsed.password !== "") {
        throw new BuilderError(
          "UNREACHABLE",
          `builder URL ${opts.url}: only a 0x… relay pubkey may stand before the @`,
        );
      }
      this.pubkey = Uint8Array.from(Buffer.from(parsed.username.slice(2), "hex"));
      parsed.username = "";
    }
    this.url = parsed.toString().replace(/\/+$/, "");
    this.getHeaderTimeoutMs = opts.getHeaderTimeoutMs ?? BUILDER_PROPOSAL_DELAY_TOLERANCE_MS;
    this.submitTimeoutMs = opts.submitTimeoutMs ?? 4000;
    this.timeoutMs = opts.timeoutMs ?? 3000;
  }

  private async request(
    method: "GET" | "POST",
    path: string,
    timeoutMs: number,
    opts: {body?: unknown; headers?: Record<string, string>} = {},
  ): Promise<{status: number; json: unknown}> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          accept: "application/json",
          ...(opts.body !== undefined ? {"content-type": "application/json"} : {}),
          ...opts.headers,
        },
        body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const err = e as Error;
      if (err.name === "TimeoutError" || err.name === "AbortError") {
        throw new BuilderError("TIMEOUT", `${method} ${path}: no answer within ${timeoutMs} ms`, {cause: e});
      }
      throw new BuilderError("UNREACHABLE", `${method} ${path}: ${err.message}`, {cause: e});
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      const err = e as Error;
      const code = err.name === "TimeoutError" || err.name === "AbortError" ? "TIMEOUT" : "UNREACHABLE";
      throw new BuilderError(code, `${method} ${path}: reading the answer: ${err.message}`, {cause: e});
    }
    if (res.status >= 300) {
      let message = text.slice(0, 200);
      try {
        message = String((JSON.parse(text) as {message?: unknown}).message ?? message);
      } catch {}
      throw new BuilderError("HTTP_ERROR", `${method} ${path}: ${res.status} ${message}`, {status: res.status});
    }
    if (text === "") return {status: res.status, json: undefined};
    try {
      return {status: res.status, json: JSON.parse(text)};
    } catch (e) {
      throw new BuilderError("INVALID_RESPONSE", `${method} ${path}: the answer is not JSON`, {cause: e});
    }
  }

  /** GET /eth/v1/builder/status: resolves when the builder answers 200. */
  async status(): Promise<void> {
    await this.request("GET", "/eth/v1/builder/status", this.timeoutMs);
  }

  /** POST /eth/v1/builder/validators with SignedValidatorRegistrationV1s. */
  async registerValidators(
    registrations: {
      message: {feeRecipient: Uint8Array; gasLimit: number; timestamp: number; pubkey: Uint8Array};
      signature: Uint8Array;
    }[],
  ): Promise<void> {
    const type = ssz.bellatrix.SignedValidatorRegistrationV1;
    await this.request("POST", "/eth/v1/builder/validators", this.timeoutMs, {
      body: registrations.map((r) => type.toJson(r)),
    });
  }

  /**
   * GET /eth/v1/builder/header/{slot}/{parent_hash}/{pubkey}: the builder's signed bid, null on 204 (no bid).
   * Bounded by `getHeaderTimeoutMs` (sent as X-Timeout-Ms).
   */
  async getHeader(slot: number, parentHash: Uint8Array, pubkey: Uint8Array): Promise<GetHeaderResult | null> {
    const path = `/eth/v1/builder/header/${slot}/${toHex(parentHash)}/${toHex(pubkey)}`;
    const {status, json} = await this.request("GET", path, this.getHeaderTimeoutMs, {
      headers: {"date-milliseconds": String(Date.now()), "x-timeout-ms": String(this.getHeaderTimeoutMs)},
    });
    if (status === 204) return null;
    const body = json as {version?: unknown; data?: unknown} | undefined;
    const version = body?.version;
    if (typeof version !== "string" || !isBuilderFork(version)) {
      throw new BuilderError("INVALID_RESPONSE", `getHeader: unknown version ${JSON.stringify(version)}`);
    }
    try {
      const bid = builderBidTypes(version).SignedBuilderBid.fromJson(body?.data) as unknown as SignedBuilderBid;
      return {version, bid};
    } catch (e) {
      throw new BuilderError("INVALID_RESPONSE", `getHeader: a malformed ${version} bid: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /**
   * POST /eth/v1/builder/blinded_blocks (bellatrix … electra): the builder reveals the payload (and from deneb its
   * blobs bundle) for the signed blinded block.
   */
  async submitBlindedBlock(fork: BuilderFork, signedBlindedBlock: unknown): Promise<UnblindedPayload> {
    const type = (ssz[fork] as unknown as Record<string, {toJson(v: unknown): unknown}>).SignedBlindedBeaconBlock;
    const {json} = await this.request("POST", "/eth/v1/builder/blinded_blocks", this.submitTimeoutMs, {
      body: type.toJson(signedBlindedBlock),
      headers: {"eth-consensus-version": fork},
    });
    const body = json as {version?: unknown; data?: Record<string, unknown>} | undefined;
    if (body?.version !== fork) {
      throw new BuilderError(
        "INVALID_RESPONSE",
        `submitBlindedBlock: answered version ${JSON.stringify(body?.version)}, expected ${fork}`,
      );
    }
    const payloadType = (ssz[fork] as unknown as Record<string, {fromJson(v: unknown): unknown}>).ExecutionPayload;
    try {
      if (ForkSeq[fork] < ForkSeq.deneb) {
        return {version: fork, executionPayload: payloadType.fromJson(body.data) as ExecutionPayload};
      }
      const data = body.data as {execution_payload?: unknown; blobs_bundle?: Record<string, unknown>};
      const bundle = data.blobs_bundle ?? {};
      return {
        version: fork,
        executionPayload: payloadType.fromJson(data.execution_payload) as ExecutionPayload,
        blobsBundle: {
          commitments: hexList(bundle.commitments, 48, "blobs_bundle.commitments"),
          proofs: hexList(bundle.proofs, 48, "blobs_bundle.proofs"),
          blobs: hexList(bundle.blobs, 131072, "blobs_bundle.blobs"),
        },
      };
    } catch (e) {
      throw new BuilderError("INVALID_RESPONSE", `submitBlindedBlock: a malformed answer: ${(e as Error).message}`, {
        cause: e,
      });
    }
  }

  /** POST /eth/v2/builder/blinded_blocks (fulu): 202 and no body; the builder publishes the block and its blobs. */
  async submitBlindedBlockV2(fork: BuilderFork, signedBlindedBlock: unknown): Promise<void> {
    const type = (ssz[fork] as unknown as Record<string, {toJson(v: unknown): unknown}>).SignedBlindedBeaconBlock;
    const {status} = await this.request("POST", "/eth/v2/builder/blinded_blocks", this.submitTimeoutMs, {
      body: type.toJson(signedBlindedBlock),
      headers: {"eth-consensus-version": fork},
    });
    if (status !== 202) throw new BuilderError("INVALID_RESPONSE", `submitBlindedBlockV2: answered ${status}, not 202`);
  }
}
