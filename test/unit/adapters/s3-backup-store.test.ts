import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lazyClient } from '../../../src/adapters/aws/lazy-client.js';
import { S3BackupStore } from '../../../src/adapters/aws/s3-backup-store.js';
import { AccessDeniedError } from '../../../src/errors/access-denied-error.js';
import { BackupBucketMissingError } from '../../../src/errors/backup-bucket-missing-error.js';
import { BackupNotFoundError } from '../../../src/errors/backup-not-found-error.js';
import { KmsKeyUnusableError } from '../../../src/errors/kms-key-unusable-error.js';
import { startFixture, type Fixture } from '../../lab/fake-aws/fixture.js';

const BUCKET = 'lab-backups';

/** The adapter through the real @aws-sdk/client-s3 against the lab's S3 (SSE-KMS with the lab's KMS). */
describe('S3BackupStore', () => {
  let f: Fixture;
  let s3: S3Client;
  let key: { keyId: string; arn: string };
  const store = (over: Partial<ConstructorParameters<typeof S3BackupStore>[1]> = {}): S3BackupStore =>
    new S3BackupStore(lazyClient(async () => import('../../../src/adapters/aws/aws-sdk.js'), () => s3), { bucket: BUCKET, kmsKey: 'alias/lab-manager', cluster: 'lab', ...over });

  beforeEach(async () => {
    f = await startFixture();
    key = f.cloud.createKey({ alias: 'alias/lab-manager' });
    f.cloud.createBucket(BUCKET, { versioning: true });
    s3 = new S3Client({ region: 'eu-west-1', endpoint: f.server.awsUrl, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'lab-secret' }, maxAttempts: 1 });
  });
  afterEach(async () => {
    s3.destroy();
    await f.close();
  });

  it('writes SSE-KMS under the configured key, bound to the cluster and the manager role, encrypted at rest', async () => {
    expect(await store().put('swarmnode/lab/1/a.json', '{"config":"bGlzdGVuIDgwODA="}')).toBe(true);
    const [version] = f.cloud.objectVersions(BUCKET, 'swarmnode/lab/1/a.json');
    expect(version?.sse).toMatchObject({ algorithm: 'aws:kms', keyArn: key.arn, context: { 'aws:s3:arn': `arn:aws:s3:::${BUCKET}/swarmnode/lab/1/a.json`, 'swarmnode:cluster': 'lab', 'swarmnode:role': 'manager' } });
    expect(version?.stored.toString('latin1')).not.toContain('bGlzdGVuIDgwODA=');
    expect(await store().get('swarmnode/lab/1/a.json')).toBe('{"config":"bGlzdGVuIDgwODA="}');
  });

  it('never overwrites: a second write of the same key is refused and the first stays', async () => {
    await store().put('k.json', 'first');
    expect(await store().put('k.json', 'second')).toBe(false);
    expect(f.cloud.objectVersions(BUCKET, 'k.json')).toHaveLength(1);
    expect(await store().get('k.json')).toBe('first');
  });

  it('lists every object under the prefix, over several pages', async () => {
    for (let i = 0; i < 1_003; i++) {
      f.cloud.s3.put({ bucket: BUCKET, key: `swarmnode/lab/1/${String(i).padStart(4, '0')}.json`, body: Buffer.from('x'), contentType: undefined, metadata: {}, checksum: undefined, sse: undefined, ifNoneMatch: undefined, ifMatch: undefined, kmsGate: () => undefined });
    }
    f.cloud.s3.put({ bucket: BUCKET, key: 'other/x.json', body: Buffer.from('x'), contentType: undefined, metadata: {}, checksum: undefined, sse: undefined, ifNoneMatch: undefined, ifMatch: undefined, kmsGate: () => undefined });
    const listed = await store().list('swarmnode/lab/');
    expect(listed).toHaveLength(1_003);
    expect(listed[0]).toMatchObject({ key: 'swarmnode/lab/1/0000.json', size: 1 });
  });

  it('deletes (a delete marker in a versioned bucket: the data stays recoverable)', async () => {
    await store().put('k.json', 'data');
    await store().delete('k.json');
    expect(await store().list('')).toEqual([]);
    expect(f.cloud.objectVersions(BUCKET, 'k.json').map((v) => v.deleteMarker)).toEqual([true, false]);
  });

  it('turns S3\'s refusals into errors that say what to fix', async () => {
    await expect(store().get('missing.json')).rejects.toThrow(BackupNotFoundError);
    await expect(store({ bucket: 'no-such-bucket' }).put('k.json', 'x')).rejects.toThrow(BackupBucketMissingError);
    await expect(store({ kmsKey: 'alias/gone' }).put('k.json', 'x')).rejects.toMatchObject({ constructor: KmsKeyUnusableError, action: expect.stringContaining('SWARMNODE_BACKUP_KMS_KEY') });
    f.cloud.faults.deny({ api: 'kms:GenerateDataKey' });
    await expect(store().put('k.json', 'x')).rejects.toMatchObject({ constructor: AccessDeniedError, awsAction: 'kms:GenerateDataKey' });
    f.cloud.faults.clear();
    f.cloud.faults.deny({ api: 's3:ListObjectsV2' });
    await expect(store().list('')).rejects.toMatchObject({ constructor: AccessDeniedError, awsAction: 's3:ListBucket' });
  });
});
