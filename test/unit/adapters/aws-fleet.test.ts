import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { lazyClient } from '../../../src/adapters/aws/lazy-client.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsFleet } from '../../../src/adapters/aws/aws-fleet.js';
import { AccessDeniedError } from '../../../src/errors/access-denied-error.js';

const asg = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const fleet = () =>
  new AwsFleet(
    lazyClient(() => import('../../../src/adapters/aws/aws-sdk.js'), (sdk) => new sdk.AutoScalingClient({ region: 'eu-west-1' })),
    lazyClient(() => import('../../../src/adapters/aws/aws-sdk.js'), (sdk) => new sdk.EC2Client({ region: 'eu-west-1' })),
  );
// Only the fields the adapter reads; the SDK type requires many more that a response always carries.
const group = (name: string, role: string, ids: string[]): AutoScalingGroup => ({
  MinSize: 0,
  MaxSize: 10,
  DesiredCapacity: ids.length,
  DefaultCooldown: 300,
  AvailabilityZones: ['eu-west-1a'],
  HealthCheckType: 'EC2',
  CreatedTime: new Date(0),
  AutoScalingGroupName: name,
  Tags: [{ Key: 'swarmnode:role', Value: role }],
  Instances: ids.map((id) => ({ InstanceId: id, LifecycleState: 'InService', HealthStatus: 'Healthy', AvailabilityZone: 'eu-west-1a', ProtectedFromScaleIn: false })),
});

describe('AwsFleet', () => {
  beforeEach(() => {
    asg.reset();
    ec2.reset();
  });

  it('discovers the cluster by tag over every page, then ONE DescribeInstances for all ids', async () => {
    asg
      .on(DescribeAutoScalingGroupsCommand)
      .resolvesOnce({ AutoScalingGroups: [group('m', 'manager', ['i-1', 'i-2'])], NextToken: 'p2' })
      .resolvesOnce({ AutoScalingGroups: [group('w', 'worker', ['i-3'])] });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-1', PrivateIpAddress: '10.0.0.1', State: { Name: 'running' } }, { InstanceId: 'i-2', PrivateIpAddress: '10.0.0.2', State: { Name: 'running' } }] },
        { Instances: [{ InstanceId: 'i-3', PrivateIpAddress: '10.0.0.3', State: { Name: 'running' }, InstanceLifecycle: 'spot' }] },
      ],
    });
    const view = await fleet().view('prod');
    const calls = asg.commandCalls(DescribeAutoScalingGroupsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input.Filters).toEqual([{ Name: 'tag:swarmnode:cluster', Values: ['prod'] }]);
    expect(calls[1]?.args[0].input.NextToken).toBe('p2');
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(1);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input.InstanceIds).toEqual(['i-1', 'i-2', 'i-3']);
    expect(view.groups).toEqual([{ name: 'm', role: 'manager' }, { name: 'w', role: 'worker' }]);
    expect(view.instances.map((i) => [i.instanceId, i.role, i.privateIp, i.lifecycle])).toEqual([
      ['i-1', 'manager', '10.0.0.1', 'on-demand'],
      ['i-2', 'manager', '10.0.0.2', 'on-demand'],
      ['i-3', 'worker', '10.0.0.3', 'spot'],
    ]);
  });

  it('finds its own group and role', async () => {
    asg.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [{ InstanceId: 'i-1', AutoScalingGroupName: 'm', LifecycleState: 'Pending:Wait' } as never] });
    asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [group('m', 'manager', ['i-1'])] as never });
    expect(await fleet().ownGroup('i-1')).toEqual({ asgName: 'm', lifecycleState: 'Pending:Wait', role: 'manager' });
  });

  it('names the denied action', async () => {
    asg.on(DescribeAutoScalingGroupsCommand).rejects(Object.assign(new Error('no'), { name: 'AccessDenied' }));
    await expect(fleet().view('prod')).rejects.toThrow(AccessDeniedError);
    await expect(fleet().view('prod')).rejects.toThrow('autoscaling:DescribeAutoScalingGroups');
  });
});
