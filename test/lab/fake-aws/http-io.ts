import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError } from './aws-error.js';
import type { WireResponse } from './wire.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** The whole request body, refused beyond 1 MiB so a bad client cannot exhaust the lab. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new AwsError('RequestEntityTooLarge', 'Request body larger than 1 MiB.', 413);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function sendWire(res: ServerResponse, wire: WireResponse): void {
  res.writeHead(wire.status, { ...wire.headers, 'content-length': Buffer.byteLength(wire.body) });
  res.end(wire.body);
}
