import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** This manager belongs to another swarm than the one the cluster record names: it must not publish. */
export class OtherSwarmError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;

  constructor(recorded: string, local: string) {
    super(
      `the cluster record names swarm ${recorded}, but this manager belongs to swarm ${local}: publishing its tokens would send new nodes to the wrong swarm`,
      `run \`swarmnode republish\` on a manager of swarm ${recorded}; if that swarm is gone for good, see "Recovery" in the README`,
    );
  }
}
