import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA } from '../../../src/config/config-schema.js';
import { parseDuration } from '../../../src/config/duration.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { ConfigError } from '../../../src/errors/config-error.js';

describe('loadConfig', () => {
  it('fills documented defaults from the cluster alone', () => {
    expect(loadConfig({ SWARMNODE_CLUSTER: 'prod' })).toEqual({
      cluster: 'prod',
      role: undefined,
      ssmPrefix: '/swarmnode/prod',
      managerKmsKey: 'alias/swarmnode-prod',
      workerKmsKey: 'alias/swarmnode-prod',
      joinTimeoutMs: 600_000,
      reportUnhealthy: true,
      drainTimeoutMs: 600_000,
      reapAfterMs: 600_000,
      pollIntervalMs: 5_000,
      eventLeadMs: 600_000,
      autoRecover: true,
      recoverAfterMs: 120_000,
      metricsAddr: { host: '', port: 9470 },
      backupBucket: undefined,
      backupPrefix: 'swarmnode/',
      backupKmsKey: 'alias/swarmnode-prod',
      backupMinIntervalMs: 60_000,
      backupMaxAgeMs: 86_400_000,
      backupKeep: 30,
      backupKeepDays: 14,
      stateDir: '/var/lib/swarmnode',
      logLevel: 'info',
    });
  });

  it('takes the state directory from systemd\'s STATE_DIRECTORY (the first of several), a flag winning', () => {
    expect(loadConfig({ SWARMNODE_CLUSTER: 'prod', STATE_DIRECTORY: '/var/lib/swarmnode:/var/lib/other' }).stateDir).toBe('/var/lib/swarmnode');
    expect(loadConfig({ SWARMNODE_CLUSTER: 'prod', STATE_DIRECTORY: '/run/x' }, { SWARMNODE_STATE_DIR: '/srv/state/' }).stateDir).toBe('/srv/state');
    expect(() => loadConfig({ SWARMNODE_CLUSTER: 'prod', SWARMNODE_STATE_DIR: 'relative' })).toThrow(ConfigError);
  });

  it('reads the metrics address as host:port or :port, and off turns the endpoint off', () => {
    const addr = (value: string) => loadConfig({ SWARMNODE_CLUSTER: 'prod', SWARMNODE_METRICS_ADDR: value }).metricsAddr;
    expect(addr('10.0.1.5:9100')).toEqual({ host: '10.0.1.5', port: 9100 });
    expect(addr(':9470')).toEqual({ host: '', port: 9470 });
    expect(addr('[::1]:9470')).toEqual({ host: '::1', port: 9470 });
    expect(addr('off')).toBeUndefined();
    for (const bad of ['9470', 'host:', ':0', ':70000', 'on']) expect(() => addr(bad), bad).toThrow(/SWARMNODE_METRICS_ADDR/);
  });

  it('lets flags win over the environment and treats empty variables as unset', () => {
    const config = loadConfig(
      { SWARMNODE_CLUSTER: 'a', SWARMNODE_ROLE: '', SWARMNODE_JOIN_TIMEOUT: '5m', SWARMNODE_MANAGER_KMS_KEY: 'alias/m' },
      { SWARMNODE_JOIN_TIMEOUT: '90s', SWARMNODE_REPORT_UNHEALTHY: 'false' },
    );
    expect(config).toMatchObject({ role: undefined, joinTimeoutMs: 90_000, reportUnhealthy: false, workerKmsKey: 'alias/m' });
  });

  it('backups: off without a bucket; on with one, under the manager key unless told otherwise', () => {
    expect(loadConfig({ SWARMNODE_CLUSTER: 'prod', SWARMNODE_BACKUP_BUCKET: '' }).backupBucket).toBeUndefined();
    expect(loadConfig({ SWARMNODE_CLUSTER: 'prod', SWARMNODE_BACKUP_BUCKET: 'acme-swarm-backups', SWARMNODE_MANAGER_KMS_KEY: 'alias/m' })).toMatchObject({ backupBucket: 'acme-swarm-backups', backupKmsKey: 'alias/m' });
    expect(loadConfig({ SWARMNODE_CLUSTER: 'prod', SWARMNODE_BACKUP_PREFIX: 'dr/swarm/', SWARMNODE_BACKUP_KEEP_DAYS: '0' })).toMatchObject({ backupPrefix: 'dr/swarm/', backupKeepDays: 0 });
  });

  it.each([
    ['SWARMNODE_BACKUP_BUCKET', 'Acme_Backups'],
    ['SWARMNODE_BACKUP_PREFIX', '/swarmnode'],
    ['SWARMNODE_BACKUP_PREFIX', 'swarmnode'],
    ['SWARMNODE_BACKUP_KEEP', '0'],
    ['SWARMNODE_BACKUP_KEEP_DAYS', '-1'],
    ['SWARMNODE_BACKUP_MIN_INTERVAL', 'often'],
  ])('rejects %s=%j', (key, value) => {
    expect(() => loadConfig({ SWARMNODE_CLUSTER: 'prod', [key]: value })).toThrow(new RegExp(`${key}="${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" is invalid`));
  });

  it('reports every problem at once with key, value and expectation', () => {
    let caught: unknown;
    try {
      loadConfig({ SWARMNODE_ROLE: 'boss', SWARMNODE_JOIN_TIMEOUT: '10 minutes', SWARMNODE_REPORT_UNHEALTHY: 'yes' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.exitCode).toBe(64);
    expect(error.problems.map((p) => p.key)).toEqual(['SWARMNODE_CLUSTER', 'SWARMNODE_ROLE', 'SWARMNODE_JOIN_TIMEOUT', 'SWARMNODE_REPORT_UNHEALTHY']);
    expect(error.message).toContain('SWARMNODE_ROLE="boss" is invalid: expected manager or worker');
    expect(error.message).toContain('SWARMNODE_CLUSTER is missing');
  });

  it.each(['Prod', 'a_b', '', 'x'.repeat(41)])('rejects cluster name %j', (cluster) => {
    expect(() => loadConfig({ SWARMNODE_CLUSTER: cluster }, cluster === '' ? { SWARMNODE_CLUSTER: '' } : {})).toThrow(ConfigError);
  });

  it('parses durations in ms, s, m and h only', () => {
    expect([parseDuration('500ms'), parseDuration('90s'), parseDuration('5m'), parseDuration('1h')]).toEqual([500, 90_000, 300_000, 3_600_000]);
    expect([parseDuration('5'), parseDuration('1d'), parseDuration('-1s')]).toEqual([undefined, undefined, undefined]);
  });

  it('has one flag per key, every key prefixed SWARMNODE_', () => {
    for (const entry of CONFIG_SCHEMA) expect(entry.flag).toBe(`--${entry.key.replace('SWARMNODE_', '').toLowerCase().replaceAll('_', '-')}`);
  });
});
