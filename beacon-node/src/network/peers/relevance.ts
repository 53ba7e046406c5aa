/**
 * Whether a peer is on our chain, from its Status (phase0 p2p-interface.md, Status:
 * https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/p2p-interface.md#status). A peer is
 * irrelevant when its fork digest is not ours, when it claims a finalized epoch after the current one, or when its
 * finalized checkpoint conflicts with our finalized chain as far as our archived blocks can tell.
 */
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import type {Logger} from "@ceibo/utils";
import {bytesEqual, toHex} from "@ceibo/utils";
import type {StatusMessage} from "../types.ts";

/** The finalized chain, by slot and by root, as the database archives it (BeaconDb has it). */
export interface FinalizedBlockArchive {
  getSlotByRoot(root: Uint8Array): Promise<number | null>;
  rangeSerialized(fromSlot: number, toSlot: number): Promise<{slot: number}[]>;
}

/**
 * Why `remote` is not on our chain, or null. `onFinalizedChain` answers for a checkpoint before our finalized epoch
 * (true, false, or null when we cannot tell — then the peer is given the benefit of the doubt).
 */
export async function statusIrrelevantReason(
  local: StatusMessage,
  remote: StatusMessage,
  currentEpoch: number,
  onFinalizedChain: (epoch: number, root: Uint8Array) => Promise<boolean | null>,
): Promise<string | null> {
  if (!bytesEqual(remote.forkDigest, local.forkDigest)) {
    return `fork digest ${toHex(remote.forkDigest)} is not ours (${toHex(local.forkDigest)})`;
  }
  if (remote.finalizedEpoch > currentEpoch) {
    return `finalized epoch ${remote.finalizedEpoch} is after the current epoch ${currentEpoch}`;
  }
  if (remote.finalizedEpoch === 0 || remote.finalizedEpoch > local.finalizedEpoch) return null;
  if (remote.finalizedEpoch === local.finalizedEpoch) {
    return bytesEqual(remote.finalizedRoot, local.finalizedRoot)
      ? null
      : `finalized root at epoch ${remote.finalizedEpoch} differs from ours`;
  }
  const onOurChain = await onFinalizedChain(remote.finalizedEpoch, remote.finalizedRoot);
  return onOurChain === false ? `finalized checkpoint at epoch ${remote.finalizedEpoch} is not on our chain` : null;
}

/** Answers `onFinalizedChain` from the block archive, remembering up to 1,000 answers. */
export class FinalizedChainLookup {
  private readonly archive: FinalizedBlockArchive;
  private readonly logger: Logger;
  private readonly cache = new Map<string, boolean>();

  constructor(archive: FinalizedBlockArchive, logger: Logger) {
    this.archive = archive;
    this.logger = logger;
  }

  /**
   * Whether (epoch, root) is the checkpoint of our finalized chain at an epoch before our finalized epoch: the
   * archived block at or before the epoch's start slot. null when we cannot tell (no archived blocks there, e.g.
   * before a checkpoint-sync anchor).
   */
  readonly isOnFinalizedChain = async (epoch: number, root: Uint8Array): Promise<boolean | null> => {
    const key = `${epoch}:${toHex(root)}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const startSlot = epoch * SLOTS_PER_EPOCH;
    let result: boolean | null;
    try {
      const slot = await this.archive.getSlotByRoot(root);
      if (slot !== null) {
        // it is our finalized block: the checkpoint block iff no block of ours sits between it and the epoch start
        result = slot <= startSlot && (await this.archive.rangeSerialized(slot + 1, startSlot + 1)).length === 0;
      } else {
        // not one of our finalized blocks: a conflict if we do have the checkpoint block of that epoch
        const nearby = await this.archive.rangeSerialized(Math.max(0, startSlot - SLOTS_PER_EPOCH), startSlot + 1);
        result = nearby.length > 0 ? false : null;
      }
    } catch (e) {
      this.logger.debug("Finalized chain lookup failed", {epoch, error: (e as Error).message});
      return null;
    }
    if (result !== null) {
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(key, result);
    }
    return result;
  };
}
