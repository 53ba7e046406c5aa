import {computeDomain} from "@ceibo/config";
import type {BeaconStateAllForks} from "../types.ts";
import {getCurrentEpoch} from "./epoch.ts";

/**
 * phase0 get_domain: the state's fork decides the version (previous before fork.epoch, current from it).
 * Spec: `get_domain` at consensus-specs a08d8a6: https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/phase0/beacon-chain.md#get_domain
 */
export function getDomain(state: BeaconStateAllForks, domainType: Uint8Array, epoch?: number): Uint8Array {
  const e = epoch ?? getCurrentEpoch(state);
  const fork = state.fork;
  const version = e < fork.epoch ? fork.previousVersion : fork.currentVersion;
  return computeDomain(domainType, version, state.genesisValidatorsRoot);
}
