import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { createService, idsOf, logLines, nodeOf, nodes, runningTasks, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const WEB = 6;
const ON_WORKERS = ['node.role==worker'];

/**
 * Issue 9, spot end to end: a rebalance recommendation drains the node (tasks move, it stays a
 * member), so the interruption notice that may follow costs nothing; a notice that arrives during
 * a long scale-in drain preempts it, and the node is out of the swarm before EC2 takes it.
 */
describe('lifecycle: spot rebalance recommendations and interruption notices', () => {
  let lab: Lab;
  let manager: string;

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-lsp-${process.pid}`, managers: 1, workers: 3, spot: { workers: true }, env: WATCH_ENV });
    [manager = ''] = idsOf(lab, 'manager');
    await waitForSwarm(lab, 4);
    await createService(lab, manager, 'web', WEB, 1, ON_WORKERS);
    await until('every web replica running', async () => ((await runningTasks(lab, manager, 'web')).length === WEB ? true : undefined), 120_000);
  });

  afterAll(async () => {
    await lab?.down();
  });

  const nodeIdOf = async (id: string): Promise<string> => nodeOf(await nodes(lab, manager), lab, id)!.ID;
  /** A worker running at least one task of `service`. */
  const workerRunning = async (service: string): Promise<string> => {
    const tasks = await runningTasks(lab, manager, service);
    const rows = await nodes(lab, manager);
    const found = idsOf(lab, 'worker').find((id) => tasks.some((t) => t.NodeID === nodeOf(rows, lab, id)?.ID));
    if (found === undefined) throw new Error(`no worker runs ${service}`);
    return found;
  };
  /** When the instance's engine left the swarm (epoch ms), polled from the instance itself. */
  const leftAt = (id: string): Promise<number> =>
    until(`${id} out of the swarm`, async () => ((await lab.docker(id).info()).Swarm.LocalNodeState === 'inactive' ? Date.now() : undefined), 180_000, 250);

  it('a rebalance recommendation moves the tasks before any interruption notice; the notice then costs nothing', async () => {
    const victim = await workerRunning('web');
    const victimNode = await nodeIdOf(victim);
    lab.rebalance(victim);
    await until('the tasks moved off the recommended node', async () => {
      const tasks = await runningTasks(lab, manager, 'web');
      return tasks.length === WEB && tasks.every((t) => t.NodeID !== victimNode) ? true : undefined;
    }, 120_000);
    const drained = nodeOf(await nodes(lab, manager), lab, victim)!;
    // Drained, not taken out: still a Ready member, labelled with why.
    expect(drained).toMatchObject({ ID: victimNode, Spec: { Availability: 'drain' }, Status: { State: 'ready' } });
    expect(drained.Spec.Labels?.['swarmnode.drained-for']).toBe('rebalance');

    const notice = lab.interruptSpot(victim, { inMs: 60_000 });
    const atNotice = await runningTasks(lab, manager, 'web');
    expect(atNotice).toHaveLength(WEB);
    expect(atNotice.filter((t) => t.NodeID === victimNode)).toEqual([]);
    // Out of the swarm before EC2 takes the instance.
    expect(await leftAt(victim)).toBeLessThan(notice.time.getTime());
    await until(`node ${victimNode} removed once EC2 took the instance`, async () => ((await nodes(lab, manager)).some((n) => n.ID === victimNode) ? undefined : true), 180_000);
    expect(lab.cloud.instance(victim)?.ec2State).toMatch(/^(shutting-down|terminated)$/);
  });

  it('an interruption notice during a long scale-in drain cuts it short: out of the swarm and the hook answered before EC2 takes the instance', async () => {
    // Tasks that take 10 minutes to stop: the scale-in drain alone would wait its whole SWARMNODE_DRAIN_TIMEOUT.
    await createService(lab, manager, 'slow', 2, 600, ON_WORKERS);
    await until('the slow replicas running', async () => ((await runningTasks(lab, manager, 'slow')).length === 2 ? true : undefined), 120_000);
    const victim = await workerRunning('slow');
    await lab.terminate(victim, { decrement: true });
    await until(`${victim} draining for its hook`, async () => (logLines(lab, victim).some((l) => l.cmd === 'watch' && l.msg === 'lifecycle event: terminating') ? true : undefined), 60_000);

    const notice = lab.interruptSpot(victim, { inMs: 45_000 });
    const left = await leftAt(victim);
    expect(left).toBeLessThan(notice.time.getTime());
    await until(`${victim} hook answered`, async () => (lab.cloud.lifecycleOutcomes(victim).some((o) => o.transition === 'terminating') ? true : undefined), 120_000);
    const [answer] = lab.cloud.lifecycleOutcomes(victim).filter((o) => o.transition === 'terminating');
    expect(answer).toMatchObject({ result: 'CONTINUE', by: 'completion' });
    expect(answer!.at).toBeLessThan(notice.time.getTime());
  });
});
