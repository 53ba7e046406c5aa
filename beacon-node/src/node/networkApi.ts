/**
 * The Beacon API's view of the p2p network (api/context.ts ApiNetwork) over the node's Network and sync service:
 * identity and peers for the node routes, the sync status, gossip publishing of what validator clients submit,
 * and the subnet subscriptions their duties ask for.
 */
import {SYNC_COMMITTEE_SIZE, SYNC_COMMITTEE_SUBNET_COUNT} from "@ceibo/params";
import type {ApiNetwork} from "../api/index.ts";
import type {BlockSidecars} from "../chain/da/index.ts";
import type {Logger} from "../chain/index.ts";
import {computeSubnetForAttestation} from "../network/gossip/index.ts";
import type {Network} from "../network/index.ts";
import type {BeaconSync} from "../sync/index.ts";

/** Gossip publishing is fire-and-forget for the API caller; failures are logged, never thrown at the VC. */
function logged(logger: Logger, what: string, p: Promise<unknown>): void {
  p.catch((e: unknown) => {
    const error = (e as Error).message;
    // a subnet no peer of ours subscribes to (the aggregate still carries the vote): not worth a warning each slot
    if (/NoPeersSubscribedToTopic/.test(error)) logger.debug(`No peer on the topic of ${what}`, {error});
    else logger.warn(`Gossip publish of ${what} failed`, {error});
  });
}

export function createApiNetwork(network: Network, sync: BeaconSync | null, logger: Logger): ApiNetwork {
  const gossip = network.gossip;
  const config = network.config.chain;
  return {
    identity: () => network.getIdentity(),
    peers: () =>
      network.getPeers().map((p) => ({
        peerId: p.peerId,
        enr: p.enr ?? null,
        lastSeenP2pAddress: p.address,
        state: p.state,
        direction: p.direction,
      })),
    syncing: () => {
      if (sync === null) return null;
      const s = sync.getSyncStatus();
      return {headSlot: s.headSlot, syncDistance: s.syncDistance, isSyncing: s.isSyncing, isOptimistic: s.isOptimistic};
    },
    publishBlock: (signedBlock, sidecars: BlockSidecars) => {
      logged(logger, "a block", gossip.publishBlock(signedBlock));
      for (const s of sidecars.blobSidecars ?? []) logged(logger, "a blob sidecar", gossip.publishBlobSidecar(s));
      for (const s of sidecars.dataColumnSidecars ?? []) {
        logged(logger, "a data column sidecar", gossip.publishDataColumnSidecar(s));
      }
    },
    publishAttestation: (attestation) =>
      logged(logger, "an attestation", gossip.publishAttestation(attestation as never)),
    publishAggregateAndProof: (signed) =>
      logged(logger, "an aggregate", gossip.publishAggregateAndProof(signed as never)),
    publishSyncCommitteeMessage: (msg) =>
      logged(logger, "a sync committee message", gossip.publishSyncCommitteeMessage(msg)),
    publishContributionAndProof: (signed) =>
      logged(logger, "a sync contribution", gossip.publishContributionAndProof(signed as never)),
    publishVoluntaryExit: (signed) => logged(logger, "a voluntary exit", gossip.publishVoluntaryExit(signed as never)),
    publishProposerSlashing: (s) => logged(logger, "a proposer slashing", gossip.publishProposerSlashing(s as never)),
    publishAttesterSlashing: (s) => logged(logger, "an attester slashing", gossip.publishAttesterSlashing(s as never)),
    publishBlsToExecutionChange: (c) =>
      logged(logger, "a BLS to execution change", gossip.publishBlsToExecutionChange(c as never)),
    subscribeToAttestationSubnet: (slot, committeeIndex, committeesAtSlot) => {
      network.subscribeToAttestationSubnet(
        computeSubnetForAttestation(config, committeesAtSlot, slot, committeeIndex),
        slot,
      );
    },
    subscribeToSyncSubnets: (syncCommitteeIndices, untilEpoch) => {
      const perSubnet = SYNC_COMMITTEE_SIZE / SYNC_COMMITTEE_SUBNET_COUNT;
      for (const subnet of new Set(syncCommitteeIndices.map((i) => Math.floor(i / perSubnet)))) {
        network.subscribeToSyncCommitteeSubnet(subnet, untilEpoch);
      }
    },
  };
}
