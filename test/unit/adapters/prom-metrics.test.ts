import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { awsCall, countAwsCalls } from '../../../src/adapters/aws/aws-call.js';
import { serveMetrics } from '../../../src/adapters/metrics/metrics-server.js';
import { PromMetrics } from '../../../src/adapters/metrics/prom-metrics.js';
import { summarizeCluster } from '../../../src/core/status/cluster-summary.js';
import type { BootRecord } from '../../../src/ports/boot-record.js';
import type { MetricsServer } from '../../../src/ports/metrics.js';
import { instance, labelsOf, node } from '../core/watch-fixtures.js';
import { families, type Family } from '../metrics-families.js';

const log = pino({ level: 'silent' });
const NOW = Date.UTC(2026, 0, 1);
const clock = { now: () => NOW, sleep: async () => undefined };
const BOOT: BootRecord = { instanceId: 'i-1', nodeId: 'n1', role: 'worker', member: true, launchCompleted: true, outcome: 'gave-up', exitCode: 75, durationMs: 600_000, finishedAt: new Date(NOW - 60_000).toISOString() };

function awsError(name: string): Error {
  return Object.assign(new Error(name), { name });
}

/** A leader that saw 3 managers (one unreachable) and a worker, and did one of everything. */
async function busyLeader(): Promise<PromMetrics> {
  const metrics = new PromMetrics({ read: async () => BOOT, write: async () => undefined }, clock);
  const managers = [1, 2, 3].map((n) => instance(`i-m${n}`, { asgName: 'lab-managers', role: 'manager' }));
  const nodes = [
    node('m1', { role: 'manager', leader: true, labels: labelsOf(managers[0]!) }),
    node('m2', { role: 'manager', labels: labelsOf(managers[1]!) }),
    node('m3', { role: 'manager', reachability: 'unreachable', state: 'down', labels: labelsOf(managers[2]!) }),
    node('w1'),
  ];
  metrics.cluster({ summary: summarizeCluster(nodes, { groups: [], instances: managers }, [{ nodeId: 'm3', hostname: 'h', wanted: 'reap', cause: 'timing', reason: '' }]), reconciledAt: NOW });
  metrics.backupStored(NOW - 3_600_000);
  metrics.lifecycleEvent('terminating');
  metrics.drainFinished('hook', 42);
  metrics.hookCompleted('terminating', 'CONTINUE', false, 43);
  metrics.heartbeat(true);
  metrics.engineCall('GET /nodes', 'ok', 0.01);
  metrics.rebalance('started');
  countAwsCalls(metrics);
  await awsCall({ action: 'ssm:GetParameter' }, async () => ({ $metadata: { attempts: 3 } }));
  for (const name of ['ThrottlingException', 'AccessDeniedException', 'InternalFailure']) {
    await awsCall({ action: 'ec2:DescribeInstances' }, async () => Promise.reject(awsError(name))).catch(() => undefined);
  }
  return metrics;
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** README.md's metrics reference: | `name` | type | `label`, ... | meaning |. */
function readmeReference(): Map<string, Family> {
  const readme = readFileSync('README.md', 'utf8');
  const table = readme.slice(readme.indexOf('<!-- metrics:start -->'), readme.indexOf('<!-- metrics:end -->'));
  const rows = table.split('\n').filter((line) => line.startsWith('| `'));
  return new Map(
    rows.map((line) => {
      const [name = '', type = '', labels = ''] = line.slice(1, -1).split(' | ').map((c) => c.trim());
      const clean = name.replace(/`/g, '');
      return [clean, { name: clean, type, labels: labels === '' || labels === '-' ? [] : labels.replace(/`/g, '').split(', ').sort() }];
    }),
  );
}

describe('PromMetrics on GET /metrics', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function scrape(metrics: PromMetrics): Promise<{ status: number; type: string | null; text: string }> {
    server ??= await serveMetrics({ host: '127.0.0.1', port: 0 }, () => metrics.exposition(), log);
    const response = await fetch(server.url);
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  it('the leader serves the cluster as it saw it, the last boot and every call, by bounded labels', async () => {
    const { status, type, text } = await scrape(await busyLeader());
    expect(status).toBe(200);
    expect(type).toContain('text/plain; version=0.0.4');
    expect(sample(text, 'swarmnode_cluster_managers{reachability="reachable"}')).toBe(2);
    expect(sample(text, 'swarmnode_cluster_managers{reachability="unreachable"}')).toBe(1);
    expect(sample(text, 'swarmnode_cluster_quorum_size')).toBe(2);
    expect(sample(text, 'swarmnode_cluster_quorum_margin')).toBe(0);
    expect(sample(text, 'swarmnode_cluster_held_steps{cause="timing"}')).toBe(1);
    expect(sample(text, 'swarmnode_cluster_drift{kind="no_instance"}')).toBe(1);
    expect(sample(text, 'swarmnode_cluster_backup_age_seconds')).toBe(3600);
    expect(sample(text, 'swarmnode_boot_last_exit_code')).toBe(75);
    expect(sample(text, 'swarmnode_boot_last_outcome{outcome="gave-up"}')).toBe(1);
    expect(sample(text, 'swarmnode_boot_last_outcome{outcome="healthy"}')).toBe(0);
    expect(sample(text, 'swarmnode_aws_requests_total{api="ec2:DescribeInstances",outcome="throttled"}')).toBe(1);
    expect(sample(text, 'swarmnode_aws_requests_total{api="ec2:DescribeInstances",outcome="denied"}')).toBe(1);
    expect(sample(text, 'swarmnode_aws_requests_total{api="ec2:DescribeInstances",outcome="error"}')).toBe(1);
    expect(sample(text, 'swarmnode_aws_retries_total{api="ssm:GetParameter"}')).toBe(2);
    expect(sample(text, 'swarmnode_lifecycle_hooks_completed_total{transition="terminating",result="CONTINUE",at_deadline="false"}')).toBe(1);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('a follower exports no cluster series at all, and no boot series before any boot', async () => {
    const metrics = new PromMetrics({ read: async () => undefined, write: async () => undefined }, clock);
    metrics.backupStored(NOW);
    metrics.cluster(undefined);
    const { text } = await scrape(metrics);
    expect(text).not.toMatch(/^swarmnode_cluster_/m);
    expect(text).not.toMatch(/^swarmnode_boot_/m);
    expect(text).toMatch(/^swarmnode_build_info\{version="/m);
  });

  it('answers 404 off /metrics', async () => {
    await scrape(new PromMetrics({ read: async () => undefined, write: async () => undefined }, clock));
    expect((await fetch(server!.url.replace('/metrics', '/'))).status).toBe(404);
  });

  it('passes promtool check metrics (naming, units, _total counters)', async () => {
    const { text } = await scrape(await busyLeader());
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  it('README.md\'s metrics reference lists exactly the swarmnode families served, with their types and labels', async () => {
    const { text } = await scrape(await busyLeader());
    const served = [...families(text).values()].filter((f) => f.name.startsWith('swarmnode_'));
    const documented = readmeReference();
    expect([...documented.keys()].sort()).toEqual(served.map((f) => f.name).sort());
    for (const family of served) expect(documented.get(family.name), family.name).toEqual(family);
  });
});
