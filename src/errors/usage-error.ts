import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** The command line itself is wrong: unknown command or flag, missing flag value. */
export class UsageError extends SwarmnodeError {
  readonly exitCode = ExitCode.usage;

  constructor(message: string, action = 'run `swarmnode --help` for the commands and flags') {
    super(message, action);
  }
}
