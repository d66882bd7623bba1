import { describe, expect, it } from 'vitest';
import { BootObserver } from '../../../../src/app/boot/observer.js';
import { MAX_LOCK_CHAIN } from '../../../../src/core/boot/step.js';
import { BootWorld, managerInstance, SELF } from '../boot-fakes.js';
import { UNKNOWN_HOLDER_GRACE_MS } from '../../../../src/app/boot/observer.js';
import { formatLockValue } from '../../../../src/core/boot/lock-value.js';

/**
 * A manager with no token in SSM and no peer answering on 2377: the lock chain decides. The peer's
 * id sorts after SELF's, so SELF is the first candidate and owes no head start.
 */
function electing(): BootWorld {
  return new BootWorld('manager').withManagers(managerInstance('i-x-peer', '10.0.0.6'));
}

const observe = (world: BootWorld) => new BootObserver(world.observerDeps(), SELF, 'manager', 'lab', world.target).observe();

describe('BootObserver: the init-lock chain', () => {
  it('free init-lock: take it', async () => {
    const { facts, step } = await observe(electing());
    expect(facts.locks).toEqual([{ name: 'init-lock', holder: undefined, holderGone: false }]);
    expect(step).toMatchObject({ kind: 'take-lock', lock: 'init-lock' });
  });

  it('a free lock, a manager ranked before this one by instance id: it gets a head start, nothing more than the record and the lock is read', async () => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-a-first', '10.0.0.6'));
    const { step } = await observe(world);
    expect(step).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/ranked before this one by instance id try it first/) });
    expect(world.secrets.locks.size).toBe(0);
    expect(world.secrets.clusterReads).toBe(1);
  });

  it('waiting on a live lock holder, nothing answering: later rounds read nothing; once a manager answers, the token is read', async () => {
    const world = electing();
    world.secrets.locks.set('init-lock', 'i-x-peer');
    const observer = new BootObserver(world.observerDeps(), SELF, 'manager', 'lab', world.target, { viewMaxAgeMs: 60_000 });
    expect((await observer.observe()).step.kind).toBe('wait');
    const [tokenReads, lockReads] = [world.secrets.reads, world.secrets.lockReads.length];
    expect((await observer.observe()).step.kind).toBe('wait');
    expect([world.secrets.reads, world.secrets.lockReads.length]).toEqual([tokenReads, lockReads]);
    world.probe.open.add('10.0.0.6');
    expect((await observer.observe()).step.kind).toBe('wait');
    expect(world.secrets.reads).toBe(tokenReads + 1);
  });

  it('a manager reads its token and the cluster record in one call; a worker reads its token alone', async () => {
    const manager = electing();
    await observe(manager);
    expect([manager.secrets.combinedReads, manager.secrets.reads, manager.secrets.clusterReads]).toEqual([1, 1, 1]);
    const worker = new BootWorld('worker').withManagers(managerInstance('i-m1', '10.0.0.6'));
    worker.probe.open.add('10.0.0.6');
    await new BootObserver(worker.observerDeps(), SELF, 'worker', 'lab', worker.target).observe();
    expect([worker.secrets.combinedReads, worker.secrets.reads, worker.secrets.clusterReads]).toEqual([0, 1, 0]);
  });

  it('a record deleted since it was read: the next combined read says so, and nothing older is kept', async () => {
    const world = electing();
    world.secrets.cluster = { swarmId: 'swarm-1', generation: 1, createdAt: '', createdBy: 'i-x-peer', managers: [] };
    world.secrets.locks.set('init-lock', 'i-x-peer');
    const observer = new BootObserver(world.observerDeps(), SELF, 'manager', 'lab', world.target);
    expect((await observer.observe()).facts.clusterSwarmId).toBe('swarm-1');
    world.secrets.cluster = undefined;
    world.secrets.stored.set('manager', 'SWMTKN-m-1');
    world.probe.open.add('10.0.0.6');
    const { facts } = await observer.observe();
    expect(facts).toMatchObject({ tokenPresent: true, clusterRecordRead: true, clusterSwarmId: undefined });
    // The token is reused from here on; the record it came with is the one reused, not the one before.
    expect((await observer.observe()).facts.clusterSwarmId).toBeUndefined();
  });

  it('a head start that runs out: the free lock is taken only on facts all read anew', async () => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-a-first', '10.0.0.6'));
    const observer = new BootObserver(world.observerDeps(), SELF, 'manager', 'lab', world.target, { viewMaxAgeMs: 60_000 });
    expect((await observer.observe()).step.kind).toBe('wait');
    const [tokenReads, lockReads] = [world.secrets.reads, world.secrets.lockReads.length];
    world.clock.time = world.clock.now() + 6_000;
    const { facts, step } = await observer.observe();
    expect(step).toMatchObject({ kind: 'take-lock', lock: 'init-lock' });
    expect(facts.reusedFactsAgeMs).toBe(0);
    expect(world.secrets.reads).toBeGreaterThan(tokenReads);
    expect(world.secrets.lockReads.length).toBeGreaterThan(lockReads);
  });

  it('a peer answers on 2377: a swarm exists, the lock is not even read', async () => {
    const world = electing();
    world.probe.open.add('10.0.0.6');
    const { step } = await observe(world);
    expect(step.kind).toBe('wait');
    expect(world.secrets.lockReads).toEqual([]);
  });

  it('init-lock held by a running peer: wait for its token, no successor lock', async () => {
    const world = electing();
    world.secrets.locks.set('init-lock', 'i-x-peer');
    const { facts, step } = await observe(world);
    expect(facts.locks).toEqual([{ name: 'init-lock', holder: 'i-x-peer', holderGone: false }]);
    expect(step.kind).toBe('wait');
  });

  it('holder terminated before it published: the successor lock init-lock-<holder> is taken', async () => {
    const world = electing().withManagers(managerInstance('i-dead', '10.0.0.8', { ec2State: 'terminated', lifecycleState: 'Terminated' }));
    world.secrets.locks.set('init-lock', 'i-dead');
    const { facts, step } = await observe(world);
    expect(facts.locks).toEqual([
      { name: 'init-lock', holder: 'i-dead', holderGone: true },
      { name: 'init-lock-i-dead', holder: undefined, holderGone: false },
    ]);
    expect(step).toMatchObject({ kind: 'take-lock', lock: 'init-lock-i-dead' });
  });

  it('holder in no cluster ASG but running (detached, another group): not gone, wait; EC2 is asked, not the fleet view', async () => {
    const world = electing();
    world.secrets.locks.set('init-lock', 'i-detached');
    world.fleet.ec2.set('i-detached', 'running');
    const { facts, step } = await observe(world);
    expect(facts.locks).toEqual([{ name: 'init-lock', holder: 'i-detached', holderGone: false, published: undefined }]);
    expect(step.kind).toBe('wait');
  });

  it('holder in no cluster ASG, EC2 says terminated: gone, the chain moves on', async () => {
    const world = electing();
    world.secrets.locks.set('init-lock', 'i-old');
    world.fleet.ec2.set('i-old', 'terminated');
    const { step } = await observe(world);
    expect(step).toMatchObject({ kind: 'take-lock', lock: 'init-lock-i-old' });
  });

  it('holder EC2 no longer knows: gone only once its lock is older than EC2\'s eventual consistency could explain', async () => {
    const young = electing();
    young.secrets.locks.set('init-lock', 'i-unknown');
    young.secrets.lockWrittenAt.set('init-lock', young.clock.now() - 30_000);
    expect((await observe(young)).step.kind).toBe('wait');
    const old = electing();
    old.secrets.locks.set('init-lock', 'i-unknown');
    old.secrets.lockWrittenAt.set('init-lock', old.clock.now() - UNKNOWN_HOLDER_GRACE_MS - 1);
    expect((await observe(old)).step).toMatchObject({ kind: 'take-lock', lock: 'init-lock-i-unknown' });
  });

  it('a holder that marked its lock published stops the chain, terminated or not: never init', async () => {
    const world = electing().withManagers(managerInstance('i-first', '10.0.0.8', { ec2State: 'terminated', lifecycleState: 'Terminated' }));
    world.secrets.locks.set('init-lock', formatLockValue({ holder: 'i-first', published: 'swarm-1' }));
    const { facts, step } = await observe(world);
    expect(facts.locks).toEqual([{ name: 'init-lock', holder: 'i-first', holderGone: true, published: 'swarm-1' }]);
    expect(step.kind).toBe('wait');
    expect(world.secrets.lockReads).toEqual(['init-lock']);
  });

  it('the worker token left after the manager token was deleted: a swarm was published, the free lock is not taken', async () => {
    const world = electing();
    world.secrets.stored.set('worker', 'SWMTKN-w-1');
    const { step } = await observe(world);
    expect(step).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/the other role's token is published/) });
    expect(world.secrets.locks.size).toBe(0);
  });

  it('a STOPPED holder is not gone (it can be started again and would init): wait', async () => {
    const world = electing().withManagers(managerInstance('i-stopped', '10.0.0.8', { ec2State: 'stopped' }));
    world.secrets.locks.set('init-lock', 'i-stopped');
    const { facts, step } = await observe(world);
    expect(facts.locks).toEqual([{ name: 'init-lock', holder: 'i-stopped', holderGone: false }]);
    expect(step.kind).toBe('wait');
    expect(world.secrets.lockReads).toEqual(['init-lock']);
  });

  it('this instance holds init-lock and nobody superseded it: init', async () => {
    const world = electing();
    world.secrets.locks.set('init-lock', SELF.instanceId);
    const { step } = await observe(world);
    expect(step).toMatchObject({ kind: 'init', advertiseAddr: SELF.localIpv4 });
  });

  it('this instance holds init-lock but finds init-lock-<self>: superseded, it must not init', async () => {
    const world = electing();
    world.secrets.locks.set('init-lock', SELF.instanceId);
    world.secrets.locks.set(`init-lock-${SELF.instanceId}`, 'i-x-peer');
    const { facts, step } = await observe(world);
    expect(facts.locks).toEqual([
      { name: 'init-lock', holder: SELF.instanceId, holderGone: true },
      { name: `init-lock-${SELF.instanceId}`, holder: 'i-x-peer', holderGone: false },
    ]);
    expect(step.kind).toBe('wait');
  });

  it('holders vanishing in a row: the chain is read at most MAX_LOCK_CHAIN links deep, then boot waits', async () => {
    const world = electing();
    let name = 'init-lock';
    for (let i = 0; i < MAX_LOCK_CHAIN + 5; i++) {
      world.secrets.locks.set(name, `i-gone${i}`);
      name = `init-lock-i-gone${i}`;
    }
    const { step } = await observe(world);
    expect(world.secrets.lockReads).toHaveLength(MAX_LOCK_CHAIN);
    expect(step.kind).toBe('wait');
  });

  it('reads nothing but facts: no lock taken, nothing written', async () => {
    const world = electing();
    await observe(world);
    expect(world.secrets.locks.size).toBe(0);
    expect(world.secrets.writes).toEqual([]);
    expect(world.engine.calls).toEqual([]);
  });
});

describe('BootObserver: facts reused between observations', () => {
  it.each([0, 1])('a record from an earlier observation is never taken for fresh, even when the clock moved %i ms: leaving is decided on facts read anew', async (advanceMs) => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-b', '10.0.0.6'));
    world.secrets.cluster = { swarmId: 'S1', generation: 1, createdAt: '', createdBy: 'i-old', managers: [{ instanceId: 'i-old', addr: '10.0.0.9', nodeId: 'n-old' }] };
    world.secrets.stored.set('manager', 'SWMTKN-m');
    world.secrets.stored.set('worker', 'SWMTKN-w');
    world.probe.open.add('10.0.0.6');
    world.engine.info_ = { ...world.engine.info_, localNodeState: 'active', nodeId: 'me', clusterId: 'S1', controlAvailable: true, remoteManagers: [] };
    const observer = new BootObserver(world.observerDeps(), SELF, 'manager', 'lab', world.target, { viewMaxAgeMs: 60_000 });
    await observer.observe();
    // The cluster moved on to S2, of which this engine is a manager now; the record read above says S1.
    world.secrets.cluster = { swarmId: 'S2', generation: 2, createdAt: '', createdBy: 'i-b', managers: [{ instanceId: 'i-b', addr: '10.0.0.6', nodeId: 'n-b' }] };
    world.engine.info_ = { ...world.engine.info_, clusterId: 'S2' };
    world.clock.time = world.clock.now() + advanceMs;
    const { step, facts } = await observer.observe();
    expect(step.kind).not.toBe('leave');
    expect(facts.clusterSwarmId).toBe('S2');
  });
});

describe('BootObserver: managers to join through first', () => {
  it('a recovered raft\'s survivor named by the rejoin comes before the fleet\'s managers, even when no group lists it', async () => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-b', '10.0.0.6'));
    world.secrets.stored.set('manager', 'SWMTKN-m');
    world.probe.open.add('10.0.0.6');
    world.probe.open.add('10.0.0.9');
    const observer = new BootObserver(world.observerDeps(), SELF, 'manager', 'lab', world.target, { viewMaxAgeMs: 60_000, joinVia: ['10.0.0.9'] });
    const { facts, step } = await observer.observe();
    expect(facts.managerPeers).toEqual(['10.0.0.9', '10.0.0.6']);
    expect(step).toMatchObject({ kind: 'join', remoteAddrs: ['10.0.0.9:2377', '10.0.0.6:2377'] });
  });

  it('first also when the fleet lists it after a survivor still stuck in the dead raft', async () => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-b', '10.0.0.6'), managerInstance('i-c', '10.0.0.9'));
    world.secrets.stored.set('manager', 'SWMTKN-m');
    world.probe.open.add('10.0.0.6');
    world.probe.open.add('10.0.0.9');
    const observer = new BootObserver(world.observerDeps(), SELF, 'manager', 'lab', world.target, { viewMaxAgeMs: 60_000, joinVia: ['10.0.0.9'] });
    expect((await observer.observe()).facts.managerPeers).toEqual(['10.0.0.9', '10.0.0.6']);
  });
});

describe('BootObserver: this manager in the record', () => {
  it('listed under a node id its engine no longer has (it left and rejoined): it writes its own entry again', async () => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-b', '10.0.0.6'));
    world.secrets.cluster = { swarmId: 'S1', generation: 1, createdAt: '', createdBy: 'i-b', managers: [{ instanceId: SELF.instanceId, addr: SELF.localIpv4, nodeId: 'n-old' }] };
    world.secrets.stored.set('manager', 'SWMTKN-m');
    world.secrets.stored.set('worker', 'SWMTKN-w');
    world.engine.info_ = { ...world.engine.info_, localNodeState: 'active', nodeId: 'n-new', clusterId: 'S1', controlAvailable: true, remoteManagers: [] };
    const { facts, step } = await new BootObserver(world.observerDeps(), SELF, 'manager', 'lab', world.target).observe();
    expect(facts.recordedManager).toBe(false);
    expect(step.kind).toBe('register');
  });
});
