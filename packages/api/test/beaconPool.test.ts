import {ssz} from "@ceibo/types";
import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {ApiClientError, apiList} from "../src/index.ts";
import {type Harness, rawChecked, roundTrip, startHarness} from "./harness.ts";
import {sample} from "./sample.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe("beacon pool routes", () => {
  it("getPoolAttestationsV2", async () => {
    const res = await roundTrip(h, "getPoolAttestationsV2", {slot: 1, committeeIndex: 0});
    expect(res.version).toBe("fulu");
    expect(res.data.length).toBe(2);
    await roundTrip(h, "getPoolAttestationsV2", {});
    const raw = await rawChecked(h, 200, "GET", "/eth/v2/beacon/pool/attestations?slot=1");
    expect(raw.headers.get("eth-consensus-version")).toBe("fulu");
  });

  it("submitPoolAttestationsV2: SingleAttestation from electra, Attestation before; JSON and SSZ", async () => {
    const single = [sample(ssz.electra.SingleAttestation, 1)];
    await roundTrip(h, "submitPoolAttestationsV2", {version: "fulu", attestations: single});
    await roundTrip(h, "submitPoolAttestationsV2", {
      version: "deneb",
      attestations: [sample(ssz.phase0.Attestation, 2)],
    });
    await roundTrip(h, "submitPoolAttestationsV2", {version: "electra", attestations: single}, {requestFormat: "ssz"});
    await rawChecked(h, 200, "POST", "/eth/v2/beacon/pool/attestations", {
      headers: {"Eth-Consensus-Version": "electra"},
      body: single.map((a) => ssz.electra.SingleAttestation.toJson(a)),
    });
    await rawChecked(h, 200, "POST", "/eth/v2/beacon/pool/attestations", {
      headers: {"Eth-Consensus-Version": "fulu"},
      body: apiList(ssz.electra.SingleAttestation).serialize(single),
    });
    expect(h.calls.submitPoolAttestationsV2.at(-1)).toEqual({version: "fulu", attestations: single});
  });

  it("submitPoolAttestationsV2 reports per-item failures (IndexedErrorMessage)", async () => {
    const three = [1, 2, 3].map((i) => sample(ssz.electra.SingleAttestation, i));
    const err = await h.client
      .submitPoolAttestationsV2({version: "fulu", attestations: three})
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiClientError);
    expect((err as ApiClientError).code).toBe("HTTP_ERROR");
    expect((err as ApiClientError).status).toBe(400);
    expect((err as ApiClientError).failures).toEqual([{index: 2, message: "unknown committee"}]);
    const raw = await rawChecked(h, 400, "POST", "/eth/v2/beacon/pool/attestations", {
      headers: {"Eth-Consensus-Version": "fulu"},
      body: three.map((a) => ssz.electra.SingleAttestation.toJson(a)),
    });
    expect(raw.json).toEqual({
      code: 400,
      message: "Some attestations failed validation",
      failures: [{index: 2, message: "unknown committee"}],
    });
  });

  it("attester slashings", async () => {
    const res = await roundTrip(h, "getPoolAttesterSlashingsV2", undefined);
    expect(res.version).toBe("electra");
    await roundTrip(h, "submitPoolAttesterSlashingsV2", {
      version: "electra",
      attesterSlashing: sample(ssz.electra.AttesterSlashing, 4),
    });
    await roundTrip(h, "submitPoolAttesterSlashingsV2", {
      version: "phase0",
      attesterSlashing: sample(ssz.phase0.AttesterSlashing, 5),
    });
    await rawChecked(h, 200, "GET", "/eth/v2/beacon/pool/attester_slashings");
    await rawChecked(h, 200, "POST", "/eth/v2/beacon/pool/attester_slashings", {
      headers: {"Eth-Consensus-Version": "electra"},
      body: ssz.electra.AttesterSlashing.toJson(sample(ssz.electra.AttesterSlashing, 6)),
    });
  });

  it("proposer slashings", async () => {
    await roundTrip(h, "getPoolProposerSlashings", undefined);
    const slashing = sample(ssz.phase0.ProposerSlashing, 7);
    await roundTrip(h, "submitPoolProposerSlashings", {proposerSlashing: slashing});
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/pool/proposer_slashings");
    await rawChecked(h, 200, "POST", "/eth/v1/beacon/pool/proposer_slashings", {
      body: ssz.phase0.ProposerSlashing.toJson(slashing),
    });
  });

  it("sync committee signatures", async () => {
    const messages = [sample(ssz.altair.SyncCommitteeMessage, 8), sample(ssz.altair.SyncCommitteeMessage, 9)];
    await roundTrip(h, "submitPoolSyncCommitteeSignatures", {signatures: messages});
    await rawChecked(h, 200, "POST", "/eth/v1/beacon/pool/sync_committees", {
      body: messages.map((m) => ssz.altair.SyncCommitteeMessage.toJson(m)),
    });
  });

  it("voluntary exits", async () => {
    await roundTrip(h, "getPoolVoluntaryExits", undefined);
    const exit = sample(ssz.phase0.SignedVoluntaryExit, 10);
    await roundTrip(h, "submitPoolVoluntaryExit", {signedVoluntaryExit: exit});
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/pool/voluntary_exits");
    await rawChecked(h, 200, "POST", "/eth/v1/beacon/pool/voluntary_exits", {
      body: ssz.phase0.SignedVoluntaryExit.toJson(exit),
    });
  });

  it("BLS to execution changes", async () => {
    await roundTrip(h, "getPoolBLSToExecutionChanges", undefined);
    const changes = [sample(ssz.capella.SignedBLSToExecutionChange, 11)];
    await roundTrip(h, "submitPoolBLSToExecutionChange", {changes});
    await rawChecked(h, 200, "GET", "/eth/v1/beacon/pool/bls_to_execution_changes");
    await rawChecked(h, 200, "POST", "/eth/v1/beacon/pool/bls_to_execution_changes", {
      body: changes.map((c) => ssz.capella.SignedBLSToExecutionChange.toJson(c)),
    });
  });
});
