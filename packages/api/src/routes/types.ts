import {FORK_NAMES, type ForkName, ForkSeq} from "@ceibo/params";
import {type SszTypes, ssz} from "@ceibo/types";
import type {Type, ValueOf} from "@chainsafe/ssz";
import {DecodeError} from "../utils/errors.ts";
import {enumJson, type JsonCodec} from "../utils/json.ts";
import {deserialize} from "../utils/responses.ts";
import type {ArgsContext, BodyCodec} from "../utils/route.ts";
import {describe, sszFromJson} from "../utils/sszJson.ts";

/** Value types that differ by fork, as unions over the forks that have them. */
type Of<F extends ForkName, K extends string> = F extends ForkName
  ? K extends keyof SszTypes[F]
    ? SszTypes[F][K] extends Type<unknown>
      ? ValueOf<SszTypes[F][K]>
      : never
    : never
  : never;

export type ForkPreDeneb = "phase0" | "altair" | "bellatrix" | "capella";
export type ForkPostDeneb = "deneb" | "electra" | "fulu";
export type ForkPreElectra = ForkPreDeneb | "deneb";
export type ForkPostElectra = "electra" | "fulu";
export type ForkPostBellatrix = "bellatrix" | "capella" | ForkPostDeneb;

export type BeaconBlock = Of<ForkName, "BeaconBlock">;
export type SignedBeaconBlock = Of<ForkName, "SignedBeaconBlock">;
export type BlindedBeaconBlock = Of<ForkPostBellatrix, "BlindedBeaconBlock">;
export type SignedBlindedBeaconBlock = Of<ForkPostBellatrix, "SignedBlindedBeaconBlock">;
export type BlockContents = Of<ForkPostDeneb, "BlockContents">;
export type SignedBlockContents = Of<ForkPostDeneb, "SignedBlockContents">;
/** What produceBlockV3 returns (unblinded): block contents from deneb, a block before. */
export type ProducedBlock = BlockContents | Of<ForkPreDeneb, "BeaconBlock"> | BlindedBeaconBlock;
/** What publishBlockV2 takes: signed block contents from deneb, a signed block before. */
export type PublishedBlock = SignedBlockContents | Of<ForkPreDeneb, "SignedBeaconBlock">;
export type BeaconState = Of<ForkName, "BeaconState">;
export type Attestation = Of<"phase0" | ForkPostElectra, "Attestation">;
export type SingleAttestation = ValueOf<typeof ssz.electra.SingleAttestation>;
export type AttesterSlashing = Of<"phase0" | ForkPostElectra, "AttesterSlashing">;
export type SignedAggregateAndProof = Of<"phase0" | ForkPostElectra, "SignedAggregateAndProof">;
export type BlobSidecar = ValueOf<typeof ssz.deneb.BlobSidecar>;
export type DataColumnSidecar = ValueOf<typeof ssz.fulu.DataColumnSidecar>;

export function isPostDeneb(fork: ForkName): boolean {
  return ForkSeq[fork] >= ForkSeq.deneb;
}
export function isPostElectra(fork: ForkName): boolean {
  return ForkSeq[fork] >= ForkSeq.electra;
}
export function isPostBellatrix(fork: ForkName): boolean {
  return ForkSeq[fork] >= ForkSeq.bellatrix;
}

/** The namespace of a fork as a name → type record (for per-fork lookups by name). */
export function typesAt(fork: ForkName): Record<string, Type<unknown>> {
  return ssz[fork] as unknown as Record<string, Type<unknown>>;
}

/** Attestation-like types: phase0 shape before electra, electra shape from electra on. */
export function attestationTypeAt(
  fork: ForkName,
  name: "Attestation" | "AttesterSlashing" | "SignedAggregateAndProof",
) {
  return typesAt(isPostElectra(fork) ? "electra" : "phase0")[name];
}

/** A body whose SSZ type is chosen by the `version` argument (the Eth-Consensus-Version header). */
export function forkBody<T>(typeOf: (fork: ForkName) => Type<unknown>): BodyCodec<T> {
  const t = (args: Record<string, unknown>) => typeOf(args.version as ForkName);
  return {
    toJson: (v, args) => t(args).toJson(v),
    fromJson: (j, args) => sszFromJson(t(args), j, "") as T,
    serialize: (v, args) => t(args).serialize(v),
    deserialize: (b, args) => deserialize(t(args), b) as T,
  };
}

/** A body of one SSZ type (JSON and SSZ). */
export function sszBody<T>(type: Type<T>): BodyCodec<T> {
  return {
    toJson: (v) => type.toJson(v),
    fromJson: (j) => sszFromJson(type, j, ""),
    serialize: (v) => type.serialize(v),
    deserialize: (b) => deserialize(type, b),
  };
}

/**
 * For requests without Eth-Consensus-Version: the fork at the slot found at `path` in the JSON body (e.g.
 * `["signed_block", "message", "slot"]`), when the server knows the chain config. Alternatives are tried in order.
 */
export function forkFromSlotAt(
  ...paths: (string | number)[][]
): (json: unknown, ctx: ArgsContext) => ForkName | undefined {
  return (json, ctx) => {
    if (ctx.forkAtSlot === undefined) return undefined;
    for (const path of paths) {
      let v: unknown = json;
      for (const k of path)
        v = typeof v === "object" && v !== null ? (v as Record<string | number, unknown>)[k] : undefined;
      if (typeof v === "string" && /^(0|[1-9][0-9]*)$/.test(v) && Number.isSafeInteger(Number(v))) {
        return ctx.forkAtSlot(Number(v)) as ForkName;
      }
    }
    return undefined;
  };
}

/** `{version, data}` where data's type depends on the fork (light client updates). */
export function forkVersionedJson<T>(typeName: string): JsonCodec<{version: ForkName; data: T}> {
  const versionJson = enumJson(FORK_NAMES);
  return {
    toJson: (v) => ({version: v.version, data: typesAt(v.version)[typeName].toJson(v.data)}),
    fromJson(j, path) {
      if (typeof j !== "object" || j === null) throw new DecodeError(path, `expected an object, got ${describe(j)}`);
      const o = j as Record<string, unknown>;
      const at = (k: string) => (path === "" ? k : `${path}.${k}`);
      const version = versionJson.fromJson(o.version, at("version")) as ForkName;
      const type = typesAt(version)[typeName];
      if (type === undefined) throw new DecodeError(at("version"), `no ${typeName} at ${version}`);
      return {version, data: sszFromJson(type, o.data, at("data")) as T};
    },
  };
}
