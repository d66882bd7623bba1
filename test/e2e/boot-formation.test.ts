import { afterEach, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { expectNoSecrets, ProcSampler } from './boot-secrets.js';

const BOOT_MS = 120_000;
let lab: Lab | undefined;
const sampler = new ProcSampler();

afterEach(async () => {
  sampler.stop();
  await lab?.down();
  lab = undefined;
});

type LogLine = { msg?: string; cmd?: string; action?: string; raw?: string };
const logOf = (l: Lab, id: string) => l.agentLog(id) as LogLine[];

async function allBooted(l: Lab): Promise<void> {
  const codes = await Promise.all(l.instances().map((i) => l.bootExit(i.instanceId, BOOT_MS)));
  expect(codes).toEqual(codes.map(() => 0));
}

/** One swarm: every manager reports the same swarm id, and the node list holds every instance. */
async function expectOneSwarm(l: Lab): Promise<Map<string, string>> {
  const nodeIds = new Map<string, string>();
  const swarmIds = new Set<string>();
  for (const i of l.instances()) {
    const info = await l.docker(i.instanceId).info();
    expect(info.Swarm.LocalNodeState).toBe('active');
    nodeIds.set(i.instanceId, info.Swarm.NodeID);
    if (i.role === 'manager') swarmIds.add(info.Swarm.Cluster.ID);
  }
  expect(swarmIds.size).toBe(1);
  const manager = l.instances().find((i) => i.role === 'manager');
  const nodes = await l.docker(manager?.instanceId as string).listNodes();
  expect(nodes).toHaveLength(l.instances().length);
  const managers = nodes.filter((n) => n.Spec?.Role === 'manager');
  expect(managers).toHaveLength(l.instances().filter((i) => i.role === 'manager').length);
  for (const m of managers) expect(m.ManagerStatus?.Reachability).toBe('reachable');
  const inits = l.instances().flatMap((i) => logOf(l, i.instanceId).filter((line) => line.action === 'init'));
  expect(inits).toHaveLength(1);
  return nodeIds;
}

describe('boot: the swarm forms from simultaneous launches', () => {
  it.each([
    ['3 managers, trial 1', 3],
    ['3 managers, trial 2', 3],
    ['5 managers', 5],
  ])('%s: one swarm, every manager reachable, one init', async (_name, managers) => {
    lab = await Lab.start({ name: `bt${managers}${Math.floor(Math.random() * 1000)}`, managers, workers: 1, startJitterMs: 3_000, env: { SWARMNODE_JOIN_TIMEOUT: '100s' } });
    await allBooted(lab);
    await expectOneSwarm(lab);
  });

  it('workers launched before any manager wait, then join; reboots keep node ids; no secret leaks', async () => {
    lab = await Lab.start({ name: `btw${Math.floor(Math.random() * 1000)}`, managers: 0, workers: 2, env: { SWARMNODE_JOIN_TIMEOUT: '100s' } });
    const l = lab;
    // Watches the swarmnode processes from their first boot on, while the tokens do not exist yet.
    sampler.start();
    const workers = l.instances().map((i) => i.instanceId);
    await l.cloud.waitFor(() => workers.every((id) => logOf(l, id).some((line) => /no manager instance has an address yet/.test(line.msg ?? ''))), 60_000);
    await l.scale(`${l.cluster}-managers`, 3);
    await allBooted(l);
    const before = await expectOneSwarm(l);

    const manager = l.instances().find((i) => i.role === 'manager')?.instanceId as string;
    const worker = workers[0] as string;
    for (const id of [manager, worker]) {
      const linesBefore = logOf(l, id).length;
      await l.reboot(id);
      expect(await l.bootExit(id, BOOT_MS)).toBe(0);
      const after = logOf(l, id).slice(linesBefore);
      expect(after.some((line) => line.action === 'join' || line.action === 'init')).toBe(false);
      expect((await l.docker(id).info()).Swarm.NodeID).toBe(before.get(id));
      expect((await l.runAgent(id, ['health', '--json'])).code).toBe(0);
    }

    const swarm = await l.docker(manager).swarmInspect();
    expectNoSecrets(l, [swarm.JoinTokens.Manager, swarm.JoinTokens.Worker], sampler.stop());
  });
});
