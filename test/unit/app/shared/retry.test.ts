import { describe, expect, it } from 'vitest';
import { retryUntil } from '../../../../src/app/shared/retry.js';
import { FakeClock } from '../../fake-clock.js';

const BACKOFF = { minDelayMs: 1_000, maxDelayMs: 4_000, factor: 2 };

describe('retryUntil (p-retry on the deadline)', () => {
  it('retries with backoff until an attempt succeeds', async () => {
    const clock = new FakeClock();
    let attempts = 0;
    const result = await retryUntil(async () => {
      if (++attempts < 4) throw new Error('not yet');
      return 'done';
    }, { ...BACKOFF, clock, deadline: clock.now() + 60_000, shouldRetry: () => true });
    expect(result).toBe('done');
    expect(attempts).toBe(4);
  });

  it('the deadline is a wall-clock limit: an attempt still waiting on a slow call is abandoned, and the last failure is thrown', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    let attempts = 0;
    const failure = await retryUntil(async () => {
      if (++attempts === 1) throw new Error('first failure');
      await clock.sleep(3_600_000);
      return 'too late';
    }, { ...BACKOFF, clock, deadline: start + 30_000, shouldRetry: () => true }).catch((error: unknown) => error);
    expect((failure as Error).message).toBe('first failure');
    expect(clock.now() - start).toBe(30_000);
  });

  it('a final failure is thrown at once; a stop ends the loop with its reason', async () => {
    const clock = new FakeClock();
    await expect(retryUntil(async () => Promise.reject(new Error('final')), { ...BACKOFF, clock, deadline: clock.now() + 60_000, shouldRetry: () => false })).rejects.toThrow('final');
    const stop = new AbortController();
    const running = retryUntil(
      async () => {
        stop.abort(new Error('SIGTERM'));
        throw new Error('again');
      },
      { ...BACKOFF, clock, deadline: clock.now() + 60_000, signal: stop.signal, shouldRetry: () => true },
    );
    await expect(running).rejects.toThrow('SIGTERM');
  });

  it('hands each attempt the loop\'s signal: aborted once the deadline passed', async () => {
    const clock = new FakeClock();
    const seen: AbortSignal[] = [];
    await retryUntil(async (signal) => {
      seen.push(signal);
      await clock.sleep(120_000);
    }, { ...BACKOFF, clock, deadline: clock.now() + 10_000, shouldRetry: () => true }).catch(() => undefined);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
  });
});
