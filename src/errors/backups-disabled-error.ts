import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** A backup command with no bucket configured: there is nothing to write to or read from. */
export class BackupsDisabledError extends SwarmnodeError {
  readonly exitCode = ExitCode.usage;

  constructor() {
    super(
      'backups are off: SWARMNODE_BACKUP_BUCKET is not set',
      'set SWARMNODE_BACKUP_BUCKET (and the other SWARMNODE_BACKUP_* keys as needed) in /etc/swarmnode/swarmnode.env or pass --backup-bucket; the example stack creates the bucket and sets it',
    );
  }
}
