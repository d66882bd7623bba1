import { describe, expect, it } from 'vitest';
import { LifecycleAction } from '../../../../src/app/drain/lifecycle-action.js';
import { RecordingMetrics } from '../../recording-metrics.js';
import { FakeClock, FakeFleet, HOOK, silentLog } from '../watch-fakes.js';

describe('LifecycleAction heartbeats', () => {
  it('beat every third of HeartbeatTimeout; a failed beat is tried again within seconds, so one failure never lets the action expire', async () => {
    const clock = new FakeClock();
    const fleet = new FakeFleet(clock);
    const action = new LifecycleAction(fleet.asFleet(), HOOK, 'i-1', clock, silentLog, new RecordingMetrics());
    const beats = new AbortController();
    const start = clock.now();
    fleet.heartbeatFailures.push(new Error('InternalFailure'), new Error('InternalFailure'));
    const running = action.heartbeatUntil(beats.signal);
    await clock.sleep(HOOK.heartbeatTimeoutMs);
    beats.abort();
    await running.catch(() => undefined);
    const offsets = fleet.heartbeats.map((at) => at - start);
    // Two failures at 0 s and 2 s, the beat that lands at 4 s, then every 10 s (a third of 30 s).
    expect(offsets.slice(0, 5)).toEqual([0, 2_000, 4_000, 14_000, 24_000]);
    expect(action.expiresAt).toBe(start + 24_000 + HOOK.heartbeatTimeoutMs);
  });
});
