import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../../../src/errors/access-denied-error.js';
import { SECRET_RECHECK_MS, SecretSync } from '../../../../src/app/reconcile/secret-sync.js';
import { Rebalancer } from '../../../../src/app/reconcile/rebalancer.js';
import { Reconciler } from '../../../../src/app/reconcile/reconciler.js';
import { RecordSync } from '../../../../src/app/reconcile/record-sync.js';
import { REBALANCE_LABEL } from '../../../../src/core/reconcile/rebalance.js';
import type { SwarmService } from '../../../../src/ports/engine.js';
import { RecordingMetrics } from '../../recording-metrics.js';
import { instance, labelsOf, node } from '../../core/watch-fixtures.js';
import { FakeClock, FakeEngine, FakeFleet, FakeSecrets, silentLog } from '../watch-fakes.js';

const REAP_AFTER = 60_000;

function setup(): { clock: FakeClock; engine: FakeEngine; fleet: FakeFleet; secrets: FakeSecrets; reconciler: Reconciler; metrics: RecordingMetrics } {
  const clock = new FakeClock();
  const engine = new FakeEngine();
  const fleet = new FakeFleet(clock);
  const secrets = new FakeSecrets();
  secrets.stored.set('manager', engine.tokens.manager);
  secrets.stored.set('worker', engine.tokens.worker);
  engine.info_ = { ...engine.info_, nodeId: 'm1', controlAvailable: true };
  secrets.cluster = { swarmId: 'c', generation: 1, createdAt: '', createdBy: 'i-m1', managers: [] };
  const managers = [1, 2, 3].map((n) => instance(`i-m${n}`, { asgName: 'lab-managers', role: 'manager', privateIp: `10.0.0.${n}` }));
  const worker = instance('i-w1', { privateIp: '10.0.1.1' });
  engine.nodeList = [
    ...managers.map((i, k) => node(`m${k + 1}`, { role: 'manager', leader: k === 0, labels: labelsOf(i) })),
    node('w1', { addr: '10.0.1.1', labels: labelsOf(worker) }),
  ];
  fleet.viewResult = { groups: [], instances: [...managers, worker] };
  const sync = new SecretSync(engine.asEngine(), secrets.asStore(), clock, silentLog);
  const metrics = new RecordingMetrics();
  const rebalancer = new Rebalancer({ engine: engine.asEngine(), clock, log: silentLog, metrics });
  const reconciler = new Reconciler({ engine: engine.asEngine(), fleet: fleet.asFleet(), secrets: sync, record: new RecordSync(secrets.asStore(), fleet.asFleet(), clock, silentLog),
      finishPublishing: async () => {}, clock, log: silentLog, cluster: 'lab', reapAfterMs: REAP_AFTER, rebalancer, metrics });
  return { clock, engine, fleet, secrets, reconciler, metrics };
}

const changes = (engine: FakeEngine): string[] => engine.calls.map((c) => `${c.op} ${c.nodeId ?? ''} ${JSON.stringify(c.change ?? '')}`.trim());

function service(name: string, labels: Record<string, string>): SwarmService {
  return { id: name, name, version: 1, labels, replicas: 4, update: { parallelism: 1, delayMs: 5_000, failureAction: 'pause' }, updating: false, spec: {} };
}

describe('Reconciler', () => {
  it('the leader exports the cluster as it saw it; once not the leader, nothing', async () => {
    const { engine, reconciler, metrics } = setup();
    engine.nodeList[2]!.manager!.reachability = 'unreachable';
    await reconciler.round();
    expect(metrics.clusterView?.summary).toMatchObject({ managers: { reachable: 2, unreachable: 1, unknown: 0 }, quorum: { needed: 2 }, quorumMargin: 0 });
    engine.nodeList[0]!.manager!.leader = false;
    engine.nodeList[1]!.manager!.leader = true;
    await reconciler.round();
    expect(metrics.clusterView).toBeUndefined();
  });

  it('a round that fails takes the cluster numbers away rather than leave stale ones', async () => {
    const { engine, reconciler, metrics } = setup();
    await reconciler.round();
    expect(metrics.clusterView).toBeDefined();
    engine.nodes = async () => {
      throw new Error('rpc error: code = Unavailable');
    };
    await expect(reconciler.round()).rejects.toThrow();
    expect(metrics.clusterView).toBeUndefined();
  });

  it('after a worker joins, forces a rolling update of the labelled service only, once, and counts it', async () => {
    const { engine, reconciler, metrics } = setup();
    engine.serviceList = [service('web', { [REBALANCE_LABEL]: 'true' }), service('db', {})];
    engine.taskList = ['web', 'db'].flatMap((id) => ['w1', 'w1', 'm1', 'm2'].map((nodeId) => ({ serviceId: id, nodeId, state: 'running' })));
    await reconciler.round();
    engine.nodeList.push(node('w2', { addr: '10.0.1.2' }));
    await reconciler.round();
    await reconciler.round();
    expect(engine.calls.filter((c) => c.op === 'force-update').map((c) => c.nodeId)).toEqual(['web']);
    expect(metrics.rebalances).toEqual(['started']);
  });

  it('does nothing on a manager that is not the leader, nor on a worker', async () => {
    const { engine, reconciler } = setup();
    engine.nodeList[0]!.manager!.leader = false;
    engine.nodeList[1]!.manager!.leader = true;
    expect(await reconciler.round()).toBe('not-leader');
    engine.info_.controlAvailable = false;
    expect(await reconciler.round()).toBe('not-manager');
    expect(engine.calls).toEqual([]);
  });

  it('drains a terminating worker and sends the full node back with its current version', async () => {
    const { engine, fleet, reconciler } = setup();
    fleet.viewResult.instances[3] = { ...fleet.viewResult.instances[3]!, lifecycleState: 'Terminating:Wait' };
    engine.nodeList[3]!.version = 42;
    expect(await reconciler.round()).toBe('acted');
    expect(changes(engine)).toEqual(['update w1 {"availability":"drain"}']);
    expect(engine.nodeList[3]!.version).toBe(43);
  });

  it('reaps a crashed worker only after REAP_AFTER of observed Down time', async () => {
    const { clock, engine, fleet, reconciler } = setup();
    engine.nodeList[3]!.state = 'down';
    fleet.viewResult.instances.pop();
    fleet.ec2.set('i-w1', 'terminated');
    await reconciler.round();
    clock.time += REAP_AFTER / 2;
    await reconciler.round();
    expect(engine.calls).toEqual([]);
    clock.time += REAP_AFTER / 2;
    await reconciler.round();
    expect(changes(engine)).toEqual(['remove w1 ""']);
  });

  it('never reaps a Down node whose instance EC2 reports running (partition)', async () => {
    const { clock, engine, reconciler } = setup();
    engine.nodeList[3]!.state = 'down';
    await reconciler.round();
    clock.time += 10 * REAP_AFTER;
    await reconciler.round();
    expect(engine.calls).toEqual([]);
  });

  it('re-publishes a rotated token on the next round, and reads SSM only when the swarm token changed', async () => {
    const { engine, secrets, reconciler } = setup();
    await reconciler.round();
    await reconciler.round();
    expect(secrets.reads).toBe(2);
    engine.tokens.worker = 'SWMTKN-w-2';
    await reconciler.round();
    expect(secrets.writes).toEqual(['worker']);
    expect(secrets.stored.get('worker')).toBe('SWMTKN-w-2');
  });

  it('re-publishes a parameter deleted behind a running leader, within SECRET_RECHECK_MS', async () => {
    const { clock, secrets, reconciler } = setup();
    await reconciler.round();
    secrets.stored.delete('worker');
    await reconciler.round();
    expect(secrets.writes).toEqual([]);
    clock.time += SECRET_RECHECK_MS;
    await reconciler.round();
    expect(secrets.writes).toEqual(['worker']);
    expect(secrets.stored.get('worker')).toBe('SWMTKN-w-1');
  });

  it('never publishes the tokens of a swarm the cluster record says is not the cluster\'s (its joiners would make a split)', async () => {
    const { secrets, reconciler } = setup();
    secrets.stored.delete('worker');
    secrets.cluster = { swarmId: 'another', generation: 1, createdAt: '', createdBy: 'i-x', managers: [] };
    await reconciler.round();
    expect(secrets.stored.has('worker')).toBe(false);
    expect(secrets.writes).toEqual([]);
  });

  it('publishes a missing token parameter', async () => {
    const { secrets, reconciler } = setup();
    secrets.stored.delete('manager');
    await reconciler.round();
    expect(secrets.writes).toEqual(['manager']);
  });

  it('a KMS denial while checking token drift does not stop the round\'s drains and labels', async () => {
    const { engine, fleet, secrets, reconciler } = setup();
    secrets.readToken = async () => {
      throw new AccessDeniedError('kms:Decrypt');
    };
    fleet.viewResult.instances[3] = { ...fleet.viewResult.instances[3]!, lifecycleState: 'Terminating:Wait' };
    engine.nodeList[3]!.labels = {};
    expect(await reconciler.round()).toBe('acted');
    expect(changes(engine)).toEqual(['update w1 {"availability":"drain"}', expect.stringMatching(/^update w1 \{"labels"/)]);
  });

  it('sets its labels over an operator\'s label added while the round ran, never wiping it', async () => {
    const { engine, reconciler } = setup();
    engine.nodeList[3]!.labels = {};
    const read = engine.nodes.bind(engine);
    let reads = 0;
    // Between the round's read and its label update, someone (an operator, a restore) labels the node.
    engine.nodes = async () => {
      if (++reads === 2) engine.nodeList[3]!.labels = { tier: 'front' };
      return read();
    };
    await reconciler.round();
    expect(engine.nodeList[3]!.labels).toMatchObject({ tier: 'front', 'swarmnode.instance-id': 'i-w1' });
  });

  it('a demotion the engine refuses does not keep the one manager change of every round', async () => {
    const { clock, engine, fleet, reconciler } = setup();
    // Two more managers, both crashed for good: m4 is refused by the engine, m5 must still get its turn.
    for (const n of [4, 5]) {
      engine.nodeList.push(node(`m${n}`, { role: 'manager', state: 'down', reachability: 'unreachable', labels: { 'swarmnode.instance-id': `i-m${n}` } }));
      fleet.ec2.set(`i-m${n}`, 'terminated');
    }
    const update = engine.updateNode.bind(engine);
    engine.updateNode = async (target, change) => {
      if (target.id === 'm4') throw new Error('rpc error: code = FailedPrecondition desc = can\'t remove member from the raft: this would result in a loss of quorum');
      return update(target, change);
    };
    await reconciler.round();
    clock.time += REAP_AFTER;
    await reconciler.round();
    await reconciler.round();
    expect(changes(engine)).toEqual(['update m5 {"role":"worker"}']);
  });

  it('keeps the unlock key parameter equal to the swarm\'s: published when autolock is turned on, rotated, deleted when turned off', async () => {
    const { clock, engine, secrets, reconciler } = setup();
    await reconciler.round();
    expect(secrets.unlockKey).toBeUndefined();
    engine.autolockKey = 'SWMKEY-1-a';
    await reconciler.round();
    expect(secrets.unlockKey).toBe('SWMKEY-1-a');
    engine.autolockKey = 'SWMKEY-1-b';
    await reconciler.round();
    expect(secrets.unlockKey).toBe('SWMKEY-1-b');
    engine.autolockKey = undefined;
    await reconciler.round();
    expect(secrets.unlockKey).toBeUndefined();
    expect(secrets.writes.filter((w) => w.includes('unlock-key'))).toEqual(['unlock-key', 'unlock-key', '-unlock-key']);
    // Steady: no more SSM reads or writes until the recheck interval.
    const reads = secrets.reads;
    await reconciler.round();
    expect(secrets.reads).toBe(reads);
    clock.time += SECRET_RECHECK_MS;
    await reconciler.round();
    expect(secrets.reads).toBeGreaterThan(reads);
  });

  it('drains a node whose instance asks for it (rebalance), noting why, and re-activates it once the request is gone', async () => {
    const { engine, fleet, reconciler } = setup();
    fleet.viewResult.instances[3] = { ...fleet.viewResult.instances[3]!, drainRequest: 'rebalance' };
    await reconciler.round();
    expect(engine.nodeList[3]).toMatchObject({ availability: 'drain', labels: expect.objectContaining({ 'swarmnode.drained-for': 'rebalance' }) });
    fleet.viewResult.instances[3] = { ...fleet.viewResult.instances[3]!, drainRequest: undefined };
    await reconciler.round();
    expect(engine.nodeList[3]!.availability).toBe('active');
    expect(engine.nodeList[3]!.labels['swarmnode.drained-for']).toBeUndefined();
  });

  it('never re-activates a node an operator drained', async () => {
    const { engine, reconciler } = setup();
    engine.nodeList[3]!.availability = 'drain';
    await reconciler.round();
    expect(engine.nodeList[3]!.availability).toBe('drain');
  });

  it('a worker scaled in to a warm pool is no group member: its own tag, read from EC2, gets it drained', async () => {
    const { engine, fleet, reconciler } = setup();
    fleet.viewResult.instances.pop();
    fleet.ec2.set('i-w1', 'running');
    fleet.tags.set('i-w1', 'scale-in');
    await reconciler.round();
    expect(engine.nodeList[3]!.availability).toBe('drain');
  });
});
