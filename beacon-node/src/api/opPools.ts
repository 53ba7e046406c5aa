/**
 * Pools of the operations a validator client or user submits: proposer and attester slashings, voluntary exits
 * and BLS-to-execution changes, each validated against the head state before it is kept (see pool.ts). Items
 * included in an imported block or no longer valid are dropped by `prune`.
 *
 * Not yet read by block production (chain/produceBlock.ts builds empty operation lists): a node that should
 * include them needs produceBlock to take these pools.
 */
import type {AttesterSlashing} from "@ceibo/api";
import type {ssz} from "@ceibo/types";
import type {ValueOf} from "@chainsafe/ssz";

export type ProposerSlashing = ValueOf<typeof ssz.phase0.ProposerSlashing>;
export type SignedVoluntaryExit = ValueOf<typeof ssz.phase0.SignedVoluntaryExit>;
export type SignedBLSToExecutionChange = ValueOf<typeof ssz.capella.SignedBLSToExecutionChange>;

export class OperationPools {
  /** By proposer index. */
  readonly proposerSlashings = new Map<number, ProposerSlashing>();
  /** By the sorted intersection of slashable indices. */
  readonly attesterSlashings = new Map<string, AttesterSlashing>();
  /** By validator index. */
  readonly voluntaryExits = new Map<number, SignedVoluntaryExit>();
  /** By validator index. */
  readonly blsToExecutionChanges = new Map<number, SignedBLSToExecutionChange>();
}
