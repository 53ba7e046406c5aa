import {ssz} from "@ceibo/types";

/** phase0 compute_fork_data_root: hash_tree_root(ForkData(current_version, genesis_validators_root)). */
export function computeForkDataRoot(currentVersion: Uint8Array, genesisValidatorsRoot: Uint8Array): Uint8Array {
  return ssz.phase0.ForkData.hashTreeRoot({currentVersion, genesisValidatorsRoot});
}

/** phase0 compute_domain: domain_type ++ fork_data_root[:28]. */
export function computeDomain(
  domainType: Uint8Array,
  forkVersion: Uint8Array,
  genesisValidatorsRoot: Uint8Array,
): Uint8Array {
  const forkDataRoot = computeForkDataRoot(forkVersion, genesisValidatorsRoot);
  const domain = new Uint8Array(32);
  domain.set(domainType, 0);
  domain.set(forkDataRoot.subarray(0, 28), 4);
  return domain;
}

/** phase0 compute_signing_root: hash_tree_root(SigningData(hash_tree_root(object), domain)). */
export function computeSigningRoot<T>(
  type: {hashTreeRoot(value: T): Uint8Array},
  value: T,
  domain: Uint8Array,
): Uint8Array {
  return ssz.phase0.SigningData.hashTreeRoot({objectRoot: type.hashTreeRoot(value), domain});
}
