import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_IMAGE } from '../lab/instance-engine.js';
import { Lab } from '../lab/lab.js';

const name = `e2e-swarm-${process.pid}`;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('lab: three instances form a swarm by hand', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({ name, managers: 3, agent: false });
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('gives every instance its own hostname, private IP and engine with the busybox image', async () => {
    const instances = lab.instances();
    expect(instances).toHaveLength(3);
    expect(new Set(instances.map((i) => i.privateIp)).size).toBe(3);
    for (const i of instances) {
      const info = await lab.docker(i.instanceId).info();
      expect(info.Name).toBe(i.hostname);
      expect(i.hostname).toBe(`ip-${i.privateIp.replaceAll('.', '-')}`);
      const images = await lab.docker(i.instanceId).listImages({ filters: { reference: [LAB_IMAGE] } });
      expect(images).toHaveLength(1);
    }
  });

  it('runs a 6-replica busybox service with tasks on all three nodes', async () => {
    const [first, ...others] = lab.instances();
    if (first === undefined) throw new Error('no instance');
    const leader = lab.docker(first.instanceId);
    await leader.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: first.privateIp });
    const swarm = (await leader.swarmInspect()) as { JoinTokens: { Manager: string } };
    for (const peer of others) {
      await lab.docker(peer.instanceId).swarmJoin({
        ListenAddr: '0.0.0.0:2377',
        AdvertiseAddr: peer.privateIp,
        RemoteAddrs: [`${first.privateIp}:2377`],
        JoinToken: swarm.JoinTokens.Manager,
      });
    }
    const nodes = (await leader.listNodes()) as { Status: { State: string }; ManagerStatus?: { Reachability: string } }[];
    expect(nodes).toHaveLength(3);

    await leader.createService({
      Name: 'sleepers',
      TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'] } },
      Mode: { Replicated: { Replicas: 6 } },
    });
    const running = await until(
      '6 running tasks',
      async () => {
        const tasks = (await leader.listTasks({ filters: { service: ['sleepers'], 'desired-state': ['running'] } })) as {
          NodeID: string;
          Status: { State: string };
        }[];
        const up = tasks.filter((t) => t.Status.State === 'running');
        return up.length === 6 ? up : undefined;
      },
      120_000,
    );
    expect(new Set(running.map((t) => t.NodeID)).size).toBe(3);
  });

  it('leaves nothing behind after down', async () => {
    await lab.down();
    expect(await Lab.leftovers(name)).toEqual([]);
  });
});
