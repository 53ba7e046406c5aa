import {type ChainConfig, computeSigningRoot, createDevChainConfig} from "@ceibo/config";
import {DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO, FORK_NAMES, ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {describe, expect, it} from "vitest";
import {processBlock} from "../src/block/processBlock.ts";
import type {CachedBeaconState} from "../src/cache/cachedBeaconState.ts";
import {createInteropGenesisState, interopSecretKey} from "../src/genesis/interop.ts";
import {processSlots} from "../src/slot/processSlots.ts";
import {stateTransition} from "../src/stateTransition.ts";
import type {BeaconBlockAllForks, BeaconStatePostBellatrix, SignedBeaconBlockAllForks} from "../src/types.ts";
import {getDomain} from "../src/util/domain.ts";
import {computeEpochAtSlot, computeTimeAtSlot} from "../src/util/epoch.ts";
import {forkTypes} from "../src/util/forkTypes.ts";
import {getRandaoMix} from "../src/util/seed.ts";

const G2_POINT_AT_INFINITY = Uint8Array.from([0xc0, ...new Uint8Array(95)]);

function configAtGenesisFork(fork: number): ChainConfig {
  const out: Record<string, unknown> = {...createDevChainConfig()};
  ["ALTAIR", "BELLATRIX", "CAPELLA", "DENEB", "ELECTRA", "FULU"].forEach((k, i) => {
    out[`${k}_FORK_EPOCH`] = i + 1 <= fork ? 0 : Number.POSITIVE_INFINITY;
  });
  return out as unknown as ChainConfig;
}

interface Codec {
  defaultValue(): Record<string, unknown>;
  hashTreeRoot(v: unknown): Uint8Array;
}

/** An empty block for `slot` on top of `cs`, signed with the proposer's interop key (RANDAO reveal included). */
function produceBlock(cs: CachedBeaconState, slot: number): SignedBeaconBlockAllForks {
  const pre = cs.clone();
  processSlots(pre, slot);
  const state = pre.state;
  const fork = pre.fork;
  const types = forkTypes(fork) as unknown as Record<string, Codec>;
  const epoch = computeEpochAtSlot(slot);
  const proposerIndex = pre.epochCtx.getBeaconProposer(slot);
  const sk = interopSecretKey(proposerIndex);
  const body = types.BeaconBlockBody.defaultValue();
  body.randaoReveal = sk
    .sign(computeSigningRoot(ssz.phase0.Epoch, epoch, getDomain(state, DOMAIN_RANDAO, epoch)))
    .toBytes(true);
  body.eth1Data = state.eth1Data.toValue();
  if (fork >= ForkSeq.altair) {
    body.syncAggregate = {...(body.syncAggregate as object), syncCommitteeSignature: G2_POINT_AT_INFINITY};
  }
  if (fork >= ForkSeq.bellatrix) {
    const header = (state as BeaconStatePostBellatrix).latestExecutionPayloadHeader;
    const blockHash = new Uint8Array(32);
    blockHash.set(Buffer.from(`ceibo-${slot}`));
    body.executionPayload = {
      ...(body.executionPayload as object),
      parentHash: header.blockHash,
      prevRandao: getRandaoMix(state, epoch),
      blockNumber: header.blockNumber + 1,
      timestamp: computeTimeAtSlot(cs.config.SLOT_DURATION_MS, state.genesisTime, slot),
      blockHash,
    };
  }
  const block = {
    slot,
    proposerIndex,
    parentRoot: state.latestBlockHeader.hashTreeRoot(),
    stateRoot: new Uint8Array(32),
    body,
  } as unknown as BeaconBlockAllForks;
  const post = pre.clone();
  processBlock(post, block, {verifySignatures: false, executionPayloadValid: true});
  block.stateRoot = post.state.hashTreeRoot();
  const signingRoot = computeSigningRoot(
    types.BeaconBlock as unknown as {hashTreeRoot(v: BeaconBlockAllForks): Uint8Array},
    block,
    getDomain(state, DOMAIN_BEACON_PROPOSER, epoch),
  );
  return {message: block, signature: sk.sign(signingRoot).toBytes(true)};
}

describe("a dev chain from the interop genesis", () => {
  for (let fork = ForkSeq.phase0; fork <= ForkSeq.fulu; fork++) {
    it(`${FORK_NAMES[fork]}: signed blocks over the first epoch boundary pass the full state transition`, () => {
      let cs = createInteropGenesisState(configAtGenesisFork(fork), {validatorCount: 64, genesisTime: 1_700_000_000});
      const genesisBlockRoot = (() => {
        const header = cs.state.latestBlockHeader.toValue();
        return ssz.phase0.BeaconBlockHeader.hashTreeRoot({...header, stateRoot: cs.state.hashTreeRoot()});
      })();
      const first = produceBlock(cs, 1);
      // block 1 builds on the genesis block (header of the genesis state with its state root)
      expect(Buffer.from(first.message.parentRoot).equals(Buffer.from(genesisBlockRoot))).toBe(true);
      for (const slot of [1, SLOTS_PER_EPOCH + 1]) {
        const signed = slot === 1 ? first : produceBlock(cs, slot);
        cs = stateTransition(cs, signed, {verifySignatures: true});
        expect(cs.state.slot).toBe(slot);
        expect(cs.fork).toBe(fork);
      }
    });
  }
});
