import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** `restore --from` named a key the bucket does not hold. */
export class BackupNotFoundError extends SwarmnodeError {
  readonly exitCode = ExitCode.usage;

  constructor(location: string, key: string, options?: { cause?: unknown }) {
    super(`no backup ${key} in ${location}`, 'run `swarmnode backup --list` and pass one of the keys it shows to --from', options);
  }
}
