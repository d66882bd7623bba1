import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './fixture.js';

const BUCKET = 'swarmnode-lab-backups';
const VERSIONED = 'swarmnode-lab-versioned';

describe('fake S3 over restXml', () => {
  let f: Fixture;
  let s3: S3Client;
  let key: { keyId: string; arn: string };
  const clients: S3Client[] = [];
  const clientAs = (accessKeyId: string): S3Client => {
    const client = new S3Client({ region: 'eu-west-1', endpoint: f.server.awsUrl, credentials: { accessKeyId, secretAccessKey: 'lab-secret' }, maxAttempts: 1 });
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    f = await startFixture();
    key = f.cloud.createKey({ alias: 'alias/lab-backup' });
    f.cloud.createBucket(BUCKET);
    f.cloud.createBucket(VERSIONED, { versioning: true });
    // No forcePathStyle: the SDK addresses an IP endpoint path-style by itself.
    s3 = clientAs('AKIDTEST');
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await f.close();
  });

  const put = (Key: string, Body: string | Buffer | Readable, extra: Partial<ConstructorParameters<typeof PutObjectCommand>[0]> = {}, Bucket = BUCKET) =>
    s3.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));
  const text = async (Key: string, extra: { VersionId?: string } = {}, Bucket = BUCKET): Promise<string> => {
    const out = await s3.send(new GetObjectCommand({ Bucket, Key, ...extra }));
    return (await out.Body?.transformToString()) ?? '';
  };

  it('round-trips an SSE-KMS object, stored encrypted under the object ARN as encryption context', async () => {
    const putOut = await put('raft/snapshot-1', 'SWMTKN-1-secret-state', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/lab-backup' });
    expect(putOut).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn });
    expect(putOut.VersionId).toBeUndefined();

    const [stored] = f.cloud.bucketObjects(BUCKET);
    expect(stored?.stored.toString('latin1')).not.toContain('SWMTKN');
    // The data key is sealed by the fake KMS with S3's encryption context; any other context fails.
    const context = { 'aws:s3:arn': `arn:aws:s3:::${BUCKET}/raft/snapshot-1` };
    expect(stored?.sse).toMatchObject({ algorithm: 'aws:kms', keyArn: key.arn, context });
    expect(f.cloud.kms.decrypt(stored?.sealedDataKey ?? Buffer.alloc(0), context).plaintext).toHaveLength(32);
    const otherContext = (): unknown => {
      try {
        return f.cloud.kms.decrypt(stored?.sealedDataKey ?? Buffer.alloc(0), { 'aws:s3:arn': `arn:aws:s3:::${BUCKET}/other` });
      } catch (err) {
        return err;
      }
    };
    expect(otherContext()).toMatchObject({ code: 'InvalidCiphertextException' });

    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'raft/snapshot-1' }));
    expect(await got.Body?.transformToString()).toBe('SWMTKN-1-secret-state');
    expect(got).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn, ContentLength: 21, ETag: putOut.ETag });
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'raft/snapshot-1' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn, ContentLength: 21, ETag: putOut.ETag });

    // A key id and a key ARN name the same key.
    for (const ref of [key.keyId, key.arn]) {
      await put('raft/by-ref', 'x', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: ref });
      expect(f.cloud.bucketObjects(BUCKET, 'raft/by-ref')[0]?.sse).toMatchObject({ keyArn: key.arn });
    }
  });

  it('keeps binary bodies intact, streamed (aws-chunked with a trailing checksum) or buffered, with user metadata', async () => {
    const data = randomBytes(300_000);
    const halves = [data.subarray(0, 150_000), data.subarray(150_000)];
    const streamed = await put('blob/streamed', Readable.from(halves), { ContentLength: data.length, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/lab-backup' });
    const buffered = await put('blob/buffered', data, { ContentType: 'application/x-tar', Metadata: { 'swarm-id': 'abc' } });
    // The SDK sends a CRC32 with every upload; S3 returns it on GET when asked (ChecksumMode), and the SDK checks it.
    expect(streamed.ChecksumCRC32).toBe(buffered.ChecksumCRC32);
    for (const key of ['blob/streamed', 'blob/buffered']) {
      const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
      // (equals, not toEqual: a deep comparison of 300 kB takes seconds)
      expect(Buffer.from((await out.Body?.transformToByteArray()) ?? []).equals(data)).toBe(true);
      expect(out.ChecksumCRC32).toBe(buffered.ChecksumCRC32);
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'blob/buffered' }));
    expect(head).toMatchObject({ ContentType: 'application/x-tar', Metadata: { 'swarm-id': 'abc' }, ContentLength: data.length, ServerSideEncryption: 'AES256' });
    // A plain object's ETag is the MD5 of its bytes; an SSE-KMS object's is not.
    const md5 = `"${createHash('md5').update(data).digest('hex')}"`;
    expect(buffered.ETag).toBe(md5);
    expect(streamed.ETag).not.toBe(md5);
  });

  it('applies the bucket default encryption when the request has no SSE header', async () => {
    f.cloud.createBucket('swarmnode-lab-kms-default', { kmsKeyId: 'alias/lab-backup' });
    const byDefault = await put('a', 'x', {}, 'swarmnode-lab-kms-default');
    expect(byDefault).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn });
    expect(f.cloud.readObject('swarmnode-lab-kms-default', 'a').toString()).toBe('x');
    // An explicit header wins over the default.
    const sseS3 = await put('b', 'x', { ServerSideEncryption: 'AES256' }, 'swarmnode-lab-kms-default');
    expect(sseS3.ServerSideEncryption).toBe('AES256');
    expect(sseS3.SSEKMSKeyId).toBeUndefined();
    // Every bucket encrypts with SSE-S3 at least (since January 2023).
    expect((await put('c', 'x')).ServerSideEncryption).toBe('AES256');
    // aws:kms without a key id uses the AWS managed key aws/s3.
    const managed = await put('d', 'x', { ServerSideEncryption: 'aws:kms' });
    expect(managed.SSEKMSKeyId).toBe(f.cloud.kms.resolve('alias/aws/s3').arn);
  });

  it('lists with Prefix, MaxKeys, continuation tokens and a delimiter', async () => {
    const keys = ['nodes/i-1', 'nodes/i-2', 'nodes/i-3', 'nodes/i-4', 'nodes/i-5', 'nodes/sub/i-6', 'nodes/sub/i-7', 'other/x'];
    for (const [i, k] of keys.entries()) await put(k, 'x'.repeat(i + 1));

    const first = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'nodes/', MaxKeys: 3 }));
    expect(first).toMatchObject({ KeyCount: 3, MaxKeys: 3, IsTruncated: true, Prefix: 'nodes/' });
    expect(first.NextContinuationToken).toEqual(expect.any(String));
    const entry = first.Contents?.[1];
    expect(entry).toMatchObject({ Key: 'nodes/i-2', Size: 2, StorageClass: 'STANDARD' });
    expect(entry?.LastModified).toBeInstanceOf(Date);
    expect(entry?.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 3 }, { Bucket: BUCKET, Prefix: 'nodes/' })) {
      expect(page.KeyCount).toBe(page.Contents?.length ?? 0);
      pages.push((page.Contents ?? []).map((c) => c.Key ?? ''));
    }
    expect(pages).toEqual([keys.slice(0, 3), keys.slice(3, 6), keys.slice(6, 7)]);

    const tree = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'nodes/', Delimiter: '/' }));
    expect(tree.Contents?.map((c) => c.Key)).toEqual(keys.slice(0, 5));
    expect(tree.CommonPrefixes).toEqual([{ Prefix: 'nodes/sub/' }]);
    expect(tree).toMatchObject({ KeyCount: 6, IsTruncated: false });
    expect(tree.NextContinuationToken).toBeUndefined();

    const empty = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'none/' }));
    expect(empty).toMatchObject({ KeyCount: 0, IsTruncated: false });
    expect(empty.Contents).toBeUndefined();
    await expect(s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'not-a-token' }))).rejects.toMatchObject({
      name: 'InvalidArgument',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('adds a delete marker in a versioned bucket: gone from Get and List, history kept', async () => {
    const v1 = await put('state.json', '{"v":1}', {}, VERSIONED);
    const v2 = await put('state.json', '{"v":2}', {}, VERSIONED);
    expect(v1.VersionId).toEqual(expect.any(String));
    expect(v2.VersionId).not.toBe(v1.VersionId);

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: 'state.json' }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toEqual(expect.any(String));
    await expect(text('state.json', {}, VERSIONED)).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadObjectCommand({ Bucket: VERSIONED, Key: 'state.json' }))).rejects.toBeInstanceOf(NotFound);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: VERSIONED }))).KeyCount).toBe(0);

    const history = f.cloud.objectVersions(VERSIONED, 'state.json');
    expect(history.map((v) => [v.versionId, v.deleteMarker])).toEqual([
      [deleted.VersionId, true],
      [v2.VersionId, false],
      [v1.VersionId, false],
    ]);
    expect(await text('state.json', { VersionId: v1.VersionId }, VERSIONED)).toBe('{"v":1}');
    // A delete marker's own version id cannot be read.
    await expect(text('state.json', { VersionId: deleted.VersionId }, VERSIONED)).rejects.toMatchObject({
      name: 'MethodNotAllowed',
      $metadata: { httpStatusCode: 405 },
    });
    await expect(text('state.json', { VersionId: 'no-such-version' }, VERSIONED)).rejects.toMatchObject({ name: 'NoSuchVersion', $metadata: { httpStatusCode: 404 } });

    // Deleting the marker itself brings the previous version back.
    await s3.send(new DeleteObjectCommand({ Bucket: VERSIONED, Key: 'state.json', VersionId: deleted.VersionId }));
    expect(await text('state.json', {}, VERSIONED)).toBe('{"v":2}');

    // An unversioned bucket has no versions: DELETE removes the object, and reports no marker.
    await put('plain', 'x');
    const plain = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'plain' }));
    expect(plain.DeleteMarker).toBeUndefined();
    expect(f.cloud.objectVersions(BUCKET, 'plain')).toEqual([]);
    // Deleting what is not there succeeds (204), as on S3.
    await expect(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'never-was' }))).resolves.toMatchObject({ $metadata: { httpStatusCode: 204 } });
  });

  it('answers missing keys and buckets in S3’s error shapes', async () => {
    await expect(text('missing')).rejects.toBeInstanceOf(NoSuchKey);
    await expect(text('missing')).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 }, Key: 'missing' });
    await expect(text('k', {}, 'no-such-bucket')).rejects.toBeInstanceOf(NoSuchBucket);
    await expect(text('k', {}, 'no-such-bucket')).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 }, BucketName: 'no-such-bucket' });
    await expect(put('k', 'x', {}, 'no-such-bucket')).rejects.toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NoSuchBucket' });
    // HEAD answers have no body: the SDK can only name them by status.
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toMatchObject({ BucketRegion: 'eu-west-1' });
  });

  it('refuses bad SSE headers with InvalidArgument and an unknown KMS key with KMS.NotFoundException', async () => {
    await expect(put('k', 'x', { ServerSideEncryption: 'aes257' as 'AES256' })).rejects.toMatchObject({
      name: 'InvalidArgument',
      $metadata: { httpStatusCode: 400 },
      ArgumentName: 'x-amz-server-side-encryption',
      ArgumentValue: 'aes257',
    });
    await expect(put('k', 'x', { SSEKMSKeyId: 'alias/lab-backup' })).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
    await expect(put('k', 'x', { ServerSideEncryption: 'AES256', SSEKMSKeyId: 'alias/lab-backup' })).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(put('k', 'x', { ServerSideEncryption: 'aws:kms', SSEKMSEncryptionContext: 'not base64 json' })).rejects.toMatchObject({ name: 'InvalidArgument' });
    for (const unknown of ['alias/nope', '00000000-0000-0000-0000-000000000000', 'arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000']) {
      await expect(put('k', 'x', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: unknown })).rejects.toMatchObject({
        name: 'KMS.NotFoundException',
        $metadata: { httpStatusCode: 400 },
      });
    }
    // A key of another Region is refused without asking KMS.
    await expect(put('k', 'x', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.arn.replace('eu-west-1', 'us-east-1') })).rejects.toMatchObject({
      name: 'KMS.NotFoundException',
      message: 'Invalid arn us-east-1',
    });
    // A bucket whose default key is gone fails the same way on upload.
    f.cloud.createBucket('swarmnode-lab-lost-key', { kmsKeyId: 'alias/deleted' });
    await expect(put('k', 'x', {}, 'swarmnode-lab-lost-key')).rejects.toMatchObject({ name: 'KMS.NotFoundException' });
    expect(f.cloud.bucketObjects(BUCKET)).toEqual([]);
  });

  it('checks the body against its checksum and honours conditional writes', async () => {
    await expect(put('k', 'hello', { ChecksumCRC32: 'AAAAAA==' })).rejects.toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
    await put('lock', 'i-1', { IfNoneMatch: '*' });
    await expect(put('lock', 'i-2', { IfNoneMatch: '*' })).rejects.toMatchObject({ name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } });
    expect(await text('lock')).toBe('i-1');
    const { ETag } = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'lock' }));
    await expect(put('lock', 'i-3', { IfMatch: '"0000"' })).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await put('lock', 'i-3', { IfMatch: ETag });
    expect(await text('lock')).toBe('i-3');
  });

  it('applies injected faults in S3’s codes: AccessDenied, SlowDown, InternalError', async () => {
    await put('k', 'x');
    f.cloud.faults.deny({ api: 's3:GetObject' });
    await expect(text('k')).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: expect.stringMatching(/not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::swarmnode-lab-backups\/k"/),
    });
    f.cloud.faults.clear();
    f.cloud.faults.throttle({ api: 's3:PutObject', ratePerSec: 0.001, burst: 1 });
    await put('k', 'y');
    await expect(put('k', 'z')).rejects.toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    f.cloud.faults.serverError({ api: 's3:ListObjectsV2', count: 1 });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 } });
    await expect(s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).resolves.toMatchObject({ KeyCount: 1 });
    expect(await text('k')).toBe('y');
  });

  it('attributes calls to the instance whose credentials sign them, and needs its KMS permissions for SSE-KMS', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1 });
    const asInstance = clientAs(f.cloud.instanceCredentials(id).accessKeyId);
    await put('kms', 'secret', { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/lab-backup' });
    f.cloud.resetCalls();

    // S3 decrypts on the caller's behalf: without kms:Decrypt the GET is denied, HEAD still works.
    f.cloud.faults.deny({ api: 'kms:Decrypt', instanceId: id });
    await expect(asInstance.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kms' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining(`kms:Decrypt on resource: ${key.arn}`),
    });
    await expect(asInstance.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'kms' }))).resolves.toMatchObject({ ServerSideEncryption: 'aws:kms' });
    expect(await text('kms')).toBe('secret');
    f.cloud.faults.deny({ api: 'kms:GenerateDataKey', instanceId: id });
    await expect(asInstance.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kms2', Body: 'x', ServerSideEncryption: 'aws:kms' }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await asInstance.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'plain', Body: 'x' }));
    await expect(asInstance.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'missing' }))).rejects.toBeInstanceOf(NoSuchKey);

    expect(f.cloud.calls()).toMatchObject({
      total: 6,
      byApi: { 's3:GetObject': 3, 's3:HeadObject': 1, 's3:PutObject': 2 },
      byCaller: { [id]: { 's3:GetObject': 2, 's3:HeadObject': 1, 's3:PutObject': 2 }, AKIDTEST: { 's3:GetObject': 1 } },
    });
  });

  it('serves virtual-hosted addressing, for clients given a host name as endpoint', async () => {
    await put('vh/key', 'hosted');
    const port = new URL(f.server.awsUrl).port;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/vh/key', headers: { host: `${BUCKET}.s3.lab.internal:${port}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 200, body: 'hosted' });
  });
});
