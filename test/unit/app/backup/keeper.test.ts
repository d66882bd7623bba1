import { describe, expect, it } from 'vitest';
import { BackupKeeper } from '../../../../src/app/backup/keeper.js';
import { Rebalancer } from '../../../../src/app/reconcile/rebalancer.js';
import { Reconciler } from '../../../../src/app/reconcile/reconciler.js';
import { RecordSync } from '../../../../src/app/reconcile/record-sync.js';
import { RecordingMetrics } from '../../recording-metrics.js';
import { SecretSync } from '../../../../src/app/reconcile/secret-sync.js';
import { node } from '../../core/watch-fixtures.js';
import { FakeBackupStore, FakeSwarmObjects, recordingLog } from '../backup-fakes.js';
import { FakeClock, FakeEngine, FakeFleet, FakeSecrets, silentLog } from '../watch-fakes.js';

const MIN = 60_000;
const DAY = 86_400_000;

function setup(options: { store?: FakeBackupStore } = {}) {
  const clock = new FakeClock(Date.parse('2024-05-01T10:00:00Z'));
  const engine = new FakeEngine();
  engine.info_ = { ...engine.info_, nodeId: 'm1', controlAvailable: true };
  engine.nodeList = [node('m1', { role: 'manager', leader: true }), node('w1', { labels: { tier: 'front' } })];
  const objects = new FakeSwarmObjects();
  objects.addNetwork('app-net');
  objects.addConfig('app-config', 'listen 8080');
  objects.addService('web', { networks: ['app-net'], configs: ['app-config'] });
  const secrets = new FakeSecrets();
  secrets.cluster = { swarmId: 'swarmA', createdAt: '', createdBy: 'i-m1', managers: [], generation: 2 };
  const store = options.store ?? new FakeBackupStore(() => clock.now());
  const recorded = recordingLog();
  const deps = {
    engine: engine.asEngine(),
    objects,
    secrets: secrets.asStore(),
    store,
    clock,
    log: recorded.log,
    cluster: 'lab',
    prefix: 'swarmnode/',
    retention: { keep: 3, keepDays: 0 },
    instanceId: 'i-m1',
    minIntervalMs: MIN,
    maxAgeMs: DAY,
  };
  return { clock, engine, objects, secrets, store, recorded, deps, keeper: new BackupKeeper(deps) };
}

const keys = (store: FakeBackupStore): string[] => [...store.objects.keys()].sort();

describe('BackupKeeper (the leader\'s backup step)', () => {
  it('writes a first backup at once, under the recorded generation, with the swarm id in its key', async () => {
    const { keeper, store, clock } = setup();
    await keeper.kick();
    expect(keys(store)).toEqual([expect.stringMatching(/^swarmnode\/lab\/2\/20240501T100000Z-swarmA-[0-9a-f]{8}\.json$/)]);
    expect(keeper.lastBackupAt()).toBe(clock.now());
  });

  it('writes again only once the swarm changed, and never within the minimum interval', async () => {
    const { keeper, store, clock, objects } = setup();
    await keeper.kick();
    clock.time += 2 * MIN;
    await keeper.kick();
    expect(keys(store)).toHaveLength(1);
    objects.addService('api');
    clock.time += 10_000;
    await keeper.kick();
    expect(keys(store)).toHaveLength(1);
    clock.time += MIN;
    await keeper.kick();
    expect(keys(store)).toHaveLength(2);
  });

  it('writes at least once per maximum age when nothing changes', async () => {
    const { keeper, store, clock } = setup();
    await keeper.kick();
    clock.time += DAY;
    await keeper.kick();
    expect(keys(store)).toHaveLength(2);
  });

  it('a new leader (or a restarted watch) finds the last backup in the history and does not write the same one again', async () => {
    const first = setup();
    await first.keeper.kick();
    first.clock.time += 5 * MIN;
    const successor = new BackupKeeper(first.deps);
    await successor.kick();
    expect(keys(first.store)).toHaveLength(1);
    expect(successor.lastBackupAt()).toBe(Date.parse('2024-05-01T10:00:00Z'));
  });

  it('keeps a bounded history: older backups are pruned after each write', async () => {
    const { keeper, store, clock, objects } = setup();
    for (let i = 0; i < 6; i++) {
      objects.addService(`svc-${i}`);
      clock.time += MIN;
      await keeper.kick();
    }
    expect(keys(store)).toHaveLength(3);
  });

  it('a failed backup is logged and tried again at the next check, not before', async () => {
    const { keeper, store, clock, recorded } = setup();
    store.failure = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
    await keeper.kick();
    expect(recorded.lines.filter((l) => l.msg === 'backup failed; the next check tries again')).toHaveLength(1);
    store.failure = undefined;
    clock.time += 10_000;
    await keeper.kick();
    expect(keys(store)).toHaveLength(0);
    clock.time += MIN;
    await keeper.kick();
    expect(keys(store)).toHaveLength(1);
  });

  it('never logs a config\'s data', async () => {
    const { keeper, recorded, store } = setup();
    await keeper.kick();
    expect(keys(store)).toHaveLength(1);
    expect(recorded.text()).toContain('backup written');
    expect(recorded.text()).not.toContain(Buffer.from('listen 8080').toString('base64'));
    expect(recorded.text()).not.toContain('listen 8080');
  });

  it('a swarm that is not the recorded one is not backed up, and says so once', async () => {
    const { keeper, store, clock, secrets, recorded } = setup();
    secrets.cluster = { swarmId: 'swarmZ', generation: 1, createdAt: '', createdBy: 'i-9', managers: [] };
    await keeper.kick();
    clock.time += MIN;
    await keeper.kick();
    expect(keys(store)).toEqual([]);
    expect(recorded.lines.filter((l) => l.msg.startsWith('no backup written: the cluster record names swarm swarmZ'))).toHaveLength(1);
  });
});

describe('the reconciler with the backup step', () => {
  it('finishes its round (a drain) while S3 does not answer the backup', async () => {
    const store = new FakeBackupStore();
    const { engine, deps, clock, keeper } = setup({ store });
    const fleet = new FakeFleet(clock);
    fleet.viewResult = { groups: [], instances: [] };
    engine.nodeList[1] = node('w1', { labels: { 'swarmnode.instance-id': 'i-w1' } });
    fleet.viewResult.instances.push({
      instanceId: 'i-w1', asgName: 'lab-workers', role: 'worker', lifecycleState: 'Terminating:Wait', healthStatus: 'Healthy', availabilityZone: 'a',
      privateIp: '10.0.1.1', instanceType: 't3.small', ec2State: 'running', lifecycle: 'on-demand', drainRequest: undefined,
    });
    const secrets = new FakeSecrets();
    secrets.stored.set('manager', engine.tokens.manager);
    secrets.stored.set('worker', engine.tokens.worker);
    const metrics = new RecordingMetrics();
    const reconciler = new Reconciler({
      engine: deps.engine,
      fleet: fleet.asFleet(),
      secrets: new SecretSync(deps.engine, secrets.asStore(), clock, silentLog),
      record: new RecordSync(secrets.asStore(), fleet.asFleet(), clock, silentLog),
      finishPublishing: async () => {},
      backup: keeper,
      clock,
      log: silentLog,
      cluster: 'lab',
      reapAfterMs: MIN,
      rebalancer: new Rebalancer({ engine: deps.engine, clock, log: silentLog, metrics }),
      metrics,
    });
    store.hold();
    expect(await reconciler.round()).toBe('acted');
    expect(engine.calls.map((c) => `${c.op} ${c.nodeId}`)).toContain('update w1');
    expect(store.calls).toEqual(['list']);
    store.release();
    await keeper.kick();
    expect(keys(store)).toHaveLength(1);
  });
});
