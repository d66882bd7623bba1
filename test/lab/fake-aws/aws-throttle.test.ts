import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { EncryptCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsThrottle, TokenBucket } from './aws-throttle.js';
import { Faults } from './faults.js';
import { startFixture, type Fixture } from './fixture.js';

function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_700_000_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** How many of `n` calls in a row get through right now. */
function admitted(faults: Faults, api: string, n: number, shape = {}): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (faults.decide(api, undefined, shape).fault === undefined) ok++;
  return ok;
}

describe('AWS-like token buckets', () => {
  it('empty after their capacity, refill at their rate, and never hold more than their capacity', () => {
    const clock = manualClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSec: 2 }, clock.now());
    expect([bucket.take(clock.now()), bucket.take(clock.now()), bucket.take(clock.now()), bucket.take(clock.now())]).toEqual([true, true, true, false]);
    clock.advance(499);
    expect(bucket.take(clock.now())).toBe(false);
    clock.advance(1);
    expect(bucket.take(clock.now())).toBe(true);
    expect(bucket.take(clock.now())).toBe(false);
    clock.advance(60_000);
    expect(bucket.available(clock.now())).toBe(3);
  });

  it('are sized like AWS’s documented defaults, scaled for the lab, per Region where AWS differs', () => {
    const full = new AwsThrottle(Date.now).limits;
    expect(full).toMatchObject({
      'ssm-get': { capacity: 40, refillPerSec: 40 },
      'ssm-put': { capacity: 3, refillPerSec: 3 },
      'ec2-non-mutating': { capacity: 100, refillPerSec: 20 },
      'ec2-unfiltered': { capacity: 50, refillPerSec: 10 },
      'ec2-mutating': { capacity: 50, refillPerSec: 5 },
      'kms-crypto': { capacity: 100_000 },
      's3-read': { capacity: 5_500 },
      's3-write': { capacity: 3_500 },
    });
    const lab = new AwsThrottle(Date.now, { scale: 0.1, region: 'eu-central-1', limits: { autoscaling: { capacity: 30 } } }).limits;
    expect(lab['ssm-get']).toEqual({ capacity: 4, refillPerSec: 4 });
    // A bucket keeps at least one token, however small the scale.
    expect(lab['ssm-put']).toEqual({ capacity: 1, refillPerSec: expect.closeTo(0.3, 9) as number });
    expect(lab['kms-crypto']).toEqual({ capacity: 2_000, refillPerSec: 2_000 });
    expect(lab.autoscaling).toEqual({ capacity: 3, refillPerSec: 2 });
    expect(() => new AwsThrottle(Date.now, { scale: 0 })).toThrow(/scale/);
  });

  it('throttle each family on its own, with the reads of Parameter Store sharing one bucket', () => {
    const clock = manualClock();
    const faults = new Faults(clock.now);
    faults.throttleLikeAws();
    expect(admitted(faults, 'ssm:PutParameter', 5)).toBe(3);
    expect(admitted(faults, 'ssm:GetParameter', 30) + admitted(faults, 'ssm:GetParametersByPath', 30)).toBe(40);
    // Not part of any documented quota: never throttled by the preset.
    expect(admitted(faults, 'ssm:DeleteParameter', 100)).toBe(100);
    expect(admitted(faults, 'autoscaling:DescribeAutoScalingGroups', 60) + admitted(faults, 'autoscaling:CompleteLifecycleAction', 60)).toBe(100);
    clock.advance(334);
    expect(admitted(faults, 'ssm:PutParameter', 5)).toBe(1);
    expect(admitted(faults, 'ssm:GetParameter', 50)).toBe(13);
    faults.clear();
    expect(admitted(faults, 'ssm:PutParameter', 5)).toBe(5);
  });

  it('give each EC2 API its own bucket, a smaller one to unfiltered unpaginated Describe calls', () => {
    const faults = new Faults(manualClock().now);
    faults.throttleLikeAws();
    expect(admitted(faults, 'ec2:DescribeInstances', 80, { unfilteredUnpaginated: true })).toBe(50);
    expect(admitted(faults, 'ec2:DescribeInstances', 120, { unfilteredUnpaginated: false })).toBe(100);
    expect(admitted(faults, 'ec2:DescribeInstanceStatus', 60, { unfilteredUnpaginated: true })).toBe(50);
    expect(admitted(faults, 'ec2:DescribeTags', 120)).toBe(100);
    expect(admitted(faults, 'ec2:CreateTags', 120)).toBe(100);
    expect(admitted(faults, 'ec2:ModifyInstanceAttribute', 60)).toBe(50);
  });

  it('limit S3 per bucket and prefix, reads apart from writes', () => {
    const faults = new Faults(manualClock().now);
    faults.throttleLikeAws({ scale: 0.001 });
    const s3 = (prefix: string, access: 'read' | 'write', bucket = 'b') => ({ s3: { bucket, prefix, access } });
    expect(admitted(faults, 's3:PutObject', 6, s3('nodes/', 'write'))).toBe(3);
    expect(admitted(faults, 's3:DeleteObject', 6, s3('nodes/', 'write'))).toBe(0);
    expect(admitted(faults, 's3:PutObject', 6, s3('backups/', 'write'))).toBe(3);
    expect(admitted(faults, 's3:PutObject', 6, s3('nodes/', 'write', 'other'))).toBe(3);
    expect(admitted(faults, 's3:GetObject', 6, s3('nodes/', 'read')) + admitted(faults, 's3:ListObjectsV2', 6, s3('nodes/', 'read'))).toBe(5);
  });

  it('count the KMS calls S3 makes on the caller’s behalf against the shared KMS quota', () => {
    const faults = new Faults(manualClock().now);
    faults.throttleLikeAws({ limits: { 'kms-crypto': { capacity: 3, refillPerSec: 1 } } });
    expect(faults.allowOnBehalf('kms:GenerateDataKey')).toBe(true);
    expect(faults.allowOnBehalf('kms:Decrypt')).toBe(true);
    expect(admitted(faults, 'kms:Encrypt', 3)).toBe(1);
    expect(faults.allowOnBehalf('kms:Decrypt')).toBe(false);
  });
});

describe('AWS-like throttling through the SDK', () => {
  let f: Fixture;
  let s3: S3Client;
  beforeEach(async () => {
    f = await startFixture();
    f.cloud.createKey({ alias: 'alias/k' });
    f.cloud.createBucket('lab-bucket');
    s3 = new S3Client({ region: 'eu-west-1', endpoint: f.server.awsUrl, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 's' }, maxAttempts: 1 });
  });
  afterEach(async () => {
    s3.destroy();
    await f.close();
  });

  it('answers a burst beyond a bucket with each service’s throttling error, and counts it', async () => {
    // At 1/100 of AWS's rates every bucket here holds a single token and refills in seconds or more.
    // (KMS's and S3's real quotas are too large for that: they get smaller figures first.)
    f.cloud.throttleLikeAws({ scale: 0.01, limits: { 'kms-crypto': { capacity: 100, refillPerSec: 1 }, 's3-write': { capacity: 100, refillPerSec: 10 } } });
    const twice = async (call: () => Promise<unknown>) => {
      await call();
      return call();
    };
    await expect(twice(() => f.ssm.send(new PutParameterCommand({ Name: '/p', Value: 'v', Type: 'String', Overwrite: true })))).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(f.ssm.send(new GetParameterCommand({ Name: '/p' }))).resolves.toMatchObject({ Parameter: { Value: 'v' } });
    await expect(twice(() => f.asg.send(new DescribeAutoScalingGroupsCommand({})))).rejects.toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    await expect(twice(() => f.ec2.send(new DescribeInstancesCommand({})))).rejects.toMatchObject({ name: 'RequestLimitExceeded', $metadata: { httpStatusCode: 503 } });
    // A filtered DescribeInstances draws from the larger bucket, still full.
    await expect(f.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] }))).resolves.toBeDefined();
    await expect(twice(() => f.kms.send(new EncryptCommand({ KeyId: 'alias/k', Plaintext: Buffer.from('x') })))).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: expect.stringContaining('rate at which you may call KMS'),
    });
    const putTo = (Key: string, sse?: 'aws:kms') => s3.send(new PutObjectCommand({ Bucket: 'lab-bucket', Key, Body: 'x', ServerSideEncryption: sse, SSEKMSKeyId: sse && 'alias/k' }));
    await expect(twice(() => putTo('nodes/a'))).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    // Another prefix is another partition; but its SSE-KMS upload needs a KMS call, and KMS's quota is spent.
    await expect(putTo('backups/a')).resolves.toBeDefined();
    await expect(putTo('other/a', 'aws:kms')).rejects.toMatchObject({ name: 'KMS.ThrottlingException', $metadata: { httpStatusCode: 400 } });

    expect(f.cloud.calls()).toMatchObject({
      throttled: 6,
      throttledByApi: {
        'ssm:PutParameter': 1,
        'autoscaling:DescribeAutoScalingGroups': 1,
        'ec2:DescribeInstances': 1,
        'kms:Encrypt': 1,
        's3:PutObject': 2,
      },
    });
  });
});
