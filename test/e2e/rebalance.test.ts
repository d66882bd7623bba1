import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { LAB_IMAGE } from '../lab/instance-engine.js';
import { idsOf, logLines, nodeOf, nodes, runningTasks, sampler, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const REPLICAS = 6;
const PARALLELISM = 1;
const UPDATE_DELAY_SEC = 2;
const POLL_SEC = 1;
const STOP_GRACE_SEC = 1;

/** A 6-replica service on the workers only, with its own update_config; labelled or not. */
async function createWorkerService(lab: Lab, managerId: string, name: string, labels: Record<string, string>): Promise<void> {
  await lab.docker(managerId).createService({
    Name: name,
    Labels: labels,
    TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'], StopGracePeriod: STOP_GRACE_SEC * 1e9 }, Placement: { Constraints: ['node.role==worker'] } },
    Mode: { Replicated: { Replicas: REPLICAS } },
    UpdateConfig: { Parallelism: PARALLELISM, Delay: UPDATE_DELAY_SEC * 1e9, FailureAction: 'pause', Order: 'stop-first' },
  });
}

describe('rebalancing: a labelled service spreads onto a new worker, an unlabelled one stays', () => {
  let lab: Lab;
  let manager: string;

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-rebal-${process.pid}`, managers: 1, workers: 2, env: { ...WATCH_ENV, SWARMNODE_POLL_INTERVAL: `${POLL_SEC}s` } });
    await waitForSwarm(lab, 3);
    manager = idsOf(lab, 'manager')[0]!;
    // A few rounds first, so the leader counts both workers as known before any service exists.
    await sleep(3 * POLL_SEC * 1000);
    await createWorkerService(lab, manager, 'spread', { 'swarmnode.rebalance': 'true' });
    await createWorkerService(lab, manager, 'pinned', {});
    await until('both services at 6 running', async () => ((await runningTasks(lab, manager, 'spread')).length === REPLICAS && (await runningTasks(lab, manager, 'pinned')).length === REPLICAS ? true : undefined), 120_000);
  }, 400_000);

  afterAll(async () => {
    await lab?.down();
  });

  it('within two reconcile periods of the new worker being Ready the leader starts the rolling update; replicas never below replicas - parallelism', async () => {
    const spread = sampler(async () => (await runningTasks(lab, manager, 'spread')).length, 200);
    const fresh = await lab.launchInstance('lab-workers');
    expect(await lab.bootExit(fresh, 180_000)).toBe(0);
    const { readyAt, nodeId } = await until('the new worker Ready', async () => {
      const row = nodeOf(await nodes(lab, manager), lab, fresh);
      return row?.Status.State === 'ready' ? { readyAt: Date.now(), nodeId: row.ID } : undefined;
    }, 60_000, 100);
    const onNew = await until('a spread task on the new worker', async () => {
      const here = (await runningTasks(lab, manager, 'spread')).filter((t) => t.NodeID === nodeId).length;
      return here > 0 ? Date.now() : undefined;
    }, 120_000, 200);
    await until('the rolling update over', async () => {
      const service = (await lab.docker(manager).getService('spread').inspect()) as { UpdateStatus?: { State?: string } };
      return service.UpdateStatus?.State === 'completed' ? true : undefined;
    }, 180_000);
    await until('spread back at 6 running', async () => ((await runningTasks(lab, manager, 'spread')).length === REPLICAS ? true : undefined), 60_000);
    await spread.stop();

    const started = logLines(lab, manager).find((l) => l.cmd === 'watch' && typeof l.msg === 'string' && l.msg.startsWith('rebalance: spread runs no task'));
    expect(started, 'the leader logs the rebalance with its reason').toBeDefined();
    expect(started).toMatchObject({ service: 'spread', update: { parallelism: PARALLELISM, delayMs: UPDATE_DELAY_SEC * 1000, failureAction: 'pause' } });
    // The leader acts on the first round that sees the node Ready: at most two periods after our
    // own (200 ms-grained) observation of it, plus the round's engine calls.
    const startedAt = Date.parse(started!.time as string);
    console.info(`rebalance started ${startedAt - readyAt} ms after the worker was seen Ready; first task on it after ${onNew - readyAt} ms`);
    expect(startedAt - readyAt).toBeLessThanOrEqual(2 * POLL_SEC * 1000 + UPDATE_DELAY_SEC * 1000);
    // Stop-first: the first moved task starts once an old one has stopped (its 1 s stop grace).
    expect(onNew - readyAt).toBeLessThanOrEqual(2 * POLL_SEC * 1000 + UPDATE_DELAY_SEC * 1000 + STOP_GRACE_SEC * 1000);
    const counts = spread.samples.map((s) => s.value).filter((v): v is number => typeof v === 'number');
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(REPLICAS - PARALLELISM);

    const tasks = await runningTasks(lab, manager, 'spread');
    expect(tasks.filter((t) => t.NodeID === nodeId).length).toBeGreaterThanOrEqual(1);
    expect((await runningTasks(lab, manager, 'pinned')).filter((t) => t.NodeID === nodeId)).toEqual([]);
    const pinned = (await lab.docker(manager).getService('pinned').inspect()) as { UpdateStatus?: unknown };
    expect(pinned.UpdateStatus).toBeUndefined();

    // What an operator then reads at a glance on the manager.
    const status = await lab.runAgent(manager, ['status']);
    expect(status.code).toBe(0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toMatch(/^AZ +MANAGERS +WORKERS$/);
    const grid = lines.slice(1, lines.findIndex((l) => l.startsWith('drift:'))).map((l) => l.split(/\s{2,}/));
    const ready = (column: number): number => grid.reduce((sum, cells) => sum + Number(/(\d+) ready/.exec(cells[column] ?? '')?.[1] ?? 0), 0);
    expect({ managers: ready(1), workers: ready(2) }).toEqual({ managers: 1, workers: 3 });
    expect(lines).toContain('held: none');
  });
});
