import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyPrefix, parseBackupKey } from '../../src/core/backup/key.js';
import { LAB_IMAGE } from '../lab/instance-engine.js';
import { Lab } from '../lab/lab.js';
import { idsOf, ipOf, logLines, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const BUCKET = 'lab-backups';
/** The leader looks for changes every 2 s here (1 min by default). */
const ENV = { ...WATCH_ENV, SWARMNODE_BACKUP_BUCKET: BUCKET, SWARMNODE_BACKUP_MIN_INTERVAL: '2s' };
const CONFIG_DATA = 'listen 8080\n';
const SECRET_VALUE = 's3cr3t-value-never-backed-up';

interface Document {
  swarmId: string;
  contentHash: string;
  requiredSecrets: { secret: string; services: string[] }[];
  content: { services: { name: string }[]; networks: { name: string }[]; configs: { name: string; spec: { Data: string } }[]; secrets: { name: string }[]; nodes: { hostname: string; labels: Record<string, string> }[] };
}

interface Report {
  complete: boolean;
  backup: { key: string; swarmId: string };
  restored: { kind: string; name: string }[];
  skipped: { kind: string; name: string; cause: string }[];
  missingSecrets: { secret: string; services: string[] }[];
  failed: unknown[];
}

/**
 * One lab (1 manager, 1 worker, real engines) with backups to the fake S3: a swarm with an overlay
 * network, a config, a secret, a service needing all three and one placed by a node label; the
 * leader backs it up by itself, `swarmnode backup` and `--list` by hand; then the swarm is made
 * anew on the same instances and `swarmnode restore` brings it back.
 */
describe('backups and restore with real engines', () => {
  let lab: Lab;
  let manager: string;
  let worker: string;
  let docker: Docker;
  let oldSwarm: string;
  let manualKey: string;

  const agent = async (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => lab.runAgent(manager, args);
  const objects = () => lab.cloud.bucketObjects(BUCKET);
  const read = (key: string): Document => JSON.parse(lab.cloud.readObject(BUCKET, key).toString('utf8')) as Document;
  const workerHost = () => lab.instances().find((i) => i.instanceId === worker)!.hostname;

  async function labelWorker(labels: Record<string, string>): Promise<void> {
    // The leader labels nodes too: retry on a version conflict.
    await until('worker labelled', async () => {
      const node = (await docker.listNodes()).find((n: { Description: { Hostname: string } }) => n.Description.Hostname === workerHost()) as { ID: string; Version: { Index: number }; Spec: { Labels?: Record<string, string> } };
      await docker.getNode(node.ID).update({ version: node.Version.Index, ...node.Spec, Labels: { ...node.Spec.Labels, ...labels } });
      return true;
    }, 30_000);
  }

  /** Out of the swarm; an engine stopping its tasks may answer "context deadline exceeded" first and leave all the same. */
  async function leave(instanceId: string): Promise<void> {
    await until(`${instanceId} out of the swarm`, async () => {
      const engine = lab.docker(instanceId);
      if ((await engine.info()).Swarm.LocalNodeState === 'inactive') return true;
      await engine.swarmLeave({ force: true }).catch(() => undefined);
      return undefined;
    }, 90_000, 1_000);
  }

  async function runningTasks(service: string): Promise<number> {
    const tasks = (await docker.listTasks({ filters: { service: [service], 'desired-state': ['running'] } })) as { Status: { State: string } }[];
    return tasks.filter((t) => t.Status.State === 'running').length;
  }

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-backup-${process.pid}`, managers: 1, workers: 1, env: ENV });
    lab.cloud.createBucket(BUCKET, { versioning: true });
    await waitForSwarm(lab, 2);
    manager = idsOf(lab, 'manager')[0]!;
    worker = idsOf(lab, 'worker')[0]!;
    docker = lab.docker(manager);
    oldSwarm = ((await docker.swarmInspect()) as { ID: string }).ID;
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('the leader writes an SSE-KMS backup by itself when the swarm changes: specs, config data, secret names, no secret value', async () => {
    // Its first backup (of the empty swarm), and the worker labelled from EC2, before anything changes.
    const first = await until('the leader\'s first backup', async () => objects()[0]?.key, 60_000, 1_000);
    expect(read(first).content.services).toEqual([]);
    await until('the worker labelled by the leader', async () => {
      const nodes = (await docker.listNodes()) as { Spec: { Labels?: Record<string, string> } }[];
      return nodes.some((n) => n.Spec.Labels?.['swarmnode.instance-id'] === worker) ? true : undefined;
    }, 60_000, 1_000);
    const network = await docker.createNetwork({ Name: 'app-net', Driver: 'overlay', Attachable: true, CheckDuplicate: true, Labels: { tier: 'app' } });
    const config = await docker.createConfig({ Name: 'app-config', Data: Buffer.from(CONFIG_DATA).toString('base64') });
    const secret = await docker.createSecret({ Name: 'app-secret', Data: Buffer.from(SECRET_VALUE).toString('base64') });
    await labelWorker({ tier: 'front' });
    await docker.createService({
      Name: 'web',
      TaskTemplate: {
        ContainerSpec: {
          Image: LAB_IMAGE,
          Command: ['sleep', '1d'],
          Configs: [{ File: { Name: '/app.conf', UID: '0', GID: '0', Mode: 0o444 }, ConfigID: config.id, ConfigName: 'app-config' }],
          Secrets: [{ File: { Name: 'app-secret', UID: '0', GID: '0', Mode: 0o400 }, SecretID: secret.id, SecretName: 'app-secret' }],
        },
        Networks: [{ Target: network.id }],
      },
      Mode: { Replicated: { Replicas: 2 } },
    });
    await docker.createService({
      Name: 'plain',
      TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'] }, Networks: [{ Target: network.id }], Placement: { Constraints: ['node.labels.tier==front'] } },
      Mode: { Replicated: { Replicas: 1 } },
    });

    const key = await until('a backup holding both services', async () => objects().map((o) => o.key).find((k) => read(k).content.services.length === 2), 60_000, 1_000);
    expect(key).toMatch(new RegExp(`^swarmnode/lab/1/\\d{8}T\\d{6}Z-${oldSwarm}-[0-9a-f]{8}\\.json$`));
    const [version] = lab.cloud.objectVersions(BUCKET, key);
    expect(version?.sse).toMatchObject({ algorithm: 'aws:kms', keyArn: lab.cloud.kms.resolve('alias/lab-manager').arn, context: { 'swarmnode:cluster': 'lab', 'swarmnode:role': 'manager' } });
    expect(version?.stored.toString('latin1')).not.toContain('app-net');

    const document = read(key);
    expect(document.content.networks.map((n) => n.name)).toEqual(['app-net']);
    expect(document.content.configs).toEqual([expect.objectContaining({ name: 'app-config', spec: expect.objectContaining({ Data: Buffer.from(CONFIG_DATA).toString('base64') }) })]);
    expect(document.content.secrets.map((s) => s.name)).toEqual(['app-secret']);
    expect(document.content.nodes).toEqual([{ hostname: workerHost(), instanceId: worker, labels: { tier: 'front' } }]);
    expect(document.requiredSecrets).toEqual([{ secret: 'app-secret', services: ['web'] }]);
    const plaintext = lab.cloud.readObject(BUCKET, key).toString('utf8');
    expect(plaintext).not.toContain(SECRET_VALUE);
    expect(plaintext).not.toContain(Buffer.from(SECRET_VALUE).toString('base64'));

    const written = logLines(lab, manager).filter((l) => (l.msg ?? '').startsWith('backup written to s3://lab-backups/'));
    expect(written.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(logLines(lab, manager))).not.toContain(Buffer.from(CONFIG_DATA).toString('base64'));
  });

  it('`swarmnode backup` writes one now; `--list` shows the history newest first; status shows the last', async () => {
    // A key names the second and the content: taken in the second of the leader's last backup, with
    // nothing changed since, this one would be that backup ("already written"). Step past it.
    const written = objects().map((o) => parseBackupKey(historyPrefix('swarmnode/', 'lab'), { key: o.key, size: 0, lastModified: 0 })?.at);
    expect(written).not.toContain(undefined);
    await sleep(Math.max(0, Math.max(...(written as number[])) + 1_100 - Date.now()));
    const run = await agent(['backup', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { key: string; written: boolean; swarmId: string; requiredSecrets: unknown; summary: Record<string, number> };
    expect(out).toMatchObject({ written: true, swarmId: oldSwarm, requiredSecrets: [{ secret: 'app-secret', services: ['web'] }], summary: { services: 2, networks: 1, configs: 1, secrets: 1, labelledNodes: 1 } });
    expect(run.stdout).not.toContain(Buffer.from(CONFIG_DATA).toString('base64'));
    expect(objects().map((o) => o.key)).toContain(out.key);
    manualKey = out.key;

    const list = await agent(['backup', '--list', '--json']);
    expect(list.code).toBe(0);
    const history = (JSON.parse(list.stdout) as { backups: { key: string; at: number }[] }).backups;
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(history.map((e) => e.key)).toContain(manualKey);
    expect(history.map((e) => e.at)).toEqual([...history.map((e) => e.at)].sort((a, b) => b - a));
    expect((await agent(['backup', '--list'])).stdout).toContain(manualKey);

    const status = JSON.parse((await agent(['status', '--json'])).stdout) as { backup: { state: string; key: string; size: number } };
    expect(status.backup).toMatchObject({ state: 'ok', key: history[0]!.key });
    expect((await agent(['status'])).stdout).toMatch(/backup: \d+s ago, [\d.]+ kB, s3:\/\/lab-backups\/swarmnode\/lab\/1\//);
  });

  it('on a new swarm, `restore` brings back network, config, node label and services; the service needing the missing secret waits, listed', async () => {
    // A new swarm on the same two instances (the agents stopped: this is by hand).
    await lab.stopAgent(manager);
    await lab.stopAgent(worker);
    await leave(worker);
    await leave(manager);
    await docker.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: ipOf(lab, manager) });
    const fresh = (await docker.swarmInspect()) as { ID: string; JoinTokens: { Worker: string } };
    await lab.docker(worker).swarmJoin({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: ipOf(lab, worker), RemoteAddrs: [`${ipOf(lab, manager)}:2377`], JoinToken: fresh.JoinTokens.Worker });
    await waitForSwarm(lab, 2);
    expect(fresh.ID).not.toBe(oldSwarm);

    const dry = await agent(['restore', '--dry-run', '--json']);
    expect(dry.code).toBe(1);
    const plan = JSON.parse(dry.stdout) as Report;
    expect(plan.backup.swarmId).toBe(oldSwarm);
    expect(plan.restored.map((r) => `${r.kind} ${r.name}`)).toEqual(['network app-net', 'config app-config', `node-labels ${workerHost()}`, 'service plain']);
    expect((await docker.listNetworks()).map((n: { Name: string }) => n.Name)).not.toContain('app-net');

    const run = await agent(['restore', '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.failed).toEqual([]);
    expect(report.restored.map((r) => `${r.kind} ${r.name}`)).toEqual(plan.restored.map((r) => `${r.kind} ${r.name}`));
    expect(report.missingSecrets).toEqual([{ secret: 'app-secret', services: ['web'] }]);
    expect(report.skipped).toEqual([expect.objectContaining({ kind: 'service', name: 'web', cause: 'lacking' })]);
    expect(run.stderr).toContain('secret app-secret (needed by web) missing in this swarm');

    const network = (await docker.listNetworks({ filters: { name: ['app-net'] } })) as { Name: string; Driver: string; Attachable: boolean; Labels: Record<string, string> }[];
    expect(network).toEqual([expect.objectContaining({ Name: 'app-net', Driver: 'overlay', Attachable: true, Labels: { tier: 'app' } })]);
    const configs = (await docker.listConfigs()) as { Spec: { Name: string; Data: string } }[];
    expect(configs.map((c) => [c.Spec.Name, Buffer.from(c.Spec.Data, 'base64').toString()])).toEqual([['app-config', CONFIG_DATA]]);
    // `plain` runs only where tier=front: its task running on the worker shows the label came back.
    await until('plain running on the relabelled worker', async () => ((await runningTasks('plain')) === 1 ? true : undefined), 90_000, 1_000);
    expect((await docker.listServices()).map((s) => s.Spec?.Name)).toEqual(['plain']);

    const text = await agent(['restore', '--dry-run']);
    expect(text.stdout).toContain('MISSING SECRETS');
    expect(text.stdout).toContain('app-secret (needed by web)');
  });

  it('once the secret is made by hand, `restore --from KEY` creates the waiting service and leaves the rest', async () => {
    await docker.createSecret({ Name: 'app-secret', Data: Buffer.from('a new value').toString('base64') });
    const run = await agent(['restore', '--from', manualKey, '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ complete: true, backup: { key: manualKey }, missingSecrets: [], failed: [] });
    expect(report.restored.map((r) => `${r.kind} ${r.name}`)).toEqual(['service web']);
    expect(report.skipped.map((s) => `${s.kind} ${s.name} ${s.cause}`)).toEqual(['network app-net exists', 'config app-config exists', 'service plain exists']);
    await until('web running with its secret and config', async () => ((await runningTasks('web')) === 2 ? true : undefined), 90_000, 1_000);
  });
});
