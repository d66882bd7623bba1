import { AwsError } from './aws-error.js';

export interface PageRequest {
  maxResults: number | undefined;
  nextToken: string | undefined;
  defaultSize: number;
  maxSize: number;
  /** Each service names these errors its own way. */
  sizeError: string;
  tokenError: string;
}

/** One page of `items` from an opaque NextToken (the offset, base64url encoded). */
export function paginate<T>(items: T[], req: PageRequest): { page: T[]; nextToken: string | undefined } {
  const size = req.maxResults ?? req.defaultSize;
  if (size < 1 || size > req.maxSize) throw new AwsError(req.sizeError, `Page size ${size} must be between 1 and ${req.maxSize}`);
  const start = req.nextToken === undefined ? 0 : decodeToken(req.nextToken, req.tokenError);
  const end = start + size;
  return { page: items.slice(start, end), nextToken: end < items.length ? Buffer.from(`lab:${end}`).toString('base64url') : undefined };
}

function decodeToken(token: string, errorCode: string): number {
  const match = /^lab:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  if (match?.[1] === undefined) throw new AwsError(errorCode, 'The specified NextToken is not valid.');
  return Number(match[1]);
}
