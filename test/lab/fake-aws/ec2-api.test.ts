import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  type DescribeInstancesCommandInput,
  paginateDescribeInstances,
  type Instance,
} from '@aws-sdk/client-ec2';
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

  const tagsOf = async (id: string): Promise<Record<string, string>> => {
    const [instance] = await instancesOf({ InstanceIds: [id] });
    return Object.fromEntries((instance?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  };

  it('CreateTags: an instance tags itself with its own credentials, and the others see it in DescribeInstances', async () => {
    const [draining = '', other = ''] = await f.cloud.createGroup({ name: 'w', tags: { 'swarmnode:role': 'worker' }, desired: 2 });
    const creds = f.cloud.instanceCredentials(draining);
    const asInstance = new EC2Client({ region: 'eu-west-1', endpoint: f.server.awsUrl, credentials: creds, maxAttempts: 1 });
    try {
      await asInstance.send(new CreateTagsCommand({ Resources: [draining], Tags: [{ Key: 'swarmnode:drain', Value: '2024-01-01T00:00:00Z' }] }));
    } finally {
      asInstance.destroy();
    }
    expect(await tagsOf(draining)).toEqual({ 'swarmnode:role': 'worker', 'aws:autoscaling:groupName': 'w', 'swarmnode:drain': '2024-01-01T00:00:00Z' });
    expect(await tagsOf(other)).toEqual({ 'swarmnode:role': 'worker', 'aws:autoscaling:groupName': 'w' });
    const filtered = await instancesOf({ Filters: [{ Name: 'tag-key', Values: ['swarmnode:drain'] }] });
    expect(filtered.map((i) => i.InstanceId)).toEqual([draining]);
    expect(f.cloud.calls().byCaller[draining]).toEqual({ 'ec2:CreateTags': 1 });
    // A tag without a value has the empty string as its value.
    await f.ec2.send(new CreateTagsCommand({ Resources: [draining, other], Tags: [{ Key: 'empty' }] }));
    expect((await tagsOf(other))['empty']).toBe('');
  });

  it('DeleteTags: by key, by key and value, or every user tag, never the aws: ones', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: { team: 'a' }, desired: 1 });
    await f.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'swarmnode:drain', Value: 'yes' }, { Key: 'x', Value: '1' }] }));
    await f.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'swarmnode:drain', Value: 'no' }] }));
    expect(await tagsOf(id)).toMatchObject({ 'swarmnode:drain': 'yes' });
    await f.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'swarmnode:drain' }] }));
    expect(await tagsOf(id)).not.toHaveProperty('swarmnode:drain');
    await f.ec2.send(new DeleteTagsCommand({ Resources: [id] }));
    expect(await tagsOf(id)).toEqual({ 'aws:autoscaling:groupName': 'g' });
  });

  it('tags answer with the real errors: unknown and malformed ids, reserved aws: keys, the 50-tag limit', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1 });
    const create = (resources: string[], tags: { Key: string; Value?: string }[]): Promise<unknown> => f.ec2.send(new CreateTagsCommand({ Resources: resources, Tags: tags }));
    await expect(create(['i-0000000000000dead'], [{ Key: 'k', Value: 'v' }])).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound', message: "The instance ID 'i-0000000000000dead' does not exist" });
    await expect(create(['bogus'], [{ Key: 'k', Value: 'v' }])).rejects.toMatchObject({ name: 'InvalidInstanceID.Malformed' });
    await expect(create([id], [{ Key: 'aws:autoscaling:groupName', Value: 'other' }])).rejects.toMatchObject({ name: 'InvalidParameterValue', message: expect.stringContaining("reserved for internal use") });
    await expect(f.ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'aws:autoscaling:groupName' }] }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(create([id], [{ Key: 'long', Value: 'x'.repeat(257) }])).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    const fifty = Array.from({ length: 50 }, (_, n) => ({ Key: `k${n}`, Value: 'v' }));
    await create([id], fifty);
    await expect(create([id], [{ Key: 'one-more', Value: 'v' }])).rejects.toMatchObject({ name: 'TagLimitExceeded', $metadata: { httpStatusCode: 400 } });
    await expect(create([id], [{ Key: 'one-more', Value: 'v' }])).rejects.toBeInstanceOf(EC2ServiceException);
    // Overwriting an existing key adds nothing.
    await create([id], [{ Key: 'k0', Value: 'w' }]);
    expect((await tagsOf(id))['k0']).toBe('w');
    expect(f.cloud.calls().byApi).toMatchObject({ 'ec2:CreateTags': 8, 'ec2:DeleteTags': 1 });
  });
});
