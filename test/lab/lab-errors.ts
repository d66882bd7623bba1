import { ExitCode } from '../../src/errors/exit-codes.js';
import { SwarmnodeError } from '../../src/errors/swarmnode-error.js';

/** Bad lab usage (unknown instance, negative count, lab already up or not up): the caller fixes the input. */
export class LabUsageError extends SwarmnodeError {
  readonly exitCode = ExitCode.usage;
}

/** The machine cannot host a lab (not root, a binary missing, no free subnet). */
export class LabUnavailableError extends SwarmnodeError {
  readonly exitCode = ExitCode.unavailable;
}

/** A step of building or tearing down the lab failed (a command, an engine that never answered). */
export class LabOperationError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;
}
