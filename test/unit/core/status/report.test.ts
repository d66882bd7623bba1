import { describe, expect, it } from 'vitest';
import type { BackupEntry } from '../../../../src/core/backup/key.js';
import type { BackupFacts } from '../../../../src/core/backup/status.js';
import type { RecoveryStep } from '../../../../src/core/recover/quorum-recovery.js';
import { buildStatus } from '../../../../src/core/status/report.js';
import { instance, labelsOf, node } from '../watch-fixtures.js';

const m = [1, 2, 3].map((n) => instance(`i-m${n}`, { asgName: 'lab-managers', role: 'manager', privateIp: `10.0.0.${n}` }));
const managerNodes = m.map((i, k) => node(`m${k + 1}`, { role: 'manager', leader: k === 0, labels: labelsOf(i) }));
const fleet = { groups: [], instances: m };
const OFF: BackupFacts = { state: 'off' };
const HOUR = 3_600_000;
const NOW = Date.parse('2024-05-02T12:00:00Z');
const entry = (swarmId: string, hoursAgo: number): BackupEntry => ({ key: `swarmnode/lab/1/${hoursAgo}h-${swarmId}.json`, generation: 1, swarmId, at: NOW - hoursAgo * HOUR, hash8: '0badcafe', size: 2048 });
const listed = (entries: BackupEntry[]): BackupFacts => ({ state: 'listed', location: 's3://b', entries, swarmId: 'swarm1', now: NOW, maxAgeMs: 24 * HOUR });

describe('buildStatus', () => {
  it('pairs instances and nodes; a healthy cluster shows no drift', () => {
    const report = buildStatus({ fleet, nodes: managerNodes, backup: OFF });
    expect(report.rows.map((r) => [r.instance?.instanceId, r.node?.id, r.drift])).toEqual([
      ['i-m1', 'm1', []],
      ['i-m2', 'm2', []],
      ['i-m3', 'm3', []],
    ]);
    expect(report.quorumLost).toBe(false);
  });

  it('names each drift: missing node, stale node, labels, undrained terminating instance', () => {
    const extra = instance('i-w1', { privateIp: '10.0.1.1' });
    const terminating = { ...m[2]!, lifecycleState: 'Terminating:Wait' };
    const report = buildStatus({
      fleet: { groups: [], instances: [m[0]!, m[1]!, terminating, extra] },
      nodes: [managerNodes[0]!, { ...managerNodes[1]!, labels: {} }, managerNodes[2]!, node('x9', { state: 'down', addr: '10.9.9.9' })],
      backup: OFF,
    });
    const drift = Object.fromEntries(report.rows.map((r) => [r.instance?.instanceId ?? r.node?.id, r.drift.join('; ')]));
    expect(drift).toEqual({
      'i-m1': '',
      'i-m2': expect.stringContaining('labels out of date'),
      'i-m3': 'instance terminating, node not drained',
      x9: 'node Down; no instance in any cluster ASG',
      'i-w1': 'in service but no swarm node',
    });
  });

  it('2 of 3 managers lost, no recovery verdict yet: says watch recovers once they are terminated, never to force a new cluster', () => {
    const nodes = managerNodes.map((n, k) => (k === 0 ? n : { ...n, state: 'down', manager: { leader: false, reachability: 'unreachable', addr: '' } }));
    const report = buildStatus({ fleet, nodes, backup: OFF });
    expect(report.quorumLost).toBe(true);
    expect(report.advice[0]).toMatch(/recovers it by itself once every missing manager is terminated/);
    expect(report.advice[0]).not.toContain('--force-new-cluster');
  });

  it.each<[string, RecoveryStep, RegExp]>([
    ['every missing manager gone, AUTO_RECOVER off: what recovery would do, no manual command that bypasses its lock', { kind: 'advise', reason: 'quorum lost; every missing manager is gone for good: one survivor would take recover-x' }, /gone for good.*one survivor would take recover-x$/],
    ['a missing manager may come back: bring it back, never force', { kind: 'refuse', reason: 'manager i-2 at 10.0.0.3 is stopped per EC2: it may come back' }, /no recovery: manager i-2 .* stopped.*never force a new cluster while one of them may come back/],
    ['recovery under way', { kind: 'wait', reason: 'waiting 60 s more (SWARMNODE_RECOVER_AFTER)' }, /recovery under way: waiting 60 s more/],
  ])('no node list (no leader), %s', (_, recovery, advice) => {
    const report = buildStatus({ fleet, nodes: undefined, backup: OFF, recovery, record: { swarmId: 'swarm1', generation: 2, createdAt: '', createdBy: 'i-1', managers: [] } });
    expect(report.quorum).toBeUndefined();
    expect(report.quorumLost).toBe(true);
    expect(report.rows).toHaveLength(3);
    expect(report).toMatchObject({ swarmId: 'swarm1', generation: 2, recovery });
    expect(report.advice[0]).toMatch(advice);
    if (recovery.kind !== 'advise') expect(report.advice[0]).not.toContain('docker swarm init');
  });

  it.each<[string, BackupFacts, Record<string, unknown>, string | undefined]>([
    ['backups off', OFF, { state: 'off' }, undefined],
    ['this swarm\'s newest, not an older swarm\'s newer one', listed([entry('swarm0', 1), entry('swarm1', 3), entry('swarm1', 5)]), { state: 'ok', key: 'swarmnode/lab/1/3h-swarm1.json', ageSec: 3 * 3600, size: 2048 }, undefined],
    ['only an earlier swarm\'s backups: none of this one yet', listed([entry('swarm0', 1)]), { state: 'none' }, undefined],
    ['quorum lost, the swarm id unknown: the cluster\'s newest', { ...listed([entry('swarm0', 1), entry('swarm1', 3)]), swarmId: undefined } as BackupFacts, { state: 'ok', key: 'swarmnode/lab/1/1h-swarm0.json' }, undefined],
    ['older than the maximum age and an hour: stale, and said so', listed([entry('swarm1', 26)]), { state: 'stale' }, 'backup of this swarm is 26h old'],
    ['the listing failed: unknown, with the permission to check', { state: 'unlisted', location: 's3://b', error: 'AWS denied s3:ListBucket' }, { state: 'unknown' }, 's3:ListBucket'],
  ])('backup: %s', (_, backup, expected, advice) => {
    const report = buildStatus({ fleet, nodes: managerNodes, backup });
    expect(report.backup).toMatchObject(expected);
    if (advice === undefined) expect(report.advice).toEqual([]);
    else expect(report.advice.join('\n')).toContain(advice);
  });
});
