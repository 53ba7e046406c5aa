import {ssz} from "@ceibo/types";
import {toHex} from "@ceibo/utils";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {apiList} from "../src/index.ts";
import {testChain} from "./backend.ts";
import {type Harness, rawChecked, roundTrip, startHarness} from "./harness.ts";
import {sample} from "./sample.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const randao = new Uint8Array(96).fill(0xaa);
const root = new Uint8Array(32).fill(0x11);

describe("validator routes", () => {
  it("getAttesterDuties: each validator's committee position in the interop state", async () => {
    const res = await roundTrip(h, "getAttesterDuties", {epoch: 0, indices: [0, 1, 2, 63]});
    expect(res.data.length).toBe(4);
    const {epochCtx} = testChain().cs;
    for (const d of res.data) {
      expect(epochCtx.getBeaconCommittee(d.slot, d.committeeIndex)[d.validatorCommitteeIndex]).toBe(d.validatorIndex);
      expect(d.pubkey).toEqual(epochCtx.pubkeyCache.getPubkeyBytes(d.validatorIndex));
    }
    await rawChecked(h, 200, "POST", "/eth/v1/validator/duties/attester/1", {body: ["5", "6"]});
  });

  it("getProposerDuties: one proposer per slot", async () => {
    const res = await roundTrip(h, "getProposerDuties", {epoch: 0});
    expect(res.data.length).toBe(32);
    expect(res.data[7].validatorIndex).toBe(testChain().cs.epochCtx.getBeaconProposer(7));
    await rawChecked(h, 200, "GET", "/eth/v1/validator/duties/proposer/0");
  });

  it("getSyncCommitteeDuties", async () => {
    const members = testChain().cs.epochCtx.currentSyncCommitteeIndices;
    const res = await roundTrip(h, "getSyncCommitteeDuties", {epoch: 0, indices: [members[0], members[1]]});
    expect(res.data[0].validatorSyncCommitteeIndices).toContain(0);
    await rawChecked(h, 200, "POST", "/eth/v1/validator/duties/sync/0", {body: [String(members[3])]});
  });

  it("produceBlockV3: block contents (fulu) and a blinded block, JSON and SSZ, with the value headers", async () => {
    const full = await roundTrip(h, "produceBlockV3", {slot: 33, randaoReveal: randao, graffiti: root});
    expect(full.version).toBe("fulu");
    expect(full.executionPayloadBlinded).toBe(false);
    expect(full.executionPayloadValue).toBe(2n ** 200n);
    const bin = await roundTrip(h, "produceBlockV3", {slot: 33, randaoReveal: randao}, {responseFormat: "ssz"});
    expect(bin.consensusBlockValue).toBe(7n);
    const blinded = await roundTrip(h, "produceBlockV3", {
      slot: 34,
      randaoReveal: randao,
      skipRandaoVerification: true,
      builderBoostFactor: 2n ** 64n - 1n,
    });
    expect(blinded.executionPayloadBlinded).toBe(true);
    expect(blinded.version).toBe("electra");
    await roundTrip(
      h,
      "produceBlockV3",
      {slot: 34, randaoReveal: randao, builderBoostFactor: 2n ** 64n - 1n},
      {responseFormat: "ssz"},
    );
    expect(h.calls.produceBlockV3.at(-2)).toEqual({
      slot: 34,
      randaoReveal: randao,
      skipRandaoVerification: true,
      builderBoostFactor: 2n ** 64n - 1n,
    });

    const raw = await rawChecked(
      h,
      200,
      "GET",
      `/eth/v3/validator/blocks/35?randao_reveal=${toHex(randao)}&builder_boost_factor=100`,
      {
        headers: {Accept: "application/octet-stream"},
      },
    );
    expect(raw.headers.get("eth-consensus-version")).toBe("fulu");
    expect(raw.headers.get("eth-execution-payload-blinded")).toBe("false");
    expect(raw.headers.get("eth-execution-payload-value")).toBe((2n ** 200n).toString());
    expect(raw.headers.get("eth-consensus-block-value")).toBe("7");
    expect(ssz.fulu.BlockContents.deserialize(raw.bytes).block.slot).toBe(35);
    const rawJson = await rawChecked(
      h,
      200,
      "GET",
      `/eth/v3/validator/blocks/36?randao_reveal=${toHex(randao)}&skip_randao_verification`,
    );
    expect((rawJson.json as {execution_payload_value: string}).execution_payload_value).toBe((2n ** 200n).toString());
  });

  it("produceAttestationData, JSON and SSZ", async () => {
    const res = await roundTrip(h, "produceAttestationData", {slot: 40, committeeIndex: 0});
    expect(res.data.target.epoch).toBe(1);
    await roundTrip(h, "produceAttestationData", {slot: 41, committeeIndex: 0}, {responseFormat: "ssz"});
    const raw = await rawChecked(h, 200, "GET", "/eth/v1/validator/attestation_data?slot=42&committee_index=0", {
      headers: {Accept: "application/octet-stream"},
    });
    expect(ssz.phase0.AttestationData.deserialize(raw.bytes).slot).toBe(42);
  });

  it("getAggregatedAttestationV2, JSON and SSZ", async () => {
    const res = await roundTrip(h, "getAggregatedAttestationV2", {
      attestationDataRoot: root,
      slot: 40,
      committeeIndex: 1,
    });
    expect(res.data.data.slot).toBe(40);
    await roundTrip(
      h,
      "getAggregatedAttestationV2",
      {attestationDataRoot: root, slot: 40, committeeIndex: 1},
      {responseFormat: "ssz"},
    );
    await rawChecked(
      h,
      200,
      "GET",
      `/eth/v2/validator/aggregate_attestation?attestation_data_root=${toHex(root)}&slot=40&committee_index=0`,
    );
  });

  it("publishAggregateAndProofsV2, JSON and SSZ", async () => {
    const electra = [sample(ssz.electra.SignedAggregateAndProof, 1)];
    await roundTrip(h, "publishAggregateAndProofsV2", {version: "fulu", signedAggregateAndProofs: electra});
    await roundTrip(h, "publishAggregateAndProofsV2", {
      version: "altair",
      signedAggregateAndProofs: [sample(ssz.phase0.SignedAggregateAndProof, 2)],
    });
    await roundTrip(
      h,
      "publishAggregateAndProofsV2",
      {version: "electra", signedAggregateAndProofs: electra},
      {requestFormat: "ssz"},
    );
    await rawChecked(h, 200, "POST", "/eth/v2/validator/aggregate_and_proofs", {
      headers: {"Eth-Consensus-Version": "electra"},
      body: apiList(ssz.electra.SignedAggregateAndProof).serialize(electra),
    });
  });

  it("subnet subscriptions", async () => {
    const subs = [{validatorIndex: 1, committeeIndex: 0, committeesAtSlot: 1, slot: 40, isAggregator: true}];
    await roundTrip(h, "prepareBeaconCommitteeSubnet", {subscriptions: subs});
    await roundTrip(h, "prepareSyncCommitteeSubnets", {
      subscriptions: [{validatorIndex: 1, syncCommitteeIndices: [0, 5], untilEpoch: 256}],
    });
    await rawChecked(h, 200, "POST", "/eth/v1/validator/beacon_committee_subscriptions", {
      body: [{validator_index: "1", committee_index: "0", committees_at_slot: "1", slot: "40", is_aggregator: false}],
    });
    await rawChecked(h, 200, "POST", "/eth/v1/validator/sync_committee_subscriptions", {
      body: [{validator_index: "1", sync_committee_indices: ["0"], until_epoch: "256"}],
    });
  });

  it("committee selections (DVT)", async () => {
    const sig = new Uint8Array(96).fill(3);
    const b = await roundTrip(h, "submitBeaconCommitteeSelections", {
      selections: [{validatorIndex: 1, slot: 2, selectionProof: sig}],
    });
    expect(b.data[0].selectionProof).toEqual(sig);
    await roundTrip(h, "submitSyncCommitteeSelections", {
      selections: [{validatorIndex: 1, slot: 2, subcommitteeIndex: 3, selectionProof: sig}],
    });
  });

  it("sync committee contributions", async () => {
    const res = await roundTrip(h, "produceSyncCommitteeContribution", {
      slot: 40,
      subcommitteeIndex: 2,
      beaconBlockRoot: root,
    });
    expect(res.data.subcommitteeIndex).toBe(2);
    await roundTrip(h, "publishContributionAndProofs", {
      contributionAndProofs: [sample(ssz.altair.SignedContributionAndProof, 3)],
    });
    await rawChecked(
      h,
      200,
      "GET",
      `/eth/v1/validator/sync_committee_contribution?slot=1&subcommittee_index=0&beacon_block_root=${toHex(root)}`,
    );
  });

  it("prepareBeaconProposer and registerValidator (JSON and SSZ)", async () => {
    await roundTrip(h, "prepareBeaconProposer", {
      preparations: [{validatorIndex: 3, feeRecipient: new Uint8Array(20).fill(9)}],
    });
    const regs = [
      sample(ssz.bellatrix.SignedValidatorRegistrationV1, 4),
      sample(ssz.bellatrix.SignedValidatorRegistrationV1, 5),
    ];
    await roundTrip(h, "registerValidator", {registrations: regs});
    await roundTrip(h, "registerValidator", {registrations: regs}, {requestFormat: "ssz"});
    await rawChecked(h, 200, "POST", "/eth/v1/validator/prepare_beacon_proposer", {
      body: [{validator_index: "1", fee_recipient: "0xAbcF8e0d4e9587369b2301D0790347320302cc09"}],
    });
    expect(h.calls.prepareBeaconProposer.at(-1)).toEqual({
      preparations: [
        {
          validatorIndex: 1,
          feeRecipient: Uint8Array.from(Buffer.from("abcf8e0d4e9587369b2301d0790347320302cc09", "hex")),
        },
      ],
    });
  });

  it("getLiveness", async () => {
    const res = await roundTrip(h, "getLiveness", {epoch: 1, indices: [1, 2]});
    expect(res.data).toEqual([
      {index: 1, isLive: false},
      {index: 2, isLive: true},
    ]);
    await rawChecked(h, 200, "POST", "/eth/v1/validator/liveness/1", {body: ["4"]});
  });
});
