import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import type { ActionOutcome } from '../lab/fake-aws/lifecycle.js';
import { anyManagerNodes, createService, idsOf, logLines, nodes, runningTasks, sampler, until, waitForSwarm, WATCH_ENV, type NodeRow } from './watch-helpers.js';

const REPLICAS = 4;
const POOL = { minSize: 1, maxGroupPreparedCapacity: 1, reuseOnScaleIn: true } as const;

/**
 * Issue 9, warm pools end to end with swarmnode on every instance: a pool instance's launching
 * action is answered CONTINUE without a join, scale-out from a Stopped and from a Running pool
 * joins through the same boot procedure, the pool refills without churn, and a scale-in under the
 * instance reuse policy drains and leaves before the instance goes back to the pool.
 */
describe('lifecycle: warm pools', () => {
  let lab: Lab;
  let workers: string;
  let manager: string;

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-lwp-${process.pid}`, managers: 1, workers: 1, env: WATCH_ENV, warmPools: { workers: { ...POOL, poolState: 'Stopped' } } });
    workers = `${lab.cluster}-workers`;
    [manager = ''] = idsOf(lab, 'manager');
    await waitForSwarm(lab, 2);
  });

  afterAll(async () => {
    await lab?.down();
  });

  const state = (id: string): string | undefined => lab.cloud.instance(id)?.lifecycleState;
  const outcomes = (id: string): Pick<ActionOutcome, 'transition' | 'result' | 'by'>[] => lab.cloud.lifecycleOutcomes(id).map(({ transition, result, by }) => ({ transition, result, by }));
  const labelled = (rows: NodeRow[], id: string): NodeRow | undefined => rows.find((n) => n.Spec.Labels?.['swarmnode.instance-id'] === id && n.Status.State !== 'down');
  /** The pool's one instance once it has settled in `to`. */
  const settledPoolInstance = (to: string, except: readonly string[] = []): Promise<string> =>
    until(`a pool instance ${to}`, async () => lab.warmPool(workers).instances.find((i) => i.lifecycleState === to && !except.includes(i.instanceId))?.instanceId, 120_000);
  const readyNode = (id: string): Promise<NodeRow> => until(`${id} a Ready swarm node`, async () => {
    const row = labelled(await nodes(lab, manager), id);
    return row?.Status.State === 'ready' ? row : undefined;
  }, 180_000);
  /** Nothing churned: every action so far was completed by swarmnode with CONTINUE, no instance was replaced. */
  const expectNoChurn = (): void => {
    expect(lab.cloud.lifecycleOutcomes().filter((o) => o.result !== 'CONTINUE' || o.by !== 'completion')).toEqual([]);
    expect(lab.cloud.instances().filter((i) => i.ec2State === 'terminated' || i.health !== 'Healthy').map((i) => i.instanceId)).toEqual([]);
  };

  it('Stopped pool: the pool instance is answered CONTINUE without joining; scale-out starts it, it joins, its hook CONTINUE; the pool refills', async () => {
    const pooled = await settledPoolInstance('Warmed:Stopped');
    expect(outcomes(pooled)).toEqual([{ transition: 'launching', result: 'CONTINUE', by: 'completion' }]);
    expect(labelled(await nodes(lab, manager), pooled)).toBeUndefined();
    expect(logLines(lab, pooled).some((l) => /a warm pool instance answers its launching action/.test(JSON.stringify(l)))).toBe(true);

    await lab.scale(workers, 2);
    await until(`${pooled} InService`, async () => (state(pooled) === 'InService' ? true : undefined), 180_000);
    await readyNode(pooled);
    expect(outcomes(pooled)).toEqual([
      { transition: 'launching', result: 'CONTINUE', by: 'completion' },
      { transition: 'launching', result: 'CONTINUE', by: 'completion' },
    ]);
    // A start is a boot: the agent ran `boot` a second time, now to join.
    expect(lab.agentBoots(pooled)).toBe(2);

    const refill = await settledPoolInstance('Warmed:Stopped', [pooled]);
    expect(outcomes(refill)).toEqual([{ transition: 'launching', result: 'CONTINUE', by: 'completion' }]);
    expect(labelled(await nodes(lab, manager), refill)).toBeUndefined();
    expectNoChurn();
  });

  it('instance reuse: a scale-in sends a worker back to the pool drained and out of the swarm, its terminating action CONTINUE', async () => {
    await createService(lab, manager, 'web', REPLICAS, 1);
    await until('every replica running', async () => ((await runningTasks(lab, manager, 'web')).length === REPLICAS ? true : undefined), 120_000);
    const before = (await anyManagerNodes(lab, [manager])).rows;
    // Scale-in picks the newest InService instance: the one that came from the pool.
    const newest = lab.cloud.group(workers)!.instanceIds.at(-1)!;
    const leaving = labelled(before, newest)!.ID;
    const availability = sampler(async () => (await nodes(lab, manager)).find((n) => n.ID === leaving), 300);

    await lab.scale(workers, 1);
    await until(`${newest} back in the pool`, async () => (state(newest) === 'Warmed:Stopped' ? true : undefined), 180_000);
    expect(outcomes(newest).at(-1)).toEqual({ transition: 'terminating', result: 'CONTINUE', by: 'completion' });
    // The node of an instance that left and stopped in the pool is removed: no stale node stays.
    await until(`node ${leaving} removed`, async () => ((await nodes(lab, manager)).some((n) => n.ID === leaving) ? undefined : true), 120_000);
    await availability.stop();

    // Drained before it left: seen in availability drain while still Ready, and only later Down or gone.
    const seen = availability.samples.flatMap((s) => (s.value instanceof Error ? [] : [s.value === undefined ? 'removed' : `${s.value.Spec.Availability}/${s.value.Status.State}`]));
    const drained = seen.indexOf('drain/ready');
    expect(drained).toBeGreaterThanOrEqual(0);
    expect(seen.slice(0, drained).every((s) => s === 'active/ready')).toBe(true);
    const tasks = await runningTasks(lab, manager, 'web');
    expect(tasks).toHaveLength(REPLICAS);
    expect(tasks.filter((t) => t.NodeID === leaving)).toEqual([]);
    expectNoChurn();
  });

  it('Running pool: going into service needs no reboot; watch runs the boot procedure, joins and completes the launching action CONTINUE', async () => {
    lab.deleteWarmPool(workers, { force: true });
    await lab.putWarmPool(workers, { ...POOL, poolState: 'Running' });
    const pooled = await settledPoolInstance('Warmed:Running');
    expect(lab.cloud.group(workers)?.desired).toBe(1);
    expect(outcomes(pooled)).toEqual([{ transition: 'launching', result: 'CONTINUE', by: 'completion' }]);
    expect(labelled(await nodes(lab, manager), pooled)).toBeUndefined();

    await lab.scale(workers, 2);
    await until(`${pooled} InService`, async () => (state(pooled) === 'InService' ? true : undefined), 180_000);
    await readyNode(pooled);
    expect(outcomes(pooled)).toEqual([
      { transition: 'launching', result: 'CONTINUE', by: 'completion' },
      { transition: 'launching', result: 'CONTINUE', by: 'completion' },
    ]);
    expect(lab.agentBoots(pooled)).toBe(1);
    expect(logLines(lab, pooled).some((l) => l.msg === 'lifecycle event: from-warm-pool')).toBe(true);
    await settledPoolInstance('Warmed:Running', [pooled]);
    // The force-deleted pool's instances were terminated by that deletion, not by churn.
    expect(lab.cloud.lifecycleOutcomes().filter((o) => o.result !== 'CONTINUE' || o.by !== 'completion')).toEqual([]);
  });
});
