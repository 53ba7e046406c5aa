import {EPOCHS_PER_HISTORICAL_VECTOR} from "@ceibo/params";
import {digest} from "@chainsafe/as-sha256";
import type {CachedBeaconState} from "../cache/cachedBeaconState.ts";
import {RandaoError} from "../errors.ts";
import {getRandaoSignatureSet} from "../signatureSets/randao.ts";
import {verifySignatureSet} from "../signatureSets/signatureSet.ts";
import {getCurrentEpoch} from "../util/epoch.ts";
import {getRandaoMix} from "../util/seed.ts";

/**
 * phase0 process_randao (the reveal's signature is checked only when `verifySignature`)
 * Spec: `process_randao` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#randao
 */
export function processRandao(cs: CachedBeaconState, body: {randaoReveal: Uint8Array}, verifySignature = true): void {
  const state = cs.state;
  const epoch = getCurrentEpoch(state);
  if (verifySignature && !verifySignatureSet(getRandaoSignatureSet(cs, body.randaoReveal))) {
    throw new RandaoError({code: "INVALID_REVEAL", epoch}, "invalid RANDAO reveal");
  }
  const mix = getRandaoMix(state, epoch);
  const revealHash = digest(body.randaoReveal);
  const newMix = new Uint8Array(32);
  for (let i = 0; i < 32; i++) newMix[i] = mix[i] ^ revealHash[i];
  state.randaoMixes.set(epoch % EPOCHS_PER_HISTORICAL_VECTOR, newMix);
}
