import { performance } from 'node:perf_hooks';
import type { AwsCall } from '../../errors/from-aws-error.js';
import { DENIED, fromAwsError } from '../../errors/from-aws-error.js';
import type { AwsOutcome, CallMetrics } from '../../ports/metrics.js';

/**
 * The longest one AWS request may take, the SDK's own retries included: a hung or throttled call
 * becomes a failure the caller's loop (bounded by its deadline) decides about, never a wait that
 * outlives the deadline.
 */
export const AWS_CALL_BUDGET_MS = 20_000;

/** The error codes the AWS SDK itself retries as throttling (its THROTTLING_ERROR_CODES). */
const THROTTLED = new Set([
  'BandwidthLimitExceeded', 'EC2ThrottledException', 'LimitExceededException', 'PriorRequestNotComplete', 'ProvisionedThroughputExceededException',
  'RequestLimitExceeded', 'RequestThrottled', 'RequestThrottledException', 'SlowDown', 'ThrottledException', 'Throttling', 'ThrottlingException',
  'TooManyRequestsException', 'TransactionInProgressException',
]);

let metrics: Pick<CallMetrics, 'awsCall'> | undefined;

/**
 * Where every AWS request is counted. Set once by the composition root: awsCall is the one path of
 * every adapter's requests (those added later too), so none needs the sink threaded through it.
 */
export function countAwsCalls(sink: Pick<CallMetrics, 'awsCall'>): void {
  metrics = sink;
}

export function awsOutcome(error: unknown): AwsOutcome {
  const name = awsErrorName(error) ?? '';
  if (THROTTLED.has(name) || (error as { $retryable?: { throttling?: boolean } }).$retryable?.throttling === true) return 'throttled';
  return DENIED.has(name) ? 'denied' : 'error';
}

/** The SDK's attempts beyond the first, from the response's or the error's metadata. */
function retriesOf(outcome: unknown): number {
  const attempts = (outcome as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1;
  return Math.max(0, attempts - 1);
}

/** Sends one AWS request within AWS_CALL_BUDGET_MS; a failure leaves as a named swarmnode error when it has one. */
export async function awsCall<T>(call: AwsCall, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  try {
    const result = await send(AbortSignal.timeout(AWS_CALL_BUDGET_MS));
    metrics?.awsCall(call.action, 'ok', seconds(), retriesOf(result));
    return result;
  } catch (error) {
    metrics?.awsCall(call.action, awsOutcome(error), seconds(), retriesOf(error));
    throw fromAwsError(error, call);
  }
}

/** SDK exception name, for the few outcomes an adapter handles itself (ParameterNotFound, ...). */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
