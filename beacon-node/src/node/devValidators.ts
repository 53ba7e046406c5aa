/**
 * Dev-network validators inside the beacon node process: the interop keys 0..N-1 propose every block and every
 * committee member attests, so a `--network dev` node makes and finalizes its own chain without a validator
 * client. Not for real networks: no slashing protection, no keystores (the validator client owns those).
 * Spec: phase0 validator.md (get_epoch_signature, get_block_signature, attestation data and
 * get_attestation_signature), electra validator.md (SingleAttestation, data.index = 0).
 */
import {computeSigningRoot} from "@ceibo/config";
import {toRootHex} from "@ceibo/fork-choice";
import {
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_RANDAO,
  DOMAIN_SYNC_COMMITTEE,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  ForkSeq,
} from "@ceibo/params";
import {
  type AttestationData,
  type CachedBeaconState,
  computeEpochAtSlot,
  forkTypes,
  getDomain,
  interopSecretKey,
  processSlots,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import type {SecretKey} from "@chainsafe/blst";
import type {BlockSidecars} from "../chain/da/index.ts";
import {type BeaconChain, BlockError, fromRootHex, type Logger, silentLogger} from "../chain/index.ts";

export interface DevValidatorsOpts {
  /** Interop validator indices this node signs for (default: all of the genesis validators). */
  indices: number[];
  logger?: Logger;
  graffiti?: string;
  /** Where blocks proposed here go after import (the node gossips them with their sidecars when it has peers). */
  onProposed?: ((signed: SignedBeaconBlockAllForks, sidecars: BlockSidecars) => void) | null;
}

export interface SlotDuties {
  proposed: {root: string; proposerIndex: number} | null;
  attestations: number;
  syncCommitteeMessages: number;
}

export class DevValidators {
  private readonly chain: BeaconChain;
  private readonly keys = new Map<number, SecretKey>();
  private readonly logger: Logger;
  private readonly graffiti: Uint8Array;
  private readonly onProposed: ((signed: SignedBeaconBlockAllForks, sidecars: BlockSidecars) => void) | null;

  constructor(chain: BeaconChain, opts: DevValidatorsOpts) {
    this.chain = chain;
    this.logger = opts.logger ?? silentLogger;
    this.onProposed = opts.onProposed ?? null;
    for (const i of opts.indices) this.keys.set(i, interopSecretKey(i));
    this.graffiti = new Uint8Array(32);
    this.graffiti.set(new TextEncoder().encode((opts.graffiti ?? "ceibo dev").slice(0, 32)));
  }
  /** The validator indices this node signs for. */
  get indices(): readonly number[] {
    return [...this.keys.keys()];
  }

  /** Proposes (if one of ours is the proposer), then attests with every committee member of ours. */
  async onSlot(slot: number): Promise<SlotDuties> {
    let proposed: SlotDuties["proposed"] = null;
    if (slot > this.chain.head.slot) {
      try {
        proposed = await this.propose(slot);
      } catch (e) {
        this.logger.warn("Block proposal failed", {slot, error: (e as Error).message});
      }
    }
    const [attestations, syncCommitteeMessages] = await Promise.all([this.attest(slot), this.signSyncCommittee(slot)]);
    return {proposed, attestations, syncCommitteeMessages};
  }

  /** The head state advanced to `slot` (a copy). */
  private stateAt(slot: number): CachedBeaconState {
    const state = this.chain.getHeadState().clone();
    if (state.state.slot < slot) processSlots(state, slot);
    return state;
  }

  async propose(slot: number): Promise<{root: string; proposerIndex: number} | null> {
    const state = this.stateAt(slot);
    const proposerIndex = state.epochCtx.getBeaconProposer(slot);
    const sk = this.keys.get(proposerIndex);
    if (sk === undefined) return null;
    const epoch = computeEpochAtSlot(slot);
    const randaoReveal = sk
      .sign(computeSigningRoot(ssz.phase0.Epoch, epoch, getDomain(state.state, DOMAIN_RANDAO, epoch)))
      .toBytes(true);
    const produced = await this.chain.produceBlock({slot, randaoReveal, graffiti: this.graffiti});
    if (produced.proposerIndex !== proposerIndex) throw Error("proposer changed while producing");
    const blockType = forkTypes(state.fork).BeaconBlock as unknown as {hashTreeRoot(v: unknown): Uint8Array};
    const signature = sk
      .sign(computeSigningRoot(blockType, produced.block, getDomain(state.state, DOMAIN_BEACON_PROPOSER, epoch)))
      .toBytes(true);
    const signed: SignedBeaconBlockAllForks = {message: produced.block, signature};
    // the blobs of our own payload: sidecars (deneb/electra) or data columns (fulu), stored with the block
    const bundle = produced.blobsBundle;
    const sidecars = this.chain.da.addBlockWithBlobs(signed, bundle?.blobs ?? [], bundle?.proofs ?? [], {
      verify: false,
    });
    try {
      const imported = await this.chain.importBlock(signed, {dataAvailable: true, isTimely: true});
      this.onProposed?.(signed, sidecars);
      return {root: imported.root, proposerIndex};
    } catch (e) {
      if (e instanceof BlockError && e.code === "ALREADY_KNOWN") return null;
      throw e;
    }
  }

  /** phase0 validator.md attestation data for `slot` on the current head, signed by every committee member of ours. */
  async attest(slot: number): Promise<number> {
    const head = this.chain.head;
    if (head.slot > slot) return 0;
    const state = this.stateAt(slot);
    const epoch = computeEpochAtSlot(slot);
    const target = this.chain.checkpointOf(head.blockRoot, epoch);
    const source = state.state.currentJustifiedCheckpoint;
    const electra = state.fork >= ForkSeq.electra;
    const domain = getDomain(state.state, DOMAIN_BEACON_ATTESTER, epoch);
    const committees = state.epochCtx.getCommitteeCountPerSlot(epoch);
    let count = 0;
    const submitted: Promise<void>[] = [];
    for (let index = 0; index < committees; index++) {
      const data: AttestationData = {
        slot,
        index: electra ? 0 : index,
        beaconBlockRoot: fromRootHex(head.blockRoot),
        source: {epoch: source.epoch, root: source.root},
        target: {epoch: target.epoch, root: fromRootHex(target.root)},
      };
      const signingRoot = computeSigningRoot(ssz.phase0.AttestationData, data, domain);
      for (const validatorIndex of state.epochCtx.getBeaconCommittee(slot, index)) {
        const sk = this.keys.get(validatorIndex);
        if (sk === undefined) continue;
        // verified through chain.bls: the slot's attestations share worker-thread batches
        const att = {
          committeeIndex: index,
          attesterIndex: validatorIndex,
          data,
          signature: sk.sign(signingRoot).toBytes(true),
        };
        submitted.push(
          this.chain.submitAttestationAsync(att).then(
            () => void count++,
            (e) => this.logger.warn("Attestation refused", {slot, validatorIndex, error: (e as Error).message}),
          ),
        );
      }
    }
    await Promise.all(submitted);
    this.logger.debug("Attested", {slot, head: toRootHex(fromRootHex(head.blockRoot)), count});
    return count;
  }

  /**
   * altair validator.md get_sync_committee_message: every member of ours of the sync committee signing at `slot`
   * (the next slot's period decides) signs the head block root.
   */
  async signSyncCommittee(slot: number): Promise<number> {
    const state = this.chain.getHeadState();
    if (state.fork < ForkSeq.altair) return 0;
    const head = this.chain.head;
    if (head.slot > slot) return 0;
    const headPeriod = Math.floor(computeEpochAtSlot(state.state.slot) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    const period = Math.floor(computeEpochAtSlot(slot + 1) / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    const committee =
      period === headPeriod ? state.epochCtx.currentSyncCommitteeIndices : state.epochCtx.nextSyncCommitteeIndices;
    const root = fromRootHex(head.blockRoot);
    const signingRoot = computeSigningRoot(
      ssz.phase0.Root,
      root,
      getDomain(state.state, DOMAIN_SYNC_COMMITTEE, computeEpochAtSlot(slot)),
    );
    let count = 0;
    const submitted: Promise<void>[] = [];
    for (const validatorIndex of new Set(committee)) {
      const sk = this.keys.get(validatorIndex);
      if (sk === undefined) continue;
      const msg = {slot, beaconBlockRoot: root, validatorIndex, signature: sk.sign(signingRoot).toBytes(true)};
      submitted.push(
        this.chain.submitSyncCommitteeMessageAsync(msg).then(
          () => void count++,
          (e) =>
            this.logger.warn("Sync committee message refused", {slot, validatorIndex, error: (e as Error).message}),
        ),
      );
    }
    await Promise.all(submitted);
    return count;
  }
}
