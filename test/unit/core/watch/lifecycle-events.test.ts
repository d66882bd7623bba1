import { describe, expect, it } from 'vitest';
import { detectLifecycleEvents, standingDrainRequest, type LifecycleObservation } from '../../../../src/core/watch/lifecycle-events.js';
import type { ScheduledEvent } from '../../../../src/ports/instance-metadata.js';

const obs = (target: string | undefined, spot?: { action: string; time: string }): LifecycleObservation => ({ at: 0, target, spot, rebalance: undefined, events: [] });
const spotNotice = { action: 'terminate', time: '2030-01-01T00:02:00Z' };

describe('detectLifecycleEvents', () => {
  it.each([
    ['first poll in service: maybe a pool instance handed out before watch started (the watcher asks the boot record)', undefined, obs('InService'), ['target-changed', 'from-warm-pool']],
    ['same state again', obs('InService'), obs('InService'), []],
    ['scale-in begins', obs('InService'), obs('Terminated'), ['target-changed', 'terminating']],
    ['still terminating on the next poll', obs('Terminated'), obs('Terminated'), []],
    ['restart mid-termination', undefined, obs('Terminated'), ['target-changed', 'terminating']],
    ['warm pool termination', obs('Warmed:Stopped'), obs('Warmed:Terminated'), ['target-changed', 'terminating']],
    ['detached from the ASG', obs('InService'), obs(undefined), ['target-changed']],
    ['spot notice appears', obs('InService'), obs('InService', spotNotice), ['spot-interruption']],
    ['spot notice stays', obs('InService', spotNotice), obs('InService', spotNotice), []],
    ['spot notice rescheduled', obs('InService', spotNotice), obs('InService', { ...spotNotice, time: '2030-01-01T00:03:00Z' }), ['spot-interruption']],
    ['scale-in into a warm pool (instance reuse)', obs('InService'), obs('Warmed:Running'), ['target-changed', 'to-warm-pool']],
    ['a warm pool instance goes into service without a reboot', obs('Warmed:Running'), obs('InService'), ['target-changed', 'from-warm-pool']],
    ['a hibernated one too', obs('Warmed:Hibernated'), obs('InService'), ['target-changed', 'from-warm-pool']],
    ['first seen in a pool: maybe a scale-in to resume (the watcher asks the boot record)', undefined, obs('Warmed:Stopped'), ['target-changed', 'to-warm-pool']],
    ['a pool instance being prepared, then settled: nothing to do', obs('Warmed:Running'), obs('Warmed:Running'), []],
  ] as const)('%s', (_name, previous, current, kinds) => {
    expect(detectLifecycleEvents(previous, current).map((e) => e.kind)).toEqual(kinds);
  });

  it('emits one terminating event over many polls of the same state', () => {
    const polls = [obs('InService'), obs('InService'), obs('Terminated'), obs('Terminated'), obs('Terminated')];
    let previous: LifecycleObservation | undefined;
    const events = polls.flatMap((current) => {
      const found = detectLifecycleEvents(previous, current);
      previous = current;
      return found;
    });
    expect(events.filter((e) => e.kind === 'terminating')).toEqual([{ kind: 'terminating', target: 'Terminated' }]);
  });

  it('says whether a warm pool target on a first observation is resumed', () => {
    expect(detectLifecycleEvents(undefined, obs('Warmed:Running'))).toContainEqual({ kind: 'to-warm-pool', target: 'Warmed:Running', resumed: true });
    expect(detectLifecycleEvents(obs('InService'), obs('Warmed:Running'))).toContainEqual({ kind: 'to-warm-pool', target: 'Warmed:Running', resumed: false });
  });
});

describe('standingDrainRequest', () => {
  const T = Date.UTC(2030, 0, 1);
  const LEAD = 600_000;
  const event = (over: Partial<ScheduledEvent>): ScheduledEvent => ({ eventId: 'instance-event-1', code: 'system-reboot', notBefore: T + 3_600_000, notAfter: T + 7_200_000, state: 'active', ...over });
  const at = (now: number, over: Partial<LifecycleObservation>): LifecycleObservation => ({ at: now, target: 'InService', spot: undefined, rebalance: undefined, events: [], ...over });

  it.each<[string, LifecycleObservation, string | undefined]>([
    ['nothing announced', at(T, {}), undefined],
    ['a rebalance recommendation keeps the node drained', at(T, { rebalance: '2030-01-01T00:00:00Z' }), 'rebalance'],
    ['a scheduled reboot far ahead: not yet', at(T, { events: [event({})] }), undefined],
    ['within the lead: drained ahead', at(T + 3_600_000 - LEAD, { events: [event({})] }), 'event:system-reboot:instance-event-1'],
    ['while it is carried out', at(T + 3_700_000, { events: [event({})] }), 'event:system-reboot:instance-event-1'],
    ['completed: re-activated', at(T + 3_700_000, { events: [event({ state: 'completed' })] }), undefined],
    ['canceled: re-activated', at(T + 3_600_000, { events: [event({ state: 'canceled' })] }), undefined],
    ['past its NotAfter: re-activated', at(T + 7_300_000, { events: [event({})] }), undefined],
    ['a stop and a retirement are drained ahead too', at(T + 3_600_000, { events: [event({ code: 'instance-stop' })] }), 'event:instance-stop:instance-event-1'],
    ['network maintenance is not', at(T + 3_600_000, { events: [event({ code: 'system-maintenance' })] }), undefined],
    ['the earliest of several events', at(T + 3_600_000, { events: [event({ eventId: 'late', notBefore: T + 3_650_000 }), event({ eventId: 'early' })] }), 'event:system-reboot:early'],
  ])('%s', (_name, observation, tag) => {
    expect(standingDrainRequest(observation, LEAD)).toBe(tag);
  });
});
