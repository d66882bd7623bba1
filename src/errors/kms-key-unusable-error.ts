import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** The configured KMS key does not exist or cannot encrypt (disabled, pending deletion). */
export class KmsKeyUnusableError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;
  readonly keyId: string;

  /** `settings`: the configuration keys that name the key (the join tokens' by default). */
  constructor(keyId: string, reason: string, options?: { cause?: unknown; settings?: string }) {
    super(
      `KMS key ${keyId} cannot be used: ${reason}`,
      `set ${options?.settings ?? 'SWARMNODE_MANAGER_KMS_KEY / SWARMNODE_WORKER_KMS_KEY'} to an existing, enabled key (id, ARN or alias/...)`,
      { cause: options?.cause },
    );
    this.keyId = keyId;
  }
}
