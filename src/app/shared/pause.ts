import type { Clock } from '../../ports/clock.js';

/** Sleeps, returning early (not throwing) when the signal aborts: a stop is a normal end of a loop. */
export async function pause(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  try {
    await clock.sleep(ms, signal);
  } catch (error) {
    if (!signal?.aborted) throw error;
  }
}
