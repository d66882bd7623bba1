import { describe, expect, it } from 'vitest';
import { QuorumMonitor } from '../../../../src/app/recover/quorum-monitor.js';
import { recoveryLockName } from '../../../../src/core/recover/quorum-recovery.js';
import type { ClusterRecord } from '../../../../src/ports/secret-store.js';
import { FakeProbe } from '../boot-fakes.js';
import { FakeClock, FakeEngine, FakeFleet, FakeSecrets, silentLog } from '../watch-fakes.js';

const MINUTE = 60_000;
const record: ClusterRecord = {
  swarmId: 'swarm-a',
  generation: 1,
  createdAt: '',
  createdBy: 'i-1',
  managers: [1, 2, 3].map((n) => ({ instanceId: `i-${n}`, addr: `10.0.0.${n}`, nodeId: `n${n}` })),
};

/** Manager i-1 of a 3-manager raft; i-2 and i-3 answer unless told otherwise. */
function setup() {
  const clock = new FakeClock();
  const engine = new FakeEngine();
  engine.info_ = { ...engine.info_, nodeId: 'n1', clusterId: 'swarm-a', controlAvailable: true, remoteManagers: [1, 2, 3].map((n) => ({ nodeId: `n${n}`, addr: `10.0.0.${n}:2377` })) };
  const fleet = new FakeFleet(clock);
  const secrets = new FakeSecrets();
  secrets.cluster = record;
  const probe = new FakeProbe();
  probe.open = new Set(['10.0.0.2', '10.0.0.3']);
  let boots = 0;
  const joinedVia: (string[] | undefined)[] = [];
  const monitor = new QuorumMonitor(
    { engine: engine.asEngine(), fleet: fleet.asFleet(), secrets: secrets.asStore(), probe, clock, instanceId: 'i-1', advertiseAddr: '10.0.0.1', autoRecover: true, recoverAfterMs: 2 * MINUTE },
    silentLog,
    async (via) => {
      boots++;
      joinedVia.push(via);
    },
  );
  const lose = (...ids: number[]): void => {
    engine.noLeader = true;
    for (const n of ids) {
      probe.open.delete(`10.0.0.${n}`);
      fleet.ec2.set(`i-${n}`, 'terminated');
      fleet.goneAt.set(`i-${n}`, clock.now() - 5 * MINUTE);
    }
  };
  return { clock, engine, fleet, secrets, probe, monitor, lose, boots: () => boots, joinedVia };
}

const LOCK = recoveryLockName(record, ['n2', 'n3']);

const five: ClusterRecord = { ...record, managers: [1, 2, 3, 4, 5].map((n) => ({ instanceId: `i-${n}`, addr: `10.0.0.${n}`, nodeId: `n${n}` })) };
const FIVE_LOCK = recoveryLockName(five, ['n2', 'n3', 'n5']);

/** Manager i-1 of a 5-manager raft whose i-2, i-3 and i-5 are terminated for good; i-4 survives too. */
function fiveLostThree() {
  const world = setup();
  world.secrets.cluster = five;
  world.engine.info_ = { ...world.engine.info_, remoteManagers: [1, 2, 3, 4, 5].map((n) => ({ nodeId: `n${n}`, addr: `10.0.0.${n}:2377` })) };
  world.probe.open.add('10.0.0.4');
  world.lose(2, 3, 5);
  return world;
}

describe('QuorumMonitor', () => {
  it('a swarm with a leader costs no AWS call and changes nothing', async () => {
    const { monitor, secrets, engine } = setup();
    expect(await monitor.round()).toMatchObject({ kind: 'healthy' });
    expect(secrets.lockReads).toEqual([]);
    expect(engine.calls).toEqual([]);
  });

  it('majority terminated for good: takes the loss\'s lock, then forces a new cluster and marks the lock recovered', async () => {
    const { monitor, secrets, engine, lose } = setup();
    lose(2, 3);
    expect(await monitor.round()).toMatchObject({ kind: 'take-lock', lock: LOCK });
    expect(secrets.locks.get(LOCK)).toBe('i-1');
    expect(await monitor.round()).toMatchObject({ kind: 'force-new-cluster', lock: LOCK });
    expect(engine.calls.map((c) => c.op)).toEqual(['force-new-cluster']);
    expect(secrets.locks.get(LOCK)).toBe(JSON.stringify({ holder: 'i-1', published: 'swarm-a' }));
    // And in the record: every other survivor of this raft follows i-1, whatever its own missing members.
    expect(secrets.cluster?.recovered).toEqual({ lock: LOCK, holder: 'i-1', nodeId: 'n1', lost: ['n2', 'n3'] });
    // The leader of its new raft now.
    engine.noLeader = false;
    expect(await monitor.round()).toMatchObject({ kind: 'healthy' });
  });

  it('a lock taken first by another survivor: waits, then leaves the dead raft and joins through boot\'s procedure', async () => {
    const { monitor, secrets, engine, boots, joinedVia } = fiveLostThree();
    const lock = FIVE_LOCK;
    secrets.locks.set(lock, 'i-4');
    expect(await monitor.round()).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/i-4 holds/) });
    expect(engine.calls).toEqual([]);
    secrets.locks.set(lock, JSON.stringify({ holder: 'i-4', published: 'swarm-a' }));
    expect(await monitor.round()).toMatchObject({ kind: 'rejoin', remoteAddrs: ['10.0.0.4:2377'] });
    expect(engine.calls).toEqual([{ op: 'leave', force: true }]);
    expect(boots()).toBe(1);
    // Through the survivor that recovered first: it may be in no group (detached), so no fleet view lists it.
    expect(joinedVia).toEqual([['10.0.0.4']]);
  });

  it('a rejoin whose boot failed (AWS denied it) is tried again each round until the manager is a member again', async () => {
    const { monitor, secrets, engine, boots } = fiveLostThree();
    secrets.locks.set(FIVE_LOCK, JSON.stringify({ holder: 'i-4', published: 'swarm-a' }));
    expect(await monitor.round()).toMatchObject({ kind: 'rejoin' });
    expect(boots()).toBe(1);
    // The boot failed: the engine left its raft and joined nothing.
    engine.info_ = { ...engine.info_, localNodeState: 'inactive', nodeId: '', clusterId: undefined, controlAvailable: false, remoteManagers: [] };
    await monitor.round();
    await monitor.round();
    expect(boots()).toBe(3);
    engine.info_ = { ...engine.info_, localNodeState: 'active', nodeId: 'n1', clusterId: 'swarm-a', controlAvailable: true };
    engine.noLeader = false;
    expect(await monitor.round()).toMatchObject({ kind: 'healthy' });
    expect(boots()).toBe(3);
  });

  it('a missing manager that is only stopped: refuses, forces nothing', async () => {
    const { monitor, fleet, engine, lose } = setup();
    lose(2, 3);
    fleet.ec2.set('i-3', 'stopped');
    expect(await monitor.round()).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/i-3 at 10.0.0.3 is stopped/) });
    expect(engine.calls).toEqual([]);
  });

  it('a failed mark is retried every round until it lands (the other survivors wait for it)', async () => {
    const { monitor, secrets, lose } = setup();
    lose(2, 3);
    await monitor.round();
    const mark = secrets.markLockPublished.bind(secrets);
    let failures = 1;
    secrets.markLockPublished = async (...args) => {
      if (failures-- > 0) throw new Error('ThrottlingException');
      return mark(...args);
    };
    await monitor.round();
    expect(secrets.locks.get(LOCK)).toBe('i-1');
    await monitor.round();
    expect(secrets.locks.get(LOCK)).toBe(JSON.stringify({ holder: 'i-1', published: 'swarm-a' }));
  });

  it('no manager (a worker, or not in a swarm): nothing', async () => {
    const { monitor, engine } = setup();
    engine.info_ = { ...engine.info_, controlAvailable: false };
    expect(await monitor.round()).toBeUndefined();
  });
});
