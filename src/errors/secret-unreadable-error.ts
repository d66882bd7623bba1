import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/**
 * A stored secret exists but KMS will not turn it back into plaintext: corrupted ciphertext,
 * encrypted under another cluster's or role's context, or its key is gone. Retrying cannot help.
 */
export class SecretUnreadableError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;
  readonly parameter: string;

  constructor(parameter: string, reason: string, action: string, options?: { cause?: unknown }) {
    super(`cannot decrypt SSM parameter ${parameter}: ${reason}`, action, options);
    this.parameter = parameter;
  }
}
