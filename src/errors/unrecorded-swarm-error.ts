import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** A backup asked of a manager whose swarm is not the one the cluster record names. */
export class UnrecordedSwarmError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;

  constructor(reason: string) {
    super(
      `no backup written: ${reason}; its backups would mix with the recorded swarm's history and could be restored in its place`,
      'run `swarmnode backup` on a manager of the recorded swarm (see `swarmnode status`); nothing was written',
    );
  }
}
