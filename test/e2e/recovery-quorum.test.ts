import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_IMAGE } from '../lab/instance-engine.js';
import { Lab } from '../lab/lab.js';
import { anyManagerNodes, idsOf, logLines, runningTasks, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const RECOVER_AFTER_SEC = 15;
const ENV = { ...WATCH_ENV, SWARMNODE_RECOVER_AFTER: `${RECOVER_AFTER_SEC}s` };
const REPLICAS = 6;

/** Every `force-new-cluster` any agent of the lab logged. */
function forcedNewClusters(lab: Lab): string[] {
  return lab.instances().flatMap((i) => (logLines(lab, i.instanceId).some((l) => l.action === 'force-new-cluster') ? [i.instanceId] : []));
}

/**
 * Issue 10, quorum recovery with real engines: 3 managers and 2 workers run a 6-replica service on
 * an overlay network. Two managers are crashed and terminated: the survivor forces a new cluster by
 * itself once SWARMNODE_RECOVER_AFTER has passed, the ASG's replacements join, the service is at
 * its replicas. Then two managers only cut off (instances running): no recovery, and status says why.
 */
describe('recovery: quorum regained with no hands', () => {
  let lab: Lab;
  let managers: string;

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-rq-${process.pid}`, managers: 3, workers: 2, env: ENV });
    managers = `${lab.cluster}-managers`;
    await waitForSwarm(lab, 5);
    const [first = ''] = idsOf(lab, 'manager');
    await lab.dockerCli(first, ['network', 'create', '--driver', 'overlay', 'app']);
    await lab.docker(first).createService({
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'] }, Networks: [{ Target: 'app' }], Placement: { Constraints: ['node.role==worker'] } },
      Mode: { Replicated: { Replicas: REPLICAS } },
    });
    await until('web at its replicas', async () => ((await runningTasks(lab, first, 'web')).length === REPLICAS ? true : undefined), 120_000);
    // The leader has recorded all three managers in the cluster record.
    await until('three managers recorded', async () => (JSON.parse(lab.cloud.parameter(`/swarmnode/${lab.cluster}/cluster`)?.value ?? '{}').managers?.length === 3 ? true : undefined), 60_000);
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('two managers terminated: the survivor forces a new cluster, the replacements join, the service is at its replicas', async () => {
    const [survivor = '', ...lost] = idsOf(lab, 'manager');
    const lostAt = Date.now();
    for (const id of lost) await lab.crash(id);
    // The ASG's health check replaces them.
    await lab.scale(managers, 3);

    await until('the survivor forced a new cluster', async () => (forcedNewClusters(lab).length > 0 ? true : undefined), 180_000);
    expect(forcedNewClusters(lab)).toEqual([survivor]);
    const forced = logLines(lab, survivor).find((l) => l.action === 'force-new-cluster')!;
    // Not before every missing manager had been terminated for SWARMNODE_RECOVER_AFTER.
    expect(Date.parse(String(forced.time)) - lostAt).toBeGreaterThanOrEqual(RECOVER_AFTER_SEC * 1000);
    const decided = logLines(lab, survivor).find((l) => (l.recovery as { kind?: string } | undefined)?.kind === 'take-lock');
    expect(String(decided?.msg)).toMatch(/every missing manager is gone for good: .*terminated since/);

    const rows = await waitForSwarm(lab, 5, 240_000);
    const reachable = rows.filter((n) => n.ManagerStatus?.Reachability === 'reachable');
    expect(reachable).toHaveLength(3);
    await until('web at its replicas', async () => ((await runningTasks(lab, survivor, 'web')).length === REPLICAS ? true : undefined), 120_000);
    // `service ls` also counts the tasks the dead managers' nodes last reported running, until the
    // leader removes those nodes (SWARMNODE_REAP_AFTER): then it shows exactly the replicas.
    await until(`service ls says web ${REPLICAS}/${REPLICAS}`, async () => {
      const ls = await lab.dockerCli(survivor, ['service', 'ls', '--format', '{{.Name}} {{.Replicas}}']);
      return ls.stdout.trim() === `web ${REPLICAS}/${REPLICAS}` ? true : undefined;
    }, 120_000);
    // The dead managers' nodes are gone, and the record lists the raft as it is now.
    await until('no stale node left', async () => ((await anyManagerNodes(lab, idsOf(lab, 'manager'))).rows.length === 5 ? true : undefined), 120_000);
    const record = JSON.parse(lab.cloud.parameter(`/swarmnode/${lab.cluster}/cluster`)!.value) as { generation: number; managers: { instanceId: string }[] };
    expect(record.generation).toBe(1);
    expect(record.managers.map((m) => m.instanceId).sort()).toEqual(idsOf(lab, 'manager').sort());
  });

  it('two managers only cut off, their instances running: never a new cluster, and status says why', async () => {
    const [stays = '', ...cut] = idsOf(lab, 'manager');
    const before = forcedNewClusters(lab).length;
    for (const id of cut) await lab.partition(id);
    try {
      // Well past SWARMNODE_RECOVER_AFTER.
      await sleep(3 * RECOVER_AFTER_SEC * 1000);
      expect(forcedNewClusters(lab)).toHaveLength(before);
      const status = await lab.runAgent(stays, ['status', '--json']);
      expect(status.code).toBe(1);
      const report = JSON.parse(status.stdout) as { quorumLost: boolean; recovery: { kind: string; reason: string }; advice: string[] };
      expect(report.quorumLost).toBe(true);
      expect(report.recovery.kind).toBe('refuse');
      expect(report.recovery.reason).toMatch(/is running per EC2: it may come back/);
      expect(report.advice[0]).toMatch(/never force a new cluster while one of them may come back/);
    } finally {
      for (const id of cut) await lab.heal(id);
    }
    await waitForSwarm(lab, 5, 240_000);
    expect(forcedNewClusters(lab)).toHaveLength(before);
  });
});
