import { AwsError } from './aws-error.js';
import type { WireResponse } from './wire.js';

export type JsonInput = Record<string, unknown>;

const JSON_HEADERS = { 'content-type': 'application/x-amz-json-1.1' };

export function jsonResponse(output: object, requestId: string): WireResponse {
  return { status: 200, headers: { ...JSON_HEADERS, 'x-amzn-requestid': requestId }, body: JSON.stringify(output) };
}

/** awsJson1_1 errors: the SDK picks the exception class from `__type`. */
export function jsonError(err: AwsError, requestId: string): WireResponse {
  return {
    status: err.status,
    headers: { ...JSON_HEADERS, 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code },
    body: JSON.stringify({ __type: err.code, message: err.message }),
  };
}

export function parseJsonInput(body: string): JsonInput {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed as JsonInput;
}

export function optionalString(input: JsonInput, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('ValidationException', `${name} must be a string.`);
  return value;
}

export function requiredString(input: JsonInput, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined || value === '') {
    throw new AwsError('ValidationException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

export function optionalBoolean(input: JsonInput, name: string): boolean {
  return input[name] === true;
}

export function optionalNumber(input: JsonInput, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw new AwsError('ValidationException', `${name} must be a number.`);
  return value;
}

export function stringMap(input: JsonInput, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    throw new AwsError('ValidationException', `${name} must be a map of strings.`);
  }
  return value as Record<string, string>;
}

/** Blobs travel as base64 in awsJson. */
export function requiredBlob(input: JsonInput, name: string): Buffer {
  return Buffer.from(requiredString(input, name), 'base64');
}
