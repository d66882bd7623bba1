import type { AwsCall } from '../errors/from-aws-error.js';
import { fromAwsError } from '../errors/from-aws-error.js';

/** Sends one AWS request; a failure leaves as a named swarmnode error when it has one. */
export async function awsCall<T>(call: AwsCall, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw fromAwsError(error, call);
  }
}

/** SDK exception name, for the few outcomes an adapter handles itself (ParameterNotFound, ...). */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
