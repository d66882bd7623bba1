import { ExitCode } from './exit-codes.js';
import { SwarmnodeError } from './swarmnode-error.js';

/** S3 answers NoSuchBucket: the configured bucket does not exist (or is in no region this account sees). */
export class BackupBucketMissingError extends SwarmnodeError {
  readonly exitCode = ExitCode.failure;

  constructor(bucket: string, options?: { cause?: unknown }) {
    super(`backup bucket ${bucket} does not exist`, 'create it (versioned, SSE-KMS, public access blocked; the example stack does) or set SWARMNODE_BACKUP_BUCKET to an existing bucket', options);
  }
}
