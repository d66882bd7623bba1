import { describe, expect, it } from 'vitest';
import type { DrainTrigger } from '../../../../src/core/drain/step.js';
import { watchLifecycle } from '../../../../src/app/watch/lifecycle-watcher.js';
import type { InstanceMetadata } from '../../../../src/ports/instance-metadata.js';
import { FakeClock, silentLog } from '../watch-fakes.js';

/** IMDS answering from a script of states, one per poll; the last state repeats. */
function scripted(states: (string | undefined)[], spotFrom?: number): InstanceMetadata & { polls: number } {
  const metadata = {
    polls: 0,
    identity: async () => {
      throw new Error('unused');
    },
    targetLifecycleState: async () => states[Math.min(metadata.polls++, states.length - 1)],
    spotInterruption: async () => (spotFrom !== undefined && metadata.polls > spotFrom ? { action: 'terminate', time: '2030-01-01T00:00:00Z' } : undefined),
  };
  return metadata;
}

describe('watchLifecycle', () => {
  it('runs one drain per transition however many polls see it, and stops on the signal', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const metadata = scripted(['InService', 'InService', 'Terminated', 'Terminated', 'Terminated', 'Terminated']);
    const drains: DrainTrigger[] = [];
    const watching = watchLifecycle(
      {
        metadata,
        clock,
        log: silentLog,
        pollIntervalMs: 1_000,
        drain: async (trigger) => {
          drains.push(trigger);
        },
      },
      stop.signal,
    );
    while (metadata.polls < 8) await clock.sleep(1_000);
    stop.abort();
    await watching;
    expect(drains).toEqual([{ kind: 'hook' }]);
  });

  it('a spot notice triggers the quick drain once', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const metadata = scripted(['InService'], 2);
    const drains: DrainTrigger[] = [];
    const watching = watchLifecycle({ metadata, clock, log: silentLog, pollIntervalMs: 1_000, drain: async (t) => void drains.push(t) }, stop.signal);
    while (metadata.polls < 6) await clock.sleep(1_000);
    stop.abort();
    await watching;
    expect(drains).toEqual([{ kind: 'spot', time: '2030-01-01T00:00:00Z' }]);
  });
});
