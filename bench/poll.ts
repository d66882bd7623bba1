import { setTimeout as sleep } from 'node:timers/promises';
import { ExitCode } from '../src/errors/exit-codes.js';
import { SwarmnodeError } from '../src/errors/swarmnode-error.js';

/** A bounded wait ran out; `last` is what the probe last failed with, if it failed. */
export class PollTimeoutError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;

  constructor(
    readonly what: string,
    readonly last: string | undefined,
  ) {
    super(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`, 'read the agent and engine logs of the lab instances; a loaded machine may need a second run');
  }
}

/**
 * Asks `probe` every `everyMs` until it returns a value, bounded by `timeoutMs`. A probe that
 * throws (an engine still starting) counts as "not yet"; its message is kept for the timeout error.
 */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>, opts: { timeoutMs: number; everyMs?: number }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: string | undefined;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(opts.everyMs ?? 250);
  }
  throw new PollTimeoutError(what, last);
}
