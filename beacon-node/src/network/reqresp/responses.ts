/**
 * The requester's checks of response chunks (phase0…fulu p2p-interface.md "Responding side" rules and the
 * ForkDigest-context of altair p2p-interface.md, consensus-specs a08d8a6): context bytes naming a fork of this
 * chain and matching the chunk's slot epoch, the fork's SSZ type, and the methods' content rules raised as
 * INVALID_RESPONSE_CONTENT.
 */
import type {BeaconConfig} from "@ceibo/config";
import {type ForkName, ForkSeq} from "@ceibo/params";
import {computeEpochAtSlot, type SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {bytesEqual, toHex} from "@ceibo/utils";
import type {SszSizeBounds} from "../encoding/sszSnappy.ts";
import type {PeerIdStr} from "../types.ts";
import {ReqRespError} from "./errors.ts";
import {
  decodeLightClientChunk,
  type LightClientData,
  type LightClientKind,
  lightClientFormOf,
  lightClientType,
} from "./lightClient.ts";
import type {ReqRespMethod} from "./protocols.ts";
import {boundsOf} from "./transport.ts";

type Decoded<T> = {value: T; bytes: Uint8Array};

/** The context bytes a chunk of `slot` must carry: the fork digest of the slot's epoch. */
export function contextBytesAt(config: BeaconConfig, slot: number): Uint8Array {
  return config.computeForkDigest(computeEpochAtSlot(slot));
}

/** Decodes and checks response chunks for the requests of reqResp.ts. */
export class ResponseChecker {
  private readonly config: BeaconConfig;
  /** Fork digest (0x hex) → fork, for context bytes. */
  private readonly forkByDigest = new Map<string, ForkName>();

  constructor(config: BeaconConfig) {
    this.config = config;
    for (const {digest, fork} of config.allForkDigests()) this.forkByDigest.set(digest, fork);
  }

  /** SSZ bounds of a light-client chunk: the form of the context's fork (none before altair). */
  lightClientBounds(
    peer: PeerIdStr,
    method: ReqRespMethod,
    context: Uint8Array | null,
    kind: LightClientKind,
  ): SszSizeBounds {
    const fork = this.forkOfContext(peer, method, context);
    const form = lightClientFormOf(fork);
    if (form === null) {
      throw new ReqRespError("WRONG_CONTEXT_BYTES", `${kind} with the context of ${fork}`, {peer, method});
    }
    return boundsOf(lightClientType(form, kind));
  }

  /** Decodes a light-client chunk; its context bytes must be the fork digest of its header's (attested) epoch. */
  decodeLightClient(
    peer: PeerIdStr,
    method: ReqRespMethod,
    bytes: Uint8Array,
    context: Uint8Array | null,
    kind: LightClientKind,
  ): LightClientData {
    const fork = this.forkOfContext(peer, method, context);
    let decoded: ReturnType<typeof decodeLightClientChunk>;
    try {
      decoded = decodeLightClientChunk(kind, fork, bytes);
    } catch (e) {
      throw new ReqRespError("INVALID_RESPONSE", `undecodable ${kind}: ${(e as Error).message}`, {
        peer,
        method,
        cause: e,
      });
    }
    const expected = this.config.computeForkDigest(decoded.contextEpoch);
    if (context === null || !bytesEqual(context, expected)) {
      throw new ReqRespError(
        "WRONG_CONTEXT_BYTES",
        `${kind} of epoch ${decoded.contextEpoch} came with context ${context === null ? "none" : toHex(context)}, its fork digest is ${toHex(expected)}`,
        {peer, method},
      );
    }
    return decoded.value;
  }

  checkArg(ok: boolean, method: ReqRespMethod, what: string): void {
    if (!ok) throw new ReqRespError("INVALID_REQUEST_ARGUMENT", `${method}: ${what}`, {method});
  }

  /** A response that breaks the method's rules. */
  violation(peer: PeerIdStr, method: ReqRespMethod, what: string): never {
    throw new ReqRespError("INVALID_RESPONSE_CONTENT", what, {peer, method});
  }

  /** The fork named by a chunk's context bytes; WRONG_CONTEXT_BYTES for a digest of no fork of ours. */
  forkOfContext(peer: PeerIdStr, method: ReqRespMethod, context: Uint8Array | null): ForkName {
    const fork = context === null ? undefined : this.forkByDigest.get(toHex(context));
    if (fork === undefined) {
      throw new ReqRespError(
        "WRONG_CONTEXT_BYTES",
        `context bytes ${context === null ? "missing" : toHex(context)} name no fork of this chain`,
        {
          peer,
          method,
        },
      );
    }
    return fork;
  }

  /** The context bytes a chunk of `slot` must carry: the fork digest of the slot's epoch. */
  contextBytesAt(slot: number): Uint8Array {
    return contextBytesAt(this.config, slot);
  }

  decodeBlock(
    peer: PeerIdStr,
    method: ReqRespMethod,
    bytes: Uint8Array,
    context: Uint8Array | null,
  ): Decoded<SignedBeaconBlockAllForks> {
    const fork = this.forkOfContext(peer, method, context);
    let block: SignedBeaconBlockAllForks;
    try {
      block = (
        ssz[fork].SignedBeaconBlock as unknown as {deserialize(b: Uint8Array): SignedBeaconBlockAllForks}
      ).deserialize(bytes);
    } catch (e) {
      throw new ReqRespError("INVALID_RESPONSE", `undecodable ${fork} SignedBeaconBlock: ${(e as Error).message}`, {
        peer,
        method,
        cause: e,
      });
    }
    const expected = this.contextBytesAt(block.message.slot);
    if (context === null || !bytesEqual(context, expected)) {
      throw new ReqRespError(
        "WRONG_CONTEXT_BYTES",
        `block at slot ${block.message.slot} came with context ${context === null ? "none" : toHex(context)}, its fork digest is ${toHex(expected)}`,
        {peer, method},
      );
    }
    return {value: block, bytes: Uint8Array.from(bytes)};
  }

  sidecarBounds(
    peer: PeerIdStr,
    method: ReqRespMethod,
    context: Uint8Array | null,
    minFork: number,
    type: {minSize: number; maxSize: number},
  ): SszSizeBounds {
    const fork = this.forkOfContext(peer, method, context);
    if (ForkSeq[fork] < minFork) {
      throw new ReqRespError("WRONG_CONTEXT_BYTES", `${method} chunk with the context of ${fork}`, {peer, method});
    }
    return boundsOf(type);
  }

  decodeSidecar<T extends {signedBlockHeader: {message: {slot: number}}}>(
    peer: PeerIdStr,
    method: ReqRespMethod,
    bytes: Uint8Array,
    context: Uint8Array | null,
    type: {deserialize(b: Uint8Array): T},
  ): T {
    let sidecar: T;
    try {
      sidecar = type.deserialize(bytes);
    } catch (e) {
      throw new ReqRespError("INVALID_RESPONSE", `undecodable sidecar: ${(e as Error).message}`, {
        peer,
        method,
        cause: e,
      });
    }
    const slot = sidecar.signedBlockHeader.message.slot;
    const expected = this.contextBytesAt(slot);
    if (context === null || !bytesEqual(context, expected)) {
      throw new ReqRespError(
        "WRONG_CONTEXT_BYTES",
        `sidecar at slot ${slot} came with context ${context === null ? "none" : toHex(context)}, its fork digest is ${toHex(expected)}`,
        {peer, method},
      );
    }
    return sidecar;
  }

  blockRoot(block: SignedBeaconBlockAllForks): Uint8Array {
    const type = ssz[this.config.getForkName(block.message.slot)].BeaconBlock as unknown as {
      hashTreeRoot(v: unknown): Uint8Array;
    };
    return type.hashTreeRoot(block.message);
  }
}
