/**
 * Sidecars for sync: the blob sidecars (deneb, electra) or data column sidecars (fulu) of blocks that range sync and
 * the unknown-block lookup download, so those blocks pass is_data_available (deneb/fulu fork-choice.md).
 *
 * A block needs its data when it has blob commitments and its epoch is inside the period peers must serve
 * sidecars (deneb `blob_serve_range`, fulu `data_column_serve_range`; `isWithinSidecarServePeriod`). Older blocks
 * import without it: the network does not guarantee sidecars outside that period (is_data_available's note).
 *
 * - deneb/electra: BlobSidecarsByRange from the peer that served the batch's blocks (BlobSidecarsByRoot for a
 *   block found by root, other peers after it).
 * - fulu: the node's *sampling* columns (`chain.da.samplingColumns`), DataColumnSidecarsByRange/ByRoot from peers
 *   that custody them (`SyncNetwork.getPeerCustodyColumns`), spread over the peers; columns a peer did not deliver
 *   are asked of another in the next round. When no peer custodies some sampling column, other custodied columns
 *   are fetched up to half of all columns, from which the DA tracker reconstructs the rest (das-core.md
 *   "Reconstruction and cross-seeding").
 *
 * Sidecars go through `chain.da` (addBlobSidecars / addDataColumnSidecars verify inclusion proofs and KZG proofs in
 * one batch per response). A response that fails verification is the sending peer's fault: it is reported
 * (`lowTolerance`) and its sidecars are fetched elsewhere. The verified sidecars travel with the block
 * (`BlockData`) and are put back into `chain.da` right before the import (`prepareImport`): a buffered batch may
 * wait longer than the tracker keeps entries of old slots.
 */
import {type RootHex, toRootHex} from "@ceibo/fork-choice";
import {ForkSeq, NUMBER_OF_COLUMNS} from "@ceibo/params";
import {computeEpochAtSlot, type SignedBeaconBlockAllForks} from "@ceibo/state-transition";
import type {BeaconChain} from "../chain/chain.ts";
import {isWithinSidecarServePeriod} from "../chain/da/availability.ts";
import {sidecarBlockRoot} from "../chain/da/blobSidecars.ts";
import {DaError} from "../chain/da/errors.ts";
import {blobKzgCommitmentsOf} from "../chain/da/merkle.ts";
import {type Logger, silentLogger} from "../chain/logger.ts";
import type {
  BlobSidecar,
  BlockWithFork,
  DataColumnSidecar,
  PeerIdStr,
  StatusMessage,
  SyncNetwork,
} from "../network/types.ts";
import {blockRoot} from "./utils.ts";

/** A downloaded block's data, as sync carries it from download to import. */
export interface BlockData {
  root: RootHex;
  /** Whether the import needs the data: blob commitments, inside the sidecar serve period. */
  required: boolean;
  /** Verified blob sidecars of the block (deneb, electra). */
  blobSidecars: BlobSidecar[];
  /** Verified data column sidecars of the block (fulu): the sampling columns, or all after reconstruction. */
  dataColumnSidecars: DataColumnSidecar[];
}

/** The data of a batch or a block could not be obtained (the batch / block is retried, possibly from other peers). */
export class DataUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataUnavailableError";
  }
}

export interface SyncDataAvailabilityOpts {
  /**
   * Column request rounds in a row that bring no new column before a batch or block gives up (default 3); each
   * round asks for what is still missing, of peers that did not fail to deliver it.
   */
  maxColumnRounds?: number;
  /** Peers asked for a block's blob sidecars by root (default 3). */
  maxBlobPeers?: number;
  /** How long to wait for a reconstruction from half of the columns (default 10 s). */
  reconstructionWaitMs?: number;
}

interface Item {
  block: SignedBeaconBlockAllForks;
  root: RootHex;
  slot: number;
  fork: number;
  required: boolean;
}

export class SyncDataAvailability {
  private readonly chain: BeaconChain;
  private readonly network: SyncNetwork;
  private readonly logger: Logger;
  private readonly maxColumnRounds: number;
  private readonly maxBlobPeers: number;
  private readonly reconstructionWaitMs: number;

  constructor(
    modules: {chain: BeaconChain; network: SyncNetwork; logger?: Logger},
    opts: SyncDataAvailabilityOpts = {},
  ) {
    this.chain = modules.chain;
    this.network = modules.network;
    this.logger = modules.logger ?? silentLogger;
    this.maxColumnRounds = opts.maxColumnRounds ?? 3;
    this.maxBlobPeers = opts.maxBlobPeers ?? 3;
    this.reconstructionWaitMs = opts.reconstructionWaitMs ?? 10_000;
  }

  /** Whether importing `block` needs its blobs / columns: it has blob commitments and is inside the serve period. */
  isDataRequired(block: SignedBeaconBlockAllForks): boolean {
    const slot = block.message.slot;
    const fork = this.chain.beaconConfig.getForkSeq(slot);
    if (blobKzgCommitmentsOf(fork, block.message).length === 0) return false;
    return isWithinSidecarServePeriod(this.chain.config, fork, computeEpochAtSlot(slot), this.chain.clock.currentEpoch);
  }

  // ---------------------------------------------------------------- range sync

  /**
   * The data of a by-range batch (`blocks`: `peer`'s response for `req`), one BlockData per block. Throws
   * DataUnavailableError when some block's data could not be obtained (range sync retries the batch).
   */
  async fetch(
    peer: PeerIdStr,
    _req: {startSlot: number; count: number},
    blocks: BlockWithFork[],
  ): Promise<BlockData[]> {
    const items = blocks.map(({block}) => this.item(block));
    const blobItems = items.filter((i) => i.required && i.fork < ForkSeq.fulu);
    const columnItems = items.filter((i) => i.required && i.fork >= ForkSeq.fulu);
    if (blobItems.length > 0) await this.blobsByRange(peer, blobItems);
    if (columnItems.length > 0) {
      // each round asks for the slots of the blocks still open (a peer may have limited its response)
      await this.fetchColumns(
        columnItems,
        (p, columns, open) => {
          const startSlot = open[0].slot;
          const count = open[open.length - 1].slot - startSlot + 1;
          const roots = open.map((i) => i.root);
          return this.network.dataColumnSidecarsByRange(p, {startSlot, count, columns}).then((s) => ofRoots(s, roots));
        },
        {preferred: peer, fromSlot: columnItems[0].slot},
      );
    }
    return items.map((i) => this.blockData(i));
  }

  // ---------------------------------------------------------------- by root

  /**
   * The data of one block found by root (or received on gossip): what `chain.da` does not hold yet, by root from
   * `peer` first. Throws DataUnavailableError when it cannot be completed.
   */
  async fetchForBlock(peer: PeerIdStr | null, block: SignedBeaconBlockAllForks): Promise<BlockData> {
    const item = this.item(block);
    if (!item.required) return this.blockData(item);
    const rootBytes = Buffer.from(item.root.slice(2), "hex");
    if (item.fork < ForkSeq.fulu) {
      await this.blobsByRoot(peer, item, rootBytes);
    } else {
      // by root: any peer may have a recent block (its last Status can predate it)
      await this.fetchColumns(
        [item],
        (p, columns) => this.network.dataColumnSidecarsByRoot(p, [{blockRoot: rootBytes, columns}]),
        {preferred: peer, fromSlot: null},
      );
    }
    return this.blockData(item);
  }

  /**
   * Right before importing a block with its fetched data: puts the sidecars back into `chain.da` (already
   * verified; the tracker may have pruned them meanwhile) and returns the import's `dataAvailable`:
   * is_data_available, or true for a block that does not need its data.
   */
  prepareImport(block: SignedBeaconBlockAllForks, data: BlockData): boolean {
    if (!data.required) return true;
    const da = this.chain.da;
    da.addBlock(block, data.root);
    if (data.blobSidecars.length > 0) da.addBlobSidecars(data.blobSidecars, {verified: true});
    if (data.dataColumnSidecars.length > 0) da.addDataColumnSidecars(data.dataColumnSidecars, {verified: true});
    return da.isDataAvailable(data.root);
  }

  /**
   * After a block with fetched data imported: the import persists the sidecars the tracker holds, but the tracker
   * prunes entries of old slots once per slot and may have dropped this one while the block was importing. If
   * nothing was stored, the sidecars are put back and written now.
   */
  async afterImport(block: SignedBeaconBlockAllForks, data: BlockData): Promise<void> {
    if (!data.required) return;
    const db = this.chain.db;
    const rootBytes = Buffer.from(data.root.slice(2), "hex");
    if (data.dataColumnSidecars.length > 0) {
      if ((await db.dataColumnSidecars.getIndices(rootBytes)).length > 0) return;
    } else if (data.blobSidecars.length > 0) {
      if ((await db.blobSidecars.get(rootBytes)) !== null) return;
    } else {
      return;
    }
    this.logger.debug("Sidecars of an imported block were not stored: writing them", {root: data.root});
    this.prepareImport(block, data);
    await this.chain.da.persist(db, data.root);
  }

  // ---------------------------------------------------------------- blobs

  private async blobsByRange(peer: PeerIdStr, items: Item[]): Promise<void> {
    const missing = items.filter((i) => !this.chain.da.isDataAvailable(i.root));
    if (missing.length === 0) return;
    const startSlot = missing[0].slot;
    const count = missing[missing.length - 1].slot - startSlot + 1;
    const sidecars = await this.network.blobSidecarsByRange(peer, {startSlot, count});
    this.addBlobSidecars(
      peer,
      ofRoots(
        sidecars,
        missing.map((i) => i.root),
      ),
    );
    const still = missing.filter((i) => !this.chain.da.isDataAvailable(i.root));
    if (still.length > 0) {
      // the peer served these blocks inside the serve period but not their sidecars (p2p-interface.md: MAY descore)
      this.network.reportPeer(
        peer,
        "highTolerance",
        `blob sidecars by range: none or incomplete for ${still.length} blocks from slot ${still[0].slot}`,
      );
      throw new DataUnavailableError(
        `blob sidecars of ${still.length} blocks (slots ${still.map((i) => i.slot).join(",")}) not served by ${peer}`,
      );
    }
  }

  private async blobsByRoot(first: PeerIdStr | null, item: Item, rootBytes: Uint8Array): Promise<void> {
    const tried = new Set<PeerIdStr>();
    for (let n = 0; n < this.maxBlobPeers; n++) {
      const missing = this.chain.da.getMissing(item.root);
      if (missing === null || !("blobIndices" in missing) || missing.blobIndices.length === 0) return;
      const peer =
        first !== null && !tried.has(first) && this.isConnected(first)
          ? first
          : (this.network
              .getSyncPeers()
              .map((p) => p.peer)
              .find((p) => !tried.has(p)) ?? null);
      if (peer === null) break;
      tried.add(peer);
      try {
        const sidecars = await this.network.blobSidecarsByRoot(
          peer,
          missing.blobIndices.map((index) => ({blockRoot: rootBytes, index})),
        );
        this.addBlobSidecars(peer, ofRoots(sidecars, [item.root]));
      } catch (e) {
        this.logger.debug("Blob sidecars by root failed", {root: item.root, peer, error: (e as Error).message});
      }
    }
    if (!this.chain.da.isDataAvailable(item.root)) {
      throw new DataUnavailableError(`blob sidecars of block ${item.root} not obtained from ${tried.size} peers`);
    }
  }

  /** Verifies and records blob sidecars; a sidecar that fails verification is the sender's fault. */
  private addBlobSidecars(peer: PeerIdStr, sidecars: BlobSidecar[]): void {
    if (sidecars.length === 0) return;
    try {
      this.chain.da.addBlobSidecars(sidecars);
    } catch (e) {
      if (!(e instanceof DaError)) throw e;
      this.network.reportPeer(peer, "lowTolerance", `invalid blob sidecars: ${e.message}`);
      throw new DataUnavailableError(`${peer} sent invalid blob sidecars: ${e.message}`);
    }
  }

  // ---------------------------------------------------------------- columns

  /**
   * Fetches the missing sampling columns of `items` (fulu blocks registered in chain.da) with `request` (for the
   * blocks still open), from peers that custody them (by range: whose Status v2 does not exclude `fromSlot`), in
   * rounds. A peer that delivered nothing of a column is not asked for it again (one that delivered part may be:
   * by-range responses may be limited); a response that does not verify gets its sender reported and excluded.
   * Throws DataUnavailableError if some block is still not available at the end.
   */
  private async fetchColumns(
    items: Item[],
    request: (peer: PeerIdStr, columns: number[], open: Item[]) => Promise<DataColumnSidecar[]>,
    where: {preferred: PeerIdStr | null; fromSlot: number | null},
  ): Promise<void> {
    const da = this.chain.da;
    const excluded = new Set<PeerIdStr>();
    /** Which peers were asked for a column and delivered none of it (not asked again for it). */
    const asked = new Map<number, Set<PeerIdStr>>();
    // rounds go on while they bring new columns (bounded by the columns to get), and up to maxColumnRounds
    // rounds in a row that bring none
    let idleRounds = 0;
    while (idleRounds < this.maxColumnRounds) {
      const open = items.filter((i) => !da.isDataAvailable(i.root));
      if (open.length === 0) return;
      const assignment = this.assignColumns(open, where.fromSlot, excluded, asked, where.preferred);
      if (assignment.size === 0) break;
      let added = 0;
      await Promise.all(
        [...assignment].map(async ([peer, columns]) => {
          let sidecars: DataColumnSidecar[] = [];
          try {
            sidecars = await request(peer, columns, open);
          } catch (e) {
            this.logger.debug("Data columns request failed", {peer, error: (e as Error).message});
          }
          const wanted = new Set(columns);
          const mine = sidecars.filter((s) => wanted.has(s.index));
          const delivered = new Set(mine.map((s) => s.index));
          for (const c of columns) {
            if (delivered.has(c)) continue;
            const set = asked.get(c) ?? new Set<PeerIdStr>();
            set.add(peer);
            asked.set(c, set);
          }
          if (mine.length === 0) return;
          try {
            added += da.addDataColumnSidecars(mine);
          } catch (e) {
            if (!(e instanceof DaError)) throw e;
            excluded.add(peer);
            this.network.reportPeer(peer, "lowTolerance", `invalid data column sidecars: ${e.message}`);
            this.logger.debug("Invalid data columns from peer", {peer, error: e.message});
          }
        }),
      );
      idleRounds = added > 0 ? 0 : idleRounds + 1;
    }
    // half of the columns or more: the tracker reconstructs the matrix (every column then available)
    const pending = items.filter(
      (i) => !da.isDataAvailable(i.root) && da.getDataColumnSidecars(i.root).length * 2 >= NUMBER_OF_COLUMNS,
    );
    await Promise.all(pending.map((i) => da.waitForAvailability(i.root, this.reconstructionWaitMs)));
    const unavailable = items.filter((i) => !da.isDataAvailable(i.root));
    if (unavailable.length > 0) {
      const missing = da.getMissing(unavailable[0].root);
      const columns = missing !== null && "columns" in missing ? missing.columns : [];
      throw new DataUnavailableError(
        `data columns of ${unavailable.length} blocks from slot ${unavailable[0].slot} not obtained (missing ${columns.join(",")})`,
      );
    }
  }

  /**
   * Which peer to ask for which columns: each missing sampling column goes to a peer that custodies it and was not
   * asked for it yet — one whose Status head reaches `fromSlot` if there is one — the least loaded first
   * (`preferred` wins ties). If some sampling column has no such peer, other custodied columns are added until
   * half of all columns would be present (reconstruction).
   */
  private assignColumns(
    open: Item[],
    fromSlot: number | null,
    excluded: Set<PeerIdStr>,
    asked: Map<number, Set<PeerIdStr>>,
    preferred: PeerIdStr | null,
  ): Map<PeerIdStr, number[]> {
    const da = this.chain.da;
    const peers = this.network
      .getSyncPeers()
      .filter(({peer, status}) => !excluded.has(peer) && (fromSlot === null || !hasPruned(status, fromSlot)))
      .map(({peer, status}) => ({
        peer,
        custody: new Set(this.network.getPeerCustodyColumns(peer)),
        // its last Status shows the slot (Statuses are periodic: a peer behind it may well have the block by now)
        headOk: fromSlot === null || status.headSlot >= fromSlot,
      }));
    // columns present for every open block
    const presentAll = new Set<number>(Array.from({length: NUMBER_OF_COLUMNS}, (_, c) => c));
    for (const i of open) {
      const have = new Set(da.getDataColumnSidecars(i.root).map((s) => s.index));
      for (const c of presentAll) if (!have.has(c)) presentAll.delete(c);
    }
    const missingSampling = da.samplingColumns.filter((c) => !presentAll.has(c));
    const assignment = new Map<PeerIdStr, number[]>();
    const load = (peer: PeerIdStr): number => assignment.get(peer)?.length ?? 0;
    const assign = (column: number): boolean => {
      const custodians = peers.filter((p) => p.custody.has(column) && !asked.get(column)?.has(p.peer));
      if (custodians.length === 0) return false;
      const ahead = custodians.filter((p) => p.headOk);
      const candidates = ahead.length > 0 ? ahead : custodians;
      const min = Math.min(...candidates.map((p) => load(p.peer)));
      const least = candidates.filter((p) => load(p.peer) === min);
      const pick = least.find((p) => p.peer === preferred) ?? least[Math.floor(Math.random() * least.length)];
      const list = assignment.get(pick.peer);
      if (list === undefined) assignment.set(pick.peer, [column]);
      else list.push(column);
      return true;
    };
    let uncovered = 0;
    for (const c of missingSampling) if (!assign(c)) uncovered++;
    if (uncovered > 0) {
      // reconstruction: at least half of all columns (sampling ones included), from whatever peers custody
      let total = presentAll.size + missingSampling.length - uncovered;
      const sampling = new Set(da.samplingColumns);
      for (let c = 0; c < NUMBER_OF_COLUMNS && total * 2 < NUMBER_OF_COLUMNS; c++) {
        if (presentAll.has(c) || sampling.has(c)) continue;
        if (assign(c)) total++;
      }
    }
    for (const columns of assignment.values()) columns.sort((a, b) => a - b);
    return assignment;
  }

  // ---------------------------------------------------------------- helpers

  private item(block: SignedBeaconBlockAllForks): Item {
    const slot = block.message.slot;
    const root = toRootHex(blockRoot(this.chain.beaconConfig, block));
    // a block fork choice already has was available when imported (its import now is ALREADY_KNOWN)
    const required = this.isDataRequired(block) && !this.chain.forkChoice.hasBlock(root);
    if (required) this.chain.da.addBlock(block, root);
    return {block, root, slot, fork: this.chain.beaconConfig.getForkSeq(slot), required};
  }

  private blockData(item: Item): BlockData {
    if (!item.required) return {root: item.root, required: false, blobSidecars: [], dataColumnSidecars: []};
    const da = this.chain.da;
    return {
      root: item.root,
      required: true,
      blobSidecars: item.fork < ForkSeq.fulu ? da.getBlobSidecars(item.root) : [],
      dataColumnSidecars: item.fork >= ForkSeq.fulu ? da.getDataColumnSidecars(item.root) : [],
    };
  }

  private isConnected(peer: PeerIdStr): boolean {
    return this.network.getSyncPeers().some((p) => p.peer === peer);
  }
}

/** The sidecars that belong to one of `roots` (others: of another chain, or not asked for). */
function ofRoots<T extends BlobSidecar | DataColumnSidecar>(sidecars: T[], roots: RootHex[]): T[] {
  const set = new Set(roots);
  return sidecars.filter((s) => set.has(toRootHex(sidecarBlockRoot(s))));
}

/** Whether a peer's Status v2 says it no longer has (or never had) what is at `slot`: earliest_available_slot. */
function hasPruned(status: StatusMessage, slot: number): boolean {
  return status.earliestAvailableSlot !== undefined && status.earliestAvailableSlot > slot;
}
