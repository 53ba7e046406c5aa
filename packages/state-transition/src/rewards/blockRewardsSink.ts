/**
 * What processing one block pays, collected by the state transition's own code paths for the Beacon API rewards
 * routes (beacon-APIs apis/beacon/rewards/blocks.yaml and sync_committee.yaml). Set `cs.rewardsSink` to one before
 * `processBlock`; the operations add to it where they change balances:
 * - altair process_attestation: the proposer reward → `attestations`;
 * - altair process_sync_aggregate: the proposer reward per participant → `syncAggregate`, and each participant's
 *   reward (penalty negative) → `syncCommittee`;
 * - slash_validator (from process_proposer_slashing / process_attester_slashing): what the proposer receives (the
 *   proposer reward, plus the whistleblower reward when it is the whistleblower, as in a block) →
 *   `proposerSlashings` / `attesterSlashings`.
 * Amounts are the spec's nominal ones (increase_balance / decrease_balance arguments; a decrease may saturate at
 * zero in the state). On the normal path `cs.rewardsSink` is null and nothing is collected.
 */
export interface BlockRewardsSink {
  attestations: number;
  syncAggregate: number;
  proposerSlashings: number;
  attesterSlashings: number;
  /** Which operation list slash_validator is being called from (set by process_operations). */
  slashingSource: "proposer" | "attester";
  /** Sync committee member index → its reward in this block (negative for a penalty), summed over its positions. */
  syncCommittee: Map<number, number>;
}

export function createBlockRewardsSink(): BlockRewardsSink {
  return {
    attestations: 0,
    syncAggregate: 0,
    proposerSlashings: 0,
    attesterSlashings: 0,
    slashingSource: "proposer",
    syncCommittee: new Map(),
  };
}
