import type { Clock } from '../../ports/clock.js';

export interface RetryOptions {
  clock: Clock;
  /** Clock time after which the last failure is thrown instead of retried. */
  deadline: number;
  /** First wait; each later one is `factor` times longer, up to maxDelayMs, times a jitter of 1 to 2. */
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** Aborts the wait and the loop: its reason is thrown. */
  signal?: AbortSignal;
  /** false: this failure is final, thrown at once. */
  shouldRetry(error: unknown): boolean;
  onFailedAttempt?(error: unknown): void;
}

/**
 * Runs `attempt` until it resolves, with backoff and jitter between failures, on the injected clock
 * (tests run it in virtual time). Bounded by the deadline: every wait lasts at least minDelayMs and
 * the last one ends at the deadline. The jitter spreads instances that boot together.
 */
export async function retryUntil<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { clock, signal } = options;
  for (let failures = 0; ; failures++) {
    signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      signal?.throwIfAborted();
      options.onFailedAttempt?.(error);
      const remaining = options.deadline - clock.now();
      if (remaining <= 0 || !options.shouldRetry(error)) throw error;
      const backoff = Math.min(options.maxDelayMs, (1 + Math.random()) * options.minDelayMs * options.factor ** failures);
      await clock.sleep(Math.min(backoff, remaining), signal);
    }
  }
}
