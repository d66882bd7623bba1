import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { anyManagerNodes, idsOf, logLines, nodeOf, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

/**
 * Issue 8, failure 1, as the issue tells it: the swarm's creator was replaced by an AMI roll long
 * ago, the manager token is deleted, every watch is down, and a new manager cannot reach 2377 (a
 * NACL change). It used to follow the lock chain past the terminated creator and initialise a
 * second swarm; now it never initialises, says why, and joins once the operator republishes.
 */
describe('safety: a published swarm is never initialised again', () => {
  let lab: Lab;
  const prefix = '/swarmnode/lab';

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-once-${process.pid}`, managers: 3, workers: 1, env: WATCH_ENV });
    await waitForSwarm(lab, 4);
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('creator terminated, token deleted, watches down, 2377 unreachable: the new manager waits and never inits', async () => {
    const record = JSON.parse(lab.cloud.parameter(`${prefix}/cluster`)!.value) as { swarmId: string; createdBy: string };
    const creator = record.createdBy;

    // The AMI roll: a new manager joins, then the creator is scaled in through its hook.
    const rolled = await lab.launchInstance('lab-managers');
    await until(`${rolled} a reachable manager`, async () => {
      const { rows } = await anyManagerNodes(lab, idsOf(lab, 'manager'));
      return nodeOf(rows, lab, rolled)?.ManagerStatus?.Reachability === 'reachable' ? true : undefined;
    }, 180_000);
    await lab.terminate(creator, { decrement: true });
    await until(`${creator} terminated`, async () => (lab.cloud.instance(creator)?.lifecycleState === 'Terminated' ? true : undefined), 180_000);

    // What the old advice told operators to do, then watch down everywhere and a NACL on new subnets.
    lab.cloud.parameters.delete(`${prefix}/manager-token`);
    for (const id of lab.instances().filter((i) => i.running).map((i) => i.instanceId)) await lab.stopAgent(id);
    const workerToken = lab.cloud.parameter(`${prefix}/worker-token`)!;
    const clusterVersion = lab.cloud.parameter(`${prefix}/cluster`)!.version;
    await lab.blockPortForNewInstances(2377);

    const fresh = await lab.launchInstance('lab-managers');
    const said = await until(
      'the new manager refusing to initialise',
      async () => logLines(lab, fresh).find((l) => typeof l.msg === 'string' && /never initialised again/.test(l.msg)),
      120_000,
    );
    expect(said.msg).toContain(record.swarmId);
    // Long enough for several election rounds: still no init, nothing of the swarm overwritten.
    await sleep(15_000);
    expect(logLines(lab, fresh).filter((l) => l.action === 'init' || l.action === 'take-lock')).toEqual([]);
    expect((await lab.docker(fresh).info()).Swarm.LocalNodeState).toBe('inactive');
    expect(lab.cloud.parameter(`${prefix}/cluster`)!.version).toBe(clusterVersion);
    expect(lab.cloud.parameter(`${prefix}/worker-token`)!.version).toBe(workerToken.version);
    expect(lab.cloud.parameter(`${prefix}/manager-token`)).toBeUndefined();

    // The safe fix: republish from a manager of the swarm; the network heals; the new manager joins it.
    const survivor = idsOf(lab, 'manager').find((id) => id !== fresh)!;
    const republish = await lab.runAgent(survivor, ['republish']);
    expect(republish.code, republish.stderr).toBe(0);
    expect(republish.stdout).toContain(record.swarmId);
    await lab.blockPortForNewInstances(2377, false);
    await until('the new manager in the one swarm', async () => {
      const info = await lab.docker(fresh).info();
      return info.Swarm.LocalNodeState === 'active' && info.Swarm.Cluster?.ID === record.swarmId ? true : undefined;
    }, 180_000);
    expect(logLines(lab, fresh).filter((l) => l.action === 'init')).toEqual([]);
  });
});
