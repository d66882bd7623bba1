import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** A restore without --from found no backup of another swarm of the cluster to take. */
export class NoBackupError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;

  constructor(location: string, prefix: string) {
    super(
      `no backup of an earlier swarm under ${location}/${prefix}: nothing to restore`,
      'check SWARMNODE_BACKUP_BUCKET and SWARMNODE_BACKUP_PREFIX; `swarmnode backup --list` shows what is there, and `swarmnode restore --from KEY` restores any backup, this swarm\'s own included',
    );
  }
}
