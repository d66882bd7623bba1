import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** A local dependency swarmnode cannot work without (IMDS, the Docker engine) does not answer. */
export class DependencyUnavailableError extends SwarmnodeError {
  readonly exitCode = ExitCode.unavailable;
  readonly dependency: string;

  constructor(dependency: string, message: string, action: string, options?: { cause?: unknown }) {
    super(message, action, options);
    this.dependency = dependency;
  }
}
