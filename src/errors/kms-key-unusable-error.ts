import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** The configured KMS key does not exist or cannot encrypt (disabled, pending deletion). */
export class KmsKeyUnusableError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;
  readonly keyId: string;

  constructor(keyId: string, reason: string, options?: { cause?: unknown }) {
    super(
      `KMS key ${keyId} cannot be used: ${reason}`,
      'set SWARMNODE_MANAGER_KMS_KEY / SWARMNODE_WORKER_KMS_KEY to an existing, enabled key (id, ARN or alias/...)',
      options,
    );
    this.keyId = keyId;
  }
}
