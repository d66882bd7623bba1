import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** An object in the history that is not a backup swarmnode can restore (another format, another cluster, damaged). */
export class BackupUnreadableError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;

  constructor(key: string, reason: string, options?: { cause?: unknown }) {
    super(`backup ${key} cannot be restored: ${reason}`, 'pick another backup with `swarmnode restore --from KEY` (`swarmnode backup --list` shows them); nothing was changed', options);
  }
}
