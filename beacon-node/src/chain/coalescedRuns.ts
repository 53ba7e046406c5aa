/**
 * One background job at a time, the newest request remembered: the history and sidecar pruners run after each
 * finalization; a finalization that arrives while a run goes on is kept (replacing an older waiting one) and run
 * after it. Failures go to `onError`, whose value the run resolves with: a run's promise never rejects.
 */
export class CoalescedRuns<A, R> {
  private readonly job: (arg: A) => Promise<R>;
  private readonly onError: (e: Error) => R;
  private running: Promise<R> | null = null;
  /** The newest request that arrived while a run was going: run after it. */
  private pending: {arg: A} | null = null;
  private stoppedFlag = false;

  constructor(job: (arg: A) => Promise<R>, onError: (e: Error) => R) {
    this.job = job;
    this.onError = onError;
  }

  /** True once `stop()` was called: jobs check it between their batches. */
  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /**
   * Runs `job(arg)` now, or after the current run when one goes on (then it resolves when no run is left). Resolves
   * with null once stopped.
   */
  request(arg: A): Promise<R | null> {
    if (this.stoppedFlag) return Promise.resolve(null);
    if (this.running !== null) {
      this.pending = {arg};
      return this.running.then(() => this.idle());
    }
    const run = this.job(arg)
      .catch((e: Error): R => this.onError(e))
      .finally(() => {
        this.running = null;
        const next = this.pending;
        this.pending = null;
        if (next !== null && !this.stoppedFlag) void this.request(next.arg);
      });
    this.running = run;
    return run;
  }

  /** Resolves when no run goes on or waits. */
  async idle(): Promise<null> {
    while (this.running !== null) await this.running;
    return null;
  }

  /** No new runs; resolves when the current one has stopped (jobs stop after their current batch). */
  async stop(): Promise<void> {
    this.stoppedFlag = true;
    this.pending = null;
    await this.running;
  }
}
