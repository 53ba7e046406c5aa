/**
 * The validator monitor: `validator_monitor_*` metrics for the validators attached to this node.
 *
 * Which validators: those given with `--validator-monitor-indices`, plus every validator a validator client
 * registers through the Beacon API (prepare_beacon_proposer, beacon_committee_subscriptions,
 * sync_committee_subscriptions) — once seen, a validator stays monitored for the life of the process.
 *
 * When: once an epoch, at the first slot of epoch C, for the epochs whose outcome is final by then:
 * - attestations of epoch C-2 (they can be included until the end of C-1): the participation flags of the
 *   post-state of the last canonical block of C-1 (altair beacon-chain.md TIMELY_SOURCE/TARGET/HEAD flags) give
 *   hits and misses per vote; the canonical blocks of C-2 and C-1 give each attester's inclusion distance;
 * - blocks of epoch C-1: each slot whose proposer is monitored is a proposed or a missed block;
 * - sync committee of epoch C-1: each canonical block's sync aggregate bit of a monitored member is a hit or miss;
 * - balances and effective balances: the head state.
 * Counters are summed over the monitored validators; per-validator gauges (label `index`) are kept for at most
 * `individualLimit` validators (default 64), like Lighthouse's individual tracking threshold.
 * Pre-altair epochs have no participation flags: attestation hits and misses are not reported for them.
 */
import type {RootHex} from "@ceibo/fork-choice";
import {
  ForkSeq,
  SLOTS_PER_EPOCH,
  TIMELY_HEAD_FLAG_INDEX,
  TIMELY_SOURCE_FLAG_INDEX,
  TIMELY_TARGET_FLAG_INDEX,
} from "@ceibo/params";
import {
  type AttestationAllForks,
  type AttestationElectra,
  type CachedBeaconState,
  getCommitteeIndices,
  type SignedBeaconBlockAllForks,
} from "@ceibo/state-transition";
import {Counter, Gauge, Histogram, type Registry} from "prom-client";
import type {BeaconChain, Logger} from "../chain/index.ts";
import {VALIDATOR_MONITOR_INDIVIDUAL_LIMIT} from "./options.ts";

export interface ValidatorMonitorOpts {
  /** Validators monitored from the start (--validator-monitor-indices). */
  indices?: number[];
  /** Validator indices the attached validator clients registered so far (read once a slot). */
  attached?: () => Iterable<number>;
  /** Per-validator gauges (label `index`) up to this many monitored validators (default 64). */
  individualLimit?: number;
  logger?: Logger;
}

/** What one epoch's evaluation found (also returned for tests). */
export interface EpochSummary {
  /** The epoch whose attestations were evaluated (C-2). */
  attestationEpoch: number;
  /** The epoch whose blocks and sync committee messages were evaluated (C-1). */
  blockEpoch: number;
  monitored: number;
  attesterHits: number;
  attesterMisses: number;
  headHits: number;
  targetHits: number;
  sourceHits: number;
  blocksProposed: number;
  blocksMissed: number;
  syncHits: number;
  syncMisses: number;
  /** Inclusion distance (slots) of each included monitored attester. */
  inclusionDistances: number[];
}

const FLAG = (flags: number, index: number): boolean => ((flags >> index) & 1) === 1;

export class ValidatorMonitor {
  private readonly chain: BeaconChain;
  private readonly attached: () => Iterable<number>;
  private readonly individualLimit: number;
  private readonly logger: Logger | null;
  readonly monitored = new Set<number>();
  /** Consecutive epochs each monitored validator missed its attestation. */
  private readonly missedInARow = new Map<number, number>();
  private lastEvaluatedEpoch = -1;

  private readonly attesterHit: Counter;
  private readonly attesterMiss: Counter;
  private readonly flagHit: Record<"head" | "target" | "source", Counter>;
  private readonly flagMiss: Record<"head" | "target" | "source", Counter>;
  private readonly inclusionDistance: Histogram;
  private readonly blocksProposed: Counter;
  private readonly blocksMissed: Counter;
  private readonly syncHits: Counter;
  private readonly syncMisses: Counter;
  private readonly prevEpochAttesterMissGauge: Gauge;
  private readonly evaluatedEpoch: Gauge;
  private readonly evaluationSeconds: Histogram;

  constructor(chain: BeaconChain, registry: Registry, opts: ValidatorMonitorOpts = {}) {
    this.chain = chain;
    this.attached = opts.attached ?? (() => []);
    this.individualLimit = opts.individualLimit ?? VALIDATOR_MONITOR_INDIVIDUAL_LIMIT;
    this.logger = opts.logger ?? null;
    for (const i of opts.indices ?? []) this.monitored.add(i);
    const registers = [registry];
    const self = this;

    new Gauge({
      name: "validator_monitor_validators",
      help: "Validators monitored (attached through the Beacon API or --validator-monitor-indices)",
      registers,
      collect() {
        this.set(self.monitored.size);
      },
    });
    const perValidator = (
      name: string,
      help: string,
      value: (s: CachedBeaconState, index: number) => number,
      total: string,
    ): void => {
      new Gauge({
        name,
        help: `${help}, per monitored validator (label index; only while at most ${this.individualLimit} are monitored)`,
        labelNames: ["index"],
        registers,
        collect() {
          this.reset();
          if (self.monitored.size > self.individualLimit) return;
          const s = self.chain.getHeadState();
          for (const i of self.monitored) if (i < s.state.validators.length) this.set({index: String(i)}, value(s, i));
        },
      });
      new Gauge({
        name: total,
        help: `${help}, summed over the monitored validators`,
        registers,
        collect() {
          const s = self.chain.getHeadState();
          let sum = 0;
          for (const i of self.monitored) if (i < s.state.validators.length) sum += value(s, i);
          this.set(sum);
        },
      });
    };
    perValidator(
      "validator_monitor_balance_gwei",
      "Balance in the head state (Gwei)",
      (s, i) => Number(s.state.balances.get(i)),
      "validator_monitor_balance_total_gwei",
    );
    perValidator(
      "validator_monitor_effective_balance_gwei",
      "Effective balance in the head state (Gwei)",
      (s, i) => Number(s.state.validators.getReadonly(i).effectiveBalance),
      "validator_monitor_effective_balance_total_gwei",
    );
    new Gauge({
      name: "validator_monitor_active",
      help: "Monitored validators active in the head state's epoch",
      registers,
      collect() {
        const s = self.chain.getHeadState();
        const epoch = s.epochCtx.epoch;
        let n = 0;
        for (const i of self.monitored) {
          if (i >= s.state.validators.length) continue;
          const v = s.state.validators.getReadonly(i);
          if (v.activationEpoch <= epoch && epoch < v.exitEpoch) n++;
        }
        this.set(n);
      },
    });
    new Gauge({
      name: "validator_monitor_slashed",
      help: "Monitored validators that are slashed (head state)",
      registers,
      collect() {
        const s = self.chain.getHeadState();
        let n = 0;
        for (const i of self.monitored)
          if (i < s.state.validators.length && s.state.validators.getReadonly(i).slashed) n++;
        this.set(n);
      },
    });
    new Gauge({
      name: "validator_monitor_validator_in_current_sync_committee",
      help: "Monitored validators in the head state's current sync committee",
      registers,
      collect() {
        const s = self.chain.getHeadState();
        if (s.fork < ForkSeq.altair) return this.set(0);
        this.set(new Set(s.epochCtx.currentSyncCommitteeIndices.filter((i) => self.monitored.has(i))).size);
      },
    });

    const counter = (name: string, help: string): Counter => new Counter({name, help, registers});
    this.attesterHit = counter(
      "validator_monitor_prev_epoch_on_chain_attester_hit_total",
      "Monitored validators whose attestation of the evaluated epoch was included on chain (any timely flag)",
    );
    this.attesterMiss = counter(
      "validator_monitor_prev_epoch_on_chain_attester_miss_total",
      "Active monitored validators whose attestation of the evaluated epoch is not on chain",
    );
    this.flagHit = {
      head: counter(
        "validator_monitor_prev_epoch_on_chain_head_attester_hit_total",
        "Monitored attesters with a correct and timely head vote (TIMELY_HEAD)",
      ),
      target: counter(
        "validator_monitor_prev_epoch_on_chain_target_attester_hit_total",
        "Monitored attesters with a correct and timely target vote (TIMELY_TARGET)",
      ),
      source: counter(
        "validator_monitor_prev_epoch_on_chain_source_attester_hit_total",
        "Monitored attesters with a correct and timely source vote (TIMELY_SOURCE)",
      ),
    };
    this.flagMiss = {
      head: counter(
        "validator_monitor_prev_epoch_on_chain_head_attester_miss_total",
        "Active monitored validators without the TIMELY_HEAD flag",
      ),
      target: counter(
        "validator_monitor_prev_epoch_on_chain_target_attester_miss_total",
        "Active monitored validators without the TIMELY_TARGET flag",
      ),
      source: counter(
        "validator_monitor_prev_epoch_on_chain_source_attester_miss_total",
        "Active monitored validators without the TIMELY_SOURCE flag",
      ),
    };
    this.inclusionDistance = new Histogram({
      name: "validator_monitor_prev_epoch_on_chain_inclusion_distance",
      help: "Slots between a monitored validator's attestation slot and the first canonical block including it",
      buckets: [1, 2, 3, 4, 5, 8, 16, 32],
      registers,
    });
    this.blocksProposed = counter(
      "validator_monitor_beacon_block_total",
      "Canonical blocks proposed by monitored validators (evaluated once their epoch is over)",
    );
    this.blocksMissed = counter(
      "validator_monitor_missed_blocks_total",
      "Slots of a monitored proposer without a canonical block",
    );
    this.syncHits = counter(
      "validator_monitor_prev_epoch_sync_committee_hits_total",
      "Sync committee messages of monitored members included in canonical blocks' sync aggregates",
    );
    this.syncMisses = counter(
      "validator_monitor_prev_epoch_sync_committee_misses_total",
      "Sync committee messages of monitored members missing from canonical blocks' sync aggregates",
    );
    this.prevEpochAttesterMissGauge = new Gauge({
      name: "validator_monitor_prev_epoch_attester_misses",
      help: "Active monitored validators that missed their attestation in the last evaluated epoch",
      registers,
    });
    new Gauge({
      name: "validator_monitor_max_consecutive_missed_attestations",
      help: "The longest current run of evaluated epochs in which one monitored validator missed its attestation",
      registers,
      collect() {
        let max = 0;
        for (const n of self.missedInARow.values()) max = Math.max(max, n);
        this.set(max);
      },
    });
    this.evaluationSeconds = new Histogram({
      name: "validator_monitor_epoch_evaluation_seconds",
      help: "Time the monitor took to evaluate an epoch (once an epoch, in the slot loop)",
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2],
      registers,
    });
    this.evaluatedEpoch = new Gauge({
      name: "validator_monitor_last_evaluated_epoch",
      help: "The epoch whose attestations the monitor last evaluated",
      registers,
    });
  }

  /** Once a slot: picks up newly attached validators; at an epoch's first slot evaluates the finished epochs. */
  onSlot(slot: number): EpochSummary | null {
    for (const i of this.attached()) this.monitored.add(i);
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    if (epoch < 2 || epoch - 2 <= this.lastEvaluatedEpoch) return null;
    const t0 = performance.now();
    try {
      const summary = this.evaluate(epoch);
      this.evaluationSeconds.observe((performance.now() - t0) / 1000);
      return summary;
    } catch (e) {
      this.logger?.debug("Validator monitor could not evaluate the epoch", {epoch, error: (e as Error).message});
      return null;
    }
  }

  /** Evaluates attestations of epoch `current - 2` and blocks / sync messages of `current - 1`. */
  evaluate(current: number): EpochSummary | null {
    const attEpoch = current - 2;
    const blockEpoch = current - 1;
    this.lastEvaluatedEpoch = attEpoch;
    const summary: EpochSummary = {
      attestationEpoch: attEpoch,
      blockEpoch,
      monitored: this.monitored.size,
      attesterHits: 0,
      attesterMisses: 0,
      headHits: 0,
      targetHits: 0,
      sourceHits: 0,
      blocksProposed: 0,
      blocksMissed: 0,
      syncHits: 0,
      syncMisses: 0,
      inclusionDistances: [],
    };
    if (this.monitored.size === 0) return summary;
    const fc = this.chain.forkChoice;
    const endOfBlockEpoch = (blockEpoch + 1) * SLOTS_PER_EPOCH - 1;
    const last = fc.getAncestor(this.chain.head.blockRoot, endOfBlockEpoch);
    if (last === undefined) return null;
    // canonical blocks of attEpoch and blockEpoch, oldest first
    const canonical: {slot: number; root: RootHex; block: SignedBeaconBlockAllForks}[] = [];
    for (let node = fc.getBlock(last.blockRoot); node !== undefined && node.slot >= attEpoch * SLOTS_PER_EPOCH; ) {
      const block = this.chain.blocks.get(node.blockRoot);
      if (block === undefined) break;
      canonical.unshift({slot: node.slot, root: node.blockRoot, block});
      node = fc.getBlock(node.parentRoot);
    }
    const cached = this.chain.getBlockState(last.blockRoot);
    const stateEpoch = cached.epochCtx.epoch;

    // attestations of attEpoch: participation flags, then inclusion distances
    if (cached.fork >= ForkSeq.altair && (stateEpoch === blockEpoch || stateEpoch === attEpoch)) {
      const state = cached.state as unknown as {
        previousEpochParticipation: {get(i: number): number};
        currentEpochParticipation: {get(i: number): number};
      };
      const participation =
        stateEpoch === blockEpoch ? state.previousEpochParticipation : state.currentEpochParticipation;
      for (const i of this.monitored) {
        if (i >= cached.state.validators.length) continue;
        const v = cached.state.validators.getReadonly(i);
        if (!(v.activationEpoch <= attEpoch && attEpoch < v.exitEpoch)) continue;
        const flags = participation.get(i);
        const hit = flags !== 0;
        if (hit) {
          summary.attesterHits++;
          this.missedInARow.set(i, 0);
        } else {
          summary.attesterMisses++;
          this.missedInARow.set(i, (this.missedInARow.get(i) ?? 0) + 1);
        }
        for (const [name, index] of [
          ["head", TIMELY_HEAD_FLAG_INDEX],
          ["target", TIMELY_TARGET_FLAG_INDEX],
          ["source", TIMELY_SOURCE_FLAG_INDEX],
        ] as const) {
          if (FLAG(flags, index)) {
            this.flagHit[name].inc();
            summary[`${name}Hits`]++;
          } else this.flagMiss[name].inc();
        }
      }
      this.attesterHit.inc(summary.attesterHits);
      this.attesterMiss.inc(summary.attesterMisses);
      this.prevEpochAttesterMissGauge.set(summary.attesterMisses);
      summary.inclusionDistances = this.inclusionDistances(cached, attEpoch, canonical);
      for (const d of summary.inclusionDistances) this.inclusionDistance.observe(d);
    }

    // blocks and sync committee messages of blockEpoch (needs a state of that epoch for its proposers)
    if (stateEpoch === blockEpoch) {
      const bySlot = new Map(canonical.map((b) => [b.slot, b]));
      for (let slot = Math.max(1, blockEpoch * SLOTS_PER_EPOCH); slot <= endOfBlockEpoch; slot++) {
        const proposer = cached.epochCtx.getBeaconProposer(slot);
        if (!this.monitored.has(proposer)) continue;
        const b = bySlot.get(slot);
        if (b !== undefined && b.block.message.proposerIndex === proposer) summary.blocksProposed++;
        else summary.blocksMissed++;
      }
      this.blocksProposed.inc(summary.blocksProposed);
      this.blocksMissed.inc(summary.blocksMissed);
      if (cached.fork >= ForkSeq.altair) {
        const members = cached.epochCtx.currentSyncCommitteeIndices;
        const positions = members.flatMap((v, pos) => (this.monitored.has(v) ? [pos] : []));
        if (positions.length > 0) {
          for (const b of canonical) {
            if (b.slot < blockEpoch * SLOTS_PER_EPOCH) continue;
            const agg = (b.block.message.body as {syncAggregate?: {syncCommitteeBits: {get(i: number): boolean}}})
              .syncAggregate;
            if (agg === undefined) continue;
            for (const pos of positions) {
              if (agg.syncCommitteeBits.get(pos)) summary.syncHits++;
              else summary.syncMisses++;
            }
          }
          this.syncHits.inc(summary.syncHits);
          this.syncMisses.inc(summary.syncMisses);
        }
      }
    }
    this.evaluatedEpoch.set(attEpoch);
    return summary;
  }

  /** For every monitored attester of `epoch` found in the canonical blocks: the first block's slot - the vote's. */
  private inclusionDistances(
    cached: CachedBeaconState,
    epoch: number,
    canonical: {slot: number; block: SignedBeaconBlockAllForks}[],
  ): number[] {
    const shuffling = cached.epochCtx.getShufflingAtEpoch(epoch);
    // `${slot}:${committeeIndex}` → the monitored validators' positions in that committee
    const positions = new Map<string, {index: number; pos: number}[]>();
    for (let s = 0; s < SLOTS_PER_EPOCH; s++) {
      const committees = shuffling.committees[s];
      for (let ci = 0; ci < committees.length; ci++) {
        const committee = committees[ci];
        for (let pos = 0; pos < committee.length; pos++) {
          if (!this.monitored.has(committee[pos])) continue;
          const key = `${epoch * SLOTS_PER_EPOCH + s}:${ci}`;
          let list = positions.get(key);
          if (list === undefined) {
            list = [];
            positions.set(key, list);
          }
          list.push({index: committee[pos], pos});
        }
      }
    }
    const first = new Map<number, number>();
    for (const {slot, block} of canonical) {
      const electra = this.chain.beaconConfig.getForkSeq(slot) >= ForkSeq.electra;
      for (const att of block.message.body.attestations as AttestationAllForks[]) {
        const {data} = att;
        if (data.target.epoch !== epoch) continue;
        const bits = att.aggregationBits;
        const committeeIndices = electra
          ? getCommitteeIndices((att as AttestationElectra).committeeBits)
          : [data.index];
        let offset = 0;
        for (const ci of committeeIndices) {
          for (const {index, pos} of positions.get(`${data.slot}:${ci}`) ?? []) {
            if (!first.has(index) && bits.get(offset + pos)) first.set(index, slot - data.slot);
          }
          if (electra) offset += shuffling.committees[data.slot % SLOTS_PER_EPOCH][ci]?.length ?? 0;
        }
      }
    }
    return [...first.values()];
  }
}
