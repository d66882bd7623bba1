import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { EncryptCommand } from '@aws-sdk/client-kms';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './fixture.js';

describe('fake AWS faults and counters', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
    f.cloud.createKey({ alias: 'alias/k' });
    await f.ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String' }));
    f.cloud.resetCalls();
  });
  afterEach(async () => {
    await f.close();
  });

  const calls = {
    asg: () => f.asg.send(new DescribeAutoScalingGroupsCommand({})),
    ec2: () => f.ec2.send(new DescribeInstancesCommand({})),
    kms: () => f.kms.send(new EncryptCommand({ KeyId: 'alias/k', Plaintext: Buffer.from('x') })),
    ssm: () => f.ssm.send(new GetParameterCommand({ Name: '/p' })),
  };
  const apis = { asg: 'autoscaling:DescribeAutoScalingGroups', ec2: 'ec2:DescribeInstances', kms: 'kms:Encrypt', ssm: 'ssm:GetParameter' };

  it('throttles with a token bucket, in each protocol’s real error code', async () => {
    const expected = { asg: ['Throttling', 400], ec2: ['RequestLimitExceeded', 503], kms: ['ThrottlingException', 400], ssm: ['ThrottlingException', 400] } as const;
    for (const [service, [name, status]] of Object.entries(expected) as [keyof typeof calls, readonly [string, number]][]) {
      f.cloud.faults.throttle({ api: apis[service], ratePerSec: 0.001, burst: 2 });
      await calls[service]();
      await calls[service]();
      await expect(calls[service]()).rejects.toMatchObject({ name, $metadata: { httpStatusCode: status } });
    }
    const stats = f.cloud.calls();
    expect(stats).toMatchObject({ total: 12, rejected: 4, throttled: 4 });
    expect(stats.throttledByApi).toEqual({ [apis.asg]: 1, [apis.ec2]: 1, [apis.kms]: 1, [apis.ssm]: 1 });
    expect(stats.byApi).toEqual({ [apis.asg]: 3, [apis.ec2]: 3, [apis.kms]: 3, [apis.ssm]: 3 });
  });

  it('denies an action in each protocol’s real error shape', async () => {
    const expected = { asg: ['AccessDenied', 403], ec2: ['UnauthorizedOperation', 403], kms: ['AccessDeniedException', 400], ssm: ['AccessDeniedException', 400] } as const;
    for (const [service, [name, status]] of Object.entries(expected) as [keyof typeof calls, readonly [string, number]][]) {
      f.cloud.faults.deny({ api: apis[service] });
      await expect(calls[service]()).rejects.toMatchObject({ name, $metadata: { httpStatusCode: status }, message: expect.stringContaining(apis[service]) });
    }
    f.cloud.faults.clear();
    await expect(calls.ssm()).resolves.toMatchObject({ Parameter: { Value: 'v' } });
  });

  it('denies only the instance named, by the access key its IMDS credentials carry', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1 });
    const asInstance = new SSMClient({
      region: 'eu-west-1',
      endpoint: f.server.awsUrl,
      credentials: { accessKeyId: f.cloud.instanceCredentials(id).accessKeyId, secretAccessKey: 's' },
      maxAttempts: 1,
    });
    try {
      f.cloud.faults.deny({ api: 'ssm:GetParameter', instanceId: id });
      await expect(asInstance.send(new GetParameterCommand({ Name: '/p' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
      await expect(calls.ssm()).resolves.toBeDefined();
      expect(f.cloud.calls().byCaller).toEqual({ [id]: { 'ssm:GetParameter': 1 }, AKIDTEST: { 'ssm:GetParameter': 1 } });
    } finally {
      asInstance.destroy();
    }
  });

  it('injects 5xx that the SDK treats as transient and retries', async () => {
    f.cloud.faults.serverError({ api: apis.asg, count: 1 });
    await expect(calls.asg()).rejects.toMatchObject({ name: 'InternalFailure', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    f.cloud.faults.serverError({ api: apis.kms, count: 1, code: 'ServiceUnavailable' });
    await expect(calls.kms()).rejects.toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    f.cloud.faults.serverError({ count: 2 });
    const retrying = new AutoScalingClient({ region: 'eu-west-1', endpoint: f.server.awsUrl, credentials: { accessKeyId: 'AKIDRETRY', secretAccessKey: 's' }, maxAttempts: 3 });
    try {
      const out = await retrying.send(new DescribeAutoScalingGroupsCommand({}));
      expect(out.$metadata.attempts).toBe(3);
    } finally {
      retrying.destroy();
    }
    expect(f.cloud.calls().byCaller.AKIDRETRY).toEqual({ [apis.asg]: 3 });
    expect(f.cloud.calls().rejected).toBe(4);
  });

  it('adds latency, and resets the counters on demand', async () => {
    f.cloud.faults.latency({ api: apis.ssm, ms: 300 });
    const started = performance.now();
    await calls.ssm();
    // A lower bound only: it shows the delay was applied, not how fast anything is.
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(f.cloud.calls().total).toBe(1);
    f.cloud.resetCalls();
    expect(f.cloud.calls()).toEqual({ total: 0, rejected: 0, throttled: 0, byApi: {}, byCaller: {}, throttledByApi: {} });
  });
});
