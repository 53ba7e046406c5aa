import {type ForkName, ForkSeq} from "@ceibo/params";
import {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";
import {ContainerType, VectorCompositeType} from "@chainsafe/ssz";
import {LightClientError} from "../errors.ts";

/**
 * Light-client data in the form of the newest light-client fork the specs define (gloas,
 * specs/gloas/light-client/sync-protocol.md at a08d8a6): `LightClientHeader{beacon, execution_block_hash,
 * execution_branch}` and branches normalized to the gloas gindices. Older data is turned into this form with the
 * spec's `upgrade_lc_*_to_gloas` (fork.md), which is exactly what a gloas `LightClientStore` does, so one store
 * implementation serves every fork. ceibo's beacon state has no gloas fork yet: the gloas SSZ types are defined here.
 */

const floorlog2 = (x: number): number => Math.floor(Math.log2(x));

// https://github.com/ethereum/consensus-specs/blob/a08d8a6/specs/gloas/light-client/sync-protocol.md#constants
export const FINALIZED_ROOT_GINDEX_GLOAS = 735;
export const CURRENT_SYNC_COMMITTEE_GINDEX_GLOAS = 2945;
export const NEXT_SYNC_COMMITTEE_GINDEX_GLOAS = 2946;
export const EXECUTION_BLOCK_HASH_GINDEX = 412;
export const EXECUTION_BLOCK_HASH_GINDEX_DENEB = 812;
export const EXECUTION_BLOCK_HASH_GINDEX_GLOAS = 2856;

const opts = (typeName: string) => ({typeName, jsonCase: "eth2" as const});
const Bytes32 = ssz.phase0.Root;

export const gloasLightClient = (() => {
  const ExecutionBranch = new VectorCompositeType(Bytes32, floorlog2(EXECUTION_BLOCK_HASH_GINDEX_GLOAS));
  const FinalityBranch = new VectorCompositeType(Bytes32, floorlog2(FINALIZED_ROOT_GINDEX_GLOAS));
  const CurrentSyncCommitteeBranch = new VectorCompositeType(Bytes32, floorlog2(CURRENT_SYNC_COMMITTEE_GINDEX_GLOAS));
  const NextSyncCommitteeBranch = new VectorCompositeType(Bytes32, floorlog2(NEXT_SYNC_COMMITTEE_GINDEX_GLOAS));
  const LightClientHeader = new ContainerType(
    {beacon: ssz.phase0.BeaconBlockHeader, executionBlockHash: Bytes32, executionBranch: ExecutionBranch},
    opts("LightClientHeader"),
  );
  const SyncCommittee = ssz.altair.SyncCommittee;
  const SyncAggregate = ssz.altair.SyncAggregate;
  const LightClientBootstrap = new ContainerType(
    {
      header: LightClientHeader,
      currentSyncCommittee: SyncCommittee,
      currentSyncCommitteeBranch: CurrentSyncCommitteeBranch,
    },
    opts("LightClientBootstrap"),
  );
  const LightClientUpdate = new ContainerType(
    {
      attestedHeader: LightClientHeader,
      nextSyncCommittee: SyncCommittee,
      nextSyncCommitteeBranch: NextSyncCommitteeBranch,
      finalizedHeader: LightClientHeader,
      finalityBranch: FinalityBranch,
      syncAggregate: SyncAggregate,
      signatureSlot: ssz.phase0.Slot,
    },
    opts("LightClientUpdate"),
  );
  const LightClientFinalityUpdate = new ContainerType(
    {
      attestedHeader: LightClientHeader,
      finalizedHeader: LightClientHeader,
      finalityBranch: FinalityBranch,
      syncAggregate: SyncAggregate,
      signatureSlot: ssz.phase0.Slot,
    },
    opts("LightClientFinalityUpdate"),
  );
  const LightClientOptimisticUpdate = new ContainerType(
    {attestedHeader: LightClientHeader, syncAggregate: SyncAggregate, signatureSlot: ssz.phase0.Slot},
    opts("LightClientOptimisticUpdate"),
  );
  return {
    ExecutionBranch,
    FinalityBranch,
    CurrentSyncCommitteeBranch,
    NextSyncCommitteeBranch,
    LightClientHeader,
    LightClientBootstrap,
    LightClientUpdate,
    LightClientFinalityUpdate,
    LightClientOptimisticUpdate,
  };
})();

/** The normalized (gloas-form) light-client objects the store works on. */
export type LightClientHeader = ValueOf<typeof gloasLightClient.LightClientHeader>;
export type LightClientBootstrap = ValueOf<typeof gloasLightClient.LightClientBootstrap>;
export type LightClientUpdate = ValueOf<typeof gloasLightClient.LightClientUpdate>;
export type LightClientFinalityUpdate = ValueOf<typeof gloasLightClient.LightClientFinalityUpdate>;
export type LightClientOptimisticUpdate = ValueOf<typeof gloasLightClient.LightClientOptimisticUpdate>;
export type SyncCommittee = ValueOf<typeof ssz.altair.SyncCommittee>;

/** Forks whose light-client data has its own SSZ form ("gloas" is only light-client data here). */
export type LightClientForkName = "altair" | "capella" | "deneb" | "electra" | "gloas";

/** The fork schedule the light-client functions need (compute_fork_version and the *_FORK_EPOCH checks). */
export interface LightClientForkSchedule {
  ALTAIR_FORK_EPOCH: number;
  CAPELLA_FORK_EPOCH: number;
  DENEB_FORK_EPOCH: number;
  ELECTRA_FORK_EPOCH: number;
  /** Infinity when no gloas fork is scheduled */
  GLOAS_FORK_EPOCH: number;
  /** compute_fork_version(epoch) */
  forkVersionAtEpoch(epoch: number): Uint8Array;
}

/** The light-client data form of a beacon-state fork (bellatrix uses altair's, fulu electra's). */
export function lightClientForkOf(fork: ForkName | "gloas"): LightClientForkName {
  if (fork === "gloas") return "gloas";
  const seq = ForkSeq[fork];
  if (seq >= ForkSeq.electra) return "electra";
  if (seq >= ForkSeq.deneb) return "deneb";
  if (seq >= ForkSeq.capella) return "capella";
  if (seq >= ForkSeq.altair) return "altair";
  throw new LightClientError(
    {code: "NO_DATA_BEFORE_ALTAIR", fork},
    `no light-client data before altair (fork ${fork})`,
  );
}

/** The SSZ types of one light-client fork's data. */
export function lightClientTypes(fork: LightClientForkName) {
  if (fork === "gloas") return gloasLightClient;
  const t = ssz[fork];
  return {
    LightClientHeader: t.LightClientHeader,
    LightClientBootstrap: t.LightClientBootstrap,
    LightClientUpdate: t.LightClientUpdate,
    LightClientFinalityUpdate: t.LightClientFinalityUpdate,
    LightClientOptimisticUpdate: t.LightClientOptimisticUpdate,
  } as unknown as typeof gloasLightClient;
}

/** The light-client fork schedule of a beacon config (no gloas fork: ceibo's configs end at fulu). */
export function lightClientForkSchedule(config: {
  chain: {ALTAIR_FORK_EPOCH: number; CAPELLA_FORK_EPOCH: number; DENEB_FORK_EPOCH: number; ELECTRA_FORK_EPOCH: number};
  computeForkVersion(epoch: number): Uint8Array;
}): LightClientForkSchedule {
  return {
    ALTAIR_FORK_EPOCH: config.chain.ALTAIR_FORK_EPOCH,
    CAPELLA_FORK_EPOCH: config.chain.CAPELLA_FORK_EPOCH,
    DENEB_FORK_EPOCH: config.chain.DENEB_FORK_EPOCH,
    ELECTRA_FORK_EPOCH: config.chain.ELECTRA_FORK_EPOCH,
    GLOAS_FORK_EPOCH: Number.POSITIVE_INFINITY,
    forkVersionAtEpoch: (epoch) => config.computeForkVersion(epoch),
  };
}
