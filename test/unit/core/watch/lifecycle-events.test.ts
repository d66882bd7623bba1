import { describe, expect, it } from 'vitest';
import { detectLifecycleEvents, type LifecycleObservation } from '../../../../src/core/watch/lifecycle-events.js';

const obs = (target: string | undefined, spot?: { action: string; time: string }): LifecycleObservation => ({ target, spot });
const spotNotice = { action: 'terminate', time: '2030-01-01T00:02:00Z' };

describe('detectLifecycleEvents', () => {
  it.each([
    ['first poll in service', undefined, obs('InService'), ['target-changed']],
    ['same state again', obs('InService'), obs('InService'), []],
    ['scale-in begins', obs('InService'), obs('Terminated'), ['target-changed', 'terminating']],
    ['still terminating on the next poll', obs('Terminated'), obs('Terminated'), []],
    ['restart mid-termination', undefined, obs('Terminated'), ['target-changed', 'terminating']],
    ['warm pool termination', obs('Warmed:Stopped'), obs('Warmed:Terminated'), ['target-changed', 'terminating']],
    ['detached from the ASG', obs('InService'), obs(undefined), ['target-changed']],
    ['spot notice appears', obs('InService'), obs('InService', spotNotice), ['spot-interruption']],
    ['spot notice stays', obs('InService', spotNotice), obs('InService', spotNotice), []],
    ['spot notice rescheduled', obs('InService', spotNotice), obs('InService', { ...spotNotice, time: '2030-01-01T00:03:00Z' }), ['spot-interruption']],
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
});
