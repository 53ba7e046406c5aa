import {ssz} from "@ceibo/types";
import {bytesEqual} from "@ceibo/utils";

/** phase0 compute_fork_data_root: hash_tree_root(ForkData(current_version, genesis_validators_root)). */
export function computeForkDataRoot(currentVersion: Uint8Array, genesisValidatorsRoot: Uint8Array): Uint8Array {
  return ssz.phase0.ForkData.hashTreeRoot({currentVersion, genesisValidatorsRoot});
}

/**
 * Domains computed so far (a network has a handful: its domain types × its fork versions × one genesis validators
 * root). compute_domain hashes the fork data every call, and gossip validation asks for a domain several times per
 * message; the bytes are compared, so a lookup allocates nothing. The returned arrays are shared: read-only.
 */
const domainCache: {domainType: Uint8Array; forkVersion: Uint8Array; gvr: Uint8Array; domain: Uint8Array}[] = [];
const DOMAIN_CACHE_SIZE = 64;

/** phase0 compute_domain: domain_type ++ fork_data_root[:28] (cached: see domainCache; do not modify the result). */
export function computeDomain(
  domainType: Uint8Array,
  forkVersion: Uint8Array,
  genesisValidatorsRoot: Uint8Array,
): Uint8Array {
  for (const e of domainCache) {
    if (
      bytesEqual(e.domainType, domainType) &&
      bytesEqual(e.forkVersion, forkVersion) &&
      bytesEqual(e.gvr, genesisValidatorsRoot)
    ) {
      return e.domain;
    }
  }
  const forkDataRoot = computeForkDataRoot(forkVersion, genesisValidatorsRoot);
  const domain = new Uint8Array(32);
  domain.set(domainType, 0);
  domain.set(forkDataRoot.subarray(0, 28), 4);
  if (domainCache.length >= DOMAIN_CACHE_SIZE) domainCache.shift();
  domainCache.push({
    domainType: Uint8Array.from(domainType),
    forkVersion: Uint8Array.from(forkVersion),
    gvr: Uint8Array.from(genesisValidatorsRoot),
    domain,
  });
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
