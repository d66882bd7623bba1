import {
  AutoScalingServiceException,
  CompleteLifecycleActionCommand,
  DescribeAutoScalingGroupsCommand,
  type DescribeAutoScalingGroupsCommandInput,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  SetInstanceHealthCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './fixture.js';
import type { HookSpec } from './types.js';

const launchHook: HookSpec = { name: 'launch', transition: 'launching', heartbeatTimeoutSec: 600, defaultResult: 'ABANDON' };
const terminateHook: HookSpec = { name: 'drain', transition: 'terminating', heartbeatTimeoutSec: 600, defaultResult: 'CONTINUE' };

describe('fake Auto Scaling over awsQuery', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  it('describes groups by name and by tag:<key>, tag-key and tag-value filters', async () => {
    await f.cloud.createGroup({ name: 'a-managers', tags: { 'swarmnode:cluster': 'a', 'swarmnode:role': 'manager' }, desired: 2 });
    await f.cloud.createGroup({ name: 'a-workers', tags: { 'swarmnode:cluster': 'a', 'swarmnode:role': 'worker' }, desired: 1 });
    await f.cloud.createGroup({ name: 'b-workers', tags: { 'swarmnode:cluster': 'b', other: 'x' }, desired: 0 });
    const names = async (input: DescribeAutoScalingGroupsCommandInput): Promise<string[]> =>
      ((await f.asg.send(new DescribeAutoScalingGroupsCommand(input))).AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName ?? '');

    expect(await names({ AutoScalingGroupNames: ['a-workers'] })).toEqual(['a-workers']);
    expect(await names({ Filters: [{ Name: 'tag:swarmnode:cluster', Values: ['a'] }] })).toEqual(['a-managers', 'a-workers']);
    expect(
      await names({ Filters: [{ Name: 'tag:swarmnode:cluster', Values: ['a'] }, { Name: 'tag:swarmnode:role', Values: ['manager'] }] }),
    ).toEqual(['a-managers']);
    expect(await names({ Filters: [{ Name: 'tag-key', Values: ['other'] }] })).toEqual(['b-workers']);
    expect(await names({ Filters: [{ Name: 'tag-value', Values: ['worker'] }] })).toEqual(['a-workers']);

    const [managers] = (await f.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['a-managers'] }))).AutoScalingGroups ?? [];
    expect(managers).toMatchObject({ DesiredCapacity: 2, MinSize: 0, Tags: expect.arrayContaining([expect.objectContaining({ Key: 'swarmnode:role', Value: 'manager' })]) });
    expect(managers?.Instances?.map((i) => i.LifecycleState)).toEqual(['InService', 'InService']);
  });

  it('paginates groups with MaxRecords and NextToken', async () => {
    for (let i = 0; i < 5; i += 1) await f.cloud.createGroup({ name: `g${i}`, tags: { 'swarmnode:cluster': 'p' }, desired: 0 });
    const first = await f.asg.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 2 }));
    expect(first.AutoScalingGroups).toHaveLength(2);
    expect(first.NextToken).toBeDefined();
    const seen: string[] = [];
    for await (const page of paginateDescribeAutoScalingGroups({ client: f.asg, pageSize: 2 }, { Filters: [{ Name: 'tag:swarmnode:cluster', Values: ['p'] }] })) {
      seen.push(...(page.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName ?? ''));
    }
    expect(seen).toEqual(['g0', 'g1', 'g2', 'g3', 'g4']);
  });

  it('describes instances by id and the group hooks', async () => {
    const ids = await f.cloud.createGroup({ name: 'hooked', tags: {}, desired: 2, hooks: [launchHook, terminateHook] });
    const out = await f.asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [ids[1] ?? ''] }));
    expect(out.AutoScalingInstances).toEqual([expect.objectContaining({ InstanceId: ids[1], AutoScalingGroupName: 'hooked', LifecycleState: 'Pending:Wait', HealthStatus: 'HEALTHY' })]);
    const hooks = await f.asg.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: 'hooked' }));
    expect(hooks.LifecycleHooks?.map((h) => [h.LifecycleHookName, h.LifecycleTransition, h.HeartbeatTimeout, h.DefaultResult])).toEqual([
      ['launch', 'autoscaling:EC2_INSTANCE_LAUNCHING', 600, 'ABANDON'],
      ['drain', 'autoscaling:EC2_INSTANCE_TERMINATING', 600, 'CONTINUE'],
    ]);
  });

  it('completes a launching action by instance id and by token, and heartbeats it', async () => {
    const [byId = '', byToken = ''] = await f.cloud.createGroup({ name: 'hooked', tags: {}, desired: 2, hooks: [launchHook] });
    await f.asg.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'launch', InstanceId: byId }));
    await f.asg.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'launch', InstanceId: byId, LifecycleActionResult: 'CONTINUE' }));
    const token = f.cloud.lifecycleActionToken(byToken, 'launch');
    await f.asg.send(
      new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'launch', LifecycleActionToken: token, LifecycleActionResult: 'CONTINUE' }),
    );
    expect([f.cloud.instance(byId)?.lifecycleState, f.cloud.instance(byToken)?.lifecycleState]).toEqual(['InService', 'InService']);
    const again = f.asg.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'hooked', LifecycleHookName: 'launch', InstanceId: byId, LifecycleActionResult: 'CONTINUE' }));
    await expect(again).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('No active Lifecycle Action') });
    await expect(again).rejects.toBeInstanceOf(AutoScalingServiceException);
  });

  it('scales out and in with SetDesiredCapacity, newest InService first, and validates bounds', async () => {
    const [oldest = '', second = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 2, max: 4 });
    await f.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 3 }));
    await f.cloud.waitFor((c) => c.group('g')?.instanceIds.length === 3, 5000);
    const newest = f.cloud.group('g')?.instanceIds[2] ?? '';
    await f.cloud.waitFor((c) => c.instance(newest)?.lifecycleState === 'InService', 5000);
    await f.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 2 }));
    await f.cloud.waitFor((c) => c.instance(newest)?.ec2State === 'terminated', 5000);
    expect(f.cloud.group('g')?.instanceIds).toEqual([oldest, second]);
    await expect(f.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'g', DesiredCapacity: 5 }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'New SetDesiredCapacity value 5 is above max value 4 for the AutoScalingGroup.',
    });
  });

  it('terminates with and without decrementing, replacing only in the latter case', async () => {
    const [a = '', b = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 2, hooks: [terminateHook] });
    const out = await f.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: a, ShouldDecrementDesiredCapacity: true }));
    expect(out.Activity).toMatchObject({ AutoScalingGroupName: 'g', StatusCode: 'InProgress' });
    expect(f.cloud.instance(a)?.lifecycleState).toBe('Terminating:Wait');
    expect(f.cloud.group('g')?.desired).toBe(1);
    await f.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: b, ShouldDecrementDesiredCapacity: false }));
    await f.cloud.waitFor((c) => (c.group('g')?.instanceIds.length ?? 0) === 3, 5000);
    expect(f.cloud.group('g')?.desired).toBe(1);
    await expect(f.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0000000000000dead', ShouldDecrementDesiredCapacity: false }))).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });

  it('replaces an instance reported Unhealthy with SetInstanceHealth', async () => {
    const [sick = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1 });
    await f.asg.send(new SetInstanceHealthCommand({ InstanceId: sick, HealthStatus: 'Unhealthy' }));
    await f.cloud.waitFor((c) => c.instance(sick)?.ec2State === 'terminated' && c.group('g')?.instanceIds.length === 1, 5000);
    const [replacement = ''] = f.cloud.group('g')?.instanceIds ?? [];
    expect(replacement).not.toBe(sick);
    await f.cloud.waitFor((c) => c.instance(replacement)?.lifecycleState === 'InService', 5000);
  });
});
