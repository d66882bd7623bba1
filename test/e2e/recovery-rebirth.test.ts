import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_IMAGE } from '../lab/instance-engine.js';
import { Lab } from '../lab/lab.js';
import { anyManagerNodes, idsOf, logLines, runningTasks, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const BUCKET = 'lab-backups';
const RECOVER_AFTER_SEC = 15;
const ENV = { ...WATCH_ENV, SWARMNODE_RECOVER_AFTER: `${RECOVER_AFTER_SEC}s`, SWARMNODE_BACKUP_BUCKET: BUCKET, SWARMNODE_BACKUP_MIN_INTERVAL: '2s' };
const REPLICAS = 6;

interface Record_ {
  swarmId: string;
  generation: number;
  managers: { instanceId: string }[];
}

/**
 * Issue 10, rebirth after total manager loss: 3 managers and 2 workers with a 6-replica service on
 * an overlay network and a second service that needs a secret; the leader backs it all up to S3.
 * All three managers are terminated: the ASG's new managers start generation 2 through its own
 * election, restore the backup (the service and network back, the service needing the secret
 * listed as missing), and the old workers leave the dead swarm and join the new one.
 */
describe('recovery: every manager lost, a new generation with its services', () => {
  let lab: Lab;
  let oldSwarm: string;
  const record = (): Record_ => JSON.parse(lab.cloud.parameter(`/swarmnode/${lab.cluster}/cluster`)?.value ?? '{}') as Record_;

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-rb-${process.pid}`, managers: 3, workers: 2, env: ENV });
    lab.cloud.createBucket(BUCKET, { versioning: true });
    await waitForSwarm(lab, 5);
    // Any manager the leader lists may still be catching up ("manager is being prepared"): use one that answers.
    const { managerId: manager } = await anyManagerNodes(lab, idsOf(lab, 'manager'));
    const docker = lab.docker(manager);
    oldSwarm = ((await docker.swarmInspect()) as { ID: string }).ID;
    await lab.dockerCli(manager, ['network', 'create', '--driver', 'overlay', 'app']);
    const secret = (await docker.createSecret({ Name: 'db-pass', Data: Buffer.from('never-in-a-backup').toString('base64') })) as { id: string };
    await docker.createService({
      Name: 'web',
      TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'] }, Networks: [{ Target: 'app' }], Placement: { Constraints: ['node.role==worker'] } },
      Mode: { Replicated: { Replicas: REPLICAS } },
    });
    await docker.createService({
      Name: 'api',
      TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'], Secrets: [{ SecretID: secret.id, SecretName: 'db-pass', File: { Name: 'db-pass', UID: '0', GID: '0', Mode: 0o400 } }] } },
      Mode: { Replicated: { Replicas: 1 } },
    });
    await until('web at its replicas', async () => ((await runningTasks(lab, manager, 'web')).length === REPLICAS ? true : undefined), 120_000);
    await until('a backup holding both services', async () => {
      const keys = lab.cloud.bucketObjects(BUCKET).map((o) => o.key);
      return keys.some((key) => {
        const names = (JSON.parse(lab.cloud.readObject(BUCKET, key).toString('utf8')) as { content: { services: { name: string }[] } }).content.services.map((s) => s.name);
        return names.includes('web') && names.includes('api');
      }) ? true : undefined;
    }, 120_000);
    await until('three managers recorded', async () => (record().managers?.length === 3 ? true : undefined), 60_000);
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('generation 2 starts, restores the backup, lists the missing secret, and the old workers join it', async () => {
    const oldWorkers = idsOf(lab, 'worker');
    const lostAt = Date.now();
    for (const id of idsOf(lab, 'manager')) await lab.crash(id);
    await lab.scale(`${lab.cluster}-managers`, 3);

    await until('generation 2 published', async () => (record().generation === 2 ? true : undefined), 300_000);
    const reborn = record();
    expect(reborn.swarmId).not.toBe(oldSwarm);
    const initializer = idsOf(lab, 'manager').find((id) => logLines(lab, id).some((l) => l.action === 'init'))!;
    const init = logLines(lab, initializer).find((l) => l.action === 'init')!;
    expect(Date.parse(String(init.time)) - lostAt).toBeGreaterThanOrEqual(RECOVER_AFTER_SEC * 1000);
    // Exactly one instance initialised generation 2.
    expect(idsOf(lab, 'manager').filter((id) => logLines(lab, id).some((l) => l.action === 'init'))).toEqual([initializer]);

    // The old workers left the dead swarm and joined this one (the leader labels them with their instance).
    await until('the old workers in generation 2', async () => {
      const rows = await waitForSwarm(lab, 5, 10_000).catch(() => undefined);
      const workers = rows?.filter((n) => n.Spec.Role === 'worker').map((n) => n.Spec.Labels?.['swarmnode.instance-id']).sort();
      return JSON.stringify(workers) === JSON.stringify([...oldWorkers].sort()) ? true : undefined;
    }, 300_000);
    const { managerId: manager } = await anyManagerNodes(lab, idsOf(lab, 'manager'));
    await until('web back at its replicas', async () => ((await runningTasks(lab, manager, 'web')).length === REPLICAS ? true : undefined), 180_000);
    const networks = (await lab.docker(manager).listNetworks({ filters: { name: ['app'] } })) as { Name: string; Driver: string }[];
    expect(networks.filter((n) => n.Name === 'app').map((n) => n.Driver)).toEqual(['overlay']);
    const services = ((await lab.docker(manager).listServices()) as { Spec: { Name: string } }[]).map((s) => s.Spec.Name);
    expect(services).toEqual(['web']);
    const missing = logLines(lab, initializer).find((l) => Array.isArray(l.missingSecrets));
    expect(missing?.missingSecrets).toEqual([{ secret: 'db-pass', services: ['api'] }]);
    expect(String(missing?.msg)).toMatch(/secret db-pass \(needed by api\) missing/);

    const status = await lab.runAgent(manager, ['status', '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ swarmId: reborn.swarmId, generation: 2, quorumLost: false });
  });
});
