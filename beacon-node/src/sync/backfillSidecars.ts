/**
 * Sidecars of backfilled blocks (issue 15 item 5). A checkpoint-synced node backfills blocks below its anchor; the
 * blocks inside the data-availability window need their data too, because peers ask for it:
 *
 * - deneb p2p-interface.md BlobSidecarsByRange: "Clients MUST keep a record of blob sidecars seen on the epoch range
 *   [max(current_epoch - MIN_EPOCHS_FOR_BLOB_SIDECARS_REQUESTS, DENEB_FORK_EPOCH), current_epoch] ... Clients MUST
 *   backfill blob sidecars" (https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/deneb/p2p-interface.md#blobsidecarsbyrange-v1);
 * - fulu p2p-interface.md DataColumnSidecarsByRange: the same for the custody columns over
 *   MIN_EPOCHS_FOR_DATA_COLUMN_SIDECARS_REQUESTS
 *   (https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/fulu/p2p-interface.md#datacolumnsidecarsbyrange-v1).
 *
 * For a downloaded batch, the blocks with blob commitments whose epoch is inside that window
 * (`isWithinSidecarServePeriod`) get their sidecars by range: blob sidecars (deneb, electra) from the peer that
 * served the blocks; the node's custody columns (fulu) from peers that custody them (the batch's peer first). Each
 * sidecar is verified before anything is stored: it belongs to the block (hash_tree_root of its header = the block
 * root), its commitment(s) are the block's (blob: `kzg_commitment == blob_kzg_commitments[index]`, every index
 * present; column: `kzg_commitments == blob_kzg_commitments`), the inclusion proof holds
 * (verify_blob_sidecar_inclusion_proof / verify_data_column_sidecar + verify_data_column_sidecar_inclusion_proof)
 * and the KZG proofs verify (one batch per response). Blocks outside the window: blocks only.
 */
import type {BeaconConfig, ChainConfig} from "@ceibo/config";
import {toRootHex} from "@ceibo/fork-choice";
import {ForkSeq} from "@ceibo/params";
import {
  computeEpochAtSlot,
  type Kzg,
  verifyBlobSidecarInclusionProof,
  verifyDataColumnSidecar,
  verifyDataColumnSidecarInclusionProof,
  verifyDataColumnSidecarsKzgProofsBatch,
} from "@ceibo/state-transition";
import {bytesEqual} from "@ceibo/utils";
import {isWithinSidecarServePeriod} from "../chain/da/availability.ts";
import {sidecarBlockRoot, verifyBlobSidecarsKzgProofBatch} from "../chain/da/blobSidecars.ts";
import {blobKzgCommitmentsOf} from "../chain/da/merkle.ts";
import type {BlobSidecar, BlockWithFork, DataColumnSidecar, PeerIdStr, SyncNetwork} from "../network/types.ts";

/** The verified sidecars of one backfilled block, to be written with it. */
export interface BackfilledSidecars {
  blobSidecars?: BlobSidecar[];
  dataColumnSidecars?: DataColumnSidecar[];
}

/** A peer sent sidecars that fail verification (its fault: reported) or none / too few (maybe pruned). */
export class BackfillSidecarsError extends Error {
  readonly invalid: boolean;
  /** The peer whose response it was (columns may come from another peer than the batch's). */
  readonly peer: PeerIdStr | undefined;
  constructor(message: string, invalid: boolean, peer?: PeerIdStr) {
    super(message);
    this.name = "BackfillSidecarsError";
    this.invalid = invalid;
    this.peer = peer;
  }
}

export interface BackfillSidecarsModules {
  config: BeaconConfig;
  network: SyncNetwork;
  /** The KZG library (chain.da.kzg: loaded on first use). */
  kzg: () => Kzg;
  /** The columns this node custodies (fulu; chain.da.custodyColumns). */
  custodyColumns: () => readonly number[];
  /** The current epoch (the window moves with it). */
  currentEpoch: () => number;
}

interface Needed {
  index: number;
  slot: number;
  root: Uint8Array;
  rootHex: string;
  commitments: Uint8Array[];
  fork: number;
}

export class BackfillSidecars {
  private readonly config: BeaconConfig;
  private readonly chainConfig: ChainConfig;
  private readonly network: SyncNetwork;
  private readonly kzg: () => Kzg;
  private readonly custodyColumns: () => readonly number[];
  private readonly currentEpoch: () => number;
  /** Counters (tests, logs). */
  readonly counts = {blocks: 0, blobSidecars: 0, dataColumnSidecars: 0};

  constructor(modules: BackfillSidecarsModules) {
    this.config = modules.config;
    this.chainConfig = modules.config.chain;
    this.network = modules.network;
    this.kzg = modules.kzg;
    this.custodyColumns = modules.custodyColumns;
    this.currentEpoch = modules.currentEpoch;
  }

  /** Whether a block's sidecars are fetched: it has blob commitments and its epoch is inside the window. */
  isRequired(slot: number, commitments: number): boolean {
    if (commitments === 0) return false;
    const fork = this.config.getForkSeq(slot);
    return isWithinSidecarServePeriod(this.chainConfig, fork, computeEpochAtSlot(slot), this.currentEpoch());
  }

  /**
   * The verified sidecars of the blocks of a batch (`roots[i]` is the root of `blocks[i]`), by block index; blocks
   * outside the window or without blobs are absent. Throws BackfillSidecarsError when some are missing or invalid
   * (the batch is downloaded again, from another peer).
   */
  async fetch(peer: PeerIdStr, blocks: BlockWithFork[], roots: Uint8Array[]): Promise<Map<number, BackfilledSidecars>> {
    const needed: Needed[] = [];
    for (let i = 0; i < blocks.length; i++) {
      const msg = blocks[i].block.message;
      const fork = this.config.getForkSeq(msg.slot);
      const commitments = blobKzgCommitmentsOf(fork, msg);
      if (!this.isRequired(msg.slot, commitments.length)) continue;
      needed.push({index: i, slot: msg.slot, root: roots[i], rootHex: toRootHex(roots[i]), commitments, fork});
    }
    const out = new Map<number, BackfilledSidecars>();
    if (needed.length === 0) return out;
    const blobBlocks = needed.filter((n) => n.fork < ForkSeq.fulu);
    const columnBlocks = needed.filter((n) => n.fork >= ForkSeq.fulu);
    if (blobBlocks.length > 0) {
      for (const [i, sidecars] of await this.blobSidecars(peer, blobBlocks)) out.set(i, {blobSidecars: sidecars});
    }
    if (columnBlocks.length > 0) {
      for (const [i, sidecars] of await this.columnSidecars(peer, columnBlocks)) {
        out.set(i, {dataColumnSidecars: sidecars});
      }
    }
    this.counts.blocks += out.size;
    return out;
  }

  // ---------------------------------------------------------------- blobs (deneb, electra)

  private async blobSidecars(peer: PeerIdStr, blocks: Needed[]): Promise<Map<number, BlobSidecar[]>> {
    const startSlot = blocks[0].slot;
    const count = blocks[blocks.length - 1].slot - startSlot + 1;
    const response = await this.network.blobSidecarsByRange(peer, {startSlot, count});
    const byRoot = new Map<string, BlobSidecar[]>();
    for (const s of response) {
      const key = toRootHex(sidecarBlockRoot(s));
      const list = byRoot.get(key) ?? [];
      list.push(s);
      byRoot.set(key, list);
    }
    const out = new Map<number, BlobSidecar[]>();
    const all: BlobSidecar[] = [];
    for (const b of blocks) {
      const sidecars = (byRoot.get(b.rootHex) ?? []).sort((x, y) => x.index - y.index);
      if (sidecars.length !== b.commitments.length) {
        throw new BackfillSidecarsError(
          `${sidecars.length} of the ${b.commitments.length} blob sidecars of block ${b.rootHex} (slot ${b.slot})`,
          false,
        );
      }
      for (let i = 0; i < sidecars.length; i++) {
        const s = sidecars[i];
        const what = `blob sidecar ${s.index} of block ${b.rootHex} (slot ${b.slot})`;
        if (s.index !== i) throw new BackfillSidecarsError(`${what}: index ${s.index} twice or out of place`, true);
        if (!bytesEqual(s.kzgCommitment, b.commitments[i])) {
          throw new BackfillSidecarsError(`${what}: kzg_commitment is not the block's`, true);
        }
        if (!verifyBlobSidecarInclusionProof(s, b.fork)) {
          throw new BackfillSidecarsError(`${what}: invalid inclusion proof`, true);
        }
      }
      out.set(b.index, sidecars);
      all.push(...sidecars);
    }
    if (!verifyBlobSidecarsKzgProofBatch(this.kzg(), all)) {
      throw new BackfillSidecarsError(`the KZG proofs of ${all.length} blob sidecars do not verify`, true);
    }
    this.counts.blobSidecars += all.length;
    return out;
  }

  // ---------------------------------------------------------------- columns (fulu)

  /**
   * The custody columns of the blocks: each column asked of one peer that custodies it (the batch's peer when it
   * does, else the least loaded one whose Status does not exclude the range).
   */
  private async columnSidecars(peer: PeerIdStr, blocks: Needed[]): Promise<Map<number, DataColumnSidecar[]>> {
    const startSlot = blocks[0].slot;
    const count = blocks[blocks.length - 1].slot - startSlot + 1;
    const columns = [...this.custodyColumns()].sort((a, b) => a - b);
    const peers = this.network
      .getSyncPeers()
      .filter(({status}) => status.earliestAvailableSlot === undefined || status.earliestAvailableSlot <= startSlot)
      .map(({peer: p}) => ({peer: p, custody: new Set(this.network.getPeerCustodyColumns(p))}));
    const assignment = new Map<PeerIdStr, number[]>();
    for (const c of columns) {
      const custodians = peers.filter((p) => p.custody.has(c));
      if (custodians.length === 0) {
        throw new BackfillSidecarsError(`no peer custodies column ${c} for slots ${startSlot}+${count}`, false);
      }
      const load = (p: PeerIdStr): number => assignment.get(p)?.length ?? 0;
      const pick =
        custodians.find((p) => p.peer === peer) ??
        custodians.reduce((best, p) => (load(p.peer) < load(best.peer) ? p : best));
      const list = assignment.get(pick.peer) ?? [];
      list.push(c);
      assignment.set(pick.peer, list);
    }
    const responses = await Promise.all(
      [...assignment].map(async ([p, cols]) => ({
        peer: p,
        sidecars: await this.network.dataColumnSidecarsByRange(p, {startSlot, count, columns: cols}),
      })),
    );
    const byKey = new Map<string, {sidecar: DataColumnSidecar; peer: PeerIdStr}>();
    for (const r of responses) {
      for (const s of r.sidecars) byKey.set(`${toRootHex(sidecarBlockRoot(s))}/${s.index}`, {sidecar: s, peer: r.peer});
    }
    const out = new Map<number, DataColumnSidecar[]>();
    const byPeer = new Map<PeerIdStr, DataColumnSidecar[]>();
    for (const b of blocks) {
      const list: DataColumnSidecar[] = [];
      for (const c of columns) {
        const got = byKey.get(`${b.rootHex}/${c}`);
        if (got === undefined) {
          throw new BackfillSidecarsError(`column ${c} of block ${b.rootHex} (slot ${b.slot}) not served`, false);
        }
        const s = got.sidecar;
        const what = `column ${c} of block ${b.rootHex} (slot ${b.slot}) from ${got.peer}`;
        if (
          s.kzgCommitments.length !== b.commitments.length ||
          s.kzgCommitments.some((k, i) => !bytesEqual(k, b.commitments[i]))
        ) {
          throw new BackfillSidecarsError(`${what}: kzg_commitments are not the block's`, true, got.peer);
        }
        if (!verifyDataColumnSidecar(this.chainConfig, s)) {
          throw new BackfillSidecarsError(`${what}: malformed`, true, got.peer);
        }
        if (!verifyDataColumnSidecarInclusionProof(s, b.fork)) {
          throw new BackfillSidecarsError(`${what}: invalid inclusion proof`, true, got.peer);
        }
        list.push(s);
        const mine = byPeer.get(got.peer) ?? [];
        mine.push(s);
        byPeer.set(got.peer, mine);
      }
      out.set(b.index, list);
    }
    for (const [p, sidecars] of byPeer) {
      if (!verifyDataColumnSidecarsKzgProofsBatch(this.kzg(), sidecars)) {
        throw new BackfillSidecarsError(
          `the KZG proofs of ${sidecars.length} columns from ${p} do not verify`,
          true,
          p,
        );
      }
    }
    this.counts.dataColumnSidecars += blocks.length * columns.length;
    return out;
  }
}
