import type {ssz} from "@ceibo/types";
import type {CompositeViewDU, ValueOf} from "@chainsafe/ssz";

/** Tree-backed (ViewDU) beacon states per fork. Mutations are batched until `commit()` / `hashTreeRoot()`. */
export type BeaconStatePhase0 = CompositeViewDU<typeof ssz.phase0.BeaconState>;
export type BeaconStateAltair = CompositeViewDU<typeof ssz.altair.BeaconState>;
export type BeaconStateBellatrix = CompositeViewDU<typeof ssz.bellatrix.BeaconState>;
export type BeaconStateCapella = CompositeViewDU<typeof ssz.capella.BeaconState>;
export type BeaconStateDeneb = CompositeViewDU<typeof ssz.deneb.BeaconState>;
export type BeaconStateElectra = CompositeViewDU<typeof ssz.electra.BeaconState>;
export type BeaconStateFulu = CompositeViewDU<typeof ssz.fulu.BeaconState>;

export type BeaconStateAllForks =
  | BeaconStatePhase0
  | BeaconStateAltair
  | BeaconStateBellatrix
  | BeaconStateCapella
  | BeaconStateDeneb
  | BeaconStateElectra
  | BeaconStateFulu;

/** States that have a given feature (for functions that only exist from a fork on). */
export type BeaconStatePostAltair = Exclude<BeaconStateAllForks, BeaconStatePhase0>;
export type BeaconStatePostBellatrix = Exclude<BeaconStatePostAltair, BeaconStateAltair>;
export type BeaconStatePostCapella = Exclude<BeaconStatePostBellatrix, BeaconStateBellatrix>;
export type BeaconStatePostDeneb = Exclude<BeaconStatePostCapella, BeaconStateCapella>;
export type BeaconStatePostElectra = BeaconStateElectra | BeaconStateFulu;

export type Validator = ValueOf<typeof ssz.phase0.Validator>;
export type ValidatorView = CompositeViewDU<typeof ssz.phase0.Validator>;

export type BeaconBlockPhase0 = ValueOf<typeof ssz.phase0.BeaconBlock>;
export type BeaconBlockAltair = ValueOf<typeof ssz.altair.BeaconBlock>;
export type BeaconBlockBellatrix = ValueOf<typeof ssz.bellatrix.BeaconBlock>;
export type BeaconBlockCapella = ValueOf<typeof ssz.capella.BeaconBlock>;
export type BeaconBlockDeneb = ValueOf<typeof ssz.deneb.BeaconBlock>;
export type BeaconBlockElectra = ValueOf<typeof ssz.electra.BeaconBlock>;
export type BeaconBlockFulu = ValueOf<typeof ssz.fulu.BeaconBlock>;
export type BeaconBlockAllForks =
  | BeaconBlockPhase0
  | BeaconBlockAltair
  | BeaconBlockBellatrix
  | BeaconBlockCapella
  | BeaconBlockDeneb
  | BeaconBlockElectra
  | BeaconBlockFulu;
export type BeaconBlockBodyAllForks = BeaconBlockAllForks["body"];
export type SignedBeaconBlockAllForks = {message: BeaconBlockAllForks; signature: Uint8Array};

export type AttestationPhase0 = ValueOf<typeof ssz.phase0.Attestation>;
export type AttestationElectra = ValueOf<typeof ssz.electra.Attestation>;
export type AttestationAllForks = AttestationPhase0 | AttestationElectra;
export type IndexedAttestation = ValueOf<typeof ssz.phase0.IndexedAttestation>;
export type AttestationData = ValueOf<typeof ssz.phase0.AttestationData>;
export type Checkpoint = ValueOf<typeof ssz.phase0.Checkpoint>;
