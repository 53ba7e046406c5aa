import type {ForkName} from "@ceibo/params";
import type {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import {DecodeError} from "../utils/errors.ts";
import {arrayJson} from "../utils/json.ts";
import {rootParam, uintParam} from "../utils/params.ts";
import {bodyResponse, dataResponse, deserialize, forkData, meta} from "../utils/responses.ts";
import {pathParam, queryParam, type RawResponse, type ResponseCodec, route} from "../utils/route.ts";
import {forkVersionedJson, typesAt} from "./types.ts";

/** Beacon namespace, light client routes: apis/beacon/light_client/*.yaml (altair light-client/sync-protocol). */

/** The value types from altair on (capella adds execution to the header, electra deepens the branches). */
export type LightClientBootstrap =
  | ValueOf<typeof ssz.electra.LightClientBootstrap>
  | ValueOf<typeof ssz.altair.LightClientBootstrap>;
export type LightClientUpdate =
  | ValueOf<typeof ssz.electra.LightClientUpdate>
  | ValueOf<typeof ssz.altair.LightClientUpdate>;
export type LightClientFinalityUpdate =
  | ValueOf<typeof ssz.electra.LightClientFinalityUpdate>
  | ValueOf<typeof ssz.altair.LightClientFinalityUpdate>;
export type LightClientOptimisticUpdate =
  | ValueOf<typeof ssz.electra.LightClientOptimisticUpdate>
  | ValueOf<typeof ssz.altair.LightClientOptimisticUpdate>;

const versionOnly = {version: meta.version};

/**
 * One update of the updates response. `forkDigest` (the update's fork digest) is what the SSZ form needs; it is
 * not part of the JSON form, so a server attaches it with `withForkDigest` (not enumerable: results compare and
 * print as `{version, data}` whichever format carried them).
 */
export type VersionedLightClientUpdate = {version: ForkName; data: LightClientUpdate; forkDigest?: Uint8Array};

export function withForkDigest(
  update: {version: ForkName; data: LightClientUpdate},
  forkDigest: Uint8Array,
): VersionedLightClientUpdate {
  return Object.defineProperty({...update}, "forkDigest", {value: forkDigest, enumerable: false});
}

function updatesResponse(): ResponseCodec<VersionedLightClientUpdate[]> {
  const json = bodyResponse(arrayJson(forkVersionedJson<LightClientUpdate>("LightClientUpdate")));
  return {
    ssz: true,
    isOk: json.isOk,
    encode(res, args, format) {
      if (format !== "ssz")
        return json.encode(
          res.map(({version, data}) => ({version, data})),
          args,
          format,
        );
      const chunks: Uint8Array[] = [];
      for (const u of res) {
        if (u.forkDigest === undefined) throw Error("light-client update without its fork digest");
        const payload = typesAt(u.version).LightClientUpdate.serialize(u.data);
        const chunk = new Uint8Array(8 + 4 + payload.length);
        new DataView(chunk.buffer).setBigUint64(0, BigInt(4 + payload.length), true);
        chunk.set(u.forkDigest, 8);
        chunk.set(payload, 12);
        chunks.push(chunk);
      }
      return {status: 200, headers: {}, ssz: Buffer.concat(chunks)};
    },
    decode(raw: RawResponse) {
      if (raw.ssz !== undefined) {
        throw new DecodeError(
          "",
          "SSZ light-client updates need the chain's fork digests: decodeLightClientUpdatesSsz",
        );
      }
      return json.decode(raw);
    },
  };
}

/** The SSZ form of the updates response back into `{version, data, forkDigest}` (forkOfDigest: 0x-hex digest → fork). */
export function decodeLightClientUpdatesSsz(
  bytes: Uint8Array,
  forkOfDigest: (digestHex: string) => ForkName | undefined,
): VersionedLightClientUpdate[] {
  const out: VersionedLightClientUpdate[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 12) throw new DecodeError("", `truncated response_chunk at byte ${offset}`);
    const len = Number(new DataView(bytes.buffer, bytes.byteOffset + offset, 8).getBigUint64(0, true));
    if (len < 4 || offset + 8 + len > bytes.length)
      throw new DecodeError("", `bad response_chunk_len ${len} at byte ${offset}`);
    const forkDigest = bytes.slice(offset + 8, offset + 12);
    const hex = `0x${Buffer.from(forkDigest).toString("hex")}`;
    const version = forkOfDigest(hex);
    if (version === undefined) throw new DecodeError("", `unknown fork digest ${hex}`);
    const data = deserialize(typesAt(version).LightClientUpdate, bytes.subarray(offset + 12, offset + 8 + len));
    out.push(withForkDigest({version, data: data as LightClientUpdate}, forkDigest));
    offset += 8 + len;
  }
  return out;
}

export const lightClientRoutes = {
  getLightClientBootstrap: route({
    method: "GET",
    url: "/eth/v1/beacon/light_client/bootstrap/{block_root}",
    args: {blockRoot: pathParam("block_root", rootParam)},
    resp: dataResponse(
      forkData<LightClientBootstrap>((m) => typesAt(m.version).LightClientBootstrap),
      versionOnly,
    ),
  }),
  /**
   * JSON: a bare array of `{version, data}`. SSZ: `response_chunk`s, each `uint64 LE length ‖ fork digest (4) ‖
   * SSZ LightClientUpdate` (length = 4 + payload); the server gives each update's `forkDigest`. Decoding the SSZ
   * form needs the chain's fork digests: `decodeLightClientUpdatesSsz`.
   */
  getLightClientUpdatesByRange: route({
    method: "GET",
    url: "/eth/v1/beacon/light_client/updates",
    args: {startPeriod: queryParam("start_period", uintParam), count: queryParam("count", uintParam)},
    resp: updatesResponse(),
  }),
  getLightClientFinalityUpdate: route({
    method: "GET",
    url: "/eth/v1/beacon/light_client/finality_update",
    args: {},
    resp: dataResponse(
      forkData<LightClientFinalityUpdate>((m) => typesAt(m.version).LightClientFinalityUpdate),
      versionOnly,
    ),
  }),
  getLightClientOptimisticUpdate: route({
    method: "GET",
    url: "/eth/v1/beacon/light_client/optimistic_update",
    args: {},
    resp: dataResponse(
      forkData<LightClientOptimisticUpdate>((m) => typesAt(m.version).LightClientOptimisticUpdate),
      versionOnly,
    ),
  }),
};
