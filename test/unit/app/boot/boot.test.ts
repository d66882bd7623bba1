import { describe, expect, it } from 'vitest';
import { boot } from '../../../../src/app/boot/boot.js';
import type { Role } from '../../../../src/config/config.js';
import { loadConfig } from '../../../../src/config/load-config.js';
import { AccessDeniedError } from '../../../../src/errors/access-denied-error.js';
import { DependencyUnavailableError } from '../../../../src/errors/dependency-unavailable-error.js';
import { GaveUpError } from '../../../../src/errors/gave-up-error.js';
import { JoinRejectedError } from '../../../../src/errors/join-rejected-error.js';
import { BootWorld, managerInstance, SELF } from '../boot-fakes.js';
import { parseLockValue } from '../../../../src/core/boot/lock-value.js';
import type { BootRecord } from '../../../../src/ports/boot-record.js';
import { silentLog } from '../watch-fakes.js';

const JOIN_TIMEOUT_MS = 120_000;

function run(world: BootWorld, role: Role, env: Record<string, string> = {}, signal = new AbortController().signal): Promise<number> {
  const config = loadConfig({ SWARMNODE_CLUSTER: 'lab', SWARMNODE_ROLE: role, SWARMNODE_JOIN_TIMEOUT: '2m', ...env });
  return boot({ config, services: world.services(), log: silentLog, signal });
}

/** Resolves to what `promise` rejected with (fails the test if it resolved). */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.unreachable(`expected a failure, got ${String(value)}`),
    (error: unknown) => error,
  );
}

const ops = (world: BootWorld): string[] => world.engine.calls.map((c) => c.op);

/** A worker whose token is in SSM and whose manager answers on 2377. */
function joinableWorker(): BootWorld {
  const world = new BootWorld('worker').withManagers(managerInstance('i-m1', '10.0.0.6'));
  world.secrets.stored.set('worker', 'SWMTKN-w-1');
  world.probe.open.add('10.0.0.6');
  return world;
}

describe('boot', () => {
  it('joins, and completes the launching hook only once the node is a healthy member', async () => {
    const world = joinableWorker();
    const engineStateAtCompletion: string[] = [];
    const complete = world.fleet.completeLifecycleAction.bind(world.fleet);
    world.fleet.completeLifecycleAction = async (hook, instanceId, result) => {
      engineStateAtCompletion.push(world.engine.info_.localNodeState);
      await complete(hook, instanceId, result);
    };
    expect(await run(world, 'worker')).toBe(0);
    expect(world.engine.calls).toEqual([{ op: 'join', remoteAddrs: ['10.0.0.6:2377'] }]);
    expect(world.fleet.completedHooks).toEqual(['lab-launching']);
    expect(world.fleet.completions).toEqual([`${SELF.instanceId}:CONTINUE`]);
    expect(engineStateAtCompletion).toEqual(['active']);
    expect(world.fleet.unhealthy).toEqual([]);
  });

  it('a reboot of a healthy member: exits 0 without joining, nothing to complete once InService', async () => {
    const world = joinableWorker();
    world.engine.info_ = { ...world.engine.info_, localNodeState: 'active', nodeId: 'n-old', remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.6:2377' }] };
    world.fleet.own = { asgName: 'lab-workers', lifecycleState: 'InService', role: 'worker' };
    expect(await run(world, 'worker')).toBe(0);
    expect(world.engine.calls).toEqual([]);
    expect(world.fleet.completions).toEqual([]);
  });

  it('a scale-in target (boot re-run mid-drain): exits 0 at once, no AWS call, never joins', async () => {
    for (const target of ['Terminated', 'Warmed:Terminated']) {
      const world = joinableWorker();
      world.target = target;
      world.fleet.ownGroup = async () => expect.unreachable('no AWS call for an instance that does not join');
      expect(await run(world, 'worker')).toBe(0);
      expect(world.engine.calls).toEqual([]);
      expect(world.fleet.completions).toEqual([]);
    }
  });

  it('an instance entering a warm pool: answers its launching action (Warmed:Pending:Wait) CONTINUE, never joins', async () => {
    const world = joinableWorker();
    world.target = 'Warmed:Stopped';
    world.fleet.own = { asgName: 'lab-workers', lifecycleState: 'Warmed:Pending:Wait', role: 'worker' };
    expect(await run(world, 'worker')).toBe(0);
    expect(world.engine.calls).toEqual([]);
    expect(world.fleet.completions).toEqual([`${SELF.instanceId}:CONTINUE`]);
    expect(world.bootRecord).toMatchObject({ outcome: 'no-join', member: false });
  });

  it('a member with a warm pool target is being scaled in to the pool: no join, nothing answered (watch drains it)', async () => {
    const world = joinableWorker();
    world.target = 'Warmed:Running';
    world.engine.info_ = { ...world.engine.info_, localNodeState: 'active', nodeId: 'n-old', remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.6:2377' }] };
    world.fleet.own = { asgName: 'lab-workers', lifecycleState: 'Warmed:Pending:Wait', role: 'worker' };
    expect(await run(world, 'worker')).toBe(0);
    expect(world.fleet.completions).toEqual([]);
    expect(world.engine.calls).toEqual([]);
  });

  it('discovery throttled at the start (or credentials not served yet): retried on the join deadline, not exit 1', async () => {
    const world = joinableWorker();
    const ownGroup = world.fleet.ownGroup.bind(world.fleet);
    let throttled = 3;
    world.fleet.ownGroup = async () => {
      if (throttled-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
      return ownGroup();
    };
    expect(await run(world, 'worker')).toBe(0);
    expect(world.engine.calls).toEqual([{ op: 'join', remoteAddrs: ['10.0.0.6:2377'] }]);
  });

  it('discovery failing until the deadline: exit 75 naming what it could not learn', async () => {
    const world = joinableWorker();
    world.fleet.ownGroup = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    };
    const error = await failure(run(world, 'worker'));
    expect(error).toBeInstanceOf(GaveUpError);
    expect((error as GaveUpError).message).toMatch(/could not learn this instance's Auto Scaling group: Rate exceeded/);
    expect(world.engine.calls).toEqual([]);
  });

  it('the first manager takes init-lock, inits, publishes the tokens and the cluster record, then completes the hook', async () => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-m2', '10.0.0.6'));
    expect(await run(world, 'manager')).toBe(0);
    expect(ops(world)).toEqual(['init']);
    // The lock is marked with the swarm before anything else is written: it outlives a deleted record.
    expect(parseLockValue(world.secrets.locks.get('init-lock') ?? '')).toEqual({ holder: SELF.instanceId, published: 'swarm-new' });
    expect(world.secrets.writes).toEqual(['init-lock', 'cluster', 'worker', 'manager']);
    expect(world.secrets.cluster).toMatchObject({ swarmId: 'swarm-new', generation: 1, createdBy: SELF.instanceId, managers: [{ instanceId: SELF.instanceId, addr: SELF.localIpv4 }] });
    expect(world.fleet.completions).toEqual([`${SELF.instanceId}:CONTINUE`]);
  });

  it.each([false, true])('every manager of generation 1 terminated for good (old tokens left in SSM: %s): generation 2 is initialised and published once, and boot ends healthy at once', async (oldTokens) => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-x-peer', '10.0.0.6'));
    world.secrets.cluster = { swarmId: 'swarm-old', generation: 1, createdAt: '', createdBy: 'i-dead', managers: [{ instanceId: 'i-dead', addr: '10.0.0.9', nodeId: 'n-dead' }] };
    if (oldTokens) {
      world.secrets.stored.set('manager', 'SWMTKN-old-m');
      world.secrets.stored.set('worker', 'SWMTKN-old-w');
    }
    world.fleet.ec2.set('i-dead', 'terminated');
    world.fleet.goneAt.set('i-dead', 0);
    const started = world.clock.now();
    expect(await run(world, 'manager', { SWARMNODE_JOIN_TIMEOUT: '10m' })).toBe(0);
    expect(ops(world)).toEqual(['init']);
    expect(world.secrets.writes.filter((w) => w === 'cluster')).toHaveLength(1);
    expect(world.secrets.cluster).toMatchObject({ swarmId: 'swarm-new', generation: 2, createdBy: SELF.instanceId });
    expect(world.fleet.completions).toEqual([`${SELF.instanceId}:CONTINUE`]);
    expect(world.clock.now() - started).toBeLessThan(60_000);
  });

  it('gives up at SWARMNODE_JOIN_TIMEOUT: exit 75, SetInstanceHealth Unhealthy, then the launching action ABANDONed so the ASG replaces it at once', async () => {
    const world = new BootWorld('worker').withManagers(managerInstance('i-m1', '10.0.0.6'));
    const started = world.clock.now();
    const error = await failure(run(world, 'worker'));
    expect(error).toBeInstanceOf(GaveUpError);
    expect((error as GaveUpError).exitCode).toBe(75);
    expect((error as GaveUpError).message).toMatch(/gave up after 2m: no manager answers on 2377 yet/);
    expect(world.clock.now() - started).toBeGreaterThanOrEqual(JOIN_TIMEOUT_MS);
    expect(world.clock.now() - started).toBeLessThan(JOIN_TIMEOUT_MS + 5_000);
    expect(world.fleet.unhealthy).toEqual([SELF.instanceId]);
    expect(world.fleet.completions).toEqual([`${SELF.instanceId}:ABANDON`]);
    expect(world.engine.calls).toEqual([]);
  });

  it('gives up without reporting Unhealthy when SWARMNODE_REPORT_UNHEALTHY=false', async () => {
    const world = new BootWorld('worker');
    expect(await failure(run(world, 'worker', { SWARMNODE_REPORT_UNHEALTHY: 'false' }))).toBeInstanceOf(GaveUpError);
    expect(world.fleet.unhealthy).toEqual([]);
    expect(world.fleet.completions).toEqual([]);
  });

  it('never inits as a fallback for failed joins: retries the join from the other manager until it gives up', async () => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-m2', '10.0.0.6'), managerInstance('i-m3', '10.0.0.7'));
    world.secrets.stored.set('manager', 'SWMTKN-m-1');
    world.probe.open.add('10.0.0.6').add('10.0.0.7');
    world.engine.joinError = new Error('could not connect to prospective new cluster member');
    expect(await failure(run(world, 'manager'))).toBeInstanceOf(GaveUpError);
    const joins = world.engine.calls.filter((c) => c.op === 'join');
    expect(joins.length).toBeGreaterThan(2);
    expect(joins.slice(0, 2).map((c) => c.remoteAddrs?.[0])).toEqual(['10.0.0.6:2377', '10.0.0.7:2377']);
    expect(ops(world).every((op) => op === 'join')).toBe(true);
    expect(world.secrets.locks.size).toBe(0);
    expect(world.fleet.unhealthy).toEqual([SELF.instanceId]);
  });

  it('a token the swarm keeps rejecting: JoinRejectedError naming the parameter to re-publish', async () => {
    const world = joinableWorker();
    world.engine.joinError = new Error('rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster');
    const error = await failure(run(world, 'worker'));
    expect(error).toBeInstanceOf(JoinRejectedError);
    expect((error as JoinRejectedError).exitCode).toBe(75);
    expect((error as JoinRejectedError).message).toContain('/swarmnode/lab/worker-token');
  });

  it('another instance wins the init-lock race: this one waits for its token and never inits', async () => {
    const world = new BootWorld('manager').withManagers(managerInstance('i-m2', '10.0.0.6'));
    world.secrets.tryLock = async (name) => {
      world.secrets.locks.set(name, 'i-m2');
      return false;
    };
    expect(await failure(run(world, 'manager'))).toBeInstanceOf(GaveUpError);
    expect(world.engine.calls).toEqual([]);
  });

  it('an engine that stays unreachable ends boot with exit 69 after the engine wait, not as a give-up', async () => {
    const world = joinableWorker();
    let infos = 0;
    world.engine.info = async () => {
      infos++;
      throw new DependencyUnavailableError('Docker engine', 'Docker engine unreachable (GET /info)', 'start it');
    };
    const started = world.clock.now();
    const error = await failure(run(world, 'worker'));
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as DependencyUnavailableError).exitCode).toBe(69);
    expect(infos).toBeGreaterThan(1);
    expect(world.clock.now() - started).toBeLessThan(JOIN_TIMEOUT_MS);
    expect(world.fleet.unhealthy).toEqual([]);
  });

  it('SIGTERM while waiting ends boot at once, without reporting the instance Unhealthy', async () => {
    // A manager answers but no worker token is published yet: boot waits, reading the token each round.
    const world = new BootWorld('worker').withManagers(managerInstance('i-m1', '10.0.0.6'));
    world.probe.open.add('10.0.0.6');
    const stop = new AbortController();
    const readToken = world.secrets.readToken.bind(world.secrets);
    world.secrets.readToken = async (role) => {
      if (world.secrets.reads === 2) stop.abort(new Error('SIGTERM'));
      return readToken(role);
    };
    const started = world.clock.now();
    expect(await failure(run(world, 'worker', {}, stop.signal))).toMatchObject({ message: 'SIGTERM' });
    expect(world.clock.now() - started).toBeLessThan(JOIN_TIMEOUT_MS);
    expect(world.fleet.unhealthy).toEqual([]);
  });

  describe('a member never gives up', () => {
    const awsDown = (world: BootWorld): void => {
      const down = async (): Promise<never> => {
        throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' });
      };
      Object.assign(world.fleet, { ownGroup: down, view: down, hook: down, completeLifecycleAction: down, setUnhealthy: down, ec2States: down });
      Object.assign(world.secrets, { readToken: down, readCluster: down, tokenExists: down, readLock: down });
    };
    const record = (over: Partial<BootRecord> = {}): BootRecord => ({
      instanceId: SELF.instanceId, nodeId: 'n-old', role: 'worker', member: true, launchCompleted: true, outcome: 'healthy', exitCode: 0, durationMs: 1_000, finishedAt: '2026-01-01T00:00:00Z', ...over,
    });
    const activeWorker = (world: BootWorld): void => {
      world.engine.info_ = { ...world.engine.info_, localNodeState: 'active', nodeId: 'n-old', remoteManagers: [{ nodeId: 'm1', addr: '10.0.0.6:2377' }] };
    };

    it('reboot of a member whose boot finished: local facts only, exit 0 with zero AWS calls, even with AWS down', async () => {
      const world = joinableWorker();
      activeWorker(world);
      world.bootRecord = record();
      awsDown(world);
      expect(await run(world, 'worker')).toBe(0);
      expect(world.awsClientsMade).toBe(0);
      expect(world.engine.calls).toEqual([]);
      expect(world.bootRecord).toMatchObject({ outcome: 'healthy', exitCode: 0, launchCompleted: true, nodeId: 'n-old' });
    });

    it('reboot of a member whose launch was never answered: answers it, and still exits 0 when AWS refuses', async () => {
      const world = joinableWorker();
      activeWorker(world);
      world.bootRecord = record({ launchCompleted: false });
      expect(await run(world, 'worker')).toBe(0);
      expect(world.fleet.completions).toEqual([`${SELF.instanceId}:CONTINUE`]);
      expect(world.bootRecord).toMatchObject({ launchCompleted: true });

      const refused = joinableWorker();
      activeWorker(refused);
      refused.bootRecord = record({ launchCompleted: false });
      refused.fleet.ownGroup = async () => {
        throw new AccessDeniedError('autoscaling:DescribeAutoScalingInstances');
      };
      expect(await run(refused, 'worker')).toBe(0);
      expect(refused.bootRecord).toMatchObject({ launchCompleted: false, member: true });
    });

    it('an active, healthy member with no boot record and AWS down: never Unhealthy, exit 0 at the deadline', async () => {
      const world = joinableWorker();
      activeWorker(world);
      awsDown(world);
      expect(await run(world, 'worker')).toBe(0);
      expect(world.fleet.unhealthy).toEqual([]);
      expect(world.bootRecord).toMatchObject({ outcome: 'healthy', launchCompleted: false, member: true });
    });

    it('a locked manager (no unlock key reachable) holds swarm state: exit 75 but never reported Unhealthy nor abandoned', async () => {
      const world = new BootWorld('manager').withManagers(managerInstance('i-m2', '10.0.0.6'));
      world.engine.info_ = { ...world.engine.info_, localNodeState: 'locked', nodeId: 'n-locked' };
      const error = await failure(run(world, 'manager'));
      expect(error).toBeInstanceOf(GaveUpError);
      expect((error as GaveUpError).message).toMatch(/holds swarm state \(locked, node n-locked\)/);
      expect(world.fleet.unhealthy).toEqual([]);
      expect(world.fleet.completions).toEqual([]);
    });

    it('a join that lands after the deadline passed: boot waits for it, then does not report the new member Unhealthy', async () => {
      const world = joinableWorker();
      const join = world.engine.join.bind(world.engine);
      world.engine.join = async (addrs) => {
        await world.clock.sleep(JOIN_TIMEOUT_MS + 10_000);
        return join(addrs);
      };
      expect(await run(world, 'worker')).toBe(0);
      expect(world.fleet.unhealthy).toEqual([]);
      expect(world.fleet.completions).not.toContain(`${SELF.instanceId}:ABANDON`);
    });
  });
});
