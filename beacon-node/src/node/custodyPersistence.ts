/**
 * The custody group count and the MetaData seq_number across restarts, and validator custody.
 *
 * - fulu/validator.md "Validator custody": a node with validators attached custodies
 *   get_validators_custody_requirement(state, validator_indices) groups, `state` the latest finalized state; it is
 *   recomputed when the finalized state changes, and the count is never lowered (NodeCustody only raises it).
 * - fulu/das-core.md / p2p-interface.md: the count is announced in the ENR (`cgc`) and MetaData v3; a restarted
 *   node must not announce less than before, so the count is stored in the db (`custodyGroupCount`) and given back
 *   to the network at start.
 * - phase0 p2p-interface.md MetaData: seq_number only grows; the last announced one is stored
 *   (`metadataSeqNumber`) and the next run starts above it.
 */

import type {Logger} from "@ceibo/utils";
import {getValidatorsCustodyRequirement} from "../chain/da/index.ts";
import type {BeaconChain} from "../chain/index.ts";
import type {BeaconDb} from "../db/index.ts";
import type {Network} from "../network/index.ts";

/** The custody group count stored by a previous run (null: none). */
export async function persistedCustodyGroupCount(db: BeaconDb): Promise<number | null> {
  return db.metadata.get("custodyGroupCount");
}

export interface CustodyKeeperOpts {
  db: BeaconDb;
  chain: BeaconChain;
  network: Network;
  logger: Logger;
  /** Indices of the validators attached to this node (dev validators, validator-client subscriptions). */
  attachedIndices: () => Iterable<number>;
}

export class CustodyKeeper {
  private readonly opts: CustodyKeeperOpts;
  private savedSeq: bigint | null = null;
  private savedCgc: number | null = null;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(opts: CustodyKeeperOpts) {
    this.opts = opts;
  }

  /** Continues the previous run's MetaData seq_number (one above it) and stores the current values. */
  async start(): Promise<void> {
    const {db, network} = this.opts;
    const seq = await db.metadata.get("metadataSeqNumber");
    if (seq !== null) network.peerManager.restoreSeqNumber(BigInt(seq) + 1n);
    this.savedCgc = await db.metadata.get("custodyGroupCount");
    this.updateValidatorCustody();
    this.opts.chain.emitter.on("finalized_checkpoint", () => this.updateValidatorCustody());
    await this.persist();
  }

  /** get_validators_custody_requirement over the attached validators at the finalized state; raises the count. */
  updateValidatorCustody(): number {
    const {chain, network} = this.opts;
    const indices = [...new Set(this.opts.attachedIndices())];
    if (indices.length === 0) return network.custody.custodyGroupCount;
    let state: ReturnType<BeaconChain["getBlockState"]>;
    try {
      state = chain.getBlockState(chain.finalizedCheckpoint.root);
    } catch {
      return network.custody.custodyGroupCount;
    }
    const required = getValidatorsCustodyRequirement(chain.config, state, indices);
    // the chain's custody is the network's NodeCustody (one object): it follows the raised count
    if (network.raiseCustodyGroupCount(required)) {
      this.opts.logger.info("Custody group count raised (validator custody)", {
        custodyGroupCount: network.custody.custodyGroupCount,
        validators: indices.length,
      });
      void this.persist();
    }
    return network.custody.custodyGroupCount;
  }

  /** Stores the custody group count and the MetaData seq_number when they changed (one write at a time). */
  persist(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.stopped) return;
      const {db, network} = this.opts;
      const seq = network.peerManager.getMetadata().seqNumber;
      const cgc = network.custody.custodyGroupCount;
      if (seq === this.savedSeq && cgc === this.savedCgc) return;
      const ops = [
        ...db.metadata.putOps("metadataSeqNumber", Number(seq)),
        ...db.metadata.putOps("custodyGroupCount", cgc),
      ];
      try {
        await db.kv.write(ops, {sync: true});
        this.savedSeq = seq;
        this.savedCgc = cgc;
      } catch (e) {
        this.opts.logger.warn("Could not store the custody group count / MetaData seq", {error: (e as Error).message});
      }
    });
    return this.writing;
  }

  /** Stores the last values, then stops writing (before the db closes). */
  async stop(): Promise<void> {
    await this.persist();
    this.stopped = true;
  }
}

/** The attached validators: the dev validators and those the validator client prepared or subscribed. */
export function* attachedOf(
  devIndices: readonly number[],
  ctx:
    | {
        feeRecipients: Map<number, unknown>;
        beaconCommitteeSubscriptions: Map<string, {validatorIndex: number}>;
        syncCommitteeSubscriptions: Map<number, unknown>;
      }
    | undefined,
): Iterable<number> {
  yield* devIndices;
  if (ctx === undefined) return;
  yield* ctx.feeRecipients.keys();
  for (const s of ctx.beaconCommitteeSubscriptions.values()) yield s.validatorIndex;
  yield* ctx.syncCommitteeSubscriptions.keys();
}
