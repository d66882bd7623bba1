import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** The deadline passed before the goal was reached; the reason says what was still missing. */
export class GaveUpError extends SwarmnodeError {
  readonly exitCode = ExitCode.tempFail;

  constructor(message: string, action: string, options?: { cause?: unknown }) {
    super(message, action, options);
  }
}
