/**
 * Gossip validators (chain/validation) on real signed objects of in-process dev chains (minimal preset,
 * 64 interop validators, manual clock): a fulu chain (SingleAttestation, electra aggregates and slashings) and a
 * deneb chain (phase0 Attestation with one bit, phase0 aggregates). Each rule is exercised with a message that
 * breaks it, next to a valid message that passes.
 */

import {mkdtempSync, rmSync} from "node:fs";
import {tmpdir} from "node:os";
import {join} from "node:path";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";

// the dev chains run the minimal preset: load the consensus packages with it (this file has its own process)
const savedPreset = process.env.CEIBO_PRESET;
process.env.CEIBO_PRESET = "minimal";
const {DevBeaconNode: BeaconNode} = await import("../src/node/dev.ts");
const {GossipSeenCaches} = await import("../src/chain/seenCaches.ts");
const {GossipValidationError} = await import("../src/network/types.ts");
const {computeDomain, computeSigningRoot} = await import("@ceibo/config");
const params = await import("@ceibo/params");
const st = await import("@ceibo/state-transition");
const {ssz} = await import("@ceibo/types");
const {BitArray} = await import("@chainsafe/ssz");
const {aggregateSignatures, Signature} = await import("@chainsafe/blst");
const {validateBeaconBlockGossip} = await import("../src/chain/validation/block.ts");
const {validateBeaconAttestationGossip} = await import("../src/chain/validation/attestation.ts");
const {validateBeaconAggregateAndProofGossip} = await import("../src/chain/validation/aggregateAndProof.ts");
const {validateSyncCommitteeMessageGossip, validateSyncCommitteeContributionAndProofGossip} = await import(
  "../src/chain/validation/syncCommittee.ts"
);
const {validateVoluntaryExitGossip} = await import("../src/chain/validation/voluntaryExit.ts");
const {validateProposerSlashingGossip} = await import("../src/chain/validation/proposerSlashing.ts");
const {validateAttesterSlashingGossip} = await import("../src/chain/validation/attesterSlashing.ts");
const {validateBlsToExecutionChangeGossip} = await import("../src/chain/validation/blsToExecutionChange.ts");
const {computeSubnetForAttestation, computeSubnetsForSyncCommittee, getSyncCommitteeIndicesAtSlot} = await import(
  "../src/network/gossip/topics.ts"
);
if (savedPreset === undefined) delete process.env.CEIBO_PRESET;
else process.env.CEIBO_PRESET = savedPreset;

type Node = Awaited<ReturnType<typeof BeaconNode.init>>;
type SignedBlock = import("@ceibo/state-transition").SignedBeaconBlockAllForks;
type Block = SignedBlock["message"];
type AttestationData = import("@ceibo/state-transition").AttestationData;

const GENESIS_TIME = 1_700_000_000;
const SLOT_MS = 6000;
const VALIDATORS = 64;
const sk = (i: number) => st.interopSecretKey(i);

/** The validator's verdict as "ACCEPT" or "<IGNORE|REJECT> <code>". */
async function verdict(run: () => unknown): Promise<string> {
  try {
    await run();
    return "ACCEPT";
  } catch (e) {
    if (e instanceof GossipValidationError) return `${e.acceptance} ${e.code}`;
    throw e;
  }
}

/** A dev chain on a manual clock, driven slot by slot by its own interop validators. */
class DevChain {
  nowMs = GENESIS_TIME * 1000;
  node!: Node;
  readonly dir = mkdtempSync(join(tmpdir(), "ceibo-gossip-validation-"));

  async init(devFork: "fulu" | "deneb" | "capella"): Promise<this> {
    this.node = await BeaconNode.init({
      network: "dev",
      dataDir: this.dir,
      devValidators: VALIDATORS,
      devFork,
      genesisTime: GENESIS_TIME,
      slotDurationMs: SLOT_MS,
      nowMs: () => this.nowMs,
      rest: null,
    });
    return this;
  }

  get chain() {
    return this.node.chain;
  }

  /** Sets the wall clock `offsetMs` into `slot`. */
  setTime(slot: number, offsetMs = 100): void {
    this.nowMs = GENESIS_TIME * 1000 + slot * SLOT_MS + offsetMs;
  }

  ctx() {
    return {chain: this.chain, seen: new GossipSeenCaches()};
  }

  async close(): Promise<void> {
    await this.node.close();
    rmSync(this.dir, {recursive: true, force: true});
  }

  headState() {
    return this.chain.getHeadState();
  }

  signBlock(block: Block, keyIndex: number): SignedBlock {
    const epoch = st.computeEpochAtSlot(block.slot);
    const fork = this.chain.forkNameAtSlot(block.slot);
    const domain = st.getDomain(this.headState().state, params.DOMAIN_BEACON_PROPOSER, epoch);
    const root = computeSigningRoot(ssz[fork].BeaconBlock as never, block, domain);
    return {message: block, signature: sk(keyIndex).sign(root).toBytes(true)};
  }

  /** A block for `slot` on the current head, produced by the chain and signed by the proposer (or `keyIndex`). */
  async blockAt(slot: number, opts: {keyIndex?: number; mutate?: (b: Block) => void} = {}): Promise<SignedBlock> {
    const state = this.headState().clone();
    st.processSlots(state, slot);
    const proposer = state.epochCtx.getBeaconProposer(slot);
    const epoch = st.computeEpochAtSlot(slot);
    const randaoReveal = sk(proposer)
      .sign(computeSigningRoot(ssz.phase0.Epoch, epoch, st.getDomain(state.state, params.DOMAIN_RANDAO, epoch)))
      .toBytes(true);
    const {block} = await this.chain.produceBlock({slot, randaoReveal});
    opts.mutate?.(block);
    return this.signBlock(block, opts.keyIndex ?? proposer);
  }

  blockRoot(signed: SignedBlock): Uint8Array {
    return ssz[this.chain.forkNameAtSlot(signed.message.slot)].BeaconBlock.hashTreeRoot(signed.message as never);
  }

  /** phase0 validator.md attestation data for `slot` voting for the head. */
  attestationData(slot: number, index: number): AttestationData {
    const head = this.chain.head;
    const epoch = st.computeEpochAtSlot(slot);
    const source = this.headState().state.currentJustifiedCheckpoint;
    const target = this.chain.checkpointOf(head.blockRoot, epoch);
    return {
      slot,
      index,
      beaconBlockRoot: Uint8Array.from(Buffer.from(head.blockRoot.slice(2), "hex")),
      source: {epoch: source.epoch, root: source.root},
      target: {epoch: target.epoch, root: Uint8Array.from(Buffer.from(target.root.slice(2), "hex"))},
    };
  }

  signAttestation(data: AttestationData, keyIndex: number): Uint8Array {
    const domain = st.getDomain(this.headState().state, params.DOMAIN_BEACON_ATTESTER, data.target.epoch);
    return sk(keyIndex)
      .sign(computeSigningRoot(ssz.phase0.AttestationData, data, domain))
      .toBytes(true);
  }

  committee(slot: number, index: number): number[] {
    return [...this.headState().epochCtx.getBeaconCommittee(slot, index)];
  }
}

const aggregate = (sigs: Uint8Array[]): Uint8Array =>
  aggregateSignatures(sigs.map((s) => Signature.fromBytes(s))).toBytes(true);

describe("gossip validation on a fulu dev chain", () => {
  const dev = new DevChain();
  let b3: SignedBlock;

  beforeAll(async () => {
    await dev.init("fulu");
    for (let slot = 1; slot <= 2; slot++) {
      dev.setTime(slot);
      await dev.node.runSlot(slot);
    }
    dev.setTime(3);
    await dev.chain.onSlot(3);
    b3 = await dev.blockAt(3);
  }, 60_000);

  afterAll(async () => {
    await dev.close();
  });

  describe("beacon_block", () => {
    it("accepts a valid block once; the same proposer's block for the slot again is IGNOREd", async () => {
      const ctx = dev.ctx();
      expect(await verdict(() => validateBeaconBlockGossip(ctx, b3, "fulu"))).toBe("ACCEPT");
      expect(await verdict(() => validateBeaconBlockGossip(ctx, b3, "fulu"))).toBe("IGNORE REPEAT_PROPOSAL");
    });

    it("rejects a block signed by another key, and a block of the wrong fork's topic", async () => {
      const wrongKey = dev.signBlock(b3.message, (b3.message.proposerIndex + 1) % VALIDATORS);
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), wrongKey, "fulu"))).toBe(
        "REJECT INVALID_PROPOSER_SIGNATURE",
      );
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), b3, "electra"))).toBe("REJECT INCORRECT_FORK");
    });

    it("ignores a block of a future slot, with MAXIMUM_GOSSIP_CLOCK_DISPARITY (500 ms) of allowance", async () => {
      const b4 = await dev.blockAt(4);
      try {
        dev.setTime(3, SLOT_MS - 501);
        expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), b4, "fulu"))).toBe("IGNORE FUTURE_SLOT");
        dev.setTime(3, SLOT_MS - 500);
        expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), b4, "fulu"))).toBe("ACCEPT");
      } finally {
        dev.setTime(3);
      }
    });

    it("ignores a block whose parent is unknown (after checking its signature)", async () => {
      const orphan = await dev.blockAt(3, {
        mutate: (b) => {
          b.parentRoot = new Uint8Array(32).fill(7);
        },
      });
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), orphan, "fulu"))).toBe("IGNORE PARENT_UNKNOWN");
      const orphanBadSig = dev.signBlock(orphan.message, (orphan.message.proposerIndex + 1) % VALIDATORS);
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), orphanBadSig, "fulu"))).toBe(
        "REJECT INVALID_PROPOSER_SIGNATURE",
      );
    });

    it("rejects a block by a validator that is not the slot's proposer, and remembers it as invalid", async () => {
      const other = (b3.message.proposerIndex + 5) % VALIDATORS;
      const block = await dev.blockAt(3, {
        keyIndex: other,
        mutate: (b) => {
          b.proposerIndex = other;
        },
      });
      const ctx = dev.ctx();
      expect(await verdict(() => validateBeaconBlockGossip(ctx, block, "fulu"))).toBe("REJECT INCORRECT_PROPOSER");
      expect(ctx.seen.invalidBlocks.get(toHex(dev.blockRoot(block)))).toBe("consensus");
    });

    it("rejects a block whose proposer index is not a validator", async () => {
      const block = dev.signBlock({...b3.message, proposerIndex: 1000}, 0);
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), block, "fulu"))).toBe(
        "REJECT PROPOSER_INDEX_OUT_OF_RANGE",
      );
    });

    it("rejects a wrong execution payload timestamp", async () => {
      const block = await dev.blockAt(3, {
        mutate: (b) => {
          (b.body as unknown as {executionPayload: {timestamp: number}}).executionPayload.timestamp += 1;
        },
      });
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), block, "fulu"))).toBe(
        "REJECT INCORRECT_TIMESTAMP",
      );
    });

    it("rejects a block not later than its parent", async () => {
      const proposer2 = dev.headState().epochCtx.getBeaconProposer(2);
      const block = await dev.blockAt(3, {
        keyIndex: proposer2,
        mutate: (b) => {
          b.slot = 2;
          b.proposerIndex = proposer2;
          (b.body as unknown as {executionPayload: {timestamp: number}}).executionPayload.timestamp =
            GENESIS_TIME + (2 * SLOT_MS) / 1000;
        },
      });
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), block, "fulu"))).toBe(
        "REJECT NOT_LATER_THAN_PARENT",
      );
    });

    it("rejects more blob commitments than the epoch allows", async () => {
      const max = dev.chain.beaconConfig.getMaxBlobsPerBlock(0);
      const block = await dev.blockAt(3, {
        mutate: (b) => {
          (b.body as unknown as {blobKzgCommitments: Uint8Array[]}).blobKzgCommitments = Array.from(
            {length: max + 1},
            () => new Uint8Array(48),
          );
        },
      });
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), block, "fulu"))).toBe(
        "REJECT TOO_MANY_KZG_COMMITMENTS",
      );
    });

    it("ignores a block at or before the finalized slot", async () => {
      const block = await dev.blockAt(3, {
        mutate: (b) => {
          b.slot = 0;
        },
      });
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), block, "fulu"))).toBe(
        "IGNORE NOT_LATER_THAN_FINALIZED",
      );
    });

    it("rejects a child of a block that failed validation, ignores one of a block with an invalid payload", async () => {
      const parent = new Uint8Array(32).fill(9);
      const child = await dev.blockAt(3, {
        mutate: (b) => {
          b.parentRoot = parent;
        },
      });
      const ctx = dev.ctx();
      ctx.seen.invalidBlocks.add(toHex(parent), "consensus");
      expect(await verdict(() => validateBeaconBlockGossip(ctx, child, "fulu"))).toBe("REJECT PARENT_INVALID");
      const ctx2 = dev.ctx();
      ctx2.seen.invalidBlocks.add(toHex(parent), "execution");
      expect(await verdict(() => validateBeaconBlockGossip(ctx2, child, "fulu"))).toBe("IGNORE PARENT_PAYLOAD_INVALID");
    });
  });

  describe("after importing the slot-3 block", () => {
    beforeAll(async () => {
      await dev.chain.importBlock(b3, {dataAvailable: true});
    });

    it("ignores an already imported block", async () => {
      expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), b3, "fulu"))).toBe("IGNORE ALREADY_KNOWN");
    });

    describe("beacon_attestation_{subnet} (SingleAttestation)", () => {
      const single = (data: AttestationData, attesterIndex: number, keyIndex = attesterIndex, committeeIndex = 0) => ({
        committeeIndex,
        attesterIndex,
        data,
        signature: dev.signAttestation(data, keyIndex),
      });
      const subnetOf = (slot: number, index = 0) =>
        computeSubnetForAttestation(
          dev.chain.config,
          dev.headState().epochCtx.getCommitteeCountPerSlot(st.computeEpochAtSlot(slot)),
          slot,
          index,
        );

      it("accepts a valid attestation on its subnet once, then IGNOREs the validator's repeat", async () => {
        const data = dev.attestationData(3, 0);
        const [a] = dev.committee(3, 0);
        const ctx = dev.ctx();
        // minimal preset, 64 validators: 2 committees of 4 per slot, so committee 0 of slot 3 is on subnet 6
        expect(subnetOf(3)).toBe(6);
        const result = await validateBeaconAttestationGossip(ctx, "fulu", single(data, a), 6);
        expect(result.attesterIndex).toBe(a);
        expect(result.committeePosition).toBe(0);
        expect(await verdict(() => validateBeaconAttestationGossip(ctx, "fulu", single(data, a), 6))).toBe(
          "IGNORE ATTESTATION_ALREADY_KNOWN",
        );
      });

      it("rejects the wrong subnet, a bad signature, a non-member, a non-zero data.index, a committee out of range", async () => {
        const data = dev.attestationData(3, 0);
        const committee = dev.committee(3, 0);
        const outsider = [...Array(VALIDATORS).keys()].find((i) => !committee.includes(i)) as number;
        const check = (att: ReturnType<typeof single>, subnet = 6) =>
          verdict(() => validateBeaconAttestationGossip(dev.ctx(), "fulu", att, subnet));
        expect(await check(single(data, committee[1]), 7)).toBe("REJECT INVALID_SUBNET_ID");
        expect(await check(single(data, committee[1], committee[2]))).toBe("REJECT INVALID_SIGNATURE");
        expect(await check(single(data, outsider))).toBe("REJECT ATTESTER_NOT_IN_COMMITTEE");
        expect(await check(single({...data, index: 1}, committee[1]))).toBe("REJECT NON_ZERO_DATA_INDEX");
        expect(await check(single(data, committee[1], committee[1], 2))).toBe("REJECT COMMITTEE_INDEX_OUT_OF_RANGE");
        expect(await check(single({...data, target: {epoch: 0, root: data.beaconBlockRoot}}, committee[1]))).toBe(
          "REJECT INVALID_TARGET_ROOT",
        );
        expect(await check(single({...data, target: {...data.target, epoch: 1}}, committee[1]))).toBe(
          "REJECT BAD_TARGET_EPOCH",
        );
      });

      it("ignores an unknown voted block, rejects one that failed validation", async () => {
        const data = {...dev.attestationData(3, 0), beaconBlockRoot: new Uint8Array(32).fill(3)};
        const [a] = dev.committee(3, 0);
        expect(await verdict(() => validateBeaconAttestationGossip(dev.ctx(), "fulu", single(data, a), 6))).toBe(
          "IGNORE UNKNOWN_BEACON_BLOCK_ROOT",
        );
        const ctx = dev.ctx();
        ctx.seen.invalidBlocks.add(toHex(data.beaconBlockRoot), "consensus");
        expect(await verdict(() => validateBeaconAttestationGossip(ctx, "fulu", single(data, a), 6))).toBe(
          "REJECT INVALID_BEACON_BLOCK",
        );
      });

      it("ignores attestations of a future slot and of epochs before the previous one", async () => {
        const [a] = dev.committee(3, 0);
        const future = {...dev.attestationData(3, 0), slot: 5};
        expect(
          await verdict(() => validateBeaconAttestationGossip(dev.ctx(), "fulu", single(future, a), subnetOf(5))),
        ).toBe("IGNORE FUTURE_SLOT");
        const data = dev.attestationData(3, 0);
        try {
          dev.setTime(2 * params.SLOTS_PER_EPOCH + 1);
          expect(await verdict(() => validateBeaconAttestationGossip(dev.ctx(), "fulu", single(data, a), 6))).toBe(
            "IGNORE NOT_CURRENT_OR_PREVIOUS_EPOCH",
          );
          // the whole next epoch still accepts it (deneb EIP-7045)
          dev.setTime(2 * params.SLOTS_PER_EPOCH - 1);
          expect(await verdict(() => validateBeaconAttestationGossip(dev.ctx(), "fulu", single(data, a), 6))).toBe(
            "ACCEPT",
          );
        } finally {
          dev.setTime(3);
        }
      });
    });

    describe("beacon_aggregate_and_proof (electra)", () => {
      const build = (opts: {
        aggregator: number;
        positions: number[];
        committeeBits?: number[];
        aggregatorKey?: number;
        dropSignatureOf?: number;
      }) => {
        const data = dev.attestationData(3, 0);
        const committee = dev.committee(3, 0);
        const bits = BitArray.fromBoolArray(committee.map((_, i) => opts.positions.includes(i)));
        const sigs = opts.positions
          .filter((p) => p !== opts.dropSignatureOf)
          .map((p) => dev.signAttestation(data, committee[p]));
        const committeeBits = BitArray.fromBoolArray(
          Array.from({length: params.MAX_COMMITTEES_PER_SLOT}, (_, i) => (opts.committeeBits ?? [0]).includes(i)),
        );
        const state = dev.headState();
        const key = sk(opts.aggregatorKey ?? opts.aggregator);
        const selectionProof = key
          .sign(computeSigningRoot(ssz.phase0.Slot, 3, st.getDomain(state.state, params.DOMAIN_SELECTION_PROOF, 0)))
          .toBytes(true);
        const message = {
          aggregatorIndex: opts.aggregator,
          aggregate: {
            aggregationBits: bits,
            data,
            signature: sigs.length > 0 ? aggregate(sigs) : new Uint8Array(96),
            committeeBits,
          },
          selectionProof,
        };
        const signature = key
          .sign(
            computeSigningRoot(
              ssz.electra.AggregateAndProof,
              message,
              st.getDomain(state.state, params.DOMAIN_AGGREGATE_AND_PROOF, 0),
            ),
          )
          .toBytes(true);
        return {message, signature};
      };

      it("accepts an aggregate, IGNOREs subsets and repeats, accepts a strict superset by another aggregator", async () => {
        const committee = dev.committee(3, 0);
        const ctx = dev.ctx();
        const first = await validateBeaconAggregateAndProofGossip(
          ctx,
          "fulu",
          build({aggregator: committee[0], positions: [0, 1, 2]}),
        );
        expect(first.attestingIndices.sort((a, b) => a - b)).toEqual(
          [committee[0], committee[1], committee[2]].sort((a, b) => a - b),
        );
        expect(
          await verdict(() =>
            validateBeaconAggregateAndProofGossip(ctx, "fulu", build({aggregator: committee[1], positions: [1, 2]})),
          ),
        ).toBe("IGNORE AGGREGATE_ALREADY_KNOWN");
        expect(
          await verdict(() =>
            validateBeaconAggregateAndProofGossip(ctx, "fulu", build({aggregator: committee[0], positions: [3]})),
          ),
        ).toBe("IGNORE AGGREGATOR_ALREADY_KNOWN");
        expect(
          await verdict(() =>
            validateBeaconAggregateAndProofGossip(
              ctx,
              "fulu",
              build({aggregator: committee[1], positions: [0, 1, 2, 3]}),
            ),
          ),
        ).toBe("ACCEPT");
      });

      it("rejects bad committee bits, empty aggregates, outsiders and bad signatures", async () => {
        const committee = dev.committee(3, 0);
        const outsider = [...Array(VALIDATORS).keys()].find((i) => !committee.includes(i)) as number;
        const check = (opts: Parameters<typeof build>[0]) =>
          verdict(() => validateBeaconAggregateAndProofGossip(dev.ctx(), "fulu", build(opts)));
        expect(await check({aggregator: committee[0], positions: [0], committeeBits: [0, 1]})).toBe(
          "REJECT NOT_EXACTLY_ONE_COMMITTEE_BIT",
        );
        expect(await check({aggregator: committee[0], positions: []})).toBe("REJECT EMPTY_AGGREGATION_BITS");
        expect(await check({aggregator: outsider, positions: [0]})).toBe("REJECT AGGREGATOR_NOT_IN_COMMITTEE");
        expect(await check({aggregator: committee[0], positions: [0], aggregatorKey: committee[1]})).toBe(
          "REJECT INVALID_SELECTION_PROOF",
        );
        expect(await check({aggregator: committee[0], positions: [0, 1], dropSignatureOf: 1})).toBe(
          "REJECT INVALID_SIGNATURE",
        );
      });
    });

    describe("sync_committee_{subnet} and sync_committee_contribution_and_proof", () => {
      const rootOf3 = () => dev.blockRoot(b3);
      const syncSign = (keyIndex: number, root: Uint8Array, slot = 3) =>
        sk(keyIndex)
          .sign(
            computeSigningRoot(
              ssz.phase0.Root,
              root,
              st.getDomain(dev.headState().state, params.DOMAIN_SYNC_COMMITTEE, st.computeEpochAtSlot(slot)),
            ),
          )
          .toBytes(true);

      it("accepts a member's message on its subnet once; rejects other subnets, bad signatures, non-members", async () => {
        const state = dev.headState();
        const committee = getSyncCommitteeIndicesAtSlot(state, 3) as number[];
        const member = committee[0];
        const subnets = computeSubnetsForSyncCommittee(state, member, 3);
        expect(subnets).toContain(0);
        const msg = {
          slot: 3,
          beaconBlockRoot: rootOf3(),
          validatorIndex: member,
          signature: syncSign(member, rootOf3()),
        };
        const ctx = dev.ctx();
        expect(await verdict(() => validateSyncCommitteeMessageGossip(ctx, msg, 0))).toBe("ACCEPT");
        expect(await verdict(() => validateSyncCommitteeMessageGossip(ctx, msg, 0))).toBe(
          "IGNORE SYNC_MESSAGE_ALREADY_KNOWN",
        );
        const otherSubnet = [0, 1, 2, 3].find((s) => !subnets.includes(s));
        if (otherSubnet !== undefined) {
          expect(await verdict(() => validateSyncCommitteeMessageGossip(dev.ctx(), msg, otherSubnet))).toBe(
            "REJECT INVALID_SUBNET_ID",
          );
        }
        const bad = {...msg, signature: syncSign(member + 1, rootOf3())};
        expect(await verdict(() => validateSyncCommitteeMessageGossip(dev.ctx(), bad, 0))).toBe(
          "REJECT INVALID_SIGNATURE",
        );
        const outsider = [...Array(VALIDATORS).keys()].find((i) => !committee.includes(i)) as number;
        const outsiderMsg = {...msg, validatorIndex: outsider, signature: syncSign(outsider, rootOf3())};
        expect(await verdict(() => validateSyncCommitteeMessageGossip(dev.ctx(), outsiderMsg, 0))).toBe(
          "REJECT INVALID_SUBNET_ID",
        );
        expect(
          await verdict(() => validateSyncCommitteeMessageGossip(dev.ctx(), {...msg, validatorIndex: 999}, 0)),
        ).toBe("REJECT VALIDATOR_INDEX_OUT_OF_RANGE");
      });

      it("ignores messages that are not for the current slot (500 ms of disparity)", async () => {
        const committee = getSyncCommitteeIndicesAtSlot(dev.headState(), 2) as number[];
        const member = committee[0];
        const subnet = computeSubnetsForSyncCommittee(dev.headState(), member, 2)[0];
        const msg = {
          slot: 2,
          beaconBlockRoot: rootOf3(),
          validatorIndex: member,
          signature: syncSign(member, rootOf3(), 2),
        };
        try {
          dev.setTime(3, 501);
          expect(await verdict(() => validateSyncCommitteeMessageGossip(dev.ctx(), msg, subnet))).toBe(
            "IGNORE NOT_CURRENT_SLOT",
          );
          dev.setTime(3, 499);
          expect(await verdict(() => validateSyncCommitteeMessageGossip(dev.ctx(), msg, subnet))).toBe("ACCEPT");
        } finally {
          dev.setTime(3);
        }
      });

      const contribution = (opts: {
        aggregator?: number;
        subcommittee?: number;
        positions: number[];
        key?: number;
        /** Positions whose signatures make the contribution's signature (default: `positions`). */
        signers?: number[];
      }) => {
        const state = dev.headState();
        const committee = getSyncCommitteeIndicesAtSlot(state, 3) as number[];
        const size = params.SYNC_COMMITTEE_SIZE / params.SYNC_COMMITTEE_SUBNET_COUNT;
        const subcommitteeIndex = opts.subcommittee ?? 0;
        const members = committee.slice((subcommitteeIndex % 4) * size, (subcommitteeIndex % 4) * size + size);
        const aggregator = opts.aggregator ?? members[0];
        const root = rootOf3();
        const sigs = (opts.signers ?? opts.positions).map((p) => syncSign(members[p], root));
        const contributionValue = {
          slot: 3,
          beaconBlockRoot: root,
          subcommitteeIndex,
          aggregationBits: BitArray.fromBoolArray(members.map((_, i) => opts.positions.includes(i))),
          signature: sigs.length > 0 ? aggregate(sigs) : new Uint8Array(96),
        };
        const key = sk(opts.key ?? aggregator);
        const selectionProof = key
          .sign(
            computeSigningRoot(
              ssz.altair.SyncAggregatorSelectionData,
              {slot: 3, subcommitteeIndex},
              st.getDomain(state.state, params.DOMAIN_SYNC_COMMITTEE_SELECTION_PROOF, 0),
            ),
          )
          .toBytes(true);
        const message = {aggregatorIndex: aggregator, contribution: contributionValue, selectionProof};
        const signature = key
          .sign(
            computeSigningRoot(
              ssz.altair.ContributionAndProof,
              message,
              st.getDomain(state.state, params.DOMAIN_CONTRIBUTION_AND_PROOF, 0),
            ),
          )
          .toBytes(true);
        return {message, signature};
      };

      it("accepts a contribution once; rejects empty, out-of-range, outsider aggregators and bad signatures", async () => {
        const ctx = dev.ctx();
        expect(
          await verdict(() =>
            validateSyncCommitteeContributionAndProofGossip(ctx, contribution({positions: [0, 1, 2]})),
          ),
        ).toBe("ACCEPT");
        expect(
          await verdict(() => validateSyncCommitteeContributionAndProofGossip(ctx, contribution({positions: [0, 1]}))),
        ).toBe("IGNORE CONTRIBUTION_ALREADY_KNOWN");
        const check = (opts: Parameters<typeof contribution>[0]) =>
          verdict(() => validateSyncCommitteeContributionAndProofGossip(dev.ctx(), contribution(opts)));
        expect(await check({positions: []})).toBe("REJECT EMPTY_AGGREGATION_BITS");
        expect(await check({positions: [0], subcommittee: 4})).toBe("REJECT INVALID_SUBCOMMITTEE_INDEX");
        const committee = getSyncCommitteeIndicesAtSlot(dev.headState(), 3) as number[];
        const outsider = [...Array(VALIDATORS).keys()].find((i) => !committee.slice(0, 8).includes(i)) as number;
        expect(await check({positions: [0], aggregator: outsider})).toBe("REJECT AGGREGATOR_NOT_IN_SUBCOMMITTEE");
        expect(await check({positions: [0], key: outsider})).toBe("REJECT INVALID_SELECTION_PROOF");
        // the participants' aggregate key does not verify a signature one of them did not sign
        expect(await check({positions: [0, 1, 3], signers: [0, 1]})).toBe("REJECT INVALID_SIGNATURE");
        expect(await check({positions: [0, 1, 3]})).toBe("ACCEPT");
      });
    });

    describe("voluntary_exit, proposer_slashing, attester_slashing, bls_to_execution_change", () => {
      const exit = (validatorIndex: number, epoch = 0, keyIndex = validatorIndex) => {
        const message = {epoch, validatorIndex};
        const domain = computeDomain(
          params.DOMAIN_VOLUNTARY_EXIT,
          dev.chain.config.CAPELLA_FORK_VERSION,
          dev.chain.genesisValidatorsRoot,
        );
        return {
          message,
          signature: sk(keyIndex)
            .sign(computeSigningRoot(ssz.phase0.VoluntaryExit, message, domain))
            .toBytes(true),
        };
      };

      it("voluntary exits: SHARD_COMMITTEE_PERIOD, range, future epoch, signature, first exit per validator", async () => {
        expect(await verdict(() => validateVoluntaryExitGossip(dev.ctx(), exit(4)))).toBe("REJECT SHORT_ACTIVE_PERIOD");
        expect(await verdict(() => validateVoluntaryExitGossip(dev.ctx(), exit(999)))).toBe(
          "REJECT VALIDATOR_INDEX_OUT_OF_RANGE",
        );
        const config = dev.chain.config as {SHARD_COMMITTEE_PERIOD: number};
        const saved = config.SHARD_COMMITTEE_PERIOD;
        config.SHARD_COMMITTEE_PERIOD = 0;
        try {
          expect(await verdict(() => validateVoluntaryExitGossip(dev.ctx(), exit(4, 1)))).toBe(
            "REJECT FUTURE_EXIT_EPOCH",
          );
          expect(await verdict(() => validateVoluntaryExitGossip(dev.ctx(), exit(4, 0, 5)))).toBe(
            "REJECT INVALID_SIGNATURE",
          );
          const ctx = dev.ctx();
          expect(await verdict(() => validateVoluntaryExitGossip(ctx, exit(4)))).toBe("ACCEPT");
          expect(await verdict(() => validateVoluntaryExitGossip(ctx, exit(4)))).toBe("IGNORE EXIT_ALREADY_KNOWN");
        } finally {
          config.SHARD_COMMITTEE_PERIOD = saved;
        }
      });

      const header = (proposerIndex: number, fill: number, slot = 1) => ({
        slot,
        proposerIndex,
        parentRoot: new Uint8Array(32),
        stateRoot: new Uint8Array(32).fill(fill),
        bodyRoot: new Uint8Array(32),
      });
      const signHeader = (h: ReturnType<typeof header>, keyIndex = h.proposerIndex) => ({
        message: h,
        signature: sk(keyIndex)
          .sign(
            computeSigningRoot(
              ssz.phase0.BeaconBlockHeader,
              h,
              st.getDomain(dev.headState().state, params.DOMAIN_BEACON_PROPOSER, 0),
            ),
          )
          .toBytes(true),
      });

      it("proposer slashings: two signed headers of one slot and proposer", async () => {
        const ctx = dev.ctx();
        const valid = {signedHeader1: signHeader(header(7, 1)), signedHeader2: signHeader(header(7, 2))};
        expect(await verdict(() => validateProposerSlashingGossip(ctx, valid))).toBe("ACCEPT");
        expect(await verdict(() => validateProposerSlashingGossip(ctx, valid))).toBe("IGNORE SLASHING_ALREADY_KNOWN");
        const check = (s: typeof valid) => verdict(() => validateProposerSlashingGossip(dev.ctx(), s));
        expect(await check({signedHeader1: signHeader(header(8, 1)), signedHeader2: signHeader(header(8, 1))})).toBe(
          "REJECT HEADERS_EQUAL",
        );
        expect(await check({signedHeader1: signHeader(header(8, 1)), signedHeader2: signHeader(header(8, 2, 2))})).toBe(
          "REJECT SLOTS_DIFFER",
        );
        expect(await check({signedHeader1: signHeader(header(8, 1)), signedHeader2: signHeader(header(9, 2))})).toBe(
          "REJECT PROPOSERS_DIFFER",
        );
        expect(await check({signedHeader1: signHeader(header(8, 1)), signedHeader2: signHeader(header(8, 2), 9)})).toBe(
          "REJECT INVALID_SIGNATURE",
        );
      });

      const indexed = (indices: number[], root: number, keys = indices) => {
        const data = {...dev.attestationData(3, 0), beaconBlockRoot: new Uint8Array(32).fill(root)};
        return {attestingIndices: indices, data, signature: aggregate(keys.map((k) => dev.signAttestation(data, k)))};
      };

      it("attester slashings: a double vote of validators 5 and 9", async () => {
        const ctx = dev.ctx();
        const valid = {attestation1: indexed([5, 9], 1), attestation2: indexed([5, 9], 2)};
        expect(await validateAttesterSlashingGossip(ctx, valid)).toEqual([5, 9]);
        expect(await verdict(() => validateAttesterSlashingGossip(ctx, valid))).toBe("IGNORE SLASHING_ALREADY_KNOWN");
        const check = (s: typeof valid) => verdict(() => validateAttesterSlashingGossip(dev.ctx(), s));
        const same = indexed([5, 9], 1);
        expect(await check({attestation1: same, attestation2: same})).toBe("REJECT NOT_SLASHABLE_DATA");
        expect(await check({attestation1: indexed([9, 5], 1), attestation2: indexed([5, 9], 2)})).toBe(
          "REJECT INVALID_INDEXED_ATTESTATION",
        );
        expect(await check({attestation1: indexed([5, 9], 1, [5, 10]), attestation2: indexed([5, 9], 2)})).toBe(
          "REJECT INVALID_SIGNATURE",
        );
        expect(await check({attestation1: indexed([5, 999], 1, [5]), attestation2: indexed([5, 9], 2)})).toBe(
          "REJECT VALIDATOR_INDEX_OUT_OF_RANGE",
        );
      });

      const change = (validatorIndex: number, pubkeyOf = validatorIndex, keyIndex = pubkeyOf) => {
        const message = {
          validatorIndex,
          fromBlsPubkey: sk(pubkeyOf).toPublicKey().toBytes(true),
          toExecutionAddress: new Uint8Array(20).fill(0xee),
        };
        const domain = computeDomain(
          params.DOMAIN_BLS_TO_EXECUTION_CHANGE,
          dev.chain.config.GENESIS_FORK_VERSION,
          dev.chain.genesisValidatorsRoot,
        );
        return {
          message,
          signature: sk(keyIndex)
            .sign(computeSigningRoot(ssz.capella.BLSToExecutionChange, message, domain))
            .toBytes(true),
        };
      };

      it("BLS to execution changes: credentials, signature, first change per validator", async () => {
        const ctx = dev.ctx();
        expect(await verdict(() => validateBlsToExecutionChangeGossip(ctx, change(10)))).toBe("ACCEPT");
        expect(await verdict(() => validateBlsToExecutionChangeGossip(ctx, change(10)))).toBe(
          "IGNORE CHANGE_ALREADY_KNOWN",
        );
        const check = (c: ReturnType<typeof change>) => verdict(() => validateBlsToExecutionChangeGossip(dev.ctx(), c));
        expect(await check(change(11, 12))).toBe("REJECT WRONG_WITHDRAWAL_PUBKEY");
        expect(await check(change(11, 11, 12))).toBe("REJECT INVALID_SIGNATURE");
        expect(await check(change(999))).toBe("REJECT VALIDATOR_INDEX_OUT_OF_RANGE");
        // [IGNORE] before the capella fork epoch (by the wall clock)
        const config = dev.chain.config as {CAPELLA_FORK_EPOCH: number};
        const saved = config.CAPELLA_FORK_EPOCH;
        config.CAPELLA_FORK_EPOCH = 1;
        try {
          expect(await check(change(12))).toBe("IGNORE PRE_CAPELLA");
        } finally {
          config.CAPELLA_FORK_EPOCH = saved;
        }
      });
    });
  });
});

describe("gossip validation on a deneb dev chain (phase0 Attestation, phase0 aggregates)", () => {
  const dev = new DevChain();

  beforeAll(async () => {
    await dev.init("deneb");
    for (let slot = 1; slot <= 3; slot++) {
      dev.setTime(slot);
      await dev.node.runSlot(slot);
    }
  }, 60_000);

  afterAll(async () => {
    await dev.close();
  });

  const phase0Attestation = (positions: number[], bitLen: number, keyOf?: (p: number) => number) => {
    const data = dev.attestationData(3, 0);
    const committee = dev.committee(3, 0);
    return {
      aggregationBits: BitArray.fromBoolArray(Array.from({length: bitLen}, (_, i) => positions.includes(i))),
      data,
      signature: aggregate(positions.map((p) => dev.signAttestation(data, keyOf?.(p) ?? committee[p]))),
    };
  };

  it("accepts an unaggregated Attestation (one bit) once; rejects several bits and a wrong bit count", async () => {
    const committee = dev.committee(3, 0);
    const ctx = dev.ctx();
    const subnet = computeSubnetForAttestation(dev.chain.config, 2, 3, 0);
    const result = await validateBeaconAttestationGossip(
      ctx,
      "deneb",
      phase0Attestation([2], committee.length),
      subnet,
    );
    expect(result.attesterIndex).toBe(committee[2]);
    expect(
      await verdict(() =>
        validateBeaconAttestationGossip(ctx, "deneb", phase0Attestation([2], committee.length), subnet),
      ),
    ).toBe("IGNORE ATTESTATION_ALREADY_KNOWN");
    const check = (att: ReturnType<typeof phase0Attestation>) =>
      verdict(() => validateBeaconAttestationGossip(dev.ctx(), "deneb", att, subnet));
    expect(await check(phase0Attestation([1, 3], committee.length))).toBe("REJECT NOT_EXACTLY_ONE_AGGREGATION_BIT");
    expect(await check(phase0Attestation([3], committee.length + 1))).toBe("REJECT WRONG_NUMBER_OF_AGGREGATION_BITS");
    expect(await check(phase0Attestation([3], committee.length, () => committee[1]))).toBe("REJECT INVALID_SIGNATURE");
    expect(
      await check({...phase0Attestation([3], committee.length), data: {...dev.attestationData(3, 0), index: 2}}),
    ).toBe("REJECT COMMITTEE_INDEX_OUT_OF_RANGE");
  });

  it("accepts a phase0 SignedAggregateAndProof", async () => {
    const committee = dev.committee(3, 0);
    const state = dev.headState();
    const aggregator = committee[1];
    const message = {
      aggregatorIndex: aggregator,
      aggregate: phase0Attestation([0, 1, 3], committee.length),
      selectionProof: sk(aggregator)
        .sign(computeSigningRoot(ssz.phase0.Slot, 3, st.getDomain(state.state, params.DOMAIN_SELECTION_PROOF, 0)))
        .toBytes(true),
    };
    const signature = sk(aggregator)
      .sign(
        computeSigningRoot(
          ssz.phase0.AggregateAndProof,
          message,
          st.getDomain(state.state, params.DOMAIN_AGGREGATE_AND_PROOF, 0),
        ),
      )
      .toBytes(true);
    const ctx = dev.ctx();
    const result = await validateBeaconAggregateAndProofGossip(ctx, "deneb", {message, signature});
    expect(result.committeeIndex).toBe(0);
    expect(result.attestingIndices.length).toBe(3);
    expect(await verdict(() => validateBeaconAggregateAndProofGossip(ctx, "deneb", {message, signature}))).toBe(
      "IGNORE AGGREGATE_ALREADY_KNOWN",
    );
  });

  it("rejects more than deneb's MAX_BLOBS_PER_BLOCK commitments", async () => {
    dev.setTime(4);
    await dev.chain.onSlot(4);
    const block = await dev.blockAt(4, {
      mutate: (b) => {
        (b.body as unknown as {blobKzgCommitments: Uint8Array[]}).blobKzgCommitments = Array.from(
          {length: dev.chain.config.MAX_BLOBS_PER_BLOCK + 1},
          () => new Uint8Array(48),
        );
      },
    });
    expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), block, "deneb"))).toBe(
      "REJECT TOO_MANY_KZG_COMMITMENTS",
    );
    const valid = await dev.blockAt(4);
    expect(await verdict(() => validateBeaconBlockGossip(dev.ctx(), valid, "deneb"))).toBe("ACCEPT");
  });
});

describe("gossip validation on a capella dev chain (attestation propagation range)", () => {
  const dev = new DevChain();

  beforeAll(async () => {
    await dev.init("capella");
    for (let slot = 1; slot <= 3; slot++) {
      dev.setTime(slot);
      await dev.node.runSlot(slot);
    }
  }, 60_000);

  afterAll(async () => {
    await dev.close();
  });

  it("accepts attestations for ATTESTATION_PROPAGATION_SLOT_RANGE slots (with 500 ms of disparity), then IGNOREs", async () => {
    const range = dev.chain.config.ATTESTATION_PROPAGATION_SLOT_RANGE;
    const data = dev.attestationData(3, 0);
    const [a] = dev.committee(3, 0);
    const att = {
      aggregationBits: BitArray.fromBoolArray(dev.committee(3, 0).map((_, i) => i === 0)),
      data,
      signature: dev.signAttestation(data, a),
    };
    const subnet = computeSubnetForAttestation(dev.chain.config, 2, 3, 0);
    const check = () => verdict(() => validateBeaconAttestationGossip(dev.ctx(), "capella", att, subnet));
    try {
      // the window ends when slot 3 + range + 1 starts, plus the disparity
      dev.setTime(3 + range + 1, 500);
      expect(await check()).toBe("ACCEPT");
      dev.setTime(3 + range + 1, 501);
      expect(await check()).toBe("IGNORE NOT_WITHIN_PROPAGATION_RANGE");
      dev.setTime(2, SLOT_MS - 501);
      expect(await check()).toBe("IGNORE NOT_WITHIN_PROPAGATION_RANGE");
    } finally {
      dev.setTime(3);
    }
  });
});
