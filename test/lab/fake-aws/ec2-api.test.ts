import { DescribeInstancesCommand, EC2ServiceException, type DescribeInstancesCommandInput, paginateDescribeInstances, type Instance } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './fixture.js';

describe('fake EC2 over ec2Query', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const instancesOf = async (input: DescribeInstancesCommandInput): Promise<Instance[]> =>
    ((await f.ec2.send(new DescribeInstancesCommand(input))).Reservations ?? []).flatMap((r) => r.Instances ?? []);

  it('describes instances by id with address, placement, type, lifecycle and state', async () => {
    const [spot = ''] = await f.cloud.createGroup({ name: 'spot', tags: { 'swarmnode:cluster': 'c' }, desired: 1, spot: true, instanceType: 'm5.large' });
    const [onDemand = ''] = await f.cloud.createGroup({ name: 'od', tags: { 'swarmnode:cluster': 'c' }, desired: 1 });
    const [s, o] = await instancesOf({ InstanceIds: [spot, onDemand] });
    expect(s).toMatchObject({
      InstanceId: spot,
      PrivateIpAddress: f.cloud.instance(spot)?.privateIp,
      Placement: { AvailabilityZone: 'eu-west-1a' },
      InstanceType: 'm5.large',
      InstanceLifecycle: 'spot',
      State: { Code: 16, Name: 'running' },
      Tags: expect.arrayContaining([{ Key: 'swarmnode:cluster', Value: 'c' }, { Key: 'aws:autoscaling:groupName', Value: 'spot' }]),
    });
    expect(o?.InstanceLifecycle).toBeUndefined();
  });

  it('filters by instance-state-name and tags', async () => {
    const [gone = '', kept = ''] = await f.cloud.createGroup({ name: 'm', tags: { 'swarmnode:role': 'manager' }, desired: 2 });
    await f.cloud.createGroup({ name: 'w', tags: { 'swarmnode:role': 'worker' }, desired: 1 });
    f.cloud.crash(gone);
    const running = await instancesOf({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }, { Name: 'tag:swarmnode:role', Values: ['manager'] }] });
    expect(running.map((i) => i.InstanceId)).toEqual([kept]);
    const terminated = await instancesOf({ Filters: [{ Name: 'instance-state-name', Values: ['terminated'] }] });
    expect(terminated.map((i) => [i.InstanceId, i.State?.Name])).toEqual([[gone, 'terminated']]);
    expect(await instancesOf({ Filters: [{ Name: 'tag:swarmnode:role', Values: ['work*'] }] })).toHaveLength(1);
  });

  it('paginates with MaxResults and NextToken', async () => {
    const ids = await f.cloud.createGroup({ name: 'big', tags: {}, desired: 12, virtual: true });
    const first = await f.ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }));
    expect(first.Reservations).toHaveLength(5);
    const seen: string[] = [];
    for await (const page of paginateDescribeInstances({ client: f.ec2, pageSize: 5 }, {})) {
      seen.push(...(page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? ''));
    }
    expect(seen).toEqual(ids);
  });

  it('answers InvalidInstanceID.NotFound for an unknown id', async () => {
    const call = f.ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000dead'] }));
    await expect(call).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound', $metadata: { httpStatusCode: 400 } });
    await expect(call).rejects.toBeInstanceOf(EC2ServiceException);
  });
});
