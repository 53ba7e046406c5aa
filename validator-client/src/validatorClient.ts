import {mkdirSync} from "node:fs";
import {join} from "node:path";
import type {BeaconApiClient, ProposerDuty} from "@ceibo/api";
import {ForkSeq, SLOTS_PER_EPOCH} from "@ceibo/params";
import {SlashingProtection} from "@ceibo/slashing-protection";
import type {Logger} from "@ceibo/utils";
import {sleep, toHex} from "@ceibo/utils";
import {BeaconNodes} from "./beaconNodes.ts";
import {type ChainInfo, waitForChainInfo} from "./chainInfo.ts";
import {SlotClock} from "./clock.ts";
import {ValidatorClientError} from "./errors.ts";
import {createLogger} from "./logger.ts";
import {defaultValidatorClientOptions, type ValidatorClientOptions} from "./options.ts";
import {aggregate, attest} from "./services/attestation.ts";
import {graffitiBytes, proposeBlock} from "./services/blockProposal.ts";
import {Doppelganger} from "./services/doppelganger.ts";
import {DutiesService} from "./services/duties.ts";
import {IndexTracker} from "./services/indices.ts";
import {RegistrationService} from "./services/registration.ts";
import {SyncCommitteeService} from "./services/syncCommittee.ts";
import {type KeyStore, Signer} from "./signer/index.ts";

/** What the Keymanager API can set per validator. */
export interface ValidatorSettings {
  feeRecipient?: Uint8Array;
  graffiti?: string;
  /** The gas limit of the validator's builder registrations (--builder). */
  gasLimit?: bigint;
}

/**
 * The validator client's composition root: beacon nodes → chain info → slashing protection → signing gate →
 * services (index tracking, duties, proposals, attestations, aggregation, proposer preparation) driven by the
 * slot clock and the node's head events. `stopped` resolves when the client stops: with the fatal error
 * (e.g. DOPPELGANGER_DETECTED) or undefined after `close()`.
 */
export class ValidatorClient {
  readonly chain: ChainInfo;
  readonly clock: SlotClock;
  readonly signer: Signer;
  readonly nodes: BeaconNodes;
  readonly indices: IndexTracker;
  readonly duties: DutiesService;
  readonly syncCommittee: SyncCommitteeService;
  readonly doppelganger: Doppelganger;
  /** Builder registrations (--builder), null without. */
  readonly registrations: RegistrationService | null;
  readonly stopped: Promise<ValidatorClientError | undefined>;
  /** The keys the signing gate signs with (the Keymanager API adds and removes keys here). */
  readonly keys: KeyStore;
  readonly slashingProtection: SlashingProtection;
  /** Per-validator overrides set through the Keymanager API, by 0x-hex pubkey. */
  readonly perValidator = new Map<string, ValidatorSettings>();
  private readonly opts: ValidatorClientOptions;
  private readonly log: Logger;
  private readonly controller = new AbortController();
  private resolveStopped!: (e: ValidatorClientError | undefined) => void;
  private readonly graffiti?: Uint8Array;
  private readonly running = new Set<Promise<unknown>>();
  private lastEpochTasks = -1;
  /** Waiters for the head block of a slot (head events), so duties need not wait for their due time. */
  private readonly blockWaiters = new Map<number, (() => void)[]>();
  private lastHeadSlot = -1;
  /** The proposal in flight (the next slot's waits for it). */
  private proposing: Promise<void> = Promise.resolve();

  private constructor(
    opts: ValidatorClientOptions,
    m: {chain: ChainInfo; nodes: BeaconNodes; slashingProtection: SlashingProtection; keys: KeyStore; log: Logger},
  ) {
    this.opts = opts;
    this.log = m.log;
    this.chain = m.chain;
    this.nodes = m.nodes;
    this.slashingProtection = m.slashingProtection;
    this.keys = m.keys;
    this.clock = new SlotClock(m.chain.genesisTime, m.chain.config.chain.SLOT_DURATION_MS);
    this.signer = new Signer({config: m.chain.config, keys: m.keys, slashingProtection: m.slashingProtection});
    const api = m.nodes.api;
    this.indices = new IndexTracker(m.keys.pubkeys(), {api, log: m.log});
    const distributed = opts.distributed ?? false;
    this.duties = new DutiesService({api, signer: this.signer, indices: this.indices, log: m.log, distributed});
    this.syncCommittee = new SyncCommitteeService({
      api,
      signer: this.signer,
      indices: this.indices,
      log: m.log,
      distributed,
    });
    this.doppelganger = new Doppelganger(
      {api, log: m.log},
      {enabled: opts.doppelganger ?? defaultValidatorClientOptions.doppelganger, startEpoch: this.clock.currentEpoch},
    );
    // keys imported while running (Keymanager API) get a doppelganger watch of their own
    this.indices.onAdded = (id) => this.doppelganger.watch(id, this.clock.currentEpoch);
    this.indices.onRemoved = (id) => this.doppelganger.forget(id);
    if (opts.graffiti !== undefined) this.graffiti = graffitiBytes(opts.graffiti);
    this.registrations =
      opts.builder !== undefined
        ? new RegistrationService({
            api,
            signer: this.signer,
            log: m.log,
            // builder-specs is_eligible_for_registration: active or pending (an exited key would fail the batch)
            validators: () => this.indices.all().filter((v) => /^(pending|active)_/.test(v.status)),
            feeRecipientOf: (id) => this.feeRecipientOf(id),
            gasLimitOf: (id) => this.gasLimitOf(id),
          })
        : null;
    this.signer.metrics = opts.metrics ?? null;
    opts.metrics?.attach(this);
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  /** Connects, opens the slashing-protection store and starts the duty loop. */
  static async start(opts: ValidatorClientOptions, keys: KeyStore): Promise<ValidatorClient> {
    const log = opts.log ?? createLogger();
    if (keys.size === 0 && !opts.allowNoKeys)
      throw new ValidatorClientError("UNKNOWN_PUBKEY", "no validator keys to run");
    if (opts.graffiti !== undefined) graffitiBytes(opts.graffiti); // fail before connecting
    const nodes = new BeaconNodes(opts.beaconNodes, {
      log,
      timeoutMs: opts.requestTimeoutMs ?? defaultValidatorClientOptions.requestTimeoutMs,
    });
    nodes.metricsHook = opts.metrics?.beaconNodeRequest ?? null;
    // a beacon node that is not up yet is waited for (backoff, one waiting line, reminders), not fatal
    const chain = await waitForChainInfo(nodes, log, {
      ...(opts.waitReminderMs !== undefined ? {reminderMs: opts.waitReminderMs} : {}),
      ...(opts.signal !== undefined ? {signal: opts.signal} : {}),
    });
    log.info("Connected to the chain", {
      genesisTime: chain.genesisTime,
      genesisValidatorsRoot: toHex(chain.genesisValidatorsRoot),
      config: chain.config.chain.CONFIG_NAME,
      beaconNodes: nodes.urls.join(","),
    });
    mkdirSync(opts.dataDir, {recursive: true});
    const slashingProtection = await SlashingProtection.open({
      path: join(opts.dataDir, "slashing-protection"),
      genesisValidatorsRoot: chain.genesisValidatorsRoot,
    });
    const vc = new ValidatorClient(opts, {chain, nodes, slashingProtection, keys, log});
    try {
      await vc.indices.update();
    } catch (e) {
      log.warn("Validator index lookup failed, retrying every slot", {error: e});
    }
    log.info("Validator client started", {keys: keys.size, known: vc.indices.indices().length});
    vc.track(vc.runSlots());
    vc.track(vc.runHeadEvents());
    return vc;
  }

  /** The fee recipient for a validator: its Keymanager API override, else `--fee-recipient`. */
  feeRecipientOf(pubkeyHex: string): Uint8Array | undefined {
    return this.perValidator.get(pubkeyHex.toLowerCase())?.feeRecipient ?? this.opts.feeRecipient;
  }

  /** The registered gas limit of a validator: its Keymanager API override, else `--gas-limit` (60_000_000). */
  gasLimitOf(pubkeyHex: string): bigint {
    return (
      this.perValidator.get(pubkeyHex.toLowerCase())?.gasLimit ??
      this.opts.gasLimit ??
      defaultValidatorClientOptions.gasLimit
    );
  }

  /** The graffiti (text) for a validator: its Keymanager API override, else `--graffiti`. */
  graffitiOf(pubkeyHex: string): string | undefined {
    return this.perValidator.get(pubkeyHex.toLowerCase())?.graffiti ?? this.opts.graffiti;
  }

  /** Whether the client has stopped (or is stopping). */
  get isStopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** Stops every service and closes the slashing-protection store. */
  async close(): Promise<void> {
    await this.stop(undefined);
  }

  private async stop(error: ValidatorClientError | undefined): Promise<void> {
    if (this.controller.signal.aborted) return;
    this.controller.abort();
    await Promise.allSettled([...this.running]);
    await this.slashingProtection.close();
    if (error) this.log.error(error.message);
    else this.log.info("Validator client stopped");
    this.resolveStopped(error);
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e) => this.log.error("Unexpected error", {error: e})).finally(() => this.running.delete(q));
    this.running.add(q);
  }

  private async runSlots(): Promise<void> {
    const signal = this.controller.signal;
    // the current slot now (fetches this epoch's duties), then every slot start from the next one
    const first = this.clock.currentSlot;
    this.track(this.onSlot(first, true));
    await this.clock.runEverySlot(signal, (slot) => this.track(this.onSlot(slot, false)), first + 1);
  }

  /**
   * Once per epoch (and at start): node health, validator indices, doppelganger check (fatal), then attester/
   * proposer duties, sync committee duties and proposer preparation — each failing on its own, retried next slot.
   */
  private async epochTasks(epoch: number): Promise<void> {
    if (this.lastEpochTasks === epoch) return;
    await this.nodes.checkHealth();
    await this.indices.update();
    if (!this.doppelganger.isSafe()) {
      const own = await this.ownLastEpochs();
      await this.doppelganger.check(
        epoch,
        this.indices.all().map((v) => ({index: v.index, ownLastEpoch: own.get(toHex(v.pubkey)) ?? -1})),
      );
    }
    // builder registrations: on their own (a builder that is down must not hold up the duties); retried next epoch
    if (this.registrations !== null) {
      const registrations = this.registrations;
      this.track(
        registrations
          .run(epoch)
          .catch((e: unknown) => this.log.warn("Builder registrations failed", {epoch, error: e})),
      );
    }
    const tasks: [string, () => Promise<void>][] = [
      ["attester and proposer duties", () => this.duties.poll(epoch)],
      ["sync committee duties", () => this.syncCommittee.poll(epoch)],
      ["proposer preparation", () => this.prepareProposers()],
    ];
    const results = await Promise.allSettled(tasks.map(([, run]) => run()));
    let ok = true;
    results.forEach((r, i) => {
      if (r.status === "rejected") {
        ok = false;
        this.log.error(`Fetching ${tasks[i][0]} failed`, {epoch, error: r.reason});
        this.opts.metrics?.dutyFailed("epoch");
      }
    });
    if (ok) this.lastEpochTasks = epoch;
  }

  /** Per pubkey, the last epoch this client signed in (attestation target or block epoch), from its records. */
  private async ownLastEpochs(): Promise<Map<string, number>> {
    const doc = await this.slashingProtection.exportInterchange(this.chain.genesisValidatorsRoot, undefined, {
      minimal: true,
    });
    const out = new Map<string, number>();
    for (const d of doc.data) {
      const epochs = [
        ...d.signed_attestations.map((a) => Number(a.target_epoch)),
        ...d.signed_blocks.map((b) => Math.floor(Number(b.slot) / SLOTS_PER_EPOCH)),
      ];
      out.set(d.pubkey.toLowerCase(), Math.max(-1, ...epochs));
    }
    return out;
  }

  /** prepare_beacon_proposer with the fee recipient (per-validator override or default) of every known validator. */
  private async prepareProposers(): Promise<void> {
    const preparations: {validatorIndex: number; feeRecipient: Uint8Array}[] = [];
    for (const v of this.indices.all()) {
      const feeRecipient = this.feeRecipientOf(toHex(v.pubkey));
      if (feeRecipient !== undefined) preparations.push({validatorIndex: v.index, feeRecipient});
    }
    if (preparations.length === 0) return;
    await this.nodes.api.prepareBeaconProposer({preparations});
  }

  /** Runs `task`; false if it found a doppelganger (the client is then stopping), other errors are logged. */
  private async guarded(task: () => Promise<void>, what: string, ctx: Record<string, unknown>): Promise<boolean> {
    try {
      await task();
      return true;
    } catch (e) {
      if (e instanceof ValidatorClientError && e.code === "DOPPELGANGER_DETECTED") {
        // not awaited: stop() waits for the running duties, this one among them
        void this.stop(e);
        return false;
      }
      this.log.error(what, {...ctx, error: e});
      if (what === "Epoch duties failed") this.opts.metrics?.dutyFailed("epoch");
      return true;
    }
  }

  /** The doppelganger watch of keys added while running (their indices looked up first when new). */
  private async checkWatchedKeys(epoch: number): Promise<void> {
    if (this.doppelganger.watchedKeys.length === 0) return;
    if (!this.indices.allIndexed()) await this.indices.update();
    const own = await this.ownLastEpochs();
    await this.doppelganger.checkWatched(
      epoch,
      this.indices.all().map((v) => ({
        pubkey: toHex(v.pubkey),
        index: v.index,
        ownLastEpoch: own.get(toHex(v.pubkey)) ?? -1,
      })),
    );
  }

  private async onSlot(slot: number, first: boolean): Promise<void> {
    const signal = this.controller.signal;
    const epoch = Math.floor(slot / SLOTS_PER_EPOCH);
    for (const s of this.blockWaiters.keys()) if (s < slot - 1) this.blockWaiters.delete(s);
    let epochDone: Promise<boolean> = Promise.resolve(true);
    if (first || slot % SLOTS_PER_EPOCH === 0 || this.lastEpochTasks !== epoch) {
      epochDone = this.guarded(() => this.epochTasks(epoch), "Epoch duties failed", {epoch});
    }
    // proposer duties fetched ahead (last epoch) let an epoch's first proposal go without waiting for its
    // duty requests; otherwise the duties come first
    if (!this.duties.hasProposerDuties(epoch) && !(await epochDone)) return;
    if (!(await this.guarded(() => this.checkWatchedKeys(epoch), "Doppelganger check of added keys failed", {slot}))) {
      return;
    }
    if (!this.doppelganger.isSafe() || signal.aborted) return;
    const safe = (pubkey: Uint8Array): boolean => this.doppelganger.isSafeKey(toHex(pubkey));
    const deps = {
      api: this.nodes.api,
      signer: this.signer,
      log: this.log,
      graffiti: this.graffiti,
      builderBoostFactor: this.opts.builder === undefined ? 0n : this.opts.builder.boostFactor,
    };
    // a proposal is made at the start of the slot, never late in it; the genesis slot has no proposal. On a slow
    // machine the previous slot's proposal may still be in flight: wait for it, or this block would be built on
    // the block before it (and be refused for its parent root)
    const skip = this.opts.skipProposal?.(slot) ?? false;
    if (skip) this.log.info("Not proposing at this slot (--dev.skip-proposals)", {slot});
    const duties = slot > 0 && !skip ? this.duties.proposerDutiesAt(slot).filter((d) => safe(d.pubkey)) : [];
    if (duties.length > 0) {
      const previous = this.proposing;
      let done: () => void = () => {};
      this.proposing = new Promise<void>((resolve) => {
        done = resolve;
      });
      try {
        await previous;
        if (this.clock.timeAt(slot, this.chain.config.chain.ATTESTATION_DUE_BPS) > Date.now()) {
          await this.propose(slot, duties, deps);
        }
      } finally {
        done();
      }
    }
    if (!(await epochDone) || !this.doppelganger.isSafe() || signal.aborted) return;
    await Promise.all([this.attestationDuties(slot), this.syncCommitteeDuties(slot)]);
  }

  private async propose(
    slot: number,
    duties: ProposerDuty[],
    deps: {api: BeaconApiClient; signer: Signer; log: Logger; graffiti?: Uint8Array; builderBoostFactor?: bigint},
  ): Promise<void> {
    for (const duty of duties) {
      try {
        const own = this.perValidator.get(toHex(duty.pubkey))?.graffiti;
        await proposeBlock(
          {...deps, graffiti: own !== undefined ? graffitiBytes(own) : this.graffiti},
          duty.pubkey,
          slot,
        );
      } catch (e) {
        this.log.error("Block proposal failed", {slot, proposer: duty.validatorIndex, error: e});
        this.opts.metrics?.dutyFailed("block");
      }
    }
  }

  private async attestationDuties(slot: number): Promise<void> {
    const signal = this.controller.signal;
    const duties = this.duties.attesterDutiesAt(slot).filter((d) => this.doppelganger.isSafeKey(toHex(d.pubkey)));
    if (duties.length === 0) return;
    const c = this.chain.config.chain;
    const deps = {api: this.nodes.api, signer: this.signer, log: this.log};
    try {
      await this.untilBlockOrDue(slot, c.ATTESTATION_DUE_BPS);
      const data = await attest(deps, slot, duties);
      await this.clock.sleepUntil(slot, c.AGGREGATE_DUE_BPS, signal);
      await aggregate(deps, slot, duties, data);
    } catch (e) {
      if (signal.aborted) return;
      this.log.error("Attestation duties failed", {slot, error: e});
      this.opts.metrics?.dutyFailed("attestation");
    }
  }

  private async syncCommitteeDuties(slot: number): Promise<void> {
    const signal = this.controller.signal;
    if (this.chain.config.getForkSeq(slot) < ForkSeq.altair) return;
    const duties = this.syncCommittee.dutiesAt(slot).filter((d) => this.doppelganger.isSafeKey(toHex(d.pubkey)));
    if (duties.length === 0) return;
    const c = this.chain.config.chain;
    try {
      await this.untilBlockOrDue(slot, c.SYNC_MESSAGE_DUE_BPS);
      const root = await this.syncCommittee.produceMessages(slot, duties);
      if (root === undefined) return;
      await this.clock.sleepUntil(slot, c.CONTRIBUTION_DUE_BPS, signal);
      await this.syncCommittee.produceContributions(slot, duties, root);
    } catch (e) {
      if (signal.aborted) return;
      this.log.error("Sync committee duties failed", {slot, error: e});
      this.opts.metrics?.dutyFailed("sync_committee");
    }
  }

  /**
   * phase0 validator.md "Attesting" / altair "Prepare sync committee message": act when the block of `slot`
   * has been seen (a head event at `slot`) or at the due time (`bps` of the slot), whichever comes first.
   */
  private async untilBlockOrDue(slot: number, bps: number): Promise<void> {
    if (this.lastHeadSlot >= slot) return;
    const signal = this.controller.signal;
    let wake: () => void = () => {};
    const seen = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const list = this.blockWaiters.get(slot) ?? [];
    this.blockWaiters.set(slot, list);
    list.push(wake);
    const ac = new AbortController();
    const due = this.clock.sleepUntil(slot, bps, AbortSignal.any([signal, ac.signal]));
    try {
      await Promise.race([due, seen]);
    } finally {
      ac.abort();
      due.catch(() => {});
    }
    if (signal.aborted) throw signal.reason;
  }

  private onHeadSlot(slot: number): void {
    this.lastHeadSlot = Math.max(this.lastHeadSlot, slot);
    for (const [s, waiters] of this.blockWaiters) {
      if (s > slot) continue;
      for (const w of waiters) w();
      this.blockWaiters.delete(s);
    }
  }

  /** Head events re-fetch duties whose dependent root changed; the stream is re-opened when it drops. */
  private async runHeadEvents(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      try {
        await this.nodes.api.eventstream({
          topics: ["head"],
          signal,
          onEvent: (ev) => {
            if (ev.type !== "head") return;
            const m = ev.message;
            this.onHeadSlot(m.slot);
            const epoch = Math.floor(m.slot / SLOTS_PER_EPOCH);
            this.track(
              this.duties
                .onHead(epoch, toHex(m.previousDutyDependentRoot), toHex(m.currentDutyDependentRoot))
                .catch((e) => this.log.warn("Duties re-fetch failed", {error: e})),
            );
          },
        });
      } catch (e) {
        if (signal.aborted) return;
        this.log.debug("Head event stream dropped", {error: e});
      }
      try {
        await sleep(1000, signal);
      } catch {
        return;
      }
    }
  }
}
