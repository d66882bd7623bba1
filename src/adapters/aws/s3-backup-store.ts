import type { S3Client } from '@aws-sdk/client-s3';
import { BackupNotFoundError } from '../../errors/backup-not-found-error.js';
import type { BackupStore, StoredObject } from '../../ports/backup-store.js';
import { awsCall, awsErrorName } from './aws-call.js';
import { CLUSTER_TAG, ROLE_TAG } from './aws-fleet.js';
import type * as AwsSdk from './aws-sdk.js';
import type { LazyClient } from './lazy-client.js';

export type LazyS3 = LazyClient<typeof AwsSdk, S3Client>;

export interface S3BackupStoreOptions {
  bucket: string;
  /** KMS key (id, ARN or alias) S3 encrypts every object with. */
  kmsKey: string;
  cluster: string;
}

/**
 * The backup history in S3. Every object is SSE-KMS under the configured key, with the
 * EncryptionContext {"swarmnode:cluster": C, "swarmnode:role": "manager"} added to the one S3 sets
 * (the object's ARN): the managers' KMS permission, bound to that context, covers backups and
 * nothing a worker may open. Writes are conditional (If-None-Match: *), so nothing is overwritten.
 */
export class S3BackupStore implements BackupStore {
  readonly location: string;
  readonly #context: string;

  constructor(
    private readonly s3: LazyS3,
    private readonly options: S3BackupStoreOptions,
  ) {
    this.location = `s3://${options.bucket}`;
    this.#context = Buffer.from(JSON.stringify({ [CLUSTER_TAG]: options.cluster, [ROLE_TAG]: 'manager' })).toString('base64');
  }

  async put(key: string, body: string): Promise<boolean> {
    const s3 = await this.s3();
    const { bucket, kmsKey } = this.options;
    try {
      await awsCall({ action: 's3:PutObject', bucket, keyId: kmsKey }, (abortSignal) =>
        s3.client.send(
          new s3.sdk.PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: 'application/json',
            ServerSideEncryption: 'aws:kms',
            SSEKMSKeyId: kmsKey,
            SSEKMSEncryptionContext: this.#context,
            IfNoneMatch: '*',
          }),
          { abortSignal },
        ),
      );
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'PreconditionFailed') return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const s3 = await this.s3();
    const { bucket } = this.options;
    const objects: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await awsCall({ action: 's3:ListBucket', bucket }, (abortSignal) =>
        s3.client.send(new s3.sdk.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) objects.push({ key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return objects;
  }

  async get(key: string): Promise<string> {
    const s3 = await this.s3();
    const { bucket } = this.options;
    try {
      return await awsCall({ action: 's3:GetObject', bucket }, async (abortSignal) => {
        const found = await s3.client.send(new s3.sdk.GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal });
        return (await found.Body?.transformToString('utf8')) ?? '';
      });
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchKey') throw new BackupNotFoundError(this.location, key, { cause: error });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const s3 = await this.s3();
    const { bucket } = this.options;
    await awsCall({ action: 's3:DeleteObject', bucket }, (abortSignal) => s3.client.send(new s3.sdk.DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal }));
  }
}
