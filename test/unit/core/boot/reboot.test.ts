import { describe, expect, it } from 'vitest';
import { formatLockValue, parseLockValue } from '../../../../src/core/boot/lock-value.js';
import { holdsSwarmState, startingPoint } from '../../../../src/core/boot/reboot.js';
import type { BootRecord } from '../../../../src/ports/boot-record.js';

const record: BootRecord = { instanceId: 'i-1', nodeId: 'n1', role: 'worker', member: true, launchCompleted: true, outcome: 'healthy', exitCode: 0, durationMs: 1, finishedAt: 'x' };
const active = { localNodeState: 'active', nodeId: 'n1' };

describe('startingPoint: where boot starts, before any AWS call', () => {
  it.each<[string, string | undefined, BootRecord | undefined, { localNodeState: string; nodeId: string }, string, boolean?]>([
    ['a target that must not join ends there', 'Terminated', record, active, 'no-join'],
    ['entering a warm pool: answer the launching action', 'Warmed:Stopped', undefined, { localNodeState: 'inactive', nodeId: '' }, 'warm-pool'],
    ['a member with a warm pool target is being scaled in: no join, watch drains it', 'Warmed:Running', record, active, 'no-join'],
    ['the node the last boot left, active, launch answered: a member reboot', 'InService', record, active, 'member-reboot', false],
    ['the same, launch never answered: a member reboot that answers it', undefined, { ...record, launchCompleted: false }, active, 'member-reboot', true],
    ['no record (first boot, or state lost): observe', undefined, undefined, active, 'observe'],
    ['another node id (left and rejoined by hand): observe', undefined, record, { ...active, nodeId: 'n2' }, 'observe'],
    ['another instance\'s record (a copied disk): observe', undefined, { ...record, instanceId: 'i-2' }, active, 'observe'],
    ['locked (autolock): observe, the key is in SSM', undefined, record, { ...active, localNodeState: 'locked' }, 'observe'],
    ['inactive: observe', undefined, record, { localNodeState: 'inactive', nodeId: '' }, 'observe'],
  ])('%s', (_name, target, previous, engine, kind, launchPending) => {
    const start = startingPoint(target, previous, 'i-1', engine);
    expect(start.kind).toBe(kind);
    if (launchPending !== undefined) expect(start).toMatchObject({ launchPending });
  });

  it('swarm state worth protecting: active or pending with a node id, locked always', () => {
    expect(['active', 'locked', 'pending'].map((state) => holdsSwarmState({ localNodeState: state, nodeId: 'n' }))).toEqual([true, true, true]);
    expect(holdsSwarmState({ localNodeState: 'inactive', nodeId: '' })).toBe(false);
    // A locked engine shows no node id until it is unlocked; its encrypted raft is still there.
    expect(holdsSwarmState({ localNodeState: 'locked', nodeId: '' })).toBe(true);
    expect(holdsSwarmState({ localNodeState: 'error', nodeId: 'n' })).toBe(false);
  });
});

describe('init lock values', () => {
  it('reads the plain holder a lock is taken with, and the JSON mark its holder writes before publishing', () => {
    expect(parseLockValue('i-abc')).toEqual({ holder: 'i-abc', published: undefined });
    expect(parseLockValue(formatLockValue({ holder: 'i-abc', published: 'swarm-1' }))).toEqual({ holder: 'i-abc', published: 'swarm-1' });
    expect(formatLockValue({ holder: 'i-abc', published: undefined })).toBe('i-abc');
  });

  it('keeps a value it cannot read as the holder, so a strange lock is never taken for free', () => {
    expect(parseLockValue('{not json')).toEqual({ holder: '{not json', published: undefined });
    expect(parseLockValue('{"x":1}')).toEqual({ holder: '{"x":1}', published: undefined });
  });
});
