import { describe, expect, it } from 'vitest';
import { restoreComplete, restoreFrom, restoreLatest } from '../../../../src/app/backup/restore.js';
import { snapshot, storeBackup } from '../../../../src/app/backup/take-backup.js';
import { BackupNotFoundError } from '../../../../src/errors/backup-not-found-error.js';
import { BackupUnreadableError } from '../../../../src/errors/backup-unreadable-error.js';
import { NoBackupError } from '../../../../src/errors/no-backup-error.js';
import { node } from '../../core/watch-fixtures.js';
import { engineError, FakeBackupStore, FakeSwarmObjects, recordingLog } from '../backup-fakes.js';
import { FakeClock, FakeEngine, FakeSecrets, silentLog } from '../watch-fakes.js';

const OPTIONS = { cluster: 'lab', prefix: 'swarmnode/' };

/** The old swarm: a network, a config, a secret, a service needing all three, one needing the network, a labelled worker. */
async function backedUp(clock: FakeClock, store: FakeBackupStore): Promise<string> {
  const engine = new FakeEngine();
  engine.info_ = { ...engine.info_, controlAvailable: true };
  engine.nodeList = [node('m1', { role: 'manager', leader: true, hostname: 'ip-10-0-0-11' }), node('w1', { hostname: 'ip-10-0-0-12', labels: { 'swarmnode.instance-id': 'i-w1', tier: 'front' } })];
  const objects = new FakeSwarmObjects();
  objects.addNetwork('app-net');
  objects.addConfig('app-config', 'listen 8080');
  objects.addSecret('app-secret');
  objects.addService('web', { networks: ['app-net'], configs: ['app-config'], secrets: ['app-secret'], replicas: 2 });
  objects.addService('plain', { networks: ['app-net'] });
  const deps = { engine: engine.asEngine(), objects, secrets: new FakeSecrets().asStore(), store, clock, log: silentLog, ...OPTIONS, retention: { keep: 10, keepDays: 0 }, instanceId: 'i-m1' };
  return (await storeBackup(deps, await snapshot(deps))).key;
}

/** A new swarm on the same instances (the worker kept its hostname and instance label). */
function freshSwarm() {
  const engine = new FakeEngine();
  engine.info_ = { ...engine.info_, controlAvailable: true };
  engine.nodeList = [node('n1', { role: 'manager', leader: true, hostname: 'ip-10-0-0-11' }), node('n2', { hostname: 'ip-10-0-0-12', labels: { 'swarmnode.instance-id': 'i-w1' } })];
  const objects = new FakeSwarmObjects();
  objects.swarm_ = { id: 'swarmB', spec: {} };
  return { engine, objects };
}

function setup() {
  const clock = new FakeClock(Date.parse('2024-05-01T10:00:00Z'));
  const store = new FakeBackupStore(() => clock.now());
  const { engine, objects } = freshSwarm();
  const recorded = recordingLog();
  return { clock, store, engine, objects, recorded, deps: { engine: engine.asEngine(), objects, backups: store, clock, log: recorded.log } };
}

describe('restore', () => {
  it('brings the latest backup of the earlier swarm into a new one, and skips the service whose secret is missing, loudly', async () => {
    const { clock, store, engine, objects, recorded, deps } = setup();
    await backedUp(clock, store);
    const report = await restoreLatest(deps, OPTIONS);
    expect(objects.created).toEqual(['network app-net', 'config app-config', 'service plain']);
    expect(engine.nodeList[1]!.labels).toEqual({ 'swarmnode.instance-id': 'i-w1', tier: 'front' });
    expect(report.missingSecrets).toEqual([{ secret: 'app-secret', services: ['web'] }]);
    expect(report.skipped).toEqual([{ kind: 'service', name: 'web', cause: 'lacking', reason: 'needs secret app-secret, which this swarm lacks' }]);
    expect(restoreComplete(report)).toBe(false);
    const loud = recorded.lines.find((l) => l.level === 50);
    expect(loud?.msg).toContain('secret app-secret (needed by web) missing in this swarm');
    expect(loud?.msg).toContain('docker secret create');
    // The restored service attaches to the new swarm's network and config, by their new ids.
    const plain = objects.services_.find((s) => s.spec.Name === 'plain')!.spec as { TaskTemplate: { Networks: { Target: string }[] } };
    expect(plain.TaskTemplate.Networks[0]!.Target).toBe(objects.networks_.find((n) => n.name === 'app-net')!.id);
  });

  it('run again once the secret exists: creates the service that waited, leaves the rest, and is complete', async () => {
    const { clock, store, objects, deps } = setup();
    const key = await backedUp(clock, store);
    await restoreLatest(deps, OPTIONS);
    const secretId = objects.addSecret('app-secret');
    objects.created = [];
    const report = await restoreFrom(deps, key, OPTIONS);
    expect(objects.created).toEqual(['service web']);
    const web = objects.services_.find((s) => s.spec.Name === 'web')!.spec as { TaskTemplate: { ContainerSpec: { Secrets: { SecretID: string }[] } } };
    expect(web.TaskTemplate.ContainerSpec.Secrets[0]!.SecretID).toBe(secretId);
    expect(restoreComplete(report)).toBe(true);
  });

  it('takes the newest backup of another swarm, not the new swarm\'s own newer one', async () => {
    const { clock, store, engine, objects, deps } = setup();
    const old = await backedUp(clock, store);
    clock.time += 60_000;
    const own = { engine: engine.asEngine(), objects, secrets: new FakeSecrets().asStore(), store, clock, log: silentLog, ...OPTIONS, retention: { keep: 10, keepDays: 0 }, instanceId: 'i-n1' };
    await storeBackup(own, await snapshot(own));
    expect(store.objects.size).toBe(2);
    expect((await restoreLatest(deps, { ...OPTIONS, dryRun: true })).backup.key).toBe(old);
  });

  it('a dry run says what it would do and changes nothing', async () => {
    const { clock, store, engine, objects, deps } = setup();
    await backedUp(clock, store);
    const report = await restoreLatest(deps, { ...OPTIONS, dryRun: true });
    expect(report.restored.map((r) => `${r.kind} ${r.name}`)).toEqual(['network app-net', 'config app-config', 'node-labels ip-10-0-0-12', 'service plain']);
    expect(objects.created).toEqual([]);
    expect(engine.calls).toEqual([]);
  });

  it('retries a step the engine refuses for a moment (no leader yet), reports one it rejects, and goes on', async () => {
    const { clock, store, objects, deps } = setup();
    await backedUp(clock, store);
    objects.failures.network.push(engineError(500, 'rpc error: code = Unavailable desc = the swarm does not have a leader'));
    objects.failures.config.push(engineError(400, 'invalid config'));
    const report = await restoreLatest(deps, OPTIONS);
    expect(objects.created).toEqual(['network app-net', 'service plain']);
    expect(report.failed).toEqual([{ kind: 'config', name: 'app-config', error: 'invalid config' }]);
    expect(restoreComplete(report)).toBe(false);
  });

  it('an object made meanwhile (409) counts as there', async () => {
    const { clock, store, objects, deps } = setup();
    await backedUp(clock, store);
    objects.failures.network.push(engineError(409, 'network with name app-net already exists'));
    const report = await restoreLatest(deps, OPTIONS);
    expect(report.skipped).toContainEqual({ kind: 'network', name: 'app-net', cause: 'exists', reason: 'exists (made while the restore ran)' });
  });

  it('refuses a damaged backup, one of another cluster, and a key that is not there, before changing anything', async () => {
    const { clock, store, objects, deps } = setup();
    const key = await backedUp(clock, store);
    const document = JSON.parse(store.objects.get(key)!.body);
    store.objects.set('swarmnode/lab/1/edited.json', { body: JSON.stringify({ ...document, content: { ...document.content, services: [] } }), lastModified: 0 });
    store.objects.set('swarmnode/lab/1/other.json', { body: JSON.stringify({ ...document, cluster: 'prod' }), lastModified: 0 });
    await expect(restoreFrom(deps, 'swarmnode/lab/1/edited.json', OPTIONS)).rejects.toThrow(BackupUnreadableError);
    await expect(restoreFrom(deps, 'swarmnode/lab/1/other.json', OPTIONS)).rejects.toThrow(/cluster prod/);
    await expect(restoreFrom(deps, 'swarmnode/lab/1/nope.json', OPTIONS)).rejects.toThrow(BackupNotFoundError);
    expect(objects.created).toEqual([]);
  });

  it('with no backup of an earlier swarm: NoBackupError', async () => {
    const { deps } = setup();
    await expect(restoreLatest(deps, OPTIONS)).rejects.toThrow(NoBackupError);
  });
});
