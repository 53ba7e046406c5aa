/**
 * Beacon API block routes (beacon-APIs apis/beacon/blocks/*.yaml, headers, blob_sidecars, blobs).
 * publishBlockV2 imports through the chain's pipeline (chain/importBlock.ts) whatever `broadcast_validation` says
 * (gossip | consensus | consensus_and_equivocation): there is no network to broadcast to yet, so every level means
 * "fully validated and imported" here; an invalid block is a 400 carrying the BlockError code and reason.
 * Blobs sent with a block are checked against its commitments (deneb/electra: KZG blob proofs; fulu: the cell
 * proofs recomputed from the blobs) to decide data availability.
 */
import {
  ApiError,
  type BeaconApiBackend,
  type BlockHeaderResponse,
  isPostBellatrix,
  isPostDeneb,
  type PublishedBlock,
  type SignedBeaconBlock,
  typesAt,
} from "@ceibo/api";
import {type RootHex, toRootHex} from "@ceibo/fork-choice";
import {CELLS_PER_EXT_BLOB, type ForkName, ForkSeq, NUMBER_OF_COLUMNS} from "@ceibo/params";
import {computeEpochAtSlot, type SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import {
  type BlockSidecars,
  blobsFromDataColumnSidecars,
  DaError,
  reconstructDataColumnSidecars,
} from "../chain/da/index.ts";
import {BlockError, fromRootHex} from "../chain/index.ts";
import {blindBlock} from "../execution/builder/index.ts";
import {unblindAndPublish} from "./builderFlow.ts";
import type {ApiContext, ResolvedBlock} from "./context.ts";

function headerOf(r: ResolvedBlock): BlockHeaderResponse {
  const m = r.block.message;
  const bodyType = typesAt(r.fork).BeaconBlockBody as unknown as {hashTreeRoot(v: unknown): Uint8Array};
  return {
    root: fromRootHex(r.root),
    canonical: r.canonical,
    header: {
      message: {
        slot: m.slot,
        proposerIndex: m.proposerIndex,
        parentRoot: m.parentRoot,
        stateRoot: m.stateRoot,
        bodyRoot: bodyType.hashTreeRoot(m.body),
      },
      signature: r.block.signature,
    },
  };
}

const meta = (r: ResolvedBlock) => ({executionOptimistic: r.executionOptimistic, finalized: r.finalized});

/**
 * The counts of a published block's blobs and proofs against its commitments (clear 400s before any KZG work):
 * one blob per commitment; deneb/electra one KZG proof per blob, fulu CELLS_PER_EXT_BLOB cell proofs per blob.
 * The KZG checks themselves run when the data availability tracker builds the block's sidecars.
 */
export function checkPublishedBlobCounts(
  fork: number,
  commitments: Uint8Array[],
  blobs: Uint8Array[],
  proofs: Uint8Array[],
): void {
  if (commitments.length === 0) {
    if (blobs.length > 0) throw ApiError.badRequest(`${blobs.length} blobs sent for a block without commitments`);
    return;
  }
  if (blobs.length !== commitments.length) {
    throw ApiError.badRequest(
      `the block has ${commitments.length} blob commitments but ${blobs.length} blobs were sent`,
    );
  }
  const expected = fork >= ForkSeq.fulu ? blobs.length * CELLS_PER_EXT_BLOB : blobs.length;
  if (proofs.length !== expected) {
    throw ApiError.badRequest(
      `expected ${expected} ${fork >= ForkSeq.fulu ? "cell proofs" : "KZG proofs"}, got ${proofs.length}`,
    );
  }
}

export function blockHandlers(
  ctx: ApiContext,
): Pick<
  BeaconApiBackend,
  | "getBlockHeaders"
  | "getBlockHeader"
  | "getBlockV2"
  | "getBlindedBlock"
  | "publishBlockV2"
  | "publishBlindedBlockV2"
  | "getBlockRoot"
  | "getBlockAttestationsV2"
  | "getBlobSidecars"
  | "getBlobs"
> {
  const chain = ctx.chain;
  const handlers: ReturnType<typeof blockHandlers> = {
    async getBlockHeaders({slot, parentRoot}) {
      if (slot === undefined && parentRoot === undefined) {
        const r = await ctx.resolveBlock("head");
        return {data: [headerOf(r)], ...meta(r)};
      }
      const roots = new Set<RootHex>();
      if (slot !== undefined) {
        try {
          roots.add((await ctx.resolveBlock(slot)).root);
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
        }
      }
      const parentHex = parentRoot !== undefined ? toRootHex(parentRoot) : undefined;
      for (const node of chain.forkChoice.protoArray.nodes) {
        if (slot !== undefined && node.slot !== slot) continue;
        if (parentHex !== undefined && node.parentRoot !== parentHex) continue;
        roots.add(node.blockRoot);
      }
      const data: BlockHeaderResponse[] = [];
      let optimistic = false;
      let finalized = true;
      for (const root of roots) {
        const r = await ctx.resolveBlock(root as `0x${string}`);
        if (parentHex !== undefined && toRootHex(r.block.message.parentRoot) !== parentHex) continue;
        data.push(headerOf(r));
        optimistic ||= r.executionOptimistic;
        finalized &&= r.finalized;
      }
      return {data, executionOptimistic: optimistic, finalized: finalized && data.length > 0};
    },
    async getBlockHeader({blockId}) {
      const r = await ctx.resolveBlock(blockId);
      return {data: headerOf(r), ...meta(r)};
    },
    async getBlockV2({blockId}) {
      const r = await ctx.resolveBlock(blockId);
      return {data: r.block as SignedBeaconBlock, version: r.fork, ...meta(r)};
    },
    async getBlindedBlock({blockId}) {
      // builder-specs BlindedBeaconBlock: the payload replaced by its header (before bellatrix: the block itself)
      const r = await ctx.resolveBlock(blockId);
      const data = isPostBellatrix(r.fork)
        ? {message: blindBlock(r.fork, r.block.message as never), signature: r.block.signature}
        : r.block;
      return {data: data as SignedBeaconBlock, version: r.fork, ...meta(r)};
    },
    async publishBlockV2({version, signedBlockContents}) {
      const postDeneb = isPostDeneb(version);
      const contents = signedBlockContents as PublishedBlock & {
        signedBlock?: SignedBeaconBlockAllForks;
        kzgProofs?: Uint8Array[];
        blobs?: Uint8Array[];
      };
      const signedBlock = (postDeneb ? contents.signedBlock : contents) as SignedBeaconBlockAllForks;
      const slot = signedBlock.message.slot;
      const expected: ForkName = chain.forkNameAtSlot(slot);
      if (expected !== version) {
        throw ApiError.badRequest(`the block at slot ${slot} is a ${expected} block, but was sent as ${version}`);
      }
      const fork = chain.beaconConfig.getForkSeq(slot);
      const commitments = postDeneb
        ? ((signedBlock.message.body as {blobKzgCommitments?: Uint8Array[]}).blobKzgCommitments ?? [])
        : [];
      let sidecars: BlockSidecars = {};
      if (postDeneb) {
        // counts first (clear 400s), then the KZG checks while building the sidecars / columns of the block
        checkPublishedBlobCounts(fork, commitments, contents.blobs ?? [], contents.kzgProofs ?? []);
        try {
          sidecars = chain.da.addBlockWithBlobs(signedBlock, contents.blobs ?? [], contents.kzgProofs ?? [], {
            verify: true,
          });
        } catch (e) {
          if (e instanceof DaError) throw ApiError.badRequest(`Invalid blobs: ${e.message}`);
          throw e;
        }
      }
      try {
        const imported = await chain.importBlock(signedBlock, {dataAvailable: true});
        ctx.liveness.seen(computeEpochAtSlot(slot), imported.postState.state.latestBlockHeader.proposerIndex);
        ctx.network?.publishBlock(signedBlock, sidecars);
      } catch (e) {
        if (e instanceof BlockError) {
          if (e.code === "ALREADY_KNOWN") return "imported";
          throw ApiError.badRequest(`Invalid block: ${e.message}`);
        }
        throw e;
      }
      return "imported";
    },
    async publishBlindedBlockV2({version, signedBlindedBlock, broadcastValidation}) {
      const slot = (signedBlindedBlock as {message: {slot: number}}).message.slot;
      const expected: ForkName = chain.forkNameAtSlot(slot);
      if (expected !== version) {
        throw ApiError.badRequest(`the block at slot ${slot} is a ${expected} block, but was sent as ${version}`);
      }
      // before bellatrix a "blinded" block is a full block (the route says so); from bellatrix the builder unblinds
      // it (api/builderFlow.ts) and the full block takes publishBlockV2's path
      const publishFull = (signedBlockContents: PublishedBlock) =>
        handlers.publishBlockV2({version, signedBlockContents, broadcastValidation});
      if (!isPostBellatrix(version)) return publishFull(signedBlindedBlock as unknown as PublishedBlock);
      return unblindAndPublish(ctx, version, signedBlindedBlock as never, publishFull);
    },
    async getBlockRoot({blockId}) {
      const r = await ctx.resolveBlock(blockId);
      return {data: {root: fromRootHex(r.root)}, ...meta(r)};
    },
    async getBlockAttestationsV2({blockId}) {
      const r = await ctx.resolveBlock(blockId);
      return {data: r.block.message.body.attestations as never, version: r.fork, ...meta(r)};
    },
    async getBlobSidecars({blockId, indices}) {
      const r = await ctx.resolveBlock(blockId);
      if (!isPostDeneb(r.fork)) throw ApiError.badRequest(`a ${r.fork} block has no blobs`);
      // the route's v4.0.0 schema has versions deneb and electra only: from fulu, blobs travel as data columns
      if (ForkSeq[r.fork] >= ForkSeq.fulu) {
        throw ApiError.badRequest(
          `a ${r.fork} block has no blob sidecars (its blobs are in data column sidecars): use GET /eth/v1/beacon/blobs/{block_id}`,
        );
      }
      const stored = await chain.db.blobSidecars.get(fromRootHex(r.root));
      const want = new Set(indices ?? []);
      const data = (stored?.sidecars ?? []).filter((s) => want.size === 0 || want.has(s.index));
      return {data, version: r.fork, ...meta(r)};
    },
    async getBlobs({blockId, versionedHashes}) {
      const r = await ctx.resolveBlock(blockId);
      if (!isPostDeneb(r.fork)) throw ApiError.badRequest(`a ${r.fork} block has no blobs`);
      const {kzgCommitmentToVersionedHash} = await import("@ceibo/state-transition");
      const want = new Set((versionedHashes ?? []).map((h) => toRootHex(h)));
      const commitments = (r.block.message.body as {blobKzgCommitments?: Uint8Array[]}).blobKzgCommitments ?? [];
      const wanted = (commitment: Uint8Array): boolean =>
        want.size === 0 || want.has(toRootHex(kzgCommitmentToVersionedHash(commitment)));
      if (ForkSeq[r.fork] >= ForkSeq.fulu) {
        // fulu keeps data columns, not blobs: the first half of the columns is the blobs' own cells
        if (commitments.length === 0) return {data: [], ...meta(r)};
        const columns = (await chain.db.dataColumnSidecars.getAll(fromRootHex(r.root))).map((c) => c.sidecar);
        let blobs = blobsFromDataColumnSidecars(columns);
        if (blobs === null && columns.length >= NUMBER_OF_COLUMNS / 2) {
          blobs = blobsFromDataColumnSidecars(reconstructDataColumnSidecars(chain.da.kzg, columns));
        }
        if (blobs === null) {
          throw ApiError.notFound(
            `this node custodies ${columns.length} of the block's ${NUMBER_OF_COLUMNS} data columns: its blobs ` +
              `need at least ${NUMBER_OF_COLUMNS / 2} (run a supernode, --supernode, to serve blobs)`,
          );
        }
        return {data: blobs.filter((_, i) => wanted(commitments[i])), ...meta(r)};
      }
      const stored = await chain.db.blobSidecars.get(fromRootHex(r.root));
      const data = (stored?.sidecars ?? []).filter((s) => wanted(s.kzgCommitment)).map((s) => s.blob);
      return {data, ...meta(r)};
    },
  };
  return handlers;
}
