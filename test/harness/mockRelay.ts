/**
 * A mock relay / builder that speaks builder-specs (ethereum/builder-specs builder-oapi.yaml) as a real HTTP server
 * on 127.0.0.1, for the builder (MEV-boost) tests. It works the way a relay does:
 * - it follows the beacon node's `payload_attributes` event stream (what a proposer of the next slot would ask
 *   the engine for);
 * - `POST /eth/v1/builder/validators` keeps each validator's newest registration (signature verified:
 *   DOMAIN_APPLICATION_BUILDER, genesis fork version, zero genesis validators root);
 * - `GET /eth/v1/builder/header/{slot}/{parent_hash}/{pubkey}` builds a payload on the EXECUTION ENGINE (the same
 *   mock engine the chain uses, over its JWT Engine API) with the registered fee recipient (or its own,
 *   `feeRecipient`), and answers a BuilderBid signed with its own BLS key; 204 when it cannot bid;
 * - `POST /eth/v1/builder/blinded_blocks` (v1, before fulu) reveals the payload (+ blobs bundle from deneb);
 *   `POST /eth/v2/builder/blinded_blocks` (fulu) publishes the unblinded block with its blobs to the beacon node
 *   (`POST /eth/v2/beacon/blocks`, as a relay publishes to its own node) and answers 202.
 * Faults for tests: `mode` "ok" | "down" (every route 503) | "slow" (getHeader waits `delayMs`) | "no-bid" (204) |
 * "bad-signature" | "zero-value" | "wrong-parent"; `feeRecipient` set = a bid paying someone else.
 *
 * Load it after CEIBO_PRESET is set (it uses the SSZ types of the active preset).
 */

import {createServer, type IncomingMessage, type Server, type ServerResponse} from "node:http";
import type {AddressInfo} from "node:net";
import {computeSigningRoot} from "@ceibo/config";
import {ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {fromHex, toHex} from "@ceibo/utils";
import {PublicKey, SecretKey, Signature, verify} from "@chainsafe/blst";
import {
  type BuilderFork,
  builderBidTypes,
  builderDomain,
  executionPayloadToHeader,
  isBuilderFork,
  unblindBlock,
} from "../../beacon-node/src/execution/builder/index.ts";
import {
  type BlobsBundle,
  computeExecutionBlockHash,
  ExecutionEngineHttp,
  type ExecutionPayload,
  type ExecutionRequests,
  getExecutionRequestsList,
  type PayloadAttributes,
} from "../../beacon-node/src/execution/index.ts";

export type RelayMode = "ok" | "down" | "slow" | "no-bid" | "bad-signature" | "zero-value" | "wrong-parent";

export interface MockRelayOpts {
  /** Beacon API of the node whose payload_attributes the relay follows and to which it publishes (fulu). */
  beaconApi: string;
  engineUrl: string;
  jwtSecret: Uint8Array;
  /** The chain's GENESIS_FORK_VERSION (builder-specs signing domain). */
  genesisForkVersion: Uint8Array;
  /** 32 bytes: the relay's BLS key seed. */
  keySeed?: Uint8Array;
  /** The bid's value in Wei (default 1 ETH). */
  bidValue?: bigint;
}

interface Attributes {
  slot: number;
  parentHash: string;
  parentBlockRoot: string;
  version: string;
  attributes: PayloadAttributes;
}

interface Built {
  slot: number;
  version: BuilderFork;
  payload: ExecutionPayload;
  blobsBundle?: BlobsBundle;
  executionRequests?: ExecutionRequests;
}

const ZERO32 = new Uint8Array(32);
/** The extra data of every payload the relay builds. */
export const RELAY_EXTRA_DATA = Uint8Array.from(Buffer.from("ceibo mock relay"));

export class MockRelay {
  readonly opts: MockRelayOpts;
  readonly secretKey: SecretKey;
  readonly pubkey: Uint8Array;
  mode: RelayMode = "ok";
  /** With mode "slow": how long getHeader waits before answering. */
  delayMs = 3000;
  /** Set: bids pay this address instead of the registered fee recipient (the node must refuse them). */
  feeRecipient: Uint8Array | null = null;
  /** The newest registration of each validator (0x pubkey). */
  readonly registrations = new Map<string, {feeRecipient: Uint8Array; gasLimit: number; timestamp: number}>();
  /** Every getHeader request: slot, when, and what was answered. */
  readonly headerRequests: {slot: number; pubkey: string; answered: number | "204" | "503" | "400"}[] = [];
  /** Payloads bid for, by 0x block hash. */
  readonly built = new Map<string, Built>();
  /** Block hashes whose payload was revealed (v1) or published (v2), with the slot. */
  readonly revealed = new Map<string, number>();
  /** Signatures (0x) of every signed blinded block submitted (v1 or v2). */
  readonly submittedSignatures = new Set<string>();
  readonly errors: string[] = [];
  private readonly engine: ExecutionEngineHttp;
  private readonly attributes = new Map<string, Attributes>();
  private server: Server | null = null;
  private readonly events = new AbortController();
  url = "";

  constructor(opts: MockRelayOpts) {
    this.opts = opts;
    this.secretKey = SecretKey.fromKeygen(opts.keySeed ?? new Uint8Array(32).fill(7));
    this.pubkey = this.secretKey.toPublicKey().toBytes();
    // a relay is not held to the proposer's 1 s getPayload limit (the node's own getHeader timeout is what the test
    // exercises): on a loaded machine the mock engine may take longer, which must not count as a relay error
    const slow = Object.fromEntries([1, 2, 3, 4, 5].map((v) => [`engine_getPayloadV${v}`, 5000]));
    this.engine = new ExecutionEngineHttp({url: opts.engineUrl, jwtSecret: opts.jwtSecret, timeouts: slow});
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.errors.push((e as Error).message);
        if (!res.headersSent) this.send(res, 500, {code: 500, message: (e as Error).message});
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    void this.followPayloadAttributes();
    return this.url;
  }

  async close(): Promise<void> {
    this.events.abort();
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
      if (this.server === null) resolve();
    });
  }

  /** The beacon node's payload_attributes events (reconnecting while the relay runs). */
  private async followPayloadAttributes(): Promise<void> {
    const signal = this.events.signal;
    while (!signal.aborted) {
      try {
        const res = await fetch(`${this.opts.beaconApi}/eth/v1/events?topics=payload_attributes`, {
          headers: {accept: "text/event-stream"},
          signal,
        });
        if (!res.ok || res.body === null) throw Error(`event stream ${res.status}`);
        let buffer = "";
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, {stream: true});
          let end = buffer.indexOf("\n\n");
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = block
              .split("\n")
              .filter((l) => l.startsWith("data:"))
              .map((l) => l.slice(5).trim())
              .join("");
            if (data !== "") this.onPayloadAttributes(JSON.parse(data));
            end = buffer.indexOf("\n\n");
          }
        }
      } catch {
        // node not up yet or restarting: try again
      }
      if (!signal.aborted) await new Promise((r) => setTimeout(r, 200));
    }
  }

  private onPayloadAttributes(event: {version: string; data: Record<string, unknown>}): void {
    const d = event.data as {
      proposal_slot: string;
      parent_block_hash: string;
      parent_block_root: string;
      payload_attributes: Record<string, unknown>;
    };
    const a = d.payload_attributes as {
      timestamp: string;
      prev_randao: string;
      suggested_fee_recipient: string;
      withdrawals?: unknown[];
      parent_beacon_block_root?: string;
    };
    const attributes: PayloadAttributes = {
      timestamp: Number(a.timestamp),
      prevRandao: fromHex(a.prev_randao),
      suggestedFeeRecipient: fromHex(a.suggested_fee_recipient),
    };
    if (a.withdrawals !== undefined) {
      attributes.withdrawals = a.withdrawals.map((w) => ssz.capella.Withdrawal.fromJson(w));
    }
    if (a.parent_beacon_block_root !== undefined)
      attributes.parentBeaconBlockRoot = fromHex(a.parent_beacon_block_root);
    const slot = Number(d.proposal_slot);
    this.attributes.set(`${slot}:${d.parent_block_hash.toLowerCase()}`, {
      slot,
      parentHash: d.parent_block_hash.toLowerCase(),
      parentBlockRoot: d.parent_block_root,
      version: event.version,
      attributes,
    });
    for (const k of this.attributes.keys()) if (Number(k.split(":")[0]) < slot - 64) this.attributes.delete(k);
  }

  private send(res: ServerResponse, status: number, body?: unknown): void {
    if (body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, {"content-type": "application/json"}).end(JSON.stringify(body));
  }

  private async body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://relay");
    const path = url.pathname;
    const header = /^\/eth\/v1\/builder\/header\/(\d+)\/(0x[0-9a-fA-F]{64})\/(0x[0-9a-fA-F]{96})$/.exec(path);
    if (this.mode === "down") {
      if (header !== null) this.headerRequests.push({slot: Number(header[1]), pubkey: header[3], answered: "503"});
      this.send(res, 503, {code: 503, message: "relay down (test)"});
      return;
    }
    if (req.method === "GET" && path === "/eth/v1/builder/status") return this.send(res, 200);
    if (req.method === "POST" && path === "/eth/v1/builder/validators") return this.register(req, res);
    if (req.method === "GET" && header !== null) {
      return this.getHeader(res, Number(header[1]), header[2].toLowerCase(), header[3].toLowerCase());
    }
    if (req.method === "POST" && path === "/eth/v1/builder/blinded_blocks") return this.submit(req, res, 1);
    if (req.method === "POST" && path === "/eth/v2/builder/blinded_blocks") return this.submit(req, res, 2);
    this.send(res, 404, {code: 404, message: `no route ${req.method} ${path}`});
  }

  private async register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const list = (await this.body(req)) as unknown[];
    const type = ssz.bellatrix.SignedValidatorRegistrationV1;
    const domain = builderDomain(this.opts.genesisForkVersion);
    for (const [i, json] of list.entries()) {
      const r = type.fromJson(json);
      const root = computeSigningRoot(ssz.bellatrix.ValidatorRegistrationV1, r.message, domain);
      let ok = false;
      try {
        ok = verify(root, PublicKey.fromBytes(r.message.pubkey, true), Signature.fromBytes(r.signature, true));
      } catch {}
      if (!ok) return this.send(res, 400, {code: 400, message: `registration ${i}: invalid signature`});
      const id = toHex(r.message.pubkey);
      const previous = this.registrations.get(id);
      if (previous !== undefined && previous.timestamp > r.message.timestamp) continue;
      this.registrations.set(id, {
        feeRecipient: r.message.feeRecipient,
        gasLimit: r.message.gasLimit,
        timestamp: r.message.timestamp,
      });
    }
    this.send(res, 200);
  }

  private async getHeader(res: ServerResponse, slot: number, parentHash: string, pubkey: string): Promise<void> {
    const record = (answered: number | "204" | "400") => this.headerRequests.push({slot, pubkey, answered});
    const registration = this.registrations.get(pubkey);
    const attrs = this.attributes.get(`${slot}:${parentHash}`);
    if (registration === undefined || attrs === undefined || this.mode === "no-bid" || !isBuilderFork(attrs.version)) {
      record("204");
      return this.send(res, 204);
    }
    const fork = attrs.version as BuilderFork;
    const feeRecipient = this.feeRecipient ?? registration.feeRecipient;
    const fcu = await this.engine.notifyForkchoiceUpdated(
      fork,
      {headBlockHash: fromHex(parentHash), safeBlockHash: ZERO32, finalizedBlockHash: ZERO32},
      {...attrs.attributes, suggestedFeeRecipient: feeRecipient},
    );
    if (fcu.payloadId === null) {
      record("204");
      return this.send(res, 204);
    }
    const got = await this.engine.getPayload(fork, fcu.payloadId);
    // the relay's own block: the engine's payload re-sealed with the relay's extra data (so it is told apart from
    // the node's local payload of the same attributes) and its block hash recomputed over the new header
    const payload = {...got.executionPayload, extraData: RELAY_EXTRA_DATA} as ExecutionPayload;
    payload.blockHash = computeExecutionBlockHash(fork, payload as never, {
      parentBeaconBlockRoot: attrs.attributes.parentBeaconBlockRoot,
      executionRequestsList:
        ForkSeq[fork] >= ForkSeq.electra
          ? getExecutionRequestsList(got.executionRequests ?? {deposits: [], withdrawals: [], consolidations: []})
          : undefined,
    });
    const blockHash = toHex(payload.blockHash);
    this.built.set(blockHash, {
      slot,
      version: fork,
      payload,
      blobsBundle: got.blobsBundle,
      executionRequests: got.executionRequests,
    });
    const headerValue = executionPayloadToHeader(fork, payload as unknown as Record<string, unknown>);
    if (this.mode === "wrong-parent") headerValue.parentHash = new Uint8Array(32).fill(0xee);
    const message: Record<string, unknown> = {
      header: headerValue,
      value: this.mode === "zero-value" ? 0n : (this.opts.bidValue ?? 10n ** 18n),
      pubkey: this.pubkey,
    };
    if (ForkSeq[fork] >= ForkSeq.deneb) message.blobKzgCommitments = got.blobsBundle?.commitments ?? [];
    if (ForkSeq[fork] >= ForkSeq.electra) {
      message.executionRequests = got.executionRequests ?? {deposits: [], withdrawals: [], consolidations: []};
    }
    const types = builderBidTypes(fork);
    const root = computeSigningRoot(
      types.BuilderBid as never,
      message as never,
      builderDomain(this.opts.genesisForkVersion),
    );
    let signature = this.secretKey.sign(root).toBytes();
    if (this.mode === "bad-signature") signature = this.secretKey.sign(new Uint8Array(32).fill(1)).toBytes();
    if (this.mode === "slow") await new Promise((r) => setTimeout(r, this.delayMs));
    record(Number(payload.blockNumber));
    this.send(res, 200, {version: fork, data: types.SignedBuilderBid.toJson({message, signature} as never)});
  }

  private async submit(req: IncomingMessage, res: ServerResponse, v: 1 | 2): Promise<void> {
    const version = String(req.headers["eth-consensus-version"] ?? "");
    if (!isBuilderFork(version)) return this.send(res, 400, {code: 400, message: `bad version ${version}`});
    const type = (ssz[version] as unknown as Record<string, {fromJson(j: unknown): unknown}>).SignedBlindedBeaconBlock;
    const signed = type.fromJson(await this.body(req)) as {
      message: {slot: number; body: Record<string, unknown>};
      signature: Uint8Array;
    };
    this.submittedSignatures.add(toHex(signed.signature));
    const blockHash = toHex((signed.message.body.executionPayloadHeader as {blockHash: Uint8Array}).blockHash);
    const built = this.built.get(blockHash);
    if (built === undefined) return this.send(res, 400, {code: 400, message: `unknown payload ${blockHash}`});
    const payloadType = (ssz[version] as unknown as Record<string, {toJson(v: unknown): unknown}>).ExecutionPayload;
    const bundle = built.blobsBundle ?? {commitments: [], proofs: [], blobs: []};
    if (v === 1) {
      this.revealed.set(blockHash, signed.message.slot);
      if (ForkSeq[version] < ForkSeq.deneb) {
        return this.send(res, 200, {version, data: payloadType.toJson(built.payload)});
      }
      return this.send(res, 200, {
        version,
        data: {
          execution_payload: payloadType.toJson(built.payload),
          blobs_bundle: {
            commitments: bundle.commitments.map(toHex),
            proofs: bundle.proofs.map(toHex),
            blobs: bundle.blobs.map(toHex),
          },
        },
      });
    }
    // v2: the relay publishes the full block (with its blobs and cell proofs) and answers 202
    const message = unblindBlock(signed.message, built.payload);
    const contentsType = (ssz[version] as unknown as Record<string, {toJson(v: unknown): unknown}>).SignedBlockContents;
    const published = await fetch(`${this.opts.beaconApi}/eth/v2/beacon/blocks`, {
      method: "POST",
      headers: {"content-type": "application/json", "eth-consensus-version": version},
      body: JSON.stringify(
        contentsType.toJson({
          signedBlock: {message, signature: signed.signature},
          kzgProofs: bundle.proofs,
          blobs: bundle.blobs,
        }),
      ),
    });
    if (published.status !== 200 && published.status !== 202) {
      const text = await published.text();
      this.errors.push(`publishing slot ${signed.message.slot}: ${published.status} ${text}`);
      return this.send(res, 400, {code: 400, message: `the beacon node refused the block: ${text}`});
    }
    this.revealed.set(blockHash, signed.message.slot);
    this.send(res, 202);
  }
}
