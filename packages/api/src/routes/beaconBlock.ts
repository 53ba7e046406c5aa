import {MAX_BLOB_COMMITMENTS_PER_BLOCK} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import {ListCompositeType} from "@chainsafe/ssz";
import {arrayJson, boolJson, type JsonType, objectJson, rootJson, sszJson} from "../utils/json.ts";
import {blockIdParam, enumParam, forkParam, rootParam, uintParam} from "../utils/params.ts";
import {
  dataResponse,
  forkData,
  jsonData,
  jsonOnly,
  sszData,
  stateMeta,
  statusResponse,
  versionedStateMeta,
} from "../utils/responses.ts";
import {body, headerParam, optQueryParam, pathParam, queryList, route} from "../utils/route.ts";
import {
  type Attestation,
  attestationTypeAt,
  forkBody,
  forkFromSlotAt,
  isPostBellatrix,
  isPostDeneb,
  type PublishedBlock,
  type SignedBeaconBlock,
  type SignedBlindedBeaconBlock,
  typesAt,
} from "./types.ts";

/** Beacon namespace, block routes: apis/beacon/blocks/*.yaml, blob_sidecars, blobs. */

export const BROADCAST_VALIDATIONS = ["gossip", "consensus", "consensus_and_equivocation"] as const;
export type BroadcastValidation = (typeof BROADCAST_VALIDATIONS)[number];

const blockHeaderJson = objectJson({
  root: rootJson,
  canonical: boolJson,
  header: sszJson(ssz.phase0.SignedBeaconBlockHeader),
});
export type BlockHeaderResponse = JsonType<typeof blockHeaderJson>;

export const BlobSidecars = new ListCompositeType(ssz.deneb.BlobSidecar, MAX_BLOB_COMMITMENTS_PER_BLOCK);
const blockAttestations = {
  phase0: new ListCompositeType(ssz.phase0.Attestation, ssz.phase0.BeaconBlockBody.fields.attestations.limit),
  electra: new ListCompositeType(ssz.electra.Attestation, ssz.electra.BeaconBlockBody.fields.attestations.limit),
};

const blockId = pathParam("block_id", blockIdParam);
const version = (fromBody?: ReturnType<typeof forkFromSlotAt>) =>
  headerParam("Eth-Consensus-Version", forkParam, fromBody);
/** 200: validated, broadcast and imported; 202: broadcast but failed full validation (not imported). */
const publishResponse = statusResponse({imported: 200, broadcastNotImported: 202});
export type PublishBlockOutcome = "imported" | "broadcastNotImported";

export const beaconBlockRoutes = {
  getBlockHeaders: route({
    method: "GET",
    url: "/eth/v1/beacon/headers",
    args: {slot: optQueryParam("slot", uintParam), parentRoot: optQueryParam("parent_root", rootParam)},
    resp: dataResponse(jsonData(arrayJson(blockHeaderJson)), stateMeta),
  }),
  getBlockHeader: route({
    method: "GET",
    url: "/eth/v1/beacon/headers/{block_id}",
    args: {blockId},
    resp: dataResponse(jsonData(blockHeaderJson), stateMeta),
  }),
  getBlockV2: route({
    method: "GET",
    url: "/eth/v2/beacon/blocks/{block_id}",
    args: {blockId},
    resp: dataResponse(
      forkData<SignedBeaconBlock>((m) => typesAt(m.version).SignedBeaconBlock),
      versionedStateMeta,
    ),
  }),
  getBlindedBlock: route({
    method: "GET",
    url: "/eth/v1/beacon/blinded_blocks/{block_id}",
    args: {blockId},
    resp: dataResponse(
      forkData<SignedBlindedBeaconBlock | SignedBeaconBlock>((m) =>
        isPostBellatrix(m.version) ? typesAt(m.version).SignedBlindedBeaconBlock : typesAt(m.version).SignedBeaconBlock,
      ),
      versionedStateMeta,
    ),
  }),
  /** Signed block contents (block, KZG proofs, blobs) from deneb, a signed block before. */
  publishBlockV2: route({
    method: "POST",
    url: "/eth/v2/beacon/blocks",
    args: {
      broadcastValidation: optQueryParam("broadcast_validation", enumParam(BROADCAST_VALIDATIONS)),
      version: version(forkFromSlotAt(["signed_block", "message", "slot"], ["message", "slot"])),
      signedBlockContents: body(
        forkBody<PublishedBlock>((f) =>
          isPostDeneb(f) ? typesAt(f).SignedBlockContents : typesAt(f).SignedBeaconBlock,
        ),
      ),
    },
    resp: publishResponse,
  }),
  publishBlindedBlockV2: route({
    method: "POST",
    url: "/eth/v2/beacon/blinded_blocks",
    args: {
      broadcastValidation: optQueryParam("broadcast_validation", enumParam(BROADCAST_VALIDATIONS)),
      version: version(forkFromSlotAt(["message", "slot"])),
      signedBlindedBlock: body(
        forkBody<SignedBlindedBeaconBlock | SignedBeaconBlock>((f) =>
          isPostBellatrix(f) ? typesAt(f).SignedBlindedBeaconBlock : typesAt(f).SignedBeaconBlock,
        ),
      ),
    },
    resp: publishResponse,
  }),
  getBlockRoot: route({
    method: "GET",
    url: "/eth/v1/beacon/blocks/{block_id}/root",
    args: {blockId},
    resp: dataResponse(jsonData(objectJson({root: rootJson})), stateMeta),
  }),
  getBlockAttestationsV2: route({
    method: "GET",
    url: "/eth/v2/beacon/blocks/{block_id}/attestations",
    args: {blockId},
    resp: dataResponse(
      jsonOnly(
        forkData<Attestation[]>((m) =>
          attestationTypeAt(m.version, "Attestation") === ssz.electra.Attestation
            ? blockAttestations.electra
            : blockAttestations.phase0,
        ),
      ),
      versionedStateMeta,
    ),
  }),
  getBlobSidecars: route({
    method: "GET",
    url: "/eth/v1/beacon/blob_sidecars/{block_id}",
    args: {blockId, indices: queryList("indices", uintParam)},
    resp: dataResponse(sszData(BlobSidecars), versionedStateMeta),
  }),
  getBlobs: route({
    method: "GET",
    url: "/eth/v1/beacon/blobs/{block_id}",
    args: {blockId, versionedHashes: queryList("versioned_hashes", rootParam)},
    resp: dataResponse(sszData(ssz.deneb.Blobs), stateMeta),
  }),
};
