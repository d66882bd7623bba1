import type { AwsCall } from '../errors/from-aws-error.js';
import { fromAwsError } from '../errors/from-aws-error.js';

/**
 * The longest one AWS request may take, the SDK's own retries included: a hung or throttled call
 * becomes a failure the caller's loop (bounded by its deadline) decides about, never a wait that
 * outlives the deadline.
 */
export const AWS_CALL_BUDGET_MS = 20_000;

/** Sends one AWS request within AWS_CALL_BUDGET_MS; a failure leaves as a named swarmnode error when it has one. */
export async function awsCall<T>(call: AwsCall, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await send(AbortSignal.timeout(AWS_CALL_BUDGET_MS));
  } catch (error) {
    throw fromAwsError(error, call);
  }
}

/** SDK exception name, for the few outcomes an adapter handles itself (ParameterNotFound, ...). */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
