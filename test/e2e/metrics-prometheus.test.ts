import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { LabPrometheus, METRICS_PORT, promtoolFindings } from './lab-prometheus.js';
import { anyManagerNodes, idsOf, ipOf, nodeOf, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

/** The managers as `docker node ls` shows them (MANAGER STATUS column), asked of any manager that answers. */
async function nodeLsManagers(lab: Lab): Promise<{ reachable: number; unreachable: number; margin: number }> {
  for (const id of idsOf(lab, 'manager')) {
    const ls = await lab.dockerCli(id, ['node', 'ls', '--format', '{{.ManagerStatus}}']);
    if (ls.code !== 0) continue;
    const statuses = ls.stdout.split('\n').map((s) => s.trim()).filter((s) => s !== '');
    const reachable = statuses.filter((s) => s === 'Leader' || s === 'Reachable').length;
    const unreachable = statuses.filter((s) => s === 'Unreachable').length;
    return { reachable, unreachable, margin: reachable - (Math.floor((reachable + unreachable) / 2) + 1) };
  }
  throw new Error('no manager answered `docker node ls`');
}

/** Dashboard panels' queries and what they returned, for the README's picture (SWARMNODE_DASHBOARD_SNAPSHOT=<file>). */
interface Snapshot {
  start: number;
  end: number;
  panels: { title: string; type: string; unit: string | undefined; series: { legend: string; values: [number, number][] }[] }[];
}

/**
 * A real Prometheus in the lab network scrapes every instance's `swarmnode watch`; every assertion
 * goes through its HTTP query API, as a dashboard or an alert would see the cluster.
 */
describe('metrics: Prometheus scrapes every watch', () => {
  let lab: Lab;
  let prometheus: LabPrometheus;
  const startedAt = Date.now() / 1000;

  beforeAll(async () => {
    // REAP_AFTER long: a crashed manager stays in `docker node ls` as Unreachable while we compare.
    lab = await Lab.start({ name: `e2e-prom-${process.pid}`, managers: 3, workers: 2, env: { ...WATCH_ENV, SWARMNODE_REAP_AFTER: '10m' } });
    await waitForSwarm(lab, 5);
    prometheus = await LabPrometheus.start(lab);
    await until('every watch scraped', async () => ((await prometheus.scalar('count(up == 1)')) === 5 ? true : undefined), 60_000);
  }, 400_000);

  afterAll(async () => {
    prometheus?.stop();
    await lab?.down();
  });

  async function exporters(): Promise<number> {
    return (await prometheus.query('count by (instance) ({__name__=~"swarmnode_cluster_.+"})')).length;
  }

  async function promManagers(): Promise<{ reachable: number; unreachable: number; margin: number } | undefined> {
    const [reachable, unreachable, margin] = await Promise.all([
      prometheus.scalar('sum(swarmnode_cluster_managers{reachability="reachable"})'),
      prometheus.scalar('sum(swarmnode_cluster_managers{reachability="unreachable"})'),
      prometheus.scalar('sum(swarmnode_cluster_quorum_margin)'),
    ]);
    return reachable === undefined || unreachable === undefined || margin === undefined ? undefined : { reachable, unreachable, margin };
  }

  /** Prometheus and `docker node ls` agree, read back to back until they do. */
  async function agreed(): Promise<{ reachable: number; unreachable: number; margin: number }> {
    return until('Prometheus to agree with docker node ls', async () => {
      const [prom, ls] = [await promManagers(), await nodeLsManagers(lab)];
      return prom !== undefined && JSON.stringify(prom) === JSON.stringify(ls) ? prom : undefined;
    }, 60_000);
  }

  it('every endpoint passes promtool check metrics and names no instance or node id in a label', async () => {
    for (const instance of lab.instances().filter((i) => i.running)) {
      const text = await (await fetch(`http://${instance.privateIp}:${METRICS_PORT}/metrics`)).text();
      expect(promtoolFindings(text), instance.instanceId).toBe('');
      expect(text).not.toMatch(/i-[0-9a-f]{8}/);
    }
    const nodeIds = (await anyManagerNodes(lab, idsOf(lab, 'manager'))).rows.map((n) => n.ID);
    const labelValues = (await prometheus.query('{__name__=~"swarmnode_.+"}')).flatMap((s) => Object.values(s.metric));
    expect(labelValues.filter((v) => nodeIds.includes(v) || /^i-[0-9a-f]+$/.test(v))).toEqual([]);
  });

  it('managers\' reachability and quorum margin equal `docker node ls`, from one exporter only', async () => {
    expect(await agreed()).toEqual({ reachable: 3, unreachable: 0, margin: 1 });
    expect(await exporters()).toBe(1);
    expect(await prometheus.scalar('sum(swarmnode_cluster_quorum_size)')).toBe(2);
    expect(await prometheus.scalar('sum(swarmnode_cluster_nodes)')).toBe(5);
  });

  it('a scale-in shows its hook duration and CONTINUE, scraped before the instance is gone', async () => {
    const [worker] = idsOf(lab, 'worker');
    const target = `${ipOf(lab, worker!)}:${METRICS_PORT}`;
    await lab.terminate(worker!, { decrement: true });
    await until(`${worker} terminated`, async () => (lab.cloud.instance(worker!)?.lifecycleState === 'Terminated' ? true : undefined), 180_000);
    prometheus.refreshTargets();
    const completed = await until('its CONTINUE in Prometheus', async () => {
      const value = await prometheus.scalar(`max_over_time(swarmnode_lifecycle_hooks_completed_total{instance="${target}",transition="terminating",result="CONTINUE",at_deadline="false"}[10m])`);
      return value !== undefined && value >= 1 ? value : undefined;
    }, 30_000);
    expect(completed).toBe(1);
    const hooks = await prometheus.scalar(`max_over_time(swarmnode_lifecycle_hook_duration_seconds_count{instance="${target}",result="CONTINUE"}[10m])`);
    const seconds = await prometheus.scalar(`max_over_time(swarmnode_lifecycle_hook_duration_seconds_sum{instance="${target}",result="CONTINUE"}[10m])`);
    const drains = await prometheus.scalar(`max_over_time(swarmnode_drain_duration_seconds_count{instance="${target}",trigger="hook"}[10m])`);
    expect({ hooks, drains }).toEqual({ hooks: 1, drains: 1 });
    expect(seconds).toBeGreaterThan(0);
  });

  it('a crashed manager (the leader): numbers move to the new leader and match `docker node ls`, still one exporter', async () => {
    const { rows } = await anyManagerNodes(lab, idsOf(lab, 'manager'));
    const leader = idsOf(lab, 'manager').find((id) => nodeOf(rows, lab, id)?.ManagerStatus?.Leader === true)!;
    await lab.crash(leader);
    prometheus.refreshTargets();
    expect(await until('2 reachable in Prometheus', async () => ((await promManagers())?.reachable === 2 ? true : undefined), 90_000)).toBe(true);
    expect(await agreed()).toEqual({ reachable: 2, unreachable: 1, margin: 0 });
    expect(await exporters()).toBe(1);
    const exporter = (await prometheus.query('swarmnode_cluster_quorum_margin'))[0]!.metric.instance;
    expect(exporter).not.toBe(`${ipOf(lab, leader)}:${METRICS_PORT}`);
  });

  it('every dashboard query runs against the scraped metrics', { timeout: 120_000 }, async () => {
    const dashboard = JSON.parse(readFileSync('monitoring/grafana-dashboard.json', 'utf8')) as {
      panels: { type: string; title: string; fieldConfig?: { defaults?: { unit?: string } }; targets?: { expr: string; legendFormat: string }[] }[];
    };
    // For the README's picture, some quiet time after the crash so the new leader's numbers show.
    if (process.env.SWARMNODE_DASHBOARD_SNAPSHOT) await sleep(30_000);
    const end = Date.now() / 1000;
    const snapshot: Snapshot = { start: startedAt, end, panels: [] };
    for (const panel of dashboard.panels.filter((p) => p.targets !== undefined)) {
      const series: Snapshot['panels'][number]['series'] = [];
      for (const target of panel.targets!) {
        // Grafana's own variables, as Grafana would fill them for this window.
        const expr = target.expr.replace(/\$__rate_interval/g, '15s').replace(/\$__range/g, `${Math.ceil(end - startedAt)}s`);
        for (const result of await prometheus.queryRange(expr, startedAt, end, 2)) {
          const legend = target.legendFormat.replace(/\{\{(\w+)\}\}/g, (_, label: string) => result.metric[label] ?? '');
          series.push({ legend, values: result.values.map(([t, v]) => [t, Number(v)]) });
        }
      }
      snapshot.panels.push({ title: panel.title, type: panel.type, unit: panel.fieldConfig?.defaults?.unit, series });
    }
    // The cluster panels have data; nothing errored (queryRange throws on an error).
    expect(snapshot.panels.find((p) => p.title === 'Quorum margin')?.series.length).toBeGreaterThan(0);
    if (process.env.SWARMNODE_DASHBOARD_SNAPSHOT) writeFileSync(process.env.SWARMNODE_DASHBOARD_SNAPSHOT, `${JSON.stringify(snapshot)}\n`);
  });
});
