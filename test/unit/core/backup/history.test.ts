import { describe, expect, it } from 'vitest';
import { backupDue } from '../../../../src/core/backup/due.js';
import { backupGeneration } from '../../../../src/core/backup/generation.js';
import { backupKey, historyPrefix, parseBackupKey, type BackupEntry } from '../../../../src/core/backup/key.js';
import { newestOfOtherSwarm, newestOfSwarm } from '../../../../src/core/backup/latest.js';
import { pruneHistory } from '../../../../src/core/backup/prune.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2024-05-20T12:00:00Z');
const HISTORY = historyPrefix('swarmnode/', 'prod');

function entry(swarmId: string, msAgo: number, generation = 1): BackupEntry {
  const at = Math.floor((NOW - msAgo) / 1000) * 1000;
  return { key: backupKey(HISTORY, { generation, swarmId, at, hash8: 'abcdef01' }), generation, swarmId, at, hash8: 'abcdef01', size: 100 };
}

describe('backup keys', () => {
  it('name cluster, generation, time, swarm and content, and parse back', () => {
    const key = backupKey(HISTORY, { generation: 3, swarmId: 'qx7y2k9z1', at: Date.parse('2024-05-01T09:30:07.250Z'), hash8: '0badcafe' });
    expect(key).toBe('swarmnode/prod/3/20240501T093007Z-qx7y2k9z1-0badcafe.json');
    expect(parseBackupKey(HISTORY, { key, size: 42, lastModified: 0 })).toEqual({ key, generation: 3, swarmId: 'qx7y2k9z1', at: Date.parse('2024-05-01T09:30:07Z'), hash8: '0badcafe', size: 42 });
  });

  it.each(['swarmnode/prod/notes.txt', 'swarmnode/prod/1/latest.json', 'swarmnode/prod-2/1/20240501T093007Z-a-0badcafe.json', 'swarmnode/prod/1/20241301T093007Z-a-0badcafe.json'])('leave %s alone: no backup of this cluster', (key) => {
    expect(parseBackupKey(HISTORY, { key, size: 1, lastModified: 0 })).toBeUndefined();
  });
});

describe('backupDue', () => {
  const facts = { now: NOW, contentHash: 'abcdef01ffff', minIntervalMs: 60_000, maxAgeMs: DAY };
  it.each<[string, Parameters<typeof backupDue>[0], boolean]>([
    ['no backup of this swarm yet', { ...facts, last: undefined }, true],
    ['changed, last one 5 minutes old', { ...facts, last: { at: NOW - 5 * 60_000, hash8: '11111111' } }, true],
    ['changed, but the last one is 30 s old: wait for the minimum interval', { ...facts, last: { at: NOW - 30_000, hash8: '11111111' } }, false],
    ['unchanged for an hour', { ...facts, last: { at: NOW - HOUR, hash8: 'abcdef01' } }, false],
    ['unchanged, last one a day old', { ...facts, last: { at: NOW - DAY, hash8: 'abcdef01' } }, true],
  ])('%s: due %s', (_, f, due) => {
    expect(backupDue(f).due).toBe(due);
  });
});

describe('pruneHistory', () => {
  const swarm = (n: number, every: number, from = 0, id = 'swarmB'): BackupEntry[] => Array.from({ length: n }, (_, i) => entry(id, from + i * every));

  it.each<[string, BackupEntry[], { keep: number; keepDays: number }, number]>([
    ['fewer than `keep`: all stay', swarm(5, HOUR), { keep: 10, keepDays: 0 }, 5],
    ['50 hourly backups, keep 10, no daily ones: the 10 newest stay', swarm(50, HOUR), { keep: 10, keepDays: 0 }, 10],
    ['50 hourly backups (3 days), keep 10 + 7 days: the 10 newest and one per older day', swarm(50, HOUR), { keep: 10, keepDays: 7 }, 12],
    ['one a day for 30 days, keep 3 + 14 days', swarm(30, DAY), { keep: 3, keepDays: 14 }, 14],
  ])('%s', (_, entries, retention, kept) => {
    const { keep, remove } = pruneHistory(entries, retention, NOW);
    expect(keep).toHaveLength(kept);
    expect(keep.length + remove.length).toBe(entries.length);
    expect(keep[0]?.at).toBe(Math.max(...entries.map((e) => e.at)));
  });

  it('keeps the newest backup of a dead swarm, however many the new swarm wrote since', () => {
    const dead = entry('swarmA', 40 * DAY);
    const { keep, remove } = pruneHistory([dead, entry('swarmA', 41 * DAY), ...swarm(100, 60_000)], { keep: 10, keepDays: 3 }, NOW);
    expect(keep).toContain(dead);
    expect(remove.filter((e) => e.swarmId === 'swarmA')).toHaveLength(1);
  });
});

describe('which backup', () => {
  const history = [entry('swarmA', 2 * HOUR), entry('swarmB', HOUR, 2), entry('swarmA', 3 * HOUR), entry('swarmB', 10 * 60_000, 2)];

  it('status and the age gauge: the newest of this swarm', () => {
    expect(newestOfSwarm(history, 'swarmA')?.at).toBe(history[0]!.at);
    expect(newestOfSwarm(history, 'swarmC')).toBeUndefined();
  });

  it('restore: the newest of another swarm, never the new swarm\'s own newer (empty) ones', () => {
    expect(newestOfOtherSwarm(history, 'swarmB')?.key).toBe(history[0]!.key);
    expect(newestOfOtherSwarm(history, 'swarmC')?.key).toBe(history[3]!.key);
    expect(newestOfOtherSwarm(history.filter((e) => e.swarmId === 'swarmB'), 'swarmB')).toBeUndefined();
  });
});

describe('backupGeneration', () => {
  const record = { swarmId: 'swarmB', generation: 1, createdAt: '', createdBy: 'i-1', managers: [] };
  it.each<[string, Parameters<typeof backupGeneration>[0], string, ReturnType<typeof backupGeneration>]>([
    ['no record (a swarm made by hand): generation 1', undefined, 'swarmB', { ok: true, generation: 1 }],
    ['a record from before generations: 1', record, 'swarmB', { ok: true, generation: 1 }],
    ['the record\'s generation', { ...record, generation: 4 }, 'swarmB', { ok: true, generation: 4 }],
    ['a swarm that is not the recorded one: no backup', { ...record, generation: 4 }, 'swarmX', { ok: false, reason: expect.stringContaining('names swarm swarmB') }],
  ])('%s', (_, rec, swarmId, verdict) => {
    expect(backupGeneration(rec, swarmId)).toEqual(verdict);
  });
});
