import type {BeaconApiClient, BlockContents, ProducedBlock, PublishedBlock, SignedBlindedBeaconBlock} from "@ceibo/api";
import {SLOTS_PER_EPOCH} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {Logger} from "@ceibo/utils";
import {toHex} from "@ceibo/utils";
import type {Type} from "@chainsafe/ssz";
import type {AnyBeaconBlock, Signer} from "../signer/index.ts";

/** Graffiti as the 32-byte field: UTF-8, zero-padded; longer than 32 bytes is an error. */
export function graffitiBytes(graffiti: string): Uint8Array {
  const bytes = Buffer.from(graffiti, "utf8");
  if (bytes.length > 32) throw Error(`graffiti is ${bytes.length} bytes, at most 32 are allowed`);
  const out = new Uint8Array(32);
  out.set(bytes);
  return out;
}

/**
 * phase0 validator.md "Block proposal": RANDAO reveal → produceBlockV3 → sign through the gate (slashing
 * protected) → publishBlockV2 (block contents with blobs and KZG proofs from deneb) or publishBlindedBlockV2.
 */
export async function proposeBlock(
  deps: {api: BeaconApiClient; signer: Signer; log: Logger; graffiti?: Uint8Array; builderBoostFactor?: bigint},
  pubkey: Uint8Array,
  slot: number,
): Promise<void> {
  const {api, signer, log} = deps;
  const randaoReveal = await signer.signRandao(pubkey, Math.floor(slot / SLOTS_PER_EPOCH));
  // builder_boost_factor: 0 = local payload only (no --builder), absent = 100 (plain comparison of the values)
  const produced = await api.produceBlockV3({
    slot,
    randaoReveal,
    graffiti: deps.graffiti,
    ...(deps.builderBoostFactor !== undefined ? {builderBoostFactor: deps.builderBoostFactor} : {}),
  });
  const version = produced.version;
  const data = produced.data as ProducedBlock;
  const blinded = produced.executionPayloadBlinded;
  const hasContents = !blinded && "block" in data && "blobs" in data;
  const block = (hasContents ? (data as BlockContents).block : data) as unknown as AnyBeaconBlock;
  if (block.slot !== slot) throw Error(`beacon node produced a block for slot ${block.slot}, asked for ${slot}`);
  const signature = await signer.signBlock(pubkey, block, {blinded});
  const types = ssz[version] as unknown as Record<string, Type<unknown>>;
  const root = toHex((blinded ? types.BlindedBeaconBlock : types.BeaconBlock).hashTreeRoot(block));
  if (blinded) {
    await api.publishBlindedBlockV2({
      version,
      signedBlindedBlock: {message: block, signature} as unknown as SignedBlindedBeaconBlock,
    });
  } else {
    const contents = data as BlockContents;
    const signed = hasContents
      ? {signedBlock: {message: block, signature}, kzgProofs: contents.kzgProofs, blobs: contents.blobs}
      : {message: block, signature};
    await api.publishBlockV2({version, signedBlockContents: signed as unknown as PublishedBlock});
  }
  log.info("Proposed block", {
    slot,
    proposer: block.proposerIndex,
    root,
    fork: version,
    blobs: hasContents ? (data as BlockContents).blobs.length : 0,
    blinded,
  });
}
