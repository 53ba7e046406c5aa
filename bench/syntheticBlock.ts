import {
  MAX_ATTESTATIONS_ELECTRA,
  MAX_VOLUNTARY_EXITS,
  SLOTS_PER_EPOCH,
  SLOTS_PER_HISTORICAL_ROOT,
  SYNC_COMMITTEE_SIZE,
} from "@ceibo/params";
import {
  type BeaconStateFulu,
  type CachedBeaconState,
  computeEpochAtSlot,
  computeTimeAtSlot,
  getExpectedWithdrawals,
  getRandaoMix,
} from "@ceibo/state-transition";
import {type SszValue, ssz} from "@ceibo/types";
import {BitArray} from "@chainsafe/ssz";

type BeaconBlockFulu = SszValue<typeof ssz.fulu.BeaconBlock>;

/** Participation of the synthetic block's aggregates, as in the state recipe. */
const PARTICIPATION = 0.97;

function bitsWithParticipation(length: number, seed: number): BitArray {
  const bits = BitArray.fromBitLen(length);
  for (let i = 0; i < length; i++) if ((i * 7919 + seed) % 100 < PARTICIPATION * 100) bits.set(i, true);
  return bits;
}

/**
 * A full fulu block for the state's current slot (signatures are not valid: the benchmark processes blocks with
 * signature checks off): MAX_ATTESTATIONS_ELECTRA aggregates, each covering every committee of one of the
 * previous slots at 97% participation, a 97% sync aggregate, MAX_VOLUNTARY_EXITS exits, 16 deposit requests,
 * the expected withdrawals, 100 transactions and 6 blob commitments.
 */
export function createSyntheticBlock(cs: CachedBeaconState): BeaconBlockFulu {
  const state = cs.state as BeaconStateFulu;
  const slot = state.slot;
  const epoch = computeEpochAtSlot(slot);
  const prevEpoch = epoch - 1;
  const blockRootAt = (s: number) => state.blockRoots.get(s % SLOTS_PER_HISTORICAL_ROOT);

  const attestations = [];
  for (let k = 1; k <= MAX_ATTESTATIONS_ELECTRA; k++) {
    const attSlot = slot - k;
    const attEpoch = computeEpochAtSlot(attSlot);
    const committeesPerSlot = cs.epochCtx.getCommitteeCountPerSlot(attEpoch);
    let bitLen = 0;
    for (let c = 0; c < committeesPerSlot; c++) bitLen += cs.epochCtx.getBeaconCommittee(attSlot, c).length;
    const committeeBits = BitArray.fromBitLen(64);
    for (let c = 0; c < committeesPerSlot; c++) committeeBits.set(c, true);
    const source = attEpoch === prevEpoch ? state.previousJustifiedCheckpoint : state.currentJustifiedCheckpoint;
    attestations.push({
      aggregationBits: bitsWithParticipation(bitLen, k),
      data: {
        slot: attSlot,
        index: 0,
        beaconBlockRoot: blockRootAt(attSlot),
        source: {epoch: source.epoch, root: source.root},
        target: {epoch: attEpoch, root: blockRootAt(attEpoch * SLOTS_PER_EPOCH)},
      },
      signature: new Uint8Array(96),
      committeeBits,
    });
  }

  const voluntaryExits = [];
  for (let k = 0; k < MAX_VOLUNTARY_EXITS; k++) {
    voluntaryExits.push({message: {epoch, validatorIndex: 1000 + k * 3}, signature: new Uint8Array(96)});
  }
  const depositRequests = [];
  for (let k = 0; k < 16; k++) {
    const pubkey = new Uint8Array(48);
    pubkey[0] = 0xb0;
    new DataView(pubkey.buffer).setUint32(1, k, false);
    const credentials = new Uint8Array(32);
    credentials[0] = 1;
    depositRequests.push({
      pubkey,
      withdrawalCredentials: credentials,
      amount: 32_000_000_000,
      signature: new Uint8Array(96),
      index: state.depositRequestsStartIndex + BigInt(k),
    });
  }

  const header = state.latestExecutionPayloadHeader;
  const transactions = Array.from({length: 100}, (_, k) => new Uint8Array(200).fill(k));
  const executionPayload = {
    ...ssz.fulu.BeaconBlockBody.fields.executionPayload.defaultValue(),
    parentHash: header.blockHash,
    feeRecipient: new Uint8Array(20).fill(1),
    prevRandao: getRandaoMix(state, epoch),
    blockNumber: header.blockNumber + 1,
    gasLimit: header.gasLimit,
    gasUsed: 15_000_000,
    timestamp: computeTimeAtSlot(cs.config.SLOT_DURATION_MS, state.genesisTime, slot),
    baseFeePerGas: 1_000_000_000n,
    blockHash: new Uint8Array(32).fill(0xab),
    transactions,
    withdrawals: getExpectedWithdrawals(cs).withdrawals,
  };

  const body = {
    ...ssz.fulu.BeaconBlockBody.defaultValue(),
    randaoReveal: new Uint8Array(96),
    eth1Data: {
      depositRoot: state.eth1Data.depositRoot,
      depositCount: state.eth1Data.depositCount,
      blockHash: state.eth1Data.blockHash,
    },
    graffiti: new Uint8Array(32).fill(0x63),
    attestations,
    voluntaryExits,
    syncAggregate: {
      syncCommitteeBits: bitsWithParticipation(SYNC_COMMITTEE_SIZE, 3),
      syncCommitteeSignature: new Uint8Array(96),
    },
    executionPayload,
    blobKzgCommitments: Array.from({length: 6}, (_, k) => new Uint8Array(48).fill(k + 1)),
    executionRequests: {deposits: depositRequests, withdrawals: [], consolidations: []},
  };
  state.commit();
  return {
    slot,
    proposerIndex: cs.epochCtx.getBeaconProposer(slot),
    parentRoot: state.latestBlockHeader.hashTreeRoot(),
    stateRoot: new Uint8Array(32),
    body,
  } as BeaconBlockFulu;
}
