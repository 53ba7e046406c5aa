import {FORK_NAMES} from "@ceibo/params";
import {CompositeType} from "@chainsafe/ssz";
import {describe, expect, it} from "vitest";
import {getSszTypes, ssz, sszTypesByName} from "../src/index.ts";

describe("SSZ types", () => {
  it("number and bigint uint64 modes build identical shapes (same sizes and default roots) for both presets", () => {
    for (const preset of ["mainnet", "minimal"]) {
      for (const fork of FORK_NAMES) {
        const asNumber = sszTypesByName(fork, {preset});
        const asBigint = sszTypesByName(fork, {preset, uint64: "bigint"});
        expect(Object.keys(asBigint)).toEqual(Object.keys(asNumber));
        for (const [name, type] of Object.entries(asNumber)) {
          const other = asBigint[name];
          expect(other.fixedSize, `${preset}/${fork}/${name}`).toBe(type.fixedSize);
          expect(other.hashTreeRoot(other.defaultValue()), `${preset}/${fork}/${name}`).toEqual(
            type.hashTreeRoot(type.defaultValue()),
          );
        }
      }
    }
  });

  it("FAR_FUTURE_EPOCH round-trips as Infinity <-> 2**64-1", () => {
    const v = ssz.phase0.Validator.defaultValue();
    v.exitEpoch = Number.POSITIVE_INFINITY;
    const bytes = ssz.phase0.Validator.serialize(v);
    expect(Buffer.from(bytes.subarray(105, 113)).toString("hex")).toBe("ffffffffffffffff");
    expect(ssz.phase0.Validator.deserialize(bytes).exitEpoch).toBe(Number.POSITIVE_INFINITY);
  });

  it("a uint64 above 2**53 decoded into a tree keeps its exact bytes and root", () => {
    const type = ssz.electra.BeaconState;
    const bigintType = getSszTypes(undefined, "bigint").electra.BeaconState;
    const value = bigintType.defaultValue();
    (value as unknown as {earliestExitEpoch: bigint}).earliestExitEpoch = 2n ** 64n - 2n;
    const bytes = bigintType.serialize(value);
    const view = type.deserializeToViewDU(bytes);
    expect(view.hashTreeRoot()).toEqual(bigintType.hashTreeRoot(value));
    expect(view.serialize()).toEqual(bytes);
    expect(Number.isSafeInteger(view.earliestExitEpoch)).toBe(false); // out of range for consensus code
  });

  it("each fork's BeaconState extends the previous fork's (spec field order)", () => {
    const fields = (fork: (typeof FORK_NAMES)[number]) => Object.keys(ssz[fork].BeaconState.fields);
    expect(fields("altair").slice(0, 15)).toEqual(fields("phase0").slice(0, 15));
    expect(fields("bellatrix")).toEqual([...fields("altair"), "latestExecutionPayloadHeader"]);
    expect(fields("capella")).toEqual([
      ...fields("bellatrix"),
      "nextWithdrawalIndex",
      "nextWithdrawalValidatorIndex",
      "historicalSummaries",
    ]);
    expect(fields("deneb")).toEqual(fields("capella"));
    expect(fields("fulu")).toEqual([...fields("electra"), "proposerLookahead"]);
  });

  it("minimal and mainnet presets size types differently", () => {
    const minimal = getSszTypes("minimal");
    const mainnet = getSszTypes("mainnet");
    expect(minimal.altair.SyncCommittee.fixedSize).toBe(32 * 48 + 48);
    expect(mainnet.altair.SyncCommittee.fixedSize).toBe(512 * 48 + 48);
    expect(minimal.fulu.BeaconState).not.toBe(mainnet.fulu.BeaconState);
  });

  it("a tree-backed state copy is independent of its source", () => {
    const state = ssz.fulu.BeaconState.defaultViewDU();
    state.slot = 10;
    state.commit(); // pending changes move with clone(); commit first so both share the committed tree
    const copy = state.clone();
    copy.slot = 11;
    expect(state.slot).toBe(10);
    expect(copy.hashTreeRoot()).not.toEqual(state.hashTreeRoot());
    expect(ssz.fulu.BeaconState).toBeInstanceOf(CompositeType);
  });
});
