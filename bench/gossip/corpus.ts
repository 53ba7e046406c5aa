/**
 * The gossip load test's corpus: an anchor (a block and its post-state, from which the node checkpoint-syncs) and,
 * for each following slot, every message a mainnet node receives on gossip, all validly signed:
 * - the slot's block (built with the state transition, signed by its proposer), carrying the previous slot's
 *   attestations of every committee (one electra on-chain aggregate) and a full sync aggregate;
 * - the single attestations of every committee of the slot (electra `SingleAttestation`, on its subnet);
 * - for every committee, the aggregates of up to 16 aggregators (the real selection rule `is_aggregator`), each
 *   leaving out a different member so that no aggregate is a subset of another (a later one is not IGNOREd);
 * - the 512 sync committee messages and the contributions of each subcommittee's aggregators.
 *
 * Keys: secret key i+1 for validator i (the synthetic state of bench/syntheticState.ts: pubkey_i = (i+1)·G). An
 * aggregate signature of one message over many keys is the signature with the SUM of their secret keys, and
 * signatures of one message by validators i < j satisfy sig_j = sig_i + (j-i)·H(m): both keep precomputation cheap.
 *
 * Specs (consensus-specs a08d8a6): phase0/validator.md (aggregation selection, attestations), altair/validator.md
 * (sync committee messages, contributions), electra/validator.md (SingleAttestation, committee_bits).
 */
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from "node:fs";
import {join} from "node:path";
import {computeExecutionBlockHash} from "@ceibo/beacon-node/execution";
import {type ChainConfig, computeSigningRoot, mainnetChainConfig} from "@ceibo/config";
import {
  DOMAIN_AGGREGATE_AND_PROOF,
  DOMAIN_BEACON_ATTESTER,
  DOMAIN_BEACON_PROPOSER,
  DOMAIN_CONTRIBUTION_AND_PROOF,
  DOMAIN_RANDAO,
  DOMAIN_SELECTION_PROOF,
  DOMAIN_SYNC_COMMITTEE,
  DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF,
  ForkSeq,
  SLOTS_PER_EPOCH,
  SLOTS_PER_HISTORICAL_ROOT,
  SYNC_COMMITTEE_SIZE,
  SYNC_COMMITTEE_SUBNET_COUNT,
  TARGET_AGGREGATORS_PER_COMMITTEE,
} from "@ceibo/params";
import {
  type BeaconStateFulu,
  type CachedBeaconState,
  computeEpochAtSlot,
  computeTimeAtSlot,
  createCachedBeaconState,
  getDomain,
  getExpectedWithdrawals,
  getRandaoMix,
  isAggregator,
  isSyncCommitteeAggregator,
  processBlock,
  processSlots,
} from "@ceibo/state-transition";
import {type SszValue, ssz} from "@ceibo/types";
import {aggregateSignatures, SecretKey, type Signature} from "@chainsafe/blst";
import {BitArray} from "@chainsafe/ssz";
import {createSyntheticState} from "../syntheticState.ts";

/** BLS12-381 group order r. */
const R = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;
const GENESIS_TIME = 1606824023;

export type MessageKind =
  | "beacon_block"
  | "beacon_attestation"
  | "beacon_aggregate_and_proof"
  | "sync_committee"
  | "sync_committee_contribution_and_proof";
export const MESSAGE_KINDS: readonly MessageKind[] = [
  "beacon_block",
  "beacon_attestation",
  "beacon_aggregate_and_proof",
  "sync_committee",
  "sync_committee_contribution_and_proof",
];

/** When in its slot a message is sent: 0 at the start, 1 at a third (attestations), 2 at two thirds (aggregates). */
export type Phase = 0 | 1 | 2;

export interface CorpusMessage {
  slot: number;
  kind: MessageKind;
  /** Attestation or sync committee subnet; 0 for global topics. */
  subnet: number;
  phase: Phase;
  /** SSZ bytes (uncompressed). */
  data: Uint8Array;
}

export interface CorpusOpts {
  validators: number;
  slotDurationMs: number;
  /** Slots with gossip after the anchor slot. */
  slots: number;
  cacheDir: string;
  log?: (msg: string) => void;
}

export interface Corpus {
  validators: number;
  slotDurationMs: number;
  anchorSlot: number;
  genesisTime: number;
  /** The anchor block's execution payload (the mock engine's genesis): 0x hash and timestamp. */
  anchorPayloadHash: string;
  anchorPayloadTimestamp: number;
  /** Anchor state and block files (SSZ) for --checkpoint-state / --checkpoint-block. */
  anchorStateFile: string;
  anchorBlockFile: string;
  /** config.yaml of the custom network (mainnet preset, SLOT_DURATION_MS). */
  configFile: string;
  messages: CorpusMessage[];
}

export function benchChainConfig(slotDurationMs: number): ChainConfig {
  return {...mainnetChainConfig, CONFIG_NAME: "gossip-bench", SLOT_DURATION_MS: slotDurationMs};
}

function secretKeyOf(scalar: bigint): SecretKey {
  const b = new Uint8Array(32);
  let x = ((scalar % R) + R) % R;
  for (let i = 31; i >= 0; i--) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return SecretKey.fromBytes(b);
}

/** sign(sk = Σ (i+1) over `indices`, msg): the aggregate signature of those validators over one message. */
function signSum(indices: Iterable<number>, msg: Uint8Array): Uint8Array {
  let s = 0n;
  for (const i of indices) s += BigInt(i + 1);
  return secretKeyOf(s).sign(msg).toBytes();
}

function signOne(index: number, msg: Uint8Array): Uint8Array {
  return secretKeyOf(BigInt(index + 1))
    .sign(msg)
    .toBytes();
}

/**
 * Signatures of one message by many validators: sorted by index, sig_j = sig_i + (j-i)·H(m), with the small
 * multiples of H(m) tabulated (one point addition per signature instead of a hash-to-curve and a multiplication).
 */
function signManySameMessage(indices: readonly number[], msg: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  if (sorted.length === 0) return out;
  const h = secretKeyOf(1n).sign(msg);
  const table: Signature[] = [h, h];
  const multiple = (g: number): Signature => {
    while (table.length <= g) table.push(aggregateSignatures([table[table.length - 1], h], false));
    return table[g];
  };
  let prev = sorted[0];
  let cur = secretKeyOf(BigInt(prev + 1)).sign(msg);
  out.set(prev, cur.toBytes());
  for (let k = 1; k < sorted.length; k++) {
    const idx = sorted[k];
    const gap = idx - prev;
    cur = gap <= 512 ? aggregateSignatures([cur, multiple(gap)], false) : secretKeyOf(BigInt(idx + 1)).sign(msg);
    out.set(idx, cur.toBytes());
    prev = idx;
  }
  return out;
}

type BeaconBlockFulu = SszValue<typeof ssz.fulu.BeaconBlock>;
type AttestationData = SszValue<typeof ssz.phase0.AttestationData>;

interface SlotAttestations {
  slot: number;
  data: AttestationData;
  committees: Uint32Array[];
}

/** The attestation data of `slot` voting for `headRoot`, from the head state advanced to `slot`. */
function attestationsOf(cs: CachedBeaconState, slot: number, headRoot: Uint8Array): SlotAttestations {
  const state = cs.state as BeaconStateFulu;
  const epoch = computeEpochAtSlot(slot);
  const epochStart = epoch * SLOTS_PER_EPOCH;
  const targetRoot = epochStart === slot ? headRoot : state.blockRoots.get(epochStart % SLOTS_PER_HISTORICAL_ROOT);
  const source = state.currentJustifiedCheckpoint;
  const data: AttestationData = {
    slot,
    index: 0,
    beaconBlockRoot: headRoot,
    source: {epoch: source.epoch, root: source.root},
    target: {epoch, root: targetRoot},
  };
  const count = cs.epochCtx.getCommitteeCountPerSlot(epoch);
  const committees: Uint32Array[] = [];
  for (let c = 0; c < count; c++) committees.push(cs.epochCtx.getBeaconCommittee(slot, c));
  return {slot, data, committees};
}

/** The block of `cs.state.slot` (cs already advanced), with the attestations of the previous slot and a full sync aggregate. */
function buildBlock(
  cs: CachedBeaconState,
  prevAtts: SlotAttestations | null,
  syncSig: Uint8Array,
  blockNumber: number,
): BeaconBlockFulu {
  const state = cs.state as BeaconStateFulu;
  const slot = state.slot;
  const epoch = computeEpochAtSlot(slot);
  const proposer = cs.epochCtx.getBeaconProposer(slot);
  const randaoReveal = signOne(
    proposer,
    computeSigningRoot(ssz.phase0.Epoch, epoch, getDomain(state, DOMAIN_RANDAO, epoch)),
  );
  const attestations = [];
  if (prevAtts !== null) {
    const c = prevAtts.committees;
    let bitLen = 0;
    for (const m of c) bitLen += m.length;
    const bits = BitArray.fromBitLen(bitLen);
    for (let i = 0; i < bitLen; i++) bits.set(i, true);
    const committeeBits = BitArray.fromBitLen(64);
    for (let k = 0; k < c.length; k++) committeeBits.set(k, true);
    const root = computeSigningRoot(
      ssz.phase0.AttestationData,
      prevAtts.data,
      getDomain(state, DOMAIN_BEACON_ATTESTER, prevAtts.data.target.epoch),
    );
    attestations.push({
      aggregationBits: bits,
      data: prevAtts.data,
      signature: signSum(
        c.flatMap((m) => [...m]),
        root,
      ),
      committeeBits,
    });
  }
  const syncBits = BitArray.fromBitLen(SYNC_COMMITTEE_SIZE);
  for (let i = 0; i < SYNC_COMMITTEE_SIZE; i++) syncBits.set(i, true);
  const parentRoot = state.latestBlockHeader.hashTreeRoot();
  const header = state.latestExecutionPayloadHeader;
  const payload = {
    ...ssz.fulu.BeaconBlockBody.fields.executionPayload.defaultValue(),
    parentHash: header.blockHash,
    feeRecipient: new Uint8Array(20).fill(1),
    stateRoot: new Uint8Array(32).fill(2),
    receiptsRoot: new Uint8Array(32).fill(3),
    prevRandao: getRandaoMix(state, epoch),
    blockNumber,
    gasLimit: header.gasLimit,
    gasUsed: 15_000_000,
    timestamp: computeTimeAtSlot(cs.config.SLOT_DURATION_MS, state.genesisTime, slot),
    baseFeePerGas: 1_000_000_000n,
    // 100 transactions of 200 bytes: a payload of a typical size
    transactions: Array.from({length: 100}, (_, k) => new Uint8Array(200).fill((k + slot) % 256)),
    withdrawals: getExpectedWithdrawals(cs).withdrawals,
  };
  payload.blockHash = computeExecutionBlockHash("fulu", payload, {
    parentBeaconBlockRoot: parentRoot,
    executionRequestsList: [],
  });
  const body = {
    ...ssz.fulu.BeaconBlockBody.defaultValue(),
    randaoReveal,
    eth1Data: {
      depositRoot: state.eth1Data.depositRoot,
      depositCount: state.eth1Data.depositCount,
      blockHash: state.eth1Data.blockHash,
    },
    graffiti: new Uint8Array(32).fill(0x67),
    attestations,
    syncAggregate: {syncCommitteeBits: syncBits, syncCommitteeSignature: syncSig},
    executionPayload: payload,
  };
  return {slot, proposerIndex: proposer, parentRoot, stateRoot: new Uint8Array(32), body} as BeaconBlockFulu;
}

/** Applies the block to `cs` (signatures are made valid by construction; checked by the node), sets its state root, signs it. */
function applyAndSign(cs: CachedBeaconState, block: BeaconBlockFulu): {signed: Uint8Array; root: Uint8Array} {
  processBlock(cs, block, {verifySignatures: false, executionPayloadValid: true});
  block.stateRoot = cs.state.hashTreeRoot();
  const epoch = computeEpochAtSlot(block.slot);
  const sig = signOne(
    block.proposerIndex,
    computeSigningRoot(ssz.fulu.BeaconBlock, block, getDomain(cs.state, DOMAIN_BEACON_PROPOSER, epoch)),
  );
  const signed = ssz.fulu.SignedBeaconBlock.serialize({message: block, signature: sig});
  return {signed, root: ssz.fulu.BeaconBlock.hashTreeRoot(block)};
}

/** The subnet of a committee (phase0 compute_subnet_for_attestation). */
function subnetOf(committeesPerSlot: number, slot: number, committeeIndex: number): number {
  const slotsSinceEpochStart = slot % SLOTS_PER_EPOCH;
  return (committeesPerSlot * slotsSinceEpochStart + committeeIndex) % 64;
}

/** Gossip messages of slot s (attestations, aggregates, sync messages, contributions) voting for `headRoot`. */
function slotMessages(cs: CachedBeaconState, atts: SlotAttestations, headRoot: Uint8Array): CorpusMessage[] {
  const state = cs.state as BeaconStateFulu;
  const slot = atts.slot;
  const epoch = computeEpochAtSlot(slot);
  const out: CorpusMessage[] = [];

  // single attestations: every committee member signs the same data (electra: index 0)
  const attRoot = computeSigningRoot(
    ssz.phase0.AttestationData,
    atts.data,
    getDomain(state, DOMAIN_BEACON_ATTESTER, epoch),
  );
  const allMembers = atts.committees.flatMap((m) => [...m]);
  const attSigs = signManySameMessage(allMembers, attRoot);
  const count = atts.committees.length;
  for (let c = 0; c < count; c++) {
    const subnet = subnetOf(count, slot, c);
    for (const v of atts.committees[c]) {
      const msg = {committeeIndex: c, attesterIndex: v, data: atts.data, signature: attSigs.get(v) as Uint8Array};
      out.push({
        slot,
        kind: "beacon_attestation",
        subnet,
        phase: 1,
        data: ssz.electra.SingleAttestation.serialize(msg),
      });
    }
  }

  // aggregates: selection proofs (one message per slot), up to TARGET_AGGREGATORS_PER_COMMITTEE per committee
  const selRoot = computeSigningRoot(ssz.phase0.Slot, slot, getDomain(state, DOMAIN_SELECTION_PROOF, epoch));
  const selSigs = signManySameMessage(allMembers, selRoot);
  const aapDomain = getDomain(state, DOMAIN_AGGREGATE_AND_PROOF, epoch);
  for (let c = 0; c < count; c++) {
    const members = atts.committees[c];
    const aggregators = [...members].filter((v) => isAggregator(members.length, selSigs.get(v) as Uint8Array));
    const committeeBits = BitArray.fromBitLen(64);
    committeeBits.set(c, true);
    let sum = 0n;
    for (const v of members) sum += BigInt(v + 1);
    for (const [j, aggregator] of aggregators.slice(0, TARGET_AGGREGATORS_PER_COMMITTEE).entries()) {
      // leave out a different member per aggregator (when the committee has more than one)
      const left = members.length > 1 ? j % members.length : -1;
      const bits = BitArray.fromBitLen(members.length);
      for (let i = 0; i < members.length; i++) if (i !== left) bits.set(i, true);
      const s = left >= 0 ? sum - BigInt(members[left] + 1) : sum;
      const aggregate = {
        aggregationBits: bits,
        data: atts.data,
        signature: secretKeyOf(s).sign(attRoot).toBytes(),
        committeeBits,
      };
      const message = {aggregatorIndex: aggregator, aggregate, selectionProof: selSigs.get(aggregator) as Uint8Array};
      const signature = signOne(aggregator, computeSigningRoot(ssz.electra.AggregateAndProof, message, aapDomain));
      out.push({
        slot,
        kind: "beacon_aggregate_and_proof",
        subnet: 0,
        phase: 2,
        data: ssz.electra.SignedAggregateAndProof.serialize({message, signature}),
      });
    }
  }

  // sync committee: position p of the synthetic state's committee is validator p (see syntheticState.ts)
  const syncRoot = computeSigningRoot(ssz.phase0.Root, headRoot, getDomain(state, DOMAIN_SYNC_COMMITTEE, epoch));
  const positions = Array.from({length: SYNC_COMMITTEE_SIZE}, (_, p) => p);
  const syncSigs = signManySameMessage(positions, syncRoot);
  const subSize = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;
  for (const p of positions) {
    const msg = {slot, beaconBlockRoot: headRoot, validatorIndex: p, signature: syncSigs.get(p) as Uint8Array};
    out.push({
      slot,
      kind: "sync_committee",
      subnet: Math.floor(p / subSize),
      phase: 1,
      data: ssz.altair.SyncCommitteeMessage.serialize(msg),
    });
  }
  const capDomain = getDomain(state, DOMAIN_CONTRIBUTION_AND_PROOF, epoch);
  const syncSelDomain = getDomain(state, DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, epoch);
  for (let sub = 0; sub < SYNC_COMMITTEE_SUBNET_COUNT; sub++) {
    const members = positions.slice(sub * subSize, (sub + 1) * subSize);
    const selData = {slot, subcommitteeIndex: sub};
    const selSigsSub = signManySameMessage(
      members,
      computeSigningRoot(ssz.altair.SyncAggregatorSelectionData, selData, syncSelDomain),
    );
    const aggregators = members.filter((v) => isSyncCommitteeAggregator(selSigsSub.get(v) as Uint8Array));
    let sum = 0n;
    for (const v of members) sum += BigInt(v + 1);
    for (const [j, aggregator] of aggregators.entries()) {
      const left = j % members.length;
      const bits = BitArray.fromBitLen(subSize);
      for (let i = 0; i < subSize; i++) if (i !== left) bits.set(i, true);
      const contribution = {
        slot,
        beaconBlockRoot: headRoot,
        subcommitteeIndex: sub,
        aggregationBits: bits,
        signature: secretKeyOf(sum - BigInt(members[left] + 1))
          .sign(syncRoot)
          .toBytes(),
      };
      const message = {
        aggregatorIndex: aggregator,
        contribution,
        selectionProof: selSigsSub.get(aggregator) as Uint8Array,
      };
      const signature = signOne(aggregator, computeSigningRoot(ssz.altair.ContributionAndProof, message, capDomain));
      out.push({
        slot,
        kind: "sync_committee_contribution_and_proof",
        subnet: 0,
        phase: 2,
        data: ssz.altair.SignedContributionAndProof.serialize({message, signature}),
      });
    }
  }
  return out;
}

// ------------------------------------------------------------------ cache file format
// [u32 slot][u8 kind][u8 subnet][u8 phase][u32 length][bytes] per message, little endian

function encodeMessages(messages: CorpusMessage[]): Uint8Array {
  let size = 0;
  for (const m of messages) size += 11 + m.data.length;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let o = 0;
  for (const m of messages) {
    dv.setUint32(o, m.slot, true);
    out[o + 4] = MESSAGE_KINDS.indexOf(m.kind);
    out[o + 5] = m.subnet;
    out[o + 6] = m.phase;
    dv.setUint32(o + 7, m.data.length, true);
    out.set(m.data, o + 11);
    o += 11 + m.data.length;
  }
  return out;
}

function decodeMessages(b: Uint8Array): CorpusMessage[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: CorpusMessage[] = [];
  let o = 0;
  while (o < b.length) {
    const len = dv.getUint32(o + 7, true);
    out.push({
      slot: dv.getUint32(o, true),
      kind: MESSAGE_KINDS[b[o + 4]],
      subnet: b[o + 5],
      phase: b[o + 6] as Phase,
      data: b.subarray(o + 11, o + 11 + len),
    });
    o += 11 + len;
  }
  return out;
}

const syntheticStates = new Map<number, Uint8Array>();

function writeAtomic(file: string, data: Uint8Array | string): void {
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
}

/**
 * Loads the corpus of (validators, slot duration, slots) from the cache or builds it (and caches it). The anchor
 * slot is the first slot of the epoch after the synthetic state's (fixed), so a cache entry is reused by any run
 * of the same parameters: the node's clock is put at the anchor by the runner (libfaketime).
 */
export function loadOrBuildCorpus(opts: CorpusOpts): Corpus {
  const log = opts.log ?? (() => {});
  const key = `n${opts.validators}-ms${opts.slotDurationMs}-s${opts.slots}-v2`;
  const dir = join(opts.cacheDir, key);
  const files = {
    meta: join(dir, "meta.json"),
    state: join(dir, "anchor-state.ssz"),
    block: join(dir, "anchor-block.ssz"),
    config: join(dir, "config.yaml"),
    messages: join(dir, "messages.bin"),
  };
  const config = benchChainConfig(opts.slotDurationMs);
  if (existsSync(files.meta)) {
    const meta = JSON.parse(readFileSync(files.meta, "utf8")) as {
      anchorSlot: number;
      genesisTime: number;
      anchorPayloadHash: string;
      anchorPayloadTimestamp: number;
    };
    log(`corpus from the cache: ${dir}`);
    return {
      validators: opts.validators,
      slotDurationMs: opts.slotDurationMs,
      anchorSlot: meta.anchorSlot,
      genesisTime: meta.genesisTime,
      anchorPayloadHash: meta.anchorPayloadHash,
      anchorPayloadTimestamp: meta.anchorPayloadTimestamp,
      anchorStateFile: files.state,
      anchorBlockFile: files.block,
      configFile: files.config,
      messages: decodeMessages(new Uint8Array(readFileSync(files.messages))),
    };
  }
  mkdirSync(dir, {recursive: true});
  const t0 = performance.now();
  // the synthetic state is the same for every slot duration: built once per process
  let rawBytes = syntheticStates.get(opts.validators);
  if (rawBytes === undefined) {
    rawBytes = createSyntheticState({validators: opts.validators, pendingDeposits: 0, log}).serialize();
    syntheticStates.set(opts.validators, rawBytes);
  }
  const raw = ssz.fulu.BeaconState.deserializeToViewDU(rawBytes) as BeaconStateFulu;
  raw.genesisTime = GENESIS_TIME;
  // the parent payload's timestamp as this slot duration puts it
  raw.latestExecutionPayloadHeader.timestamp = computeTimeAtSlot(opts.slotDurationMs, GENESIS_TIME, raw.slot);
  raw.commit();
  let cs = createCachedBeaconState(raw, config, ForkSeq.fulu);
  // the synthetic state's latest block header has no real block: the anchor is a real block on top of it
  const anchorSlot = raw.slot + 1;
  log(`building the anchor block at slot ${anchorSlot} (epoch transition)…`);
  cs = cs.clone();
  processSlots(cs, anchorSlot);
  // an empty sync aggregate (the synthetic parent root was never signed): the G2 point at infinity
  const infinity = new Uint8Array(96);
  infinity[0] = 0xc0;
  const anchorBlock = buildBlock(cs, null, infinity, raw.latestExecutionPayloadHeader.blockNumber + 1);
  anchorBlock.body.syncAggregate.syncCommitteeBits = BitArray.fromBitLen(SYNC_COMMITTEE_SIZE);
  const anchor = applyAndSign(cs, anchorBlock);
  writeAtomic(files.state, cs.state.serialize());
  writeAtomic(files.block, anchor.signed);
  writeAtomic(
    files.config,
    `PRESET_BASE: mainnet\nCONFIG_NAME: gossip-bench\nSLOT_DURATION_MS: ${opts.slotDurationMs}\n`,
  );

  const messages: CorpusMessage[] = [];
  let headRoot = anchor.root;
  let prevAtts = attestationsOf(cs, anchorSlot, headRoot);
  for (let slot = anchorSlot + 1; slot <= anchorSlot + opts.slots; slot++) {
    const ts = performance.now();
    const next = cs.clone();
    processSlots(next, slot);
    const syncRoot = computeSigningRoot(
      ssz.phase0.Root,
      headRoot,
      getDomain(next.state, DOMAIN_SYNC_COMMITTEE, computeEpochAtSlot(slot - 1)),
    );
    const syncSig = signSum(
      Array.from({length: SYNC_COMMITTEE_SIZE}, (_, p) => p),
      syncRoot,
    );
    // the execution chain as the mock engine sees it: the anchor's payload is its genesis (number 0)
    const block = buildBlock(next, prevAtts, syncSig, slot - anchorSlot);
    const applied = applyAndSign(next, block);
    messages.push({slot, kind: "beacon_block", subnet: 0, phase: 0, data: applied.signed});
    cs = next;
    headRoot = applied.root;
    prevAtts = attestationsOf(cs, slot, headRoot);
    const ms = slotMessages(cs, prevAtts, headRoot);
    messages.push(...ms);
    log(`  slot ${slot}: ${ms.length + 1} messages (${Math.round(performance.now() - ts)} ms)`);
  }
  writeAtomic(files.messages, encodeMessages(messages));
  const meta = {
    anchorSlot,
    genesisTime: GENESIS_TIME,
    validators: opts.validators,
    anchorPayloadHash: `0x${Buffer.from(anchorBlock.body.executionPayload.blockHash).toString("hex")}`,
    anchorPayloadTimestamp: anchorBlock.body.executionPayload.timestamp,
  };
  writeAtomic(files.meta, JSON.stringify(meta));
  log(`corpus built in ${Math.round((performance.now() - t0) / 1000)} s: ${dir}`);
  return {
    validators: opts.validators,
    slotDurationMs: opts.slotDurationMs,
    anchorSlot,
    genesisTime: GENESIS_TIME,
    anchorPayloadHash: meta.anchorPayloadHash,
    anchorPayloadTimestamp: meta.anchorPayloadTimestamp,
    anchorStateFile: files.state,
    anchorBlockFile: files.block,
    configFile: files.config,
    messages,
  };
}
