/**
 * A small real chain behind a real Beacon API server, for validator-client tests. Interop genesis (mainnet
 * preset, one fork for the whole chain: the config's genesis fork, phase0 … fulu), blocks produced by the real state transition and accepted only if
 * `stateTransition` with every signature verified accepts them; attestations and aggregates accepted only if
 * their signatures (and selection proofs) verify. Head rule: the latest accepted block (no forks).
 * Produced blocks include aggregates of the attestations received (one per committee and data).
 */

import {
  ApiError,
  type AttesterDuty,
  type BeaconApiBackend,
  type BeaconEvent,
  beaconApiRoutes,
  createBeaconApiServer,
  type ProposerDuty,
  type SingleAttestation,
} from "@ceibo/api";
import {type ChainConfig, computeSigningRoot} from "@ceibo/config";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  FORK_NAMES,
  type ForkName,
  ForkSeq,
  SLOTS_PER_EPOCH,
  SLOTS_PER_HISTORICAL_ROOT,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
} from "@ceibo/params";
import {
  type BeaconStatePostBellatrix,
  type CachedBeaconState,
  computeTimeAtSlot,
  createInteropGenesisState,
  genesisForkOf,
  getDomain,
  getIndexedAttestation,
  getIndexedAttestationSignatureSet,
  getRandaoMix,
  isAggregator,
  isSyncCommitteeAggregator,
  processBlock,
  processSlots,
  type SignedBeaconBlockAllForks,
  stateTransition,
  verifySignatureSet,
} from "@ceibo/state-transition";
import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {aggregateSignatures, PublicKey, Signature, verify} from "@chainsafe/blst";
import {BitArray, type Type, type ValueOf} from "@chainsafe/ssz";
import type {FastifyInstance} from "fastify";

type Block = ValueOf<typeof ssz.fulu.BeaconBlock>;
type Attestation = ValueOf<typeof ssz.electra.Attestation>;
type Phase0Attestation = ValueOf<typeof ssz.phase0.Attestation>;
type AttData = ValueOf<typeof ssz.phase0.AttestationData>;
type SyncMessage = ValueOf<typeof ssz.altair.SyncCommitteeMessage>;
type SignedContribution = ValueOf<typeof ssz.altair.SignedContributionAndProof>;
const SUBCOMMITTEE_SIZE = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;
type AnyAggregateAndProof =
  | ValueOf<typeof ssz.electra.SignedAggregateAndProof>
  | ValueOf<typeof ssz.phase0.SignedAggregateAndProof>;
const G2_POINT_AT_INFINITY = Uint8Array.from([0xc0, ...new Uint8Array(95)]);

export interface TestChainOpts {
  config: ChainConfig;
  validatorCount: number;
  genesisTime: number;
  /** Liveness answers: indices reported live in every epoch (a doppelganger). */
  liveElsewhere?: number[];
  syncing?: boolean;
  /** produceBlockV3 answers blinded blocks (as with a builder); publishBlindedBlockV2 unblinds them. */
  blinded?: boolean;
}

export class TestChain {
  readonly config: ChainConfig;
  readonly genesisTime: number;
  genesisRoot: Uint8Array;
  head: CachedBeaconState;
  headRoot: Uint8Array;
  /** Every accepted block, by slot. */
  readonly blocks = new Map<number, SignedBeaconBlockAllForks>();
  /** Every accepted single attestation. */
  readonly attestations: SingleAttestation[] = [];
  readonly aggregates: AnyAggregateAndProof[] = [];
  readonly syncMessages: SyncMessage[] = [];
  readonly contributions: SignedContribution[] = [];
  /** The chain's one fork (the config's genesis fork; later fork epochs are not supported here). */
  readonly fork: ForkName;
  readonly types: Record<string, Type<unknown>>;
  readonly rejected: string[] = [];
  readonly calls: Record<string, unknown[]> = {};
  readonly live = new Map<number, Set<number>>();
  liveElsewhere: number[];
  syncing: boolean;
  readonly blinded: boolean;
  /** Full blocks behind the blinded ones handed out, by blinded block root. */
  private readonly unblinded = new Map<string, Block>();
  /** Operation ids answered with a 500 (after being recorded). */
  readonly failing = new Set<string>();
  private readonly included = new Set<string>();
  /** stateAt's cache for the current head (cleared when the head changes). */
  private readonly advanced = new Map<number, CachedBeaconState>();
  private readonly listeners = new Set<(e: BeaconEvent) => void>();

  constructor(opts: TestChainOpts) {
    this.config = opts.config;
    this.genesisTime = opts.genesisTime;
    this.liveElsewhere = opts.liveElsewhere ?? [];
    this.syncing = opts.syncing ?? false;
    this.blinded = opts.blinded ?? false;
    this.fork = FORK_NAMES[genesisForkOf(opts.config)];
    this.types = ssz[this.fork] as unknown as Record<string, Type<unknown>>;
    this.head = createInteropGenesisState(opts.config, {
      validatorCount: opts.validatorCount,
      genesisTime: opts.genesisTime,
    });
    const header = this.head.state.latestBlockHeader.toValue();
    header.stateRoot = this.head.state.hashTreeRoot();
    this.genesisRoot = ssz.phase0.BeaconBlockHeader.hashTreeRoot(header);
    this.headRoot = this.genesisRoot;
  }

  get headSlot(): number {
    return this.head.state.slot;
  }

  /** get_block_root_at_slot as seen from the head (the head root at and after the head slot). */
  rootAtSlot(slot: number): Uint8Array {
    if (slot < 0) return this.genesisRoot;
    if (slot >= this.headSlot) return this.headRoot;
    return this.head.state.blockRoots.get(slot % SLOTS_PER_HISTORICAL_ROOT);
  }

  /**
   * The head state advanced (empty slots) to `slot`; cached per head (callers must not mutate it: clone first).
   * Advances from the nearest cached state of the same head, so an epoch transition is computed once.
   */
  stateAt(slot: number): CachedBeaconState {
    if (slot <= this.headSlot) return this.head;
    const cached = this.advanced.get(slot);
    if (cached) return cached;
    let base = this.head;
    for (const [s, st] of this.advanced) if (s < slot && s > base.state.slot) base = st;
    const cs = base.clone();
    processSlots(cs, slot);
    this.advanced.set(slot, cs);
    return cs;
  }

  private markLive(epoch: number, index: number): void {
    const set = this.live.get(epoch) ?? new Set<number>();
    this.live.set(epoch, set);
    set.add(index);
  }

  get postElectra(): boolean {
    return ForkSeq[this.fork] >= ForkSeq.electra;
  }

  produceBlock(slot: number, randaoReveal: Uint8Array, graffiti?: Uint8Array): Block {
    if (slot <= this.headSlot) throw new ApiError(400, `slot ${slot} is not after the head slot ${this.headSlot}`);
    const pre = this.stateAt(slot);
    const state = pre.state as BeaconStatePostBellatrix;
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const body = this.types.BeaconBlockBody.defaultValue() as Block["body"];
    body.randaoReveal = randaoReveal;
    if (graffiti) body.graffiti = graffiti;
    body.eth1Data = state.eth1Data.toValue();
    if (ForkSeq[this.fork] >= ForkSeq.altair) body.syncAggregate = this.syncAggregate(pre, slot);
    if (ForkSeq[this.fork] >= ForkSeq.bellatrix) {
      const header = state.latestExecutionPayloadHeader;
      const blockHash = new Uint8Array(32);
      blockHash.set(Buffer.from(`vc-test-${slot}`));
      Object.assign(body.executionPayload, {
        parentHash: header.blockHash,
        prevRandao: getRandaoMix(state, epoch),
        blockNumber: header.blockNumber + 1,
        timestamp: computeTimeAtSlot(this.config.SLOT_DURATION_MS, state.genesisTime, slot),
        blockHash,
      });
    }
    body.attestations = this.packAttestations(pre, slot) as Attestation[];
    const block: Block = {
      slot,
      proposerIndex: pre.epochCtx.getBeaconProposer(slot),
      parentRoot: this.headRoot,
      stateRoot: new Uint8Array(32),
      body,
    };
    const post = pre.clone();
    processBlock(post, block as never, {verifySignatures: false, executionPayloadValid: true});
    block.stateRoot = post.state.hashTreeRoot();
    return block;
  }

  /** Aggregates (one per attestation data and committee) of received attestations a block at `slot` may include. */
  private packAttestations(pre: CachedBeaconState, slot: number): (Attestation | Phase0Attestation)[] {
    const groups = new Map<string, SingleAttestation[]>();
    for (const a of this.attestations) {
      if (a.data.slot + 1 > slot || a.data.slot + SLOTS_PER_EPOCH < slot) continue; // inclusion window
      const key = `${toHex(ssz.phase0.AttestationData.hashTreeRoot(a.data))}/${a.committeeIndex}`;
      if (this.included.has(key)) continue;
      const g = groups.get(key) ?? [];
      groups.set(key, g);
      g.push(a);
    }
    const out: (Attestation | Phase0Attestation)[] = [];
    for (const [key, singles] of groups) {
      const att = this.aggregateOf(pre, singles);
      if (att) {
        out.push(att);
        this.included.add(key);
      }
    }
    return out.slice(0, 8);
  }

  /** The aggregate of single attestations of one committee and data: electra shape from electra, phase0 before. */
  aggregateOf(cs: CachedBeaconState, singles: SingleAttestation[]): Attestation | Phase0Attestation | undefined {
    const {data, committeeIndex} = singles[0];
    const committee = Array.from(cs.epochCtx.getBeaconCommittee(data.slot, committeeIndex));
    const bits = BitArray.fromBitLen(committee.length);
    const sigs: Signature[] = [];
    for (const s of singles) {
      const pos = committee.indexOf(s.attesterIndex);
      if (pos < 0 || bits.get(pos)) continue;
      bits.set(pos, true);
      sigs.push(Signature.fromBytes(s.signature));
    }
    if (sigs.length === 0) return undefined;
    const signature = aggregateSignatures(sigs).toBytes(true);
    if (!this.postElectra) return {aggregationBits: bits, data, signature};
    const committeeBits = BitArray.fromBitLen(ssz.electra.Attestation.fields.committeeBits.lengthBits);
    committeeBits.set(committeeIndex, true);
    return {aggregationBits: bits, data, signature, committeeBits};
  }

  /** The blinded form of a block: the execution payload replaced by its header (same hash tree root). */
  blind(block: Block): unknown {
    const payloadType = this.types.ExecutionPayload as unknown as {
      fields: Record<string, {hashTreeRoot(v: unknown): Uint8Array}>;
    };
    const {transactions, withdrawals, ...rest} = block.body.executionPayload;
    const header = {
      ...rest,
      transactionsRoot: payloadType.fields.transactions.hashTreeRoot(transactions),
      withdrawalsRoot: payloadType.fields.withdrawals.hashTreeRoot(withdrawals),
    };
    const {executionPayload: _payload, ...body} = block.body;
    return {...block, body: {...body, executionPayloadHeader: header}};
  }

  publishBlock(signed: SignedBeaconBlockAllForks): void {
    let post: CachedBeaconState;
    try {
      post = stateTransition(this.head, signed, {verifySignatures: true, executionPayloadValid: true});
    } catch (e) {
      this.rejected.push(`block ${signed.message.slot}: ${(e as Error).message}`);
      throw new ApiError(400, `invalid block: ${(e as Error).message}`);
    }
    const slot = signed.message.slot;
    this.head = post;
    this.advanced.clear();
    this.headRoot = this.types.BeaconBlock.hashTreeRoot(signed.message);
    this.blocks.set(slot, signed);
    this.markLive(Math.floor(slot / SLOTS_PER_EPOCH), signed.message.proposerIndex);
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const ev: BeaconEvent = {
      type: "head",
      message: {
        slot,
        block: this.headRoot,
        state: signed.message.stateRoot,
        epochTransition: slot % SLOTS_PER_EPOCH === 0,
        previousDutyDependentRoot: this.rootAtSlot((epoch - 1) * SLOTS_PER_EPOCH - 1),
        currentDutyDependentRoot: this.rootAtSlot(epoch * SLOTS_PER_EPOCH - 1),
        executionOptimistic: false,
      },
    };
    this.emit(ev);
  }

  /** Sends an event to every open event stream. */
  emit(ev: BeaconEvent): void {
    for (const l of this.listeners) l(ev);
  }

  /** phase0 validator.md attestation data; data.index is the committee before electra, 0 from electra. */
  attestationData(slot: number, committeeIndex: number): AttData {
    const cs = this.stateAt(slot);
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    const start = epoch * SLOTS_PER_EPOCH;
    const targetRoot =
      start >= this.headSlot ? this.headRoot : cs.state.blockRoots.get(start % SLOTS_PER_HISTORICAL_ROOT);
    return {
      slot,
      index: this.postElectra ? 0 : committeeIndex,
      beaconBlockRoot: this.headRoot,
      source: cs.state.currentJustifiedCheckpoint.toValue(),
      target: {epoch, root: targetRoot},
    };
  }

  /** A submitted attestation: electra SingleAttestation, or (before electra) a phase0 Attestation with one bit. */
  submitAttestation(input: SingleAttestation | Phase0Attestation): string | undefined {
    const cs = this.stateAt(input.data.slot);
    let a: SingleAttestation;
    if ("attesterIndex" in input) {
      if (!this.postElectra) return "SingleAttestation before electra";
      if (input.data.index !== 0) return "data.index must be 0 from electra";
      a = input;
    } else {
      if (this.postElectra) return "phase0 Attestation after electra";
      const committee = cs.epochCtx.getBeaconCommittee(input.data.slot, input.data.index);
      const bits = input.aggregationBits.getTrueBitIndexes();
      if (input.aggregationBits.bitLen !== committee.length) return "aggregation bits length is not the committee size";
      if (bits.length !== 1) return "an unaggregated attestation has exactly one bit set";
      a = {
        committeeIndex: input.data.index,
        attesterIndex: committee[bits[0]],
        data: input.data,
        signature: input.signature,
      };
    }
    const committee = Array.from(cs.epochCtx.getBeaconCommittee(a.data.slot, a.committeeIndex));
    if (!committee.includes(a.attesterIndex)) return "attester not in committee";
    const set = getIndexedAttestationSignatureSet(cs, {
      attestingIndices: [a.attesterIndex],
      data: a.data,
      signature: a.signature,
    } as never);
    if (!verifySignatureSet(set)) return "invalid signature";
    this.attestations.push(a);
    this.markLive(a.data.target.epoch, a.attesterIndex);
    return undefined;
  }

  submitAggregate(sa: AnyAggregateAndProof): string | undefined {
    const {aggregatorIndex, aggregate, selectionProof} = sa.message;
    const cs = this.stateAt(aggregate.data.slot);
    const pk = PublicKey.fromBytes(cs.epochCtx.pubkeyCache.getPubkeyBytes(aggregatorIndex));
    const epoch = Math.floor(aggregate.data.slot / SLOTS_PER_EPOCH);
    const selRoot = computeSigningRoot(
      ssz.phase0.Slot,
      aggregate.data.slot,
      getDomain(cs.state, DOMAIN_SELECTION_PROOF, epoch),
    );
    if (!verify(selRoot, pk, Signature.fromBytes(selectionProof))) return "invalid selection proof";
    if (this.postElectra !== "committeeBits" in aggregate) return "aggregate of the wrong fork";
    const committeeIndex =
      "committeeBits" in aggregate ? aggregate.committeeBits.getTrueBitIndexes()[0] : aggregate.data.index;
    const committee = cs.epochCtx.getBeaconCommittee(aggregate.data.slot, committeeIndex);
    if (!committee.includes(aggregatorIndex)) return "aggregator not in committee";
    if (!isAggregator(committee.length, selectionProof)) return "not an aggregator";
    const type = (this.postElectra ? ssz.electra.AggregateAndProof : ssz.phase0.AggregateAndProof) as Type<unknown>;
    const root = computeSigningRoot(type, sa.message, getDomain(cs.state, DOMAIN_AGGREGATE_AND_PROOF, epoch));
    if (!verify(root, pk, Signature.fromBytes(sa.signature))) return "invalid aggregate-and-proof signature";
    if (!verifySignatureSet(getIndexedAttestationSignatureSet(cs, getIndexedAttestation(cs, aggregate as never))))
      return "invalid aggregate signature";
    this.aggregates.push(sa);
    return undefined;
  }

  /** Sync committee positions (in the committee of `slot`'s period) of each validator index. */
  syncPositions(cs: CachedBeaconState, slot: number): Map<number, number[]> {
    const st = cs.state as unknown as {
      currentSyncCommittee: {toValue(): {pubkeys: Uint8Array[]}};
      nextSyncCommittee: {toValue(): {pubkeys: Uint8Array[]}};
    };
    const period = (s: number) => Math.floor(s / SLOTS_PER_EPOCH / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
    const committee = period(slot) > period(cs.state.slot) ? st.nextSyncCommittee : st.currentSyncCommittee;
    const out = new Map<number, number[]>();
    committee.toValue().pubkeys.forEach((pk, pos) => {
      const index = cs.epochCtx.pubkeyCache.getIndex(pk) as number;
      const list = out.get(index) ?? [];
      out.set(index, list);
      list.push(pos);
    });
    return out;
  }

  /** process_sync_committee_contributions over the messages for the parent block at slot - 1. */
  private syncAggregate(pre: CachedBeaconState, slot: number): ValueOf<typeof ssz.altair.SyncAggregate> {
    const bits = BitArray.fromBitLen(SYNC_COMMITTEE_SIZE);
    const sigs: Signature[] = [];
    const positions = this.syncPositions(pre, slot);
    const seen = new Set<number>();
    for (const m of this.syncMessages) {
      if (m.slot !== slot - 1 || toHex(m.beaconBlockRoot) !== toHex(this.headRoot) || seen.has(m.validatorIndex))
        continue;
      seen.add(m.validatorIndex);
      for (const pos of positions.get(m.validatorIndex) ?? []) {
        bits.set(pos, true);
        sigs.push(Signature.fromBytes(m.signature));
      }
    }
    return {
      syncCommitteeBits: bits,
      syncCommitteeSignature: sigs.length > 0 ? aggregateSignatures(sigs).toBytes(true) : G2_POINT_AT_INFINITY,
    };
  }

  submitSyncMessage(m: SyncMessage): string | undefined {
    const cs = this.stateAt(m.slot);
    // the committee of slot + 1 signs at slot (its block carries the aggregate)
    if (!this.syncPositions(cs, m.slot + 1).has(m.validatorIndex)) return "not in the sync committee";
    const domain = getDomain(cs.state, DOMAIN_SYNC_COMMITTEE, Math.floor(m.slot / SLOTS_PER_EPOCH));
    const pk = PublicKey.fromBytes(cs.epochCtx.pubkeyCache.getPubkeyBytes(m.validatorIndex));
    if (!verify(computeSigningRoot(ssz.phase0.Root, m.beaconBlockRoot, domain), pk, Signature.fromBytes(m.signature)))
      return "invalid sync committee message signature";
    this.syncMessages.push(m);
    return undefined;
  }

  contribution(
    slot: number,
    subcommitteeIndex: number,
    root: Uint8Array,
  ): ValueOf<typeof ssz.altair.SyncCommitteeContribution> {
    const positions = this.syncPositions(this.stateAt(slot), slot + 1);
    const bits = BitArray.fromBitLen(SUBCOMMITTEE_SIZE);
    const sigs: Signature[] = [];
    const seen = new Set<number>();
    for (const m of this.syncMessages) {
      if (m.slot !== slot || toHex(m.beaconBlockRoot) !== toHex(root) || seen.has(m.validatorIndex)) continue;
      seen.add(m.validatorIndex);
      for (const pos of positions.get(m.validatorIndex) ?? []) {
        if (Math.floor(pos / SUBCOMMITTEE_SIZE) !== subcommitteeIndex) continue;
        bits.set(pos % SUBCOMMITTEE_SIZE, true);
        sigs.push(Signature.fromBytes(m.signature));
      }
    }
    if (sigs.length === 0) throw new ApiError(404, "no sync committee messages for this subcommittee");
    return {
      slot,
      beaconBlockRoot: root,
      subcommitteeIndex,
      aggregationBits: bits,
      signature: aggregateSignatures(sigs).toBytes(true),
    };
  }

  submitContribution(sc: SignedContribution): string | undefined {
    const {aggregatorIndex, contribution, selectionProof} = sc.message;
    const cs = this.stateAt(contribution.slot);
    const epoch = Math.floor(contribution.slot / SLOTS_PER_EPOCH);
    const pk = PublicKey.fromBytes(cs.epochCtx.pubkeyCache.getPubkeyBytes(aggregatorIndex));
    const positions = this.syncPositions(cs, contribution.slot + 1).get(aggregatorIndex) ?? [];
    if (!positions.some((p) => Math.floor(p / SUBCOMMITTEE_SIZE) === contribution.subcommitteeIndex))
      return "aggregator not in the subcommittee";
    const selRoot = computeSigningRoot(
      ssz.altair.SyncAggregatorSelectionData,
      {slot: contribution.slot, subcommitteeIndex: contribution.subcommitteeIndex},
      getDomain(cs.state, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epoch),
    );
    if (!verify(selRoot, pk, Signature.fromBytes(selectionProof))) return "invalid sync selection proof";
    if (!isSyncCommitteeAggregator(selectionProof)) return "not a sync committee aggregator";
    const root = computeSigningRoot(
      ssz.altair.ContributionAndProof,
      sc.message,
      getDomain(cs.state, DOMAIN_CONTRIBUTION_AND_PROOF, epoch),
    );
    if (!verify(root, pk, Signature.fromBytes(sc.signature))) return "invalid contribution-and-proof signature";
    this.contributions.push(sc);
    return undefined;
  }

  attesterDuties(epoch: number, indices: number[]): AttesterDuty[] {
    if (epoch > Math.floor(this.headSlot / SLOTS_PER_EPOCH) + 2) throw new ApiError(400, "epoch too far ahead");
    const cs = this.stateAt(Math.max(0, (epoch - 1) * SLOTS_PER_EPOCH));
    const wanted = new Set(indices);
    const perSlot = cs.epochCtx.getCommitteeCountPerSlot(epoch);
    const out: AttesterDuty[] = [];
    for (let slot = epoch * SLOTS_PER_EPOCH; slot < (epoch + 1) * SLOTS_PER_EPOCH; slot++) {
      for (let ci = 0; ci < perSlot; ci++) {
        const committee = cs.epochCtx.getBeaconCommittee(slot, ci);
        committee.forEach((v, pos) => {
          if (!wanted.has(v)) return;
          out.push({
            pubkey: cs.epochCtx.pubkeyCache.getPubkeyBytes(v),
            validatorIndex: v,
            committeeIndex: ci,
            committeeLength: committee.length,
            committeesAtSlot: perSlot,
            validatorCommitteeIndex: pos,
            slot,
          });
        });
      }
    }
    return out;
  }

  proposerDuties(epoch: number): ProposerDuty[] {
    const cs = this.stateAt(epoch * SLOTS_PER_EPOCH);
    const out: ProposerDuty[] = [];
    for (let slot = epoch * SLOTS_PER_EPOCH; slot < (epoch + 1) * SLOTS_PER_EPOCH; slot++) {
      if (slot === 0) continue;
      const v = cs.epochCtx.getBeaconProposer(slot);
      out.push({pubkey: cs.epochCtx.pubkeyCache.getPubkeyBytes(v), validatorIndex: v, slot});
    }
    return out;
  }

  /** A Beacon API backend over this chain; routes the tests do not need answer 501. */
  backend(): BeaconApiBackend {
    const record = (id: string, args: unknown) => {
      this.calls[id] ??= [];
      this.calls[id].push(args);
      if (this.failing.has(id)) throw new ApiError(500, `${id} failed (test)`);
    };
    const notImplemented: Record<string, unknown> = {};
    for (const id of Object.keys(beaconApiRoutes)) {
      notImplemented[id] = async () => {
        throw new ApiError(501, `${id} is not served by the test chain`);
      };
    }
    const meta = {executionOptimistic: false, finalized: false};
    const c = this.config;
    const handlers: Partial<BeaconApiBackend> = {
      getGenesis: async () => ({
        data: {
          genesisTime: this.genesisTime,
          genesisValidatorsRoot: this.head.state.genesisValidatorsRoot,
          genesisForkVersion: c.GENESIS_FORK_VERSION,
        },
      }),
      getSpec: async () => ({
        data: {
          PRESET_BASE: c.PRESET_BASE,
          CONFIG_NAME: c.CONFIG_NAME,
          SLOTS_PER_EPOCH: String(SLOTS_PER_EPOCH),
          SLOT_DURATION_MS: String(c.SLOT_DURATION_MS),
          ATTESTATION_DUE_BPS: String(c.ATTESTATION_DUE_BPS),
          AGGREGATE_DUE_BPS: String(c.AGGREGATE_DUE_BPS),
          GENESIS_FORK_VERSION: toHex(c.GENESIS_FORK_VERSION),
          CAPELLA_FORK_VERSION: toHex(c.CAPELLA_FORK_VERSION),
        },
      }),
      getForkSchedule: async () => {
        const v = [
          c.GENESIS_FORK_VERSION,
          c.ALTAIR_FORK_VERSION,
          c.BELLATRIX_FORK_VERSION,
          c.CAPELLA_FORK_VERSION,
          c.DENEB_FORK_VERSION,
          c.ELECTRA_FORK_VERSION,
          c.FULU_FORK_VERSION,
        ];
        const e = [
          0,
          c.ALTAIR_FORK_EPOCH,
          c.BELLATRIX_FORK_EPOCH,
          c.CAPELLA_FORK_EPOCH,
          c.DENEB_FORK_EPOCH,
          c.ELECTRA_FORK_EPOCH,
          c.FULU_FORK_EPOCH,
        ];
        return {
          data: v.map((currentVersion, i) => ({previousVersion: v[Math.max(0, i - 1)], currentVersion, epoch: e[i]})),
        };
      },
      getSyncingStatus: async () => {
        record("getSyncingStatus", {});
        return {
          data: {
            headSlot: this.headSlot,
            syncDistance: 0,
            isSyncing: this.syncing,
            isOptimistic: false,
            elOffline: false,
          },
        };
      },
      postStateValidators: async (args) => {
        record("postStateValidators", args);
        const ids = args.validatorIds ?? [];
        const vals = this.head.state.validators;
        const out = [];
        for (const id of ids) {
          const index =
            typeof id === "number"
              ? id
              : this.head.epochCtx.pubkeyCache.getIndex(Uint8Array.from(Buffer.from(id.slice(2), "hex")));
          if (index === undefined || index === null || index >= vals.length) continue;
          out.push({
            index,
            balance: this.head.state.balances.get(index),
            status: "active_ongoing" as const,
            validator: vals.getReadonly(index).toValue(),
          });
        }
        return {data: out, ...meta};
      },
      getAttesterDuties: async (args) => {
        record("getAttesterDuties", args);
        const epoch = args.epoch;
        return {
          data: this.attesterDuties(epoch, args.indices),
          dependentRoot: this.rootAtSlot((epoch - 1) * SLOTS_PER_EPOCH - 1),
          executionOptimistic: false,
        };
      },
      getProposerDuties: async (args) => {
        record("getProposerDuties", args);
        return {
          data: this.proposerDuties(args.epoch),
          dependentRoot: this.rootAtSlot(args.epoch * SLOTS_PER_EPOCH - 1),
          executionOptimistic: false,
        };
      },
      produceBlockV3: async (args) => {
        record("produceBlockV3", args);
        const block = this.produceBlock(args.slot, args.randaoReveal, args.graffiti);
        if (this.blinded) {
          const blindedBlock = this.blind(block);
          this.unblinded.set(toHex(this.types.BlindedBeaconBlock.hashTreeRoot(blindedBlock)), block);
          return {
            data: blindedBlock as never,
            version: this.fork,
            executionPayloadBlinded: true,
            executionPayloadValue: 10n ** 17n,
            consensusBlockValue: 0n,
          };
        }
        const postDeneb = ForkSeq[this.fork] >= ForkSeq.deneb;
        return {
          data: (postDeneb ? {block, kzgProofs: [], blobs: []} : block) as never,
          version: this.fork,
          executionPayloadBlinded: false,
          executionPayloadValue: 0n,
          consensusBlockValue: 0n,
        };
      },
      publishBlockV2: async (args) => {
        record("publishBlockV2", args);
        if (args.version !== this.fork) throw new ApiError(400, `expected a ${this.fork} block, got ${args.version}`);
        const body = args.signedBlockContents as Record<string, unknown>;
        this.publishBlock((ForkSeq[this.fork] >= ForkSeq.deneb ? body.signedBlock : body) as never);
        return "imported" as const;
      },
      publishBlindedBlockV2: async (args) => {
        record("publishBlindedBlockV2", args);
        const signed = args.signedBlindedBlock as {message: unknown; signature: Uint8Array};
        const full = this.unblinded.get(toHex(this.types.BlindedBeaconBlock.hashTreeRoot(signed.message)));
        if (full === undefined) throw new ApiError(400, "unknown blinded block");
        this.publishBlock({message: full, signature: signed.signature} as never);
        return "imported" as const;
      },
      produceAttestationData: async (args) => {
        record("produceAttestationData", args);
        return {data: this.attestationData(args.slot, args.committeeIndex)};
      },
      submitPoolAttestationsV2: async (args) => {
        record("submitPoolAttestationsV2", args);
        if (args.version !== this.fork)
          throw new ApiError(400, `expected ${this.fork} attestations, got ${args.version}`);
        const failures = (args.attestations as (SingleAttestation | Phase0Attestation)[])
          .map((a, index) => ({index, message: this.submitAttestation(a)}))
          .filter((f): f is {index: number; message: string} => f.message !== undefined);
        if (failures.length > 0) {
          this.rejected.push(...failures.map((f) => `attestation: ${f.message}`));
          throw ApiError.indexed("some attestations failed", failures);
        }
      },
      getAggregatedAttestationV2: async (args) => {
        record("getAggregatedAttestationV2", args);
        const singles = this.attestations.filter(
          (a) =>
            a.data.slot === args.slot &&
            a.committeeIndex === args.committeeIndex &&
            toHex(ssz.phase0.AttestationData.hashTreeRoot(a.data)) === toHex(args.attestationDataRoot),
        );
        const att = singles.length > 0 ? this.aggregateOf(this.stateAt(args.slot), singles) : undefined;
        if (att === undefined) throw new ApiError(404, "no matching attestations");
        return {data: att as Attestation, version: this.fork};
      },
      publishAggregateAndProofsV2: async (args) => {
        record("publishAggregateAndProofsV2", args);
        if (args.version !== this.fork)
          throw new ApiError(400, `expected ${this.fork} aggregates, got ${args.version}`);
        for (const sa of args.signedAggregateAndProofs as AnyAggregateAndProof[]) {
          const err = this.submitAggregate(sa);
          if (err !== undefined) {
            this.rejected.push(`aggregate: ${err}`);
            throw new ApiError(400, err);
          }
        }
      },
      getSyncCommitteeDuties: async (args) => {
        record("getSyncCommitteeDuties", args);
        const slot = args.epoch * SLOTS_PER_EPOCH;
        const period = (s: number) => Math.floor(s / SLOTS_PER_EPOCH / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);
        if (period(slot) > period(this.headSlot) + 1) throw new ApiError(400, "epoch beyond the next sync period");
        const cs = period(slot) > period(this.headSlot) ? this.head : this.stateAt(Math.max(this.headSlot, slot));
        const positions = this.syncPositions(cs, slot);
        const data = args.indices
          .filter((i) => positions.has(i))
          .map((i) => ({
            pubkey: cs.epochCtx.pubkeyCache.getPubkeyBytes(i),
            validatorIndex: i,
            validatorSyncCommitteeIndices: positions.get(i) as number[],
          }));
        return {data, executionOptimistic: false};
      },
      getBlockRoot: async (args) => {
        record("getBlockRoot", args);
        if (args.blockId !== "head") throw new ApiError(404, "only head is served");
        return {data: {root: this.headRoot}, ...meta};
      },
      submitPoolSyncCommitteeSignatures: async (args) => {
        record("submitPoolSyncCommitteeSignatures", args);
        const failures = args.signatures
          .map((m, index) => ({index, message: this.submitSyncMessage(m)}))
          .filter((f): f is {index: number; message: string} => f.message !== undefined);
        if (failures.length > 0) {
          this.rejected.push(...failures.map((f) => `sync message: ${f.message}`));
          throw ApiError.indexed("some sync committee messages failed", failures);
        }
      },
      produceSyncCommitteeContribution: async (args) => {
        record("produceSyncCommitteeContribution", args);
        return {data: this.contribution(args.slot, args.subcommitteeIndex, args.beaconBlockRoot)};
      },
      publishContributionAndProofs: async (args) => {
        record("publishContributionAndProofs", args);
        for (const sc of args.contributionAndProofs) {
          const err = this.submitContribution(sc);
          if (err !== undefined) {
            this.rejected.push(`contribution: ${err}`);
            throw new ApiError(400, err);
          }
        }
      },
      prepareSyncCommitteeSubnets: async (args) => {
        record("prepareSyncCommitteeSubnets", args);
      },
      prepareBeaconCommitteeSubnet: async (args) => {
        record("prepareBeaconCommitteeSubnet", args);
      },
      prepareBeaconProposer: async (args) => {
        record("prepareBeaconProposer", args);
      },
      getLiveness: async (args) => {
        record("getLiveness", args);
        const live = this.live.get(args.epoch) ?? new Set<number>();
        return {
          data: args.indices.map((index) => ({index, isLive: live.has(index) || this.liveElsewhere.includes(index)})),
        };
      },
      eventstream: async (args) => {
        record("eventstream", {topics: args.topics});
        const l = (e: BeaconEvent) => {
          if (args.topics.includes(e.type)) args.onEvent(e);
        };
        this.listeners.add(l);
        await new Promise((resolve) => args.signal.addEventListener("abort", resolve, {once: true}));
        this.listeners.delete(l);
      },
    };
    return {...notImplemented, ...handlers} as BeaconApiBackend;
  }

  /** Starts the API server on 127.0.0.1 (port 0); returns its URL and the server. */
  async serve(): Promise<{url: string; server: FastifyInstance}> {
    const server = createBeaconApiServer(this.backend(), {logger: false, forkAtSlot: () => this.fork});
    const address = await server.listen({host: "127.0.0.1", port: 0});
    return {url: address, server};
  }
}
