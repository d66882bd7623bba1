import pRetry from 'p-retry';
import type { Clock } from '../../ports/clock.js';
import { pause } from './pause.js';

export interface RetryOptions {
  clock: Clock;
  /** Clock time at which the loop ends: the last failure is thrown, even with an attempt in flight. */
  deadline: number;
  /** First wait; each later one is `factor` times longer, up to maxDelayMs, times a jitter of 1 to 2. */
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /**
   * Full jitter instead: each wait is drawn uniformly between 0 and that bound, so instances that
   * fail together (a fleet booting at once) spread over the whole window instead of half of it.
   */
  fullJitter?: boolean;
  /** Aborts the loop and any attempt in flight: its reason is thrown. */
  signal?: AbortSignal;
  /** false: this failure is final, thrown at once. */
  shouldRetry(error: unknown): boolean;
  onFailedAttempt?(error: unknown): void;
}

/** The deadline passed while an attempt was still running: the loop does not wait for it. */
export class DeadlineExceeded extends Error {
  constructor(readonly lastError: unknown) {
    super(lastError instanceof Error ? lastError.message : 'the deadline passed before any attempt finished');
    this.name = 'DeadlineExceeded';
  }
}

/** Settles with `work`, or rejects with the signal's reason as soon as it aborts. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // Its late failure is ignored like any late answer: unhandled, it would end the process.
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Runs `attempt` until it resolves, with p-retry's exponential backoff and jitter between failures
 * (the jitter spreads instances that boot together). The deadline is a wall-clock limit: at the
 * deadline the loop ends even if an attempt is still waiting on a slow call (that call is bounded
 * on its own and its late answer is ignored), and the last failure is thrown. `attempt` gets the
 * loop's signal: an attempt that would change something checks it first, so nothing new starts
 * once the loop has ended.
 */
export async function retryUntil<T>(attempt: (signal: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  const { clock } = options;
  const limit = new AbortController();
  let lastError: unknown;
  const timer = setTimeout(() => limit.abort(new DeadlineExceeded(lastError)), Math.max(0, options.deadline - clock.now()));
  const signal = options.signal === undefined ? limit.signal : AbortSignal.any([limit.signal, options.signal]);
  const full = options.fullJitter === true;
  try {
    return await pRetry(() => untilAborted(attempt(signal), signal), {
      retries: Number.POSITIVE_INFINITY,
      // With full jitter the wait is drawn in shouldRetry below and p-retry adds none of its own.
      minTimeout: full ? 0 : options.minDelayMs,
      maxTimeout: full ? 0 : options.maxDelayMs,
      factor: options.factor,
      randomize: !full,
      signal,
      onFailedAttempt: ({ error }) => {
        // An attempt cut short by the deadline or a stop is not a failure of its own.
        if (signal.aborted) return;
        lastError = error;
        options.onFailedAttempt?.(error);
      },
      shouldRetry: async ({ error, retriesConsumed }) => {
        if (signal.aborted || !options.shouldRetry(error)) return false;
        if (full) await pause(clock, Math.random() * Math.min(options.maxDelayMs, options.minDelayMs * options.factor ** retriesConsumed), signal);
        return true;
      },
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof DeadlineExceeded) throw error.lastError ?? error;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
