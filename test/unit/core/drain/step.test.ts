import { describe, expect, it } from 'vitest';
import { nextDrainStep, type DrainFacts } from '../../../../src/core/drain/step.js';

const worker: DrainFacts = {
  spot: false,
  requestReason: undefined,
  localNodeState: 'active',
  isManager: false,
  selfAvailability: undefined,
  localTasks: 0,
  drainRequested: false,
  tasksDeadlinePassed: false,
  hardLimitPassed: false,
  stopping: false,
};
const manager: DrainFacts = { ...worker, isManager: true, selfAvailability: 'active' };
const drained: DrainFacts = { ...manager, selfAvailability: 'drain' };
const spot = { spot: true, requestReason: 'spot' as const, drainRequested: true };

describe('nextDrainStep', () => {
  it.each<[string, DrainFacts, string, { force?: boolean; complete?: boolean; alarm?: boolean }?]>([
    ['worker with tasks waits for the leader to drain it', { ...worker, localTasks: 3 }, 'wait'],
    ['worker without tasks leaves', worker, 'leave', { force: false }],
    ['worker past the deadline leaves anyway', { ...worker, localTasks: 2, tasksDeadlinePassed: true }, 'leave', { force: false }],
    ['worker stopping leaves at once', { ...worker, localTasks: 2, stopping: true }, 'leave', { force: false }],
    ['already left (restart after leave): complete', { ...worker, localNodeState: 'inactive' }, 'finish', { complete: true }],
    ['never joined: complete', { ...worker, localNodeState: '' }, 'finish', { complete: true }],
    ['engine locked: complete', { ...worker, localNodeState: 'locked' }, 'finish', { complete: true }],
    ['engine in error leaves by force (not a raft participant)', { ...worker, localNodeState: 'error' }, 'leave', { force: true }],
    ['manager not drained drains itself', manager, 'drain-self'],
    ['drained manager with tasks waits', { ...drained, localTasks: 1 }, 'wait'],
    ['drained manager waits for its demotion', drained, 'wait'],
    ['manager past the drain timeout still waits for its demotion (the hook is held)', { ...drained, tasksDeadlinePassed: true }, 'wait'],
    ['manager at the hard limit completes un-demoted, loudly, without leaving', { ...drained, tasksDeadlinePassed: true, hardLimitPassed: true }, 'finish', { complete: true, alarm: true }],
    ['manager stopping while held: ends without completing', { ...drained, stopping: true }, 'finish', { complete: false }],
    ['manager stopping before it drained itself: ends without completing', { ...manager, stopping: true }, 'finish', { complete: false }],
    ['demoted manager (now worker) leaves', { ...worker, selfAvailability: undefined }, 'leave', { force: false }],
    ['spot: first asks the leader to drain (and demote) it', { ...worker, spot: true, requestReason: 'spot', localTasks: 4 }, 'request-drain', { tag: 'spot' } as never],
    ['scale-in into a warm pool: asks the leader too (a pool instance is no group member)', { ...manager, requestReason: 'scale-in' }, 'request-drain', { tag: 'scale-in' } as never],
    ['scale-in into a warm pool, asked: drains itself, then waits for its demotion', { ...drained, requestReason: 'scale-in', drainRequested: true }, 'wait'],
    ['spot worker waits for its tasks to move', { ...worker, ...spot, localTasks: 4 }, 'wait'],
    ['spot worker leaves at the notice\'s deadline', { ...worker, ...spot, localTasks: 4, tasksDeadlinePassed: true }, 'leave', { force: false }],
    ['spot manager drains itself', { ...manager, ...spot }, 'drain-self'],
    ['spot manager waits for its demotion', { ...drained, ...spot }, 'wait'],
    ['spot manager not demoted in time stays a member: no leave, never by force', { ...drained, ...spot, tasksDeadlinePassed: true }, 'finish', { complete: false }],
    ['spot manager demoted leaves', { ...worker, ...spot }, 'leave', { force: false }],
  ])('%s', (_name, facts, kind, fields) => {
    const step = nextDrainStep(facts);
    expect(step.kind).toBe(kind);
    if (fields !== undefined) expect(step).toMatchObject(fields);
  });
});
