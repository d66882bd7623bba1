import { describe, expect, it } from 'vitest';
import { nextDrainStep, type DrainFacts } from '../../../../src/core/drain/step.js';

const worker: DrainFacts = { trigger: 'hook', localNodeState: 'active', isManager: false, selfAvailability: undefined, localTasks: 0, deadlinePassed: false };
const manager: DrainFacts = { ...worker, isManager: true, selfAvailability: 'active' };

describe('nextDrainStep', () => {
  it.each([
    ['worker with tasks waits for the leader to drain it', { ...worker, localTasks: 3 }, 'wait', undefined],
    ['worker without tasks leaves', worker, 'leave', false],
    ['worker past the deadline leaves anyway', { ...worker, localTasks: 2, deadlinePassed: true }, 'leave', false],
    ['already left (restart after leave)', { ...worker, localNodeState: 'inactive' }, 'finish', undefined],
    ['never joined', { ...worker, localNodeState: '' }, 'finish', undefined],
    ['engine locked', { ...worker, localNodeState: 'locked' }, 'finish', undefined],
    ['engine in error leaves by force', { ...worker, localNodeState: 'error' }, 'leave', true],
    ['manager not drained drains itself', manager, 'drain-self', undefined],
    ['drained manager with tasks waits', { ...manager, selfAvailability: 'drain', localTasks: 1 }, 'wait', undefined],
    ['drained manager waits for demotion', { ...manager, selfAvailability: 'drain' }, 'wait', undefined],
    ['manager past the deadline does not leave', { ...manager, selfAvailability: 'drain', deadlinePassed: true }, 'finish', undefined],
    ['demoted manager (now worker) leaves', { ...worker, selfAvailability: undefined }, 'leave', false],
    ['spot worker leaves at once', { ...worker, trigger: 'spot', localTasks: 4 }, 'leave', false],
    ['spot manager drains first', { ...manager, trigger: 'spot' }, 'drain-self', undefined],
    ['spot manager drained leaves by force', { ...manager, trigger: 'spot', selfAvailability: 'drain', localTasks: 2 }, 'leave', true],
  ] as const)('%s', (_name, facts, kind, force) => {
    const step = nextDrainStep(facts);
    expect(step.kind).toBe(kind);
    if (step.kind === 'leave') expect(step.force).toBe(force);
  });
});
