import { GaveUpError } from './gave-up-error.js';

/** Boot gave up because the swarm kept refusing the stored join token: SSM holds a rotated-out one. */
export class JoinRejectedError extends GaveUpError {
  constructor(role: string, parameter: string, options?: { cause?: unknown }) {
    super(
      `gave up: the swarm rejects the ${role} join token stored in ${parameter} (rotated?)`,
      `publish the current token: the leader's \`swarmnode watch\` does it within one poll interval, or run \`swarmnode republish\` on a manager`,
      options,
    );
  }
}
