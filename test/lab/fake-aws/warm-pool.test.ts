import {
  CompleteLifecycleActionCommand,
  DeleteWarmPoolCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeWarmPoolCommand,
  PutWarmPoolCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingHost, startFixture, type Fixture } from './fixture.js';
import type { HookSpec, InstanceHost, TransitionEvent } from './types.js';

const launchHook: HookSpec = { name: 'launch', transition: 'launching', heartbeatTimeoutSec: 600, defaultResult: 'ABANDON' };
const drainHook: HookSpec = { name: 'drain', transition: 'terminating', heartbeatTimeoutSec: 600, defaultResult: 'CONTINUE' };
const WAIT_MS = 5000;

describe('fake Auto Scaling warm pools', () => {
  let f: Fixture;
  let host: InstanceHost & { calls: string[] };
  let transitions: TransitionEvent[];

  /** A fixture whose first instance is this process (127.0.0.1), as far as IMDS can tell. */
  const start = async (firstOctet = 10): Promise<void> => {
    f = await startFixture({ firstOctet });
    host = recordingHost();
    f.cloud.setHost(host);
    transitions = [];
    f.cloud.events.on('transition', (e: TransitionEvent) => transitions.push(e));
  };
  afterEach(async () => {
    await f.close();
  });

  const statesOf = (id: string): string[] => transitions.filter((t) => t.instanceId === id).map((t) => t.to);
  const callsOf = (id: string): string[] => host.calls.filter((c) => c.includes(id)).map((c) => c.replace(` ${id}`, '').replace(/ g on-demand$/, ''));
  const stateOf = (id: string): string | undefined => f.cloud.instance(id)?.lifecycleState;
  const pool = (group = 'g'): string[] => f.cloud.group(group)?.warmIds ?? [];
  const members = (group = 'g'): string[] => f.cloud.group(group)?.instanceIds ?? [];
  const waitFor = (what: () => boolean): Promise<void> => f.cloud.waitFor(what, WAIT_MS);
  const complete = (hook: string, id: string): Promise<unknown> =>
    f.asg.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'g', LifecycleHookName: hook, InstanceId: id, LifecycleActionResult: 'CONTINUE' }));
  const target = (): Promise<string> =>
    new MetadataService({ endpoint: f.server.imdsUrl, ec2MetadataV1Disabled: true, retries: 0 }).request('/latest/meta-data/autoscaling/target-lifecycle-state', {});

  it('launches the pool to MaxGroupPreparedCapacity - desired, stopped: Warmed:Stopped in Auto Scaling, stopped in EC2', async () => {
    await start();
    await f.cloud.createGroup({ name: 'g', tags: { 'swarmnode:role': 'worker' }, desired: 1, max: 5 });
    await f.asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'g', MinSize: 1, MaxGroupPreparedCapacity: 3, PoolState: 'Stopped' }));
    await waitFor(() => pool().length === 2 && pool().every((id) => stateOf(id) === 'Warmed:Stopped'));

    const described = await f.asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'g' }));
    expect(described.WarmPoolConfiguration).toEqual({ MinSize: 1, MaxGroupPreparedCapacity: 3, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: false } });
    expect(described.Instances?.map((i) => [i.InstanceId, i.LifecycleState, i.HealthStatus])).toEqual(pool().map((id) => [id, 'Warmed:Stopped', 'Healthy']));
    const [group] = (await f.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }))).AutoScalingGroups ?? [];
    expect(group).toMatchObject({ DesiredCapacity: 1, WarmPoolSize: 2, WarmPoolConfiguration: { PoolState: 'Stopped' } });
    expect(group?.Instances?.map((i) => i.InstanceId)).toEqual(members());
    const asgInstances = await f.asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: pool() }));
    expect(asgInstances.AutoScalingInstances?.map((i) => [i.AutoScalingGroupName, i.LifecycleState])).toEqual([
      ['g', 'Warmed:Stopped'],
      ['g', 'Warmed:Stopped'],
    ]);
    const ec2 = await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: pool() }));
    expect(ec2.Reservations?.flatMap((r) => r.Instances ?? []).map((i) => i.State)).toEqual([
      { Code: 80, Name: 'stopped' },
      { Code: 80, Name: 'stopped' },
    ]);
    for (const id of pool()) {
      expect(statesOf(id)).toEqual(['Warmed:Pending', 'Warmed:Stopped']);
      expect(callsOf(id)).toEqual(['launch', 'stop stop']);
    }
  });

  it('runs the launching hook twice: Warmed:Pending:Wait entering the pool, Pending:Wait leaving it; IMDS targets Warmed:Hibernated, then InService', async () => {
    await start(1);
    await f.cloud.createGroup({
      name: 'g',
      tags: {},
      desired: 0,
      max: 2,
      hooks: [launchHook],
      warmPool: { minSize: 1, maxGroupPreparedCapacity: 1, poolState: 'Hibernated' },
    });
    const [id = ''] = pool();
    expect(f.cloud.instance(id)?.privateIp).toBe('127.0.0.1');
    expect(stateOf(id)).toBe('Warmed:Pending:Wait');
    expect(await target()).toBe('Warmed:Hibernated');
    await f.asg.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'g', LifecycleHookName: 'launch', InstanceId: id }));
    await complete('launch', id);
    await waitFor(() => stateOf(id) === 'Warmed:Hibernated');
    expect(f.cloud.instance(id)?.ec2State).toBe('stopped');
    expect(callsOf(id)).toEqual(['launch', 'stop hibernate']);

    await f.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 1 }));
    await waitFor(() => stateOf(id) === 'Pending:Wait');
    expect(members()).toEqual([id]);
    expect(f.cloud.instance(id)?.ec2State).toBe('running');
    expect(await target()).toBe('InService');
    await complete('launch', id);
    await waitFor(() => stateOf(id) === 'InService');
    expect(statesOf(id)).toEqual([
      'Warmed:Pending',
      'Warmed:Pending:Wait',
      'Warmed:Pending:Proceed',
      'Warmed:Hibernated',
      'Pending',
      'Pending:Wait',
      'Pending:Proceed',
      'InService',
    ]);
    expect(callsOf(id)).toEqual(['launch', 'stop hibernate', 'start']);
    // MinSize 1: the pool refills behind the instance it gave up, which waits on its hook in turn.
    await waitFor(() => pool().length === 1 && pool()[0] !== id && stateOf(pool()[0] ?? '') === 'Warmed:Pending:Wait');
  });

  it('ReuseOnScaleIn: scale-in returns the instance to the pool, held in Warmed:Pending:Wait by the terminating hook; IMDS target Warmed:Stopped', async () => {
    await start(1);
    const [id = ''] = await f.cloud.createGroup({
      name: 'g',
      tags: {},
      desired: 1,
      max: 3,
      hooks: [drainHook],
      warmPool: { minSize: 0, maxGroupPreparedCapacity: 1, poolState: 'Stopped', reuseOnScaleIn: true },
    });
    expect(pool()).toEqual([]);
    expect(await target()).toBe('InService');

    await f.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 0 }));
    await waitFor(() => stateOf(id) === 'Warmed:Pending:Wait');
    expect(await target()).toBe('Warmed:Stopped');
    expect(pool()).toEqual([id]);
    expect(f.cloud.lifecycleActionToken(id, 'drain')).toBeDefined();
    expect(callsOf(id)).toEqual(['launch']);
    await complete('drain', id);
    await waitFor(() => stateOf(id) === 'Warmed:Stopped');
    expect(f.cloud.instance(id)?.ec2State).toBe('stopped');
    expect(callsOf(id)).toEqual(['launch', 'stop stop']);

    await f.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 1 }));
    await waitFor(() => stateOf(id) === 'InService');
    expect(statesOf(id)).toEqual(['Pending', 'InService', 'Warmed:Pending', 'Warmed:Pending:Wait', 'Warmed:Pending:Proceed', 'Warmed:Stopped', 'Pending', 'InService']);
    expect(callsOf(id)).toEqual(['launch', 'stop stop', 'start']);
  });

  it('without ReuseOnScaleIn, scale-in terminates; the pool follows MaxGroupPreparedCapacity - desired, never below MinSize', async () => {
    await start();
    await f.cloud.createGroup({ name: 'g', tags: {}, desired: 2, max: 10, warmPool: { minSize: 1, maxGroupPreparedCapacity: 4, poolState: 'Running' } });
    expect(pool()).toHaveLength(2);
    await waitFor(() => pool().every((id) => stateOf(id) === 'Warmed:Running'));
    const [first = '', second = ''] = pool();
    expect(f.cloud.instance(first)?.ec2State).toBe('running');

    await f.cloud.setDesiredCapacity('g', 3);
    expect(members()).toContain(first);
    expect(pool()).toEqual([second]);
    await f.cloud.setDesiredCapacity('g', 4);
    expect(members()).toContain(second);
    await waitFor(() => pool().length === 1 && stateOf(pool()[0] ?? '') === 'Warmed:Running');
    // Running pool instances need no start: the host only ever launched them.
    expect(callsOf(first)).toEqual(['launch']);

    const gone = members().filter((id) => id !== members()[0]);
    await f.cloud.setDesiredCapacity('g', 1);
    await waitFor(() => gone.every((id) => stateOf(id) === 'Terminated') && pool().length === 3 && pool().every((id) => stateOf(id) === 'Warmed:Running'));
    expect(members()).toHaveLength(1);
  });

  it('deletes a pool: PendingDelete while its instances pass Warmed:Terminating:Wait; ForceDelete at once, without hooks', async () => {
    await start();
    await f.cloud.createGroup({ name: 'g', tags: {}, desired: 0, hooks: [drainHook], warmPool: { minSize: 2, maxGroupPreparedCapacity: 2 } });
    await waitFor(() => pool().length === 2 && pool().every((id) => stateOf(id) === 'Warmed:Stopped'));
    const [a = '', b = ''] = pool();

    await f.asg.send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'g' }));
    const pending = await f.asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'g' }));
    expect(pending.WarmPoolConfiguration?.Status).toBe('PendingDelete');
    expect(pending.Instances?.map((i) => i.LifecycleState)).toEqual(['Warmed:Terminating:Wait', 'Warmed:Terminating:Wait']);
    await complete('drain', a);
    await waitFor(() => stateOf(a) === 'Warmed:Terminated');
    expect((await f.asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'g' }))).WarmPoolConfiguration?.Status).toBe('PendingDelete');
    await complete('drain', b);
    await waitFor(() => stateOf(b) === 'Warmed:Terminated');
    const gone = await f.asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'g' }));
    expect(gone.WarmPoolConfiguration).toBeUndefined();
    expect(gone.Instances ?? []).toEqual([]);
    expect(statesOf(a)).toEqual(['Warmed:Pending', 'Warmed:Stopped', 'Warmed:Terminating', 'Warmed:Terminating:Wait', 'Warmed:Terminating:Proceed', 'Warmed:Terminated']);
    expect(callsOf(a)).toEqual(['launch', 'stop stop', 'terminate']);
    await expect(f.asg.send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'g' }))).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('No warm pool found') });

    await f.asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'g', MinSize: 1, MaxGroupPreparedCapacity: 1 }));
    await waitFor(() => pool().length === 1 && stateOf(pool()[0] ?? '') === 'Warmed:Stopped');
    const [c = ''] = pool();
    await f.asg.send(new DeleteWarmPoolCommand({ AutoScalingGroupName: 'g', ForceDelete: true }));
    expect((await f.asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'g' }))).WarmPoolConfiguration).toBeUndefined();
    await waitFor(() => stateOf(c) === 'Warmed:Terminated');
    expect(statesOf(c).slice(-3)).toEqual(['Warmed:Terminating', 'Warmed:Terminating:Proceed', 'Warmed:Terminated']);
  });

  it('an abandoned launch into the pool is terminated there, and the pool replaces it', async () => {
    await start();
    const hooks: HookSpec[] = [{ name: 'launch', transition: 'launching', heartbeatTimeoutSec: 1, defaultResult: 'ABANDON' }];
    await f.cloud.createGroup({ name: 'g', tags: {}, desired: 0, hooks, warmPool: { minSize: 1, maxGroupPreparedCapacity: 1 } });
    const [first = ''] = pool();
    await waitFor(() => stateOf(first) === 'Warmed:Terminated' && pool().length === 1);
    expect(statesOf(first)).toEqual(['Warmed:Pending', 'Warmed:Pending:Wait', 'Warmed:Terminating', 'Warmed:Terminating:Proceed', 'Warmed:Terminated']);
    expect(pool()[0]).not.toBe(first);
  });

  it('rejects bad pools with the real error shapes', async () => {
    await start();
    await f.cloud.createGroup({ name: 'g', tags: {}, desired: 0 });
    await f.cloud.createGroup({ name: 'spot', tags: {}, desired: 0, spot: true });
    const put = (input: Partial<ConstructorParameters<typeof PutWarmPoolCommand>[0]>): Promise<unknown> =>
      f.asg.send(new PutWarmPoolCommand({ AutoScalingGroupName: 'g', ...input }));
    await expect(put({ MinSize: -1 })).rejects.toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    await expect(put({ MaxGroupPreparedCapacity: -2 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(put({ PoolState: 'Frozen' as 'Stopped' })).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('poolState') });
    await expect(put({ AutoScalingGroupName: 'spot' })).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('Spot') });
    await expect(put({ AutoScalingGroupName: 'nope' })).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('not found') });
    const none = await f.asg.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: 'g' }));
    expect(none.WarmPoolConfiguration).toBeUndefined();
    expect(f.cloud.calls().byApi).toMatchObject({ 'autoscaling:PutWarmPool': 5, 'autoscaling:DescribeWarmPool': 1 });
  });
});
