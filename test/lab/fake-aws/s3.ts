import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AwsError } from './aws-error.js';
import type { FakeKms } from './kms.js';
import { S3Error, s3Errors } from './s3-error.js';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';

/** How an object is encrypted at rest, as S3 reports it in the `x-amz-server-side-encryption*` headers. */
export type StoredSse =
  | { algorithm: 'AES256' }
  | { algorithm: 'aws:kms' | 'aws:kms:dsse'; keyArn: string; context: Record<string, string>; userContext: string | undefined };

/** The encryption a PutObject asks for; `undefined` means the bucket default applies. */
export type RequestedSse =
  | { algorithm: 'AES256' }
  | { algorithm: 'aws:kms' | 'aws:kms:dsse'; keyId: string | undefined; userContext: { encoded: string; value: Record<string, string> } | undefined }
  | undefined;

export interface BucketOptions {
  /** Versioning Enabled from the start (the lab never suspends it). */
  versioning?: boolean;
  /** Default encryption SSE-KMS with this key (id, ARN, alias or alias ARN); SSE-S3 otherwise. */
  kmsKeyId?: string;
}

export interface FakeBucket {
  readonly name: string;
  readonly arn: string;
  readonly region: string;
  readonly createdAt: Date;
  readonly versioning: boolean;
  readonly defaultKmsKeyId: string | undefined;
}

export interface S3Version {
  readonly bucket: string;
  readonly key: string;
  /** 'null' in a bucket that has never been versioned, as S3 names it. */
  readonly versionId: string;
  readonly deleteMarker: boolean;
  readonly lastModified: Date;
  /** Quoted, as on the wire. MD5 of the data, except for SSE-KMS objects (AWS: "not an MD5 digest"). */
  readonly etag: string;
  readonly size: number;
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  readonly sse: StoredSse | undefined;
  /** The bytes at rest: for SSE-KMS, iv|tag|AES-256-GCM ciphertext under a data key sealed by the fake KMS. */
  readonly stored: Buffer;
  readonly sealedDataKey: Buffer | undefined;
}

export interface PutObjectRequest {
  bucket: string;
  key: string;
  body: Buffer;
  contentType: string | undefined;
  metadata: Record<string, string>;
  checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  sse: RequestedSse;
  /** Conditional write: `*` fails with 412 when the key exists (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). */
  ifNoneMatch: string | undefined;
  ifMatch: string | undefined;
  /** Called before each call S3 would make to KMS on the caller's behalf; throws to refuse it. */
  kmsGate: KmsGate;
}

export type KmsGate = (operation: 'kms:GenerateDataKey' | 'kms:Decrypt', keyArn: string) => void;

export interface ListRequest {
  prefix: string;
  delimiter: string | undefined;
  maxKeys: number;
  /** Exclusive: listing resumes after this key, or after every key under this common prefix. */
  after: { value: string; isPrefix: boolean } | undefined;
}

export interface ListPage {
  contents: S3Version[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** What the next page resumes after, when truncated. */
  last: { value: string; isPrefix: boolean } | undefined;
}

const AWS_MANAGED_S3_KEY = 'alias/aws/s3';
const MAX_KEY_BYTES = 1024;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * S3 buckets and objects (general purpose buckets). Synchronous on purpose, like ParameterStore:
 * the server is single-threaded, so conditional writes are atomic. Strongly consistent
 * read-after-write and list-after-write, as S3 has been since December 2020.
 */
export class FakeS3 {
  private readonly buckets = new Map<string, FakeBucket>();
  /** Per bucket, per key: every version, oldest first. */
  private readonly objects = new Map<string, Map<string, S3Version[]>>();

  constructor(
    private readonly kms: FakeKms,
    private readonly region: string,
    private readonly accountId: string,
    private readonly now: () => number,
  ) {}

  createBucket(name: string, opts: BucketOptions = {}): FakeBucket {
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    if (!BUCKET_NAME.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
      throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name });
    }
    if (this.buckets.has(name)) {
      throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, { BucketName: name });
    }
    const bucket: FakeBucket = {
      name,
      arn: `arn:aws:s3:::${name}`,
      region: this.region,
      createdAt: new Date(this.now()),
      versioning: opts.versioning ?? false,
      // Not resolved here: S3 resolves the default key on each upload, which fails once the key is gone.
      defaultKmsKeyId: opts.kmsKeyId,
    };
    this.buckets.set(name, bucket);
    this.objects.set(name, new Map());
    return bucket;
  }

  bucketNames(): string[] {
    return [...this.buckets.keys()];
  }

  bucket(name: string): FakeBucket | undefined {
    return this.buckets.get(name);
  }

  requireBucket(name: string): FakeBucket {
    const bucket = this.buckets.get(name);
    if (bucket === undefined) throw s3Errors.noSuchBucket(name);
    return bucket;
  }

  put(req: PutObjectRequest): S3Version {
    const bucket = this.requireBucket(req.bucket);
    validateKey(req.key);
    const current = this.current(req.bucket, req.key);
    const live = current !== undefined && !current.deleteMarker ? current : undefined;
    if (req.ifNoneMatch !== undefined && live !== undefined && (req.ifNoneMatch === '*' || sameEtag(req.ifNoneMatch, live.etag))) {
      throw s3Errors.preconditionFailed('If-None-Match');
    }
    if (req.ifMatch !== undefined) {
      if (live === undefined) throw s3Errors.noSuchKey(req.key);
      if (req.ifMatch !== '*' && !sameEtag(req.ifMatch, live.etag)) throw s3Errors.preconditionFailed('If-Match');
    }
    const sse = this.effectiveSse(bucket, req.sse);
    const common = {
      bucket: bucket.name,
      key: req.key,
      versionId: bucket.versioning ? newVersionId() : 'null',
      deleteMarker: false,
      lastModified: this.stamp(),
      size: req.body.length,
      contentType: req.contentType ?? 'binary/octet-stream',
      metadata: { ...req.metadata },
      checksum: req.checksum,
    };
    let version: S3Version;
    if (sse.algorithm === 'AES256') {
      version = { ...common, etag: quote(md5(req.body)), sse, stored: Buffer.from(req.body), sealedDataKey: undefined };
    } else {
      const key = this.resolveKey(sse.keyId);
      const context = { 'aws:s3:arn': `${bucket.arn}/${req.key}`, ...sse.userContext?.value };
      // GenerateDataKey on the caller's behalf: it needs kms:GenerateDataKey and counts against the KMS quota.
      // https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html#rps-from-service
      req.kmsGate('kms:GenerateDataKey', key.arn);
      const dataKey = randomBytes(32);
      const sealedDataKey = this.kms.encrypt(key.arn, dataKey, context).blob;
      const stored = seal(dataKey, req.body);
      version = {
        ...common,
        etag: quote(md5(stored)),
        sse: { algorithm: sse.algorithm, keyArn: key.arn, context, userContext: sse.userContext?.encoded },
        stored,
        sealedDataKey,
      };
    }
    this.append(version);
    return version;
  }

  /** The version GetObject/HeadObject would answer (throwing the error S3 answers otherwise). */
  find(bucketName: string, key: string, versionId: string | undefined): S3Version {
    this.requireBucket(bucketName);
    const history = this.objects.get(bucketName)?.get(key) ?? [];
    if (versionId !== undefined) {
      const version = history.find((v) => v.versionId === versionId);
      if (version === undefined) throw s3Errors.noSuchVersion(key, versionId);
      if (version.deleteMarker) {
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/DeleteMarker.html: 405 for a marker's own version id.
        throw new S3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, { Method: 'GET', ResourceType: 'DeleteMarker' }, {
          'x-amz-delete-marker': 'true',
          'x-amz-version-id': version.versionId,
        });
      }
      return version;
    }
    const current = history.at(-1);
    if (current === undefined) throw s3Errors.noSuchKey(key);
    if (current.deleteMarker) throw s3Errors.noSuchKey(key, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': current.versionId });
    return current;
  }

  /** The plaintext of a version; SSE-KMS objects are opened through the fake KMS with their context. */
  open(version: S3Version, kmsGate: KmsGate): Buffer {
    const sse = version.sse;
    if (sse === undefined || sse.algorithm === 'AES256' || version.sealedDataKey === undefined) return Buffer.from(version.stored);
    kmsGate('kms:Decrypt', sse.keyArn);
    let dataKey: Buffer;
    try {
      dataKey = this.kms.decrypt(version.sealedDataKey, sse.context).plaintext;
    } catch (err) {
      throw kmsError(err);
    }
    return unseal(dataKey, version.stored);
  }

  /**
   * DeleteObject. Without a version id: removes the object, or in a versioned bucket adds a delete
   * marker (even when the key does not exist). With one: removes that version for good.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html
   */
  delete(bucketName: string, key: string, versionId: string | undefined): { versionId: string | undefined; deleteMarker: boolean } {
    const bucket = this.requireBucket(bucketName);
    const keys = this.objects.get(bucketName) ?? new Map<string, S3Version[]>();
    const history = keys.get(key) ?? [];
    if (versionId !== undefined) {
      const index = history.findIndex((v) => v.versionId === versionId);
      // A version that is not there (any more) is "deleted" all the same: 204.
      if (index < 0) return { versionId, deleteMarker: false };
      const [removed] = history.splice(index, 1);
      if (history.length === 0) keys.delete(key);
      return { versionId, deleteMarker: removed?.deleteMarker ?? false };
    }
    if (!bucket.versioning) {
      keys.delete(key);
      return { versionId: undefined, deleteMarker: false };
    }
    const marker: S3Version = {
      bucket: bucketName,
      key,
      versionId: newVersionId(),
      deleteMarker: true,
      lastModified: this.stamp(),
      etag: '',
      size: 0,
      contentType: '',
      metadata: {},
      checksum: undefined,
      sse: undefined,
      stored: Buffer.alloc(0),
      sealedDataKey: undefined,
    };
    this.append(marker);
    return { versionId: marker.versionId, deleteMarker: true };
  }

  /** ListObjectsV2 order: keys in UTF-8 binary order, delete markers and old versions left out. */
  list(bucketName: string, req: ListRequest): ListPage {
    this.requireBucket(bucketName);
    const keys = [...(this.objects.get(bucketName)?.entries() ?? [])]
      .filter(([key, history]) => key.startsWith(req.prefix) && history.at(-1)?.deleteMarker === false)
      .map(([key]) => key)
      .sort(byUtf8);
    const page: ListPage = { contents: [], commonPrefixes: [], isTruncated: false, last: undefined };
    // max-keys=0 answers an empty, untruncated page.
    if (req.maxKeys === 0) return page;
    for (const key of keys) {
      const after = req.after;
      if (after !== undefined && (byUtf8(key, after.value) <= 0 || (after.isPrefix && key.startsWith(after.value)))) continue;
      const cut = req.delimiter === undefined || req.delimiter === '' ? -1 : key.indexOf(req.delimiter, req.prefix.length);
      const entry = cut < 0 ? { value: key, isPrefix: false } : { value: key.slice(0, cut + (req.delimiter?.length ?? 0)), isPrefix: true };
      if (entry.isPrefix && page.commonPrefixes.at(-1) === entry.value) continue;
      if (page.contents.length + page.commonPrefixes.length >= req.maxKeys) {
        page.isTruncated = true;
        break;
      }
      if (entry.isPrefix) page.commonPrefixes.push(entry.value);
      else page.contents.push(this.current(bucketName, key) as S3Version);
      page.last = entry;
    }
    if (!page.isTruncated) page.last = undefined;
    return page;
  }

  /** For the lab: the live objects of a bucket (current versions that are not delete markers). */
  liveObjects(bucketName: string, prefix = ''): S3Version[] {
    this.requireBucket(bucketName);
    return this.list(bucketName, { prefix, delimiter: undefined, maxKeys: Number.MAX_SAFE_INTEGER, after: undefined }).contents;
  }

  /** For the lab: every version and delete marker, newest first, of one key or of the whole bucket. */
  versions(bucketName: string, key?: string): S3Version[] {
    this.requireBucket(bucketName);
    const keys = this.objects.get(bucketName) ?? new Map<string, S3Version[]>();
    const histories = key === undefined ? [...keys.entries()].sort(([a], [b]) => byUtf8(a, b)).map(([, h]) => h) : [keys.get(key) ?? []];
    return histories.flatMap((h) => [...h].reverse());
  }

  /** S3 keeps Last-Modified to the second (the header cannot say more, and listings agree with it). */
  private stamp(): Date {
    return new Date(Math.floor(this.now() / 1000) * 1000);
  }

  private current(bucketName: string, key: string): S3Version | undefined {
    return this.objects.get(bucketName)?.get(key)?.at(-1);
  }

  private append(version: S3Version): void {
    const keys = this.objects.get(version.bucket);
    if (keys === undefined) throw s3Errors.noSuchBucket(version.bucket);
    const history = keys.get(version.key) ?? [];
    // An unversioned bucket keeps one 'null' version per key: a new one replaces it.
    const kept = version.versionId === 'null' ? history.filter((v) => v.versionId !== 'null') : history;
    kept.push(version);
    keys.set(version.key, kept);
  }

  /**
   * The request's SSE header wins; without one the bucket default applies, and every bucket has
   * SSE-S3 by default since January 2023. `aws:kms` without a key id means the AWS managed key aws/s3.
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html
   */
  private effectiveSse(
    bucket: FakeBucket,
    requested: RequestedSse,
  ): { algorithm: 'AES256' } | { algorithm: 'aws:kms' | 'aws:kms:dsse'; keyId: string; userContext: { encoded: string; value: Record<string, string> } | undefined } {
    if (requested === undefined) {
      return bucket.defaultKmsKeyId === undefined ? { algorithm: 'AES256' } : { algorithm: 'aws:kms', keyId: bucket.defaultKmsKeyId, userContext: undefined };
    }
    if (requested.algorithm === 'AES256') return requested;
    return { algorithm: requested.algorithm, keyId: requested.keyId ?? this.awsManagedKey(), userContext: requested.userContext };
  }

  private awsManagedKey(): string {
    if (!this.kms.hasAlias(AWS_MANAGED_S3_KEY)) this.kms.createKey({ alias: AWS_MANAGED_S3_KEY });
    return AWS_MANAGED_S3_KEY;
  }

  /** S3 reports a KMS key it cannot use as `KMS.<KMS error code>`, 400 (e.g. KMS.NotFoundException). */
  private resolveKey(keyId: string): { arn: string } {
    const arnRegion = /^arn:aws:kms:([^:]*):/.exec(keyId)?.[1];
    // The key must be in the bucket's Region; S3 refuses another Region's ARN without asking KMS.
    if (arnRegion !== undefined && arnRegion !== this.region) throw new S3Error('KMS.NotFoundException', `Invalid arn ${arnRegion}`, 400);
    try {
      return this.kms.resolve(keyId);
    } catch (err) {
      throw kmsError(err);
    }
  }
}

function kmsError(err: unknown): unknown {
  return err instanceof AwsError && !(err instanceof S3Error) ? new S3Error(`KMS.${err.code}`, err.message, 400) : err;
}

function validateKey(key: string): void {
  if (key.length === 0) throw s3Errors.invalidArgument('Object key must not be empty.', 'key', key);
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', 'Your key is too long', 400, { Size: String(Buffer.byteLength(key)), MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
}

function seal(dataKey: Buffer, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function unseal(dataKey: Buffer, stored: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', dataKey, stored.subarray(0, IV_BYTES));
  decipher.setAuthTag(stored.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(stored.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

function newVersionId(): string {
  return randomBytes(24).toString('base64url');
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function quote(etag: string): string {
  return `"${etag}"`;
}

/** If-Match / If-None-Match values may come quoted or bare, and may be weak (W/"…"). */
function sameEtag(condition: string, etag: string): boolean {
  const bare = (e: string): string => e.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
  return condition.split(',').some((c) => bare(c) === bare(etag));
}

export function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
