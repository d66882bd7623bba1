import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { anyManagerNodes, idsOf, logLines, nodeOf, nodes, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const REAP_AFTER_MS = 10_000;

/** One lab for the crash cases: 3 managers, 2 workers, SWARMNODE_REAP_AFTER=10s. */
describe('watch: the reconciler reaps what crashed, never what is only unreachable', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-wreap-${process.pid}`, managers: 3, workers: 2, env: WATCH_ENV });
    await waitForSwarm(lab, 5);
  });

  afterAll(async () => {
    await lab?.down();
  });

  const managerIds = (): string[] => idsOf(lab, 'manager');

  async function downNode(instanceId: string): Promise<string> {
    return until(`${instanceId}'s node Down`, async () => {
      const { rows } = await anyManagerNodes(lab, managerIds().filter((id) => id !== instanceId));
      const row = nodeOf(rows, lab, instanceId) ?? rows.find((n) => n.Spec.Labels?.['swarmnode.instance-id'] === instanceId);
      return row?.Status.State === 'down' ? row.ID : undefined;
    }, 90_000, 1_000);
  }

  async function present(nodeId: string, askIds: string[]): Promise<boolean> {
    return (await anyManagerNodes(lab, askIds)).rows.some((n) => n.ID === nodeId);
  }

  it('never reaps a partitioned instance that EC2 still reports running', async () => {
    const victim = idsOf(lab, 'worker')[0]!;
    await lab.partition(victim);
    const nodeId = await downNode(victim);
    await sleep(REAP_AFTER_MS * 2);
    expect(lab.cloud.instance(victim)?.ec2State).toBe('running');
    expect(await present(nodeId, managerIds())).toBe(true);
    await lab.heal(victim);
  });

  it('reaps a crashed worker after SWARMNODE_REAP_AFTER', async () => {
    const victim = idsOf(lab, 'worker').at(-1)!;
    await lab.crash(victim);
    const nodeId = await downNode(victim);
    await until('crashed worker removed', async () => ((await present(nodeId, managerIds())) ? undefined : true), 60_000, 1_000);
  });

  it('demotes and removes a crashed manager while quorum allows', async () => {
    const rows = await nodes(lab, managerIds()[0]!);
    const victim = managerIds().find((id) => nodeOf(rows, lab, id)?.ManagerStatus?.Leader !== true)!;
    await lab.crash(victim);
    const nodeId = await downNode(victim);
    const others = managerIds().filter((id) => id !== victim);
    await until('crashed manager removed', async () => ((await present(nodeId, others)) ? undefined : true), 90_000, 1_000);
    const managers = (await anyManagerNodes(lab, others)).rows.filter((n) => n.Spec.Role === 'manager');
    expect(managers).toHaveLength(2);
    expect(managers.every((n) => n.ManagerStatus?.Reachability === 'reachable')).toBe(true);
  });

  it('with 2 of 3 managers crashed removes nothing, and status says quorum is lost and what to do', async () => {
    const fresh = await lab.launchInstance('lab-managers');
    expect(await lab.bootExit(fresh, 180_000)).toBe(0);
    await until('3 reachable managers', async () => {
      const { rows } = await anyManagerNodes(lab, managerIds());
      return rows.filter((n) => n.ManagerStatus?.Reachability === 'reachable').length === 3 ? true : undefined;
    }, 60_000);
    const rows = await nodes(lab, fresh);
    const survivor = managerIds().find((id) => nodeOf(rows, lab, id)?.ManagerStatus?.Leader === true)!;
    const crashed = managerIds().filter((id) => id !== survivor);
    const before = logLines(lab, survivor).length;
    for (const id of crashed) await lab.crash(id);
    await sleep(REAP_AFTER_MS * 2);

    const acted = logLines(lab, survivor).slice(before).filter((l) => /^reconcile: (demote|remove)$/.test(l.msg ?? ''));
    expect(acted).toEqual([]);
    const status = await lab.runAgent(survivor, ['status', '--json']);
    expect(status.code).toBe(1);
    const report = JSON.parse(status.stdout) as { quorumLost: boolean; advice: string[]; rows: unknown[] };
    expect(report.quorumLost).toBe(true);
    // The crashed instances are terminated, but only since seconds: recovery waits out
    // SWARMNODE_RECOVER_AFTER, and status says so rather than offering a manual force-new-cluster.
    expect(report.advice.join(' ')).toMatch(/quorum is lost; recovery under way: .*SWARMNODE_RECOVER_AFTER/);
    expect(report.advice.join(' ')).not.toContain('docker swarm init --force-new-cluster');
    const text = await lab.runAgent(survivor, ['status']);
    expect(text.stdout).toContain('recovery under way');
  });
});
