import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ChecksumAlgorithm } from './s3.js';
import { S3Error } from './s3-error.js';

/**
 * The lab keeps objects in memory, so it caps a PutObject body far below S3's 5 GiB and answers
 * S3's own error for an oversized single PUT beyond it.
 */
export const LAB_MAX_OBJECT_BYTES = 64 * 1024 * 1024;
/** Room for aws-chunked framing (chunk sizes, signatures, trailers) around the largest object. */
export const LAB_MAX_RAW_BODY_BYTES = LAB_MAX_OBJECT_BYTES + LAB_MAX_OBJECT_BYTES / 64 + 64 * 1024;

type Headers = IncomingMessage['headers'];

/** The raw request body; beyond `cap` the rest is drained (so the connection stays usable) and refused. */
export async function readRawBody(req: IncomingMessage, cap: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size <= cap) chunks.push(buf);
  }
  if (size > cap) throw entityTooLarge(size);
  return Buffer.concat(chunks);
}

export function entityTooLarge(size: number): S3Error {
  return new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
    ProposedSize: String(size),
    MaxSizeAllowed: String(LAB_MAX_OBJECT_BYTES),
  });
}

/**
 * The object bytes of a PutObject, and its trailing headers. SDK v3 sends a streamed body as
 * `Content-Encoding: aws-chunked` with the checksum in a trailer (x-amz-content-sha256
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER), a buffered one plainly with the checksum in a header.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
 */
export function decodePayload(headers: Headers, raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const encoding = header(headers, 'content-encoding') ?? '';
  const chunked = encoding.split(',').some((e) => e.trim() === 'aws-chunked');
  const { body, trailers } = chunked ? decodeAwsChunked(raw) : { body: raw, trailers: {} };
  const declared = header(headers, 'x-amz-decoded-content-length');
  if (chunked && declared !== undefined && Number(declared) !== body.length) {
    throw new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400);
  }
  if (body.length > LAB_MAX_OBJECT_BYTES) throw entityTooLarge(body.length);
  const contentSha = header(headers, 'x-amz-content-sha256');
  if (contentSha !== undefined && /^[0-9a-f]{64}$/.test(contentSha)) {
    const computed = createHash('sha256').update(raw).digest('hex');
    if (computed !== contentSha) {
      throw new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
        ClientComputedContentSHA256: contentSha,
        S3ComputedContentSHA256: computed,
      });
    }
  }
  return { body, trailers };
}

function decodeAwsChunked(raw: Buffer): { body: Buffer; trailers: Record<string, string> } {
  const parts: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let pos = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', pos);
    if (end < 0) throw incomplete();
    const text = raw.subarray(pos, end).toString('latin1');
    pos = end + 2;
    return text;
  };
  for (;;) {
    // `<hex size>[;chunk-signature=<sig>]`
    const size = Number.parseInt(line().split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) throw incomplete();
    if (size === 0) break;
    if (pos + size + 2 > raw.length) throw incomplete();
    parts.push(raw.subarray(pos, pos + size));
    pos += size;
    if (raw.subarray(pos, pos + 2).toString('latin1') !== '\r\n') throw incomplete();
    pos += 2;
  }
  while (pos < raw.length) {
    const text = line();
    if (text === '') break;
    const colon = text.indexOf(':');
    if (colon > 0) trailers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

function incomplete(): S3Error {
  return new S3Error('IncompleteBody', 'The request body terminated unexpectedly', 400);
}

const CHECKSUM_HEADERS: Record<string, ChecksumAlgorithm> = {
  'x-amz-checksum-crc32': 'CRC32',
  'x-amz-checksum-crc32c': 'CRC32C',
  'x-amz-checksum-crc64nvme': 'CRC64NVME',
  'x-amz-checksum-sha1': 'SHA1',
  'x-amz-checksum-sha256': 'SHA256',
};

/**
 * The additional checksum sent with the object (header or trailer), verified against the bytes
 * received: S3 refuses a mismatch with BadDigest and keeps the checksum to return it on GET/HEAD
 * with `x-amz-checksum-mode: ENABLED`. CRC64NVME is stored as sent, not verified.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export function verifiedChecksum(headers: Headers, trailers: Record<string, string>, body: Buffer): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  let found: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  for (const [name, algorithm] of Object.entries(CHECKSUM_HEADERS)) {
    const value = trailers[name] ?? header(headers, name);
    if (value === undefined) continue;
    if (found !== undefined) throw new S3Error('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.', 400);
    found = { algorithm, value };
  }
  const md5 = header(headers, 'content-md5');
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16) throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, { 'Content-MD5': md5 });
    const calculated = createHash('md5').update(body).digest('base64');
    if (calculated !== md5) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, { ExpectedDigest: md5, CalculatedDigest: calculated });
    }
  }
  if (found === undefined) return undefined;
  const computed = computeChecksum(found.algorithm, body);
  if (computed !== undefined && computed !== found.value) {
    throw new S3Error('BadDigest', `The ${found.algorithm} you specified did not match the calculated checksum.`, 400);
  }
  return found;
}

/** Base64 of the big-endian digest, as the `x-amz-checksum-*` headers carry it. */
export function computeChecksum(algorithm: ChecksumAlgorithm, data: Buffer): string | undefined {
  switch (algorithm) {
    case 'CRC32':
      return crcBase64(CRC32_TABLE, data);
    case 'CRC32C':
      return crcBase64(CRC32C_TABLE, data);
    case 'SHA1':
      return createHash('sha1').update(data).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(data).digest('base64');
    case 'CRC64NVME':
      return undefined;
  }
}

function crcTable(reflectedPoly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPoly : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = crcTable(0xedb88320);
const CRC32C_TABLE = crcTable(0x82f63b78);

function crcBase64(table: Uint32Array, data: Buffer): string {
  let c = 0xffffffff;
  for (const byte of data) c = (table[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
