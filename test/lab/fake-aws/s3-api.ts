import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AwsError } from './aws-error.js';
import type { CallShape } from './aws-throttle.js';
import type { FakeCloud } from './fake-cloud.js';
import type { FaultDecision } from './faults.js';
import type { KmsGate, RequestedSse, S3Version, StoredSse } from './s3.js';
import { decodePayload, header, LAB_MAX_RAW_BODY_BYTES, readRawBody, verifiedChecksum } from './s3-body.js';
import { S3Error, s3Errors } from './s3-error.js';
import { escapeXml } from './xml.js';

/**
 * S3 (restXml, general purpose buckets) on the same endpoint as the other services.
 *
 * Addressing: SDK v3 puts the bucket in the path ("path-style") when the custom endpoint is an IP
 * address, as the lab's is (http://<ip>:<port>), without `forcePathStyle`; with a host name it puts
 * the bucket in the host ("virtual-hosted", `<bucket>.<host>`). Both are served: a Host naming
 * `<existing bucket>.` first is virtual-hosted, anything else path-style.
 *
 * Operations: PutObject, GetObject, HeadObject, DeleteObject, ListObjectsV2, HeadBucket. The rest
 * (multipart, copy, ACLs, tagging, bucket configuration, ListObjectVersions) answer 501 NotImplemented.
 */
type Operation = 'PutObject' | 'GetObject' | 'HeadObject' | 'DeleteObject' | 'ListObjectsV2' | 'HeadBucket' | 'Unsupported';

interface S3Request {
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

interface S3Response {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Caller {
  cloud: FakeCloud;
  api: string;
  caller: string;
  instanceId: string | undefined;
  callerArn: string;
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const SSE_ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);
/** Sub-resources of operations the lab does not serve. */
const UNSUPPORTED_SUBRESOURCES = [
  'acl', 'attributes', 'cors', 'delete', 'encryption', 'legal-hold', 'lifecycle', 'location', 'logging', 'notification',
  'object-lock', 'partNumber', 'policy', 'replication', 'restore', 'retention', 'select', 'tagging', 'torrent', 'uploadId',
  'uploads', 'versioning', 'versions', 'website',
];
const MAX_LIST_KEYS = 1000;
const MAX_USER_METADATA_BYTES = 2048;

/** An S3 request: signed for service `s3` (SigV4 credential scope), or unsigned and not an awsQuery/awsJson call. */
export function isS3Request(req: IncomingMessage): boolean {
  const scope = /Credential=[^/,\s]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(header(req.headers, 'authorization') ?? '')?.[1];
  if (scope !== undefined) return scope === 's3';
  return req.headers['x-amz-target'] === undefined && (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/');
}

export async function handleS3(cloud: FakeCloud, req: IncomingMessage, res: ServerResponse, accessKey: string): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const ids = { 'x-amz-request-id': requestId, 'x-amz-id-2': randomBytes(24).toString('base64'), server: 'AmazonS3' };
  const method = req.method ?? 'GET';
  let response: S3Response;
  try {
    response = await serve(cloud, req, accessKey);
  } catch (err) {
    // A body left unread (an error before it was read) is drained so the connection stays usable.
    req.resume();
    response = errorResponse(err, requestId);
  }
  const headers: Record<string, string> = { ...ids, ...response.headers };
  const body = method === 'HEAD' || response.status === 204 ? undefined : (response.body ?? Buffer.alloc(0));
  if (response.status !== 204 && headers['content-length'] === undefined) headers['content-length'] = String(body?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(body);
}

async function serve(cloud: FakeCloud, req: IncomingMessage, accessKey: string): Promise<S3Response> {
  const request = parseRequest(cloud, req);
  const operation = operationOf(request);
  const { caller, instanceId } = cloud.callerOf(accessKey);
  const who: Caller = { cloud, api: `s3:${operation}`, caller, instanceId, callerArn: `arn:aws:sts::${cloud.accountId}:assumed-role/swarmnode-lab/${caller}` };
  cloud.recordCall(who.api, caller);
  const raw = await readRawBody(req, LAB_MAX_RAW_BODY_BYTES);
  const decision = cloud.faults.decide(who.api, instanceId, shapeOf(operation, request));
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  if (decision.fault !== undefined) {
    cloud.recordRejection();
    if (decision.fault.kind === 'throttle') cloud.recordThrottle(who.api);
    throw faultError(decision.fault, operation, request, who.callerArn);
  }
  switch (operation) {
    case 'PutObject':
      return putObject(who, request, raw);
    case 'GetObject':
      return getObject(who, request);
    case 'HeadObject':
      return headObject(who, request);
    case 'DeleteObject':
      return deleteObject(who, request);
    case 'ListObjectsV2':
      return listObjectsV2(who, request);
    case 'HeadBucket': {
      const bucket = cloud.s3.requireBucket(request.bucket ?? '');
      return { status: 200, headers: { 'x-amz-bucket-region': bucket.region, 'x-amz-access-point-alias': 'false' } };
    }
    case 'Unsupported':
      throw s3Errors.notImplemented();
  }
}

function parseRequest(cloud: FakeCloud, req: IncomingMessage): S3Request {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const host = hostnameOf(header(req.headers, 'host') ?? '');
  // Longest existing bucket name the Host starts with, so `a.b.host` finds bucket `a.b` before `a`.
  const virtual =
    host === '' || isIP(host) !== 0
      ? undefined
      : cloud.s3.bucketNames().filter((b) => host.startsWith(`${b}.`)).sort((a, b) => b.length - a.length)[0];
  const method = req.method ?? 'GET';
  if (virtual !== undefined) {
    const key = decode(rawPath.slice(1));
    return { method, bucket: virtual, key: key === '' ? undefined : key, query, headers: req.headers };
  }
  const path = rawPath.slice(1);
  const slash = path.indexOf('/');
  const bucket = decode(slash < 0 ? path : path.slice(0, slash));
  const key = slash < 0 ? '' : decode(path.slice(slash + 1));
  return { method, bucket: bucket === '' ? undefined : bucket, key: key === '' ? undefined : key, query, headers: req.headers };
}

function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  return host.split(':')[0] ?? '';
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400, { URI: text });
  }
}

function operationOf(r: S3Request): Operation {
  if (r.bucket === undefined || UNSUPPORTED_SUBRESOURCES.some((s) => r.query.has(s))) return 'Unsupported';
  if (r.key === undefined) {
    if (r.method === 'GET' && r.query.get('list-type') === '2') return 'ListObjectsV2';
    return r.method === 'HEAD' ? 'HeadBucket' : 'Unsupported';
  }
  switch (r.method) {
    case 'PUT':
      return r.headers['x-amz-copy-source'] === undefined ? 'PutObject' : 'Unsupported';
    case 'GET':
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      return 'DeleteObject';
    default:
      return 'Unsupported';
  }
}

/**
 * S3's request rates hold per partitioned prefix. The lab takes a key's prefix to be everything up
 * to its last '/' (a listing's, that of its Prefix): AWS partitions by prefix automatically and
 * gradually, which the lab does not model.
 */
function shapeOf(operation: Operation, r: S3Request): CallShape {
  if (r.bucket === undefined || operation === 'Unsupported') return {};
  const path = operation === 'ListObjectsV2' ? (r.query.get('prefix') ?? '') : (r.key ?? '');
  const prefix = path.slice(0, path.lastIndexOf('/') + 1);
  const access = operation === 'GetObject' || operation === 'HeadObject' || operation === 'ListObjectsV2' || operation === 'HeadBucket' ? 'read' : 'write';
  return { s3: { bucket: r.bucket, prefix, access } };
}

function putObject(who: Caller, r: S3Request, raw: Buffer): S3Response {
  const bucket = who.cloud.s3.requireBucket(r.bucket ?? '');
  const sse = requestedSse(r.headers);
  const metadata = userMetadata(r.headers);
  const { body, trailers } = decodePayload(r.headers, raw);
  const checksum = verifiedChecksum(r.headers, trailers, body);
  const version = who.cloud.s3.put({
    bucket: bucket.name,
    key: r.key ?? '',
    body,
    contentType: header(r.headers, 'content-type'),
    metadata,
    checksum,
    sse,
    ifNoneMatch: header(r.headers, 'if-none-match'),
    ifMatch: header(r.headers, 'if-match'),
    kmsGate: kmsGate(who, r),
  });
  return {
    status: 200,
    headers: { etag: version.etag, ...versionHeader(version), ...sseHeaders(version.sse), ...checksumHeaders(version, true) },
  };
}

function getObject(who: Caller, r: S3Request): S3Response {
  const version = who.cloud.s3.find(r.bucket ?? '', r.key ?? '', r.query.get('versionId') ?? undefined);
  const body = who.cloud.s3.open(version, kmsGate(who, r));
  return { status: 200, headers: objectHeaders(version, r), body };
}

function headObject(who: Caller, r: S3Request): S3Response {
  // HEAD reads metadata only: S3 does not call KMS for it.
  const version = who.cloud.s3.find(r.bucket ?? '', r.key ?? '', r.query.get('versionId') ?? undefined);
  return { status: 200, headers: objectHeaders(version, r) };
}

function deleteObject(who: Caller, r: S3Request): S3Response {
  const out = who.cloud.s3.delete(r.bucket ?? '', r.key ?? '', r.query.get('versionId') ?? undefined);
  const headers: Record<string, string> = {};
  if (out.deleteMarker) headers['x-amz-delete-marker'] = 'true';
  if (out.versionId !== undefined) headers['x-amz-version-id'] = out.versionId;
  return { status: 204, headers };
}

/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html */
function listObjectsV2(who: Caller, r: S3Request): S3Response {
  const bucket = who.cloud.s3.requireBucket(r.bucket ?? '');
  const q = r.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? undefined;
  const startAfter = q.get('start-after') ?? undefined;
  const token = q.get('continuation-token') ?? undefined;
  const encoding = q.get('encoding-type') ?? undefined;
  if (encoding !== undefined && encoding !== 'url') throw s3Errors.invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encoding);
  const rawMax = q.get('max-keys');
  const requestedMax = rawMax === null ? MAX_LIST_KEYS : Number(rawMax);
  if (!Number.isInteger(requestedMax) || requestedMax < 0 || requestedMax > 2_147_483_647) {
    throw s3Errors.invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', rawMax ?? '');
  }
  // Larger values are accepted and capped: a page never holds more than 1,000 entries.
  const maxKeys = Math.min(requestedMax, MAX_LIST_KEYS);
  const after = token !== undefined ? decodeToken(token) : startAfter !== undefined && startAfter !== '' ? { value: startAfter, isPrefix: false } : undefined;
  const page = who.cloud.s3.list(bucket.name, { prefix, delimiter, maxKeys, after });
  const enc = (text: string): string => escapeXml(encoding === 'url' ? encodeURIComponent(text).replaceAll('%2F', '/') : text);
  const element = (name: string, value: string | number | boolean | undefined): string => (value === undefined ? '' : `<${name}>${typeof value === 'string' ? value : String(value)}</${name}>`);
  const contents = page.contents
    .map(
      (v) =>
        `<Contents>${element('Key', enc(v.key))}${element('LastModified', v.lastModified.toISOString())}${element('ETag', escapeXml(v.etag))}` +
        `${v.checksum === undefined ? '' : `${element('ChecksumAlgorithm', v.checksum.algorithm)}${element('ChecksumType', 'FULL_OBJECT')}`}` +
        `${element('Size', v.size)}${element('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const prefixes = page.commonPrefixes.map((p) => `<CommonPrefixes>${element('Prefix', enc(p))}</CommonPrefixes>`).join('');
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${XMLNS}">` +
    element('Name', escapeXml(bucket.name)) +
    element('Prefix', enc(prefix)) +
    (token === undefined ? '' : element('ContinuationToken', escapeXml(token))) +
    (page.last === undefined ? '' : element('NextContinuationToken', escapeXml(encodeToken(page.last)))) +
    element('KeyCount', page.contents.length + page.commonPrefixes.length) +
    element('MaxKeys', maxKeys) +
    (delimiter === undefined ? '' : element('Delimiter', enc(delimiter))) +
    element('IsTruncated', page.isTruncated) +
    (startAfter === undefined ? '' : element('StartAfter', enc(startAfter))) +
    (encoding === undefined ? '' : element('EncodingType', encoding)) +
    contents +
    prefixes +
    '</ListBucketResult>';
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) };
}

/** Opaque to clients, as S3's; it names where the next page resumes. */
function encodeToken(last: { value: string; isPrefix: boolean }): string {
  return Buffer.from(JSON.stringify(['lab', last.value, last.isPrefix])).toString('base64');
}

function decodeToken(token: string): { value: string; isPrefix: boolean } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString());
    if (Array.isArray(parsed) && parsed[0] === 'lab' && typeof parsed[1] === 'string' && typeof parsed[2] === 'boolean') {
      return { value: parsed[1], isPrefix: parsed[2] };
    }
  } catch {
    // Falls through to S3's error.
  }
  throw s3Errors.invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
}

/**
 * The SSE headers of a PutObject, checked as S3 checks them (400 InvalidArgument).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/specifying-kms-encryption.html
 */
function requestedSse(headers: IncomingMessage['headers']): RequestedSse {
  const algorithm = header(headers, 'x-amz-server-side-encryption');
  const keyId = header(headers, 'x-amz-server-side-encryption-aws-kms-key-id');
  const context = header(headers, 'x-amz-server-side-encryption-context');
  if (header(headers, 'x-amz-server-side-encryption-customer-algorithm') !== undefined) throw s3Errors.notImplemented();
  if (algorithm !== undefined && !SSE_ALGORITHMS.has(algorithm)) {
    throw s3Errors.invalidArgument('The encryption method specified is not supported', 'x-amz-server-side-encryption', algorithm);
  }
  const kms = algorithm === 'aws:kms' || algorithm === 'aws:kms:dsse';
  if (!kms && (keyId !== undefined || context !== undefined)) {
    throw s3Errors.invalidArgument(
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
      'x-amz-server-side-encryption',
      algorithm ?? 'null',
    );
  }
  if (algorithm === undefined) return undefined;
  if (algorithm === 'AES256') return { algorithm };
  return { algorithm: algorithm as 'aws:kms' | 'aws:kms:dsse', keyId: keyId === '' ? undefined : keyId, userContext: context === undefined ? undefined : parseContext(context) };
}

/** x-amz-server-side-encryption-context: base64 of a UTF-8 JSON object of strings. */
function parseContext(encoded: string): { encoded: string; value: Record<string, string> } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw s3Errors.invalidArgument('The header x-amz-server-side-encryption-context must be a base64-encoded UTF-8 JSON string map', 'x-amz-server-side-encryption-context', encoded);
  }
  if (Object.keys(value).some((k) => k.startsWith('aws:'))) {
    throw s3Errors.invalidArgument('Encryption context keys cannot start with the reserved prefix aws:', 'x-amz-server-side-encryption-context', encoded);
  }
  return { encoded, value: value as Record<string, string> };
}

function userMetadata(headers: IncomingMessage['headers']): Record<string, string> {
  const metadata: Record<string, string> = {};
  let size = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-') || value === undefined) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    const short = name.slice('x-amz-meta-'.length);
    size += Buffer.byteLength(short) + Buffer.byteLength(text);
    metadata[short] = text;
  }
  // "the user-defined metadata is limited to 2 KB in size" (UTF-8 key and value bytes).
  if (size > MAX_USER_METADATA_BYTES) {
    throw new S3Error('MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size.', 400, { Size: String(size), MaxSizeAllowed: String(MAX_USER_METADATA_BYTES) });
  }
  return metadata;
}

/**
 * S3 calls KMS on the caller's behalf: GenerateDataKey to write, Decrypt to read an SSE-KMS
 * object. The caller needs those KMS permissions (403 AccessDenied otherwise), and the calls count
 * against the caller's KMS quota: S3 then relays KMS's throttling.
 */
function kmsGate(who: Caller, r: S3Request): KmsGate {
  return (operation, keyArn) => {
    if (who.cloud.faults.isDenied(operation, who.instanceId)) {
      throw new S3Error(
        'AccessDenied',
        `User: ${who.callerArn} is not authorized to perform: ${operation} on resource: ${keyArn} because no identity-based policy allows the ${operation} action`,
        403,
      );
    }
    if (!who.cloud.faults.allowOnBehalf(operation)) {
      who.cloud.recordRejection();
      who.cloud.recordThrottle(who.api);
      throw new S3Error('KMS.ThrottlingException', 'You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls.', 400, {
        Key: r.key ?? '',
      });
    }
  };
}

function objectHeaders(version: S3Version, r: S3Request): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': version.contentType,
    'content-length': String(version.size),
    etag: version.etag,
    'last-modified': version.lastModified.toUTCString(),
    'accept-ranges': 'bytes',
    ...versionHeader(version),
    ...sseHeaders(version.sse),
    ...checksumHeaders(version, header(r.headers, 'x-amz-checksum-mode') === 'ENABLED'),
  };
  for (const [name, value] of Object.entries(version.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

/** A version id is reported once the bucket is versioned; never-versioned buckets report none. */
function versionHeader(version: S3Version): Record<string, string> {
  return version.versionId === 'null' ? {} : { 'x-amz-version-id': version.versionId };
}

function sseHeaders(sse: StoredSse | undefined): Record<string, string> {
  if (sse === undefined) return {};
  if (sse.algorithm === 'AES256') return { 'x-amz-server-side-encryption': 'AES256' };
  return {
    'x-amz-server-side-encryption': sse.algorithm,
    'x-amz-server-side-encryption-aws-kms-key-id': sse.keyArn,
    ...(sse.userContext === undefined ? {} : { 'x-amz-server-side-encryption-context': sse.userContext }),
  };
}

function checksumHeaders(version: S3Version, wanted: boolean): Record<string, string> {
  if (!wanted || version.checksum === undefined) return {};
  return { [`x-amz-checksum-${version.checksum.algorithm.toLowerCase()}`]: version.checksum.value, 'x-amz-checksum-type': 'FULL_OBJECT' };
}

/** The IAM action an operation is authorised as, for AccessDenied messages. */
function iamAction(operation: Operation, r: S3Request): string {
  const versioned = r.query.has('versionId');
  switch (operation) {
    case 'GetObject':
    case 'HeadObject':
      return versioned ? 's3:GetObjectVersion' : 's3:GetObject';
    case 'DeleteObject':
      return versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
    case 'ListObjectsV2':
    case 'HeadBucket':
      return 's3:ListBucket';
    default:
      return `s3:${operation}`;
  }
}

/** An injected fault in S3's own codes: SlowDown for throttling, InternalError for a 500. */
function faultError(fault: NonNullable<FaultDecision['fault']>, operation: Operation, r: S3Request, callerArn: string): S3Error {
  switch (fault.kind) {
    case 'throttle':
      return new S3Error('SlowDown', 'Please reduce your request rate.', 503);
    case 'deny': {
      const action = iamAction(operation, r);
      const resource = `arn:aws:s3:::${r.bucket ?? ''}${r.key === undefined || operation === 'ListObjectsV2' ? '' : `/${r.key}`}`;
      return new S3Error('AccessDenied', `User: ${callerArn} is not authorized to perform: ${action} on resource: "${resource}" because no identity-based policy allows the ${action} action`, 403);
    }
    case 'server':
      return fault.code === 'ServiceUnavailable'
        ? new S3Error('ServiceUnavailable', 'Service is unable to handle request.', 503)
        : new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
  }
}

function errorResponse(err: unknown, requestId: string): S3Response {
  const error =
    err instanceof S3Error
      ? err
      : err instanceof AwsError
        ? new S3Error(err.code, err.message, err.status)
        : new S3Error('InternalError', `The lab failed: ${String(err)}`, 500);
  const fields = Object.entries(error.fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
    `${fields}<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`;
  return { status: error.status, headers: { 'content-type': 'application/xml', ...error.headers }, body: Buffer.from(xml) };
}
