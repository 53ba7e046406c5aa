/**
 * Resolves after `ms` milliseconds (at once when `ms` <= 0). With a `signal`, rejects with the signal's reason as
 * soon as it aborts (or at once if it already has), and the timer is cleared — as `node:timers/promises` does.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, {once: true});
  });
}
