import { describe, expect, it } from 'vitest';
import { Drainer } from '../../../../src/app/drain/drainer.js';
import { DrainRequestKeeper } from '../../../../src/app/watch/drain-request.js';
import { watchLifecycle, type LifecycleWatcherDeps } from '../../../../src/app/watch/lifecycle-watcher.js';
import { RecordingMetrics } from '../../recording-metrics.js';
import type { DrainTrigger } from '../../../../src/core/drain/step.js';
import type { BootRecord, DrainRequestRecord } from '../../../../src/ports/boot-record.js';
import type { InstanceMetadata, ScheduledEvent } from '../../../../src/ports/instance-metadata.js';
import { FakeClock, FakeFleet, silentLog } from '../watch-fakes.js';

/** IMDS answering from a script, one step per poll; the last step repeats. */
interface Step {
  target?: string;
  spot?: { action: string; time: string };
  rebalance?: string;
  events?: ScheduledEvent[];
}

function scripted(steps: Step[]): InstanceMetadata & { polls: number } {
  const at = (): Step => steps[Math.min(metadata.polls, steps.length - 1)] ?? {};
  const metadata = {
    polls: 0,
    identity: async () => {
      throw new Error('unused');
    },
    targetLifecycleState: async () => at().target ?? 'InService',
    spotInterruption: async () => at().spot,
    rebalanceRecommendation: async () => at().rebalance,
    scheduledEvents: async () => {
      const events = at().events ?? [];
      metadata.polls++;
      return events;
    },
  };
  return metadata;
}

interface Run {
  drains: DrainTrigger[];
  boots: number;
  fleet: FakeFleet;
  records: DrainRequestRecord[];
  metrics: RecordingMetrics;
}

/** Runs the watcher over the script; drains are recorded (they take `drainMs` of virtual time). */
async function run(steps: Step[], opts: { polls?: number; drainMs?: number; lastBoot?: Pick<BootRecord, 'member' | 'outcome'> } = {}): Promise<Run> {
  const clock = new FakeClock();
  const stop = new AbortController();
  const metadata = scripted(steps);
  const fleet = new FakeFleet(clock);
  const result: Run = { drains: [], boots: 0, fleet, records: [], metrics: new RecordingMetrics() };
  const drainer = new Drainer(
    async (trigger) => {
      result.drains.push(trigger);
      await clock.sleep(opts.drainMs ?? 0);
    },
    stop.signal,
    silentLog,
  );
  let stored: DrainRequestRecord | undefined;
  const keeper = new DrainRequestKeeper(
    fleet.asFleet(),
    { read: async () => stored, write: async (r) => void (stored = r, result.records.push(r)) },
    'i-1',
    clock,
    silentLog,
  );
  const deps: LifecycleWatcherDeps = {
    metadata,
    clock,
    log: silentLog,
    pollIntervalMs: 1_000,
    eventLeadMs: 600_000,
    drainer,
    drainRequests: keeper,
    metrics: result.metrics,
    boot: async () => void result.boots++,
    lastBoot: async () => ('lastBoot' in opts ? opts.lastBoot : { member: true, outcome: 'healthy' }),
  };
  const watching = watchLifecycle(deps, stop.signal);
  while (metadata.polls < (opts.polls ?? steps.length + 3)) await clock.sleep(1_000);
  stop.abort();
  await watching;
  return result;
}

const notice = { action: 'terminate', time: '2030-01-01T00:02:00Z' };
/** What boot leaves on a pool instance: it answered the launching action and did not join. */
const POOL_BOOT = { member: false, outcome: 'no-join' } as const;

describe('watchLifecycle: sources feed one drain path', () => {
  it('one drain per transition however many polls see it', async () => {
    const { drains, metrics } = await run([{}, {}, { target: 'Terminated' }, { target: 'Terminated' }]);
    expect(drains).toEqual([{ hook: true, spotTime: undefined, toWarmPool: false }]);
    expect(metrics.events.filter((kind) => kind === 'terminating')).toHaveLength(1);
  });

  it('a spot notice triggers the drain once', async () => {
    const { drains } = await run([{}, {}, { spot: notice }]);
    expect(drains).toEqual([{ hook: false, spotTime: notice.time, toWarmPool: false }]);
  });

  it('a spot notice during a hook drain joins it: the running drain takes the spot deadline (it is seen while draining)', async () => {
    const { drains } = await run([{ target: 'Terminated' }, { target: 'Terminated' }, { target: 'Terminated', spot: notice }], { drainMs: 60_000, polls: 8 });
    expect(drains).toHaveLength(1);
    expect(drains[0]).toEqual({ hook: true, spotTime: notice.time, toWarmPool: false });
  });

  it('scale-in into a warm pool: a hook drain that asks the leader itself', async () => {
    const { drains } = await run([{}, { target: 'Warmed:Running' }]);
    expect(drains).toEqual([{ hook: true, spotTime: undefined, toWarmPool: true }]);
  });

  it('a fresh warm pool instance (never a member) first seen in the pool: nothing to drain', async () => {
    const { drains } = await run([{ target: 'Warmed:Running' }], { lastBoot: POOL_BOOT });
    expect(drains).toEqual([]);
  });

  it('a running pool instance going into service without a reboot runs boot\'s procedure', async () => {
    const { boots, drains } = await run([{ target: 'Warmed:Running' }, { target: 'Warmed:Running' }, { target: 'InService' }], { lastBoot: POOL_BOOT });
    expect(boots).toBe(1);
    expect(drains).toEqual([]);
  });

  it('a pool instance handed out before watch started (first seen in service) runs boot\'s procedure once', async () => {
    const { boots } = await run([{ target: 'InService' }, { target: 'InService' }], { lastBoot: POOL_BOOT });
    expect(boots).toBe(1);
  });

  it.each([
    ['a member restarted in service', { member: true, outcome: 'healthy' }],
    ['a boot that failed (systemd and the launching hook deal with it)', { member: false, outcome: 'failed' }],
    ['no boot record', undefined],
  ] as const)('first seen in service, %s: no boot procedure', async (_name, lastBoot) => {
    const { boots } = await run([{ target: 'InService' }], { lastBoot });
    expect(boots).toBe(0);
  });

  it('a rebalance recommendation tags the instance once; a scheduled reboot ahead tags it, and the tag goes once the event is over', async () => {
    const rebalance = await run([{}, { rebalance: '2030-01-01T00:00:00Z' }]);
    expect(rebalance.fleet.drainRequests).toEqual(['i-1:rebalance']);
    expect(rebalance.drains).toEqual([]);

    const soon = Date.now() + 30 * 60_000;
    const event: ScheduledEvent = { eventId: 'instance-event-1', code: 'system-reboot', notBefore: soon, notAfter: soon + 3_600_000, state: 'active' };
    const reboot = await run([{}, { events: [{ ...event, notBefore: 0 }] }, { events: [{ ...event, notBefore: 0, state: 'completed' }] }]);
    expect(reboot.fleet.drainRequests).toEqual(['i-1:event:system-reboot:instance-event-1', 'i-1:-']);
    expect(reboot.records.map((r) => r.tag)).toEqual(['event:system-reboot:instance-event-1', undefined]);
  });
});
