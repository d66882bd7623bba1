import { AccessDeniedError } from './access-denied-error.js';
import { BackupBucketMissingError } from './backup-bucket-missing-error.js';
import { KmsKeyUnusableError } from './kms-key-unusable-error.js';
import { SecretUnreadableError } from './secret-unreadable-error.js';

/** What was being attempted, so the named error can say which action and which resource. */
export interface AwsCall {
  /** IAM action, e.g. `ssm:GetParameter`. */
  action: string;
  parameter?: string;
  keyId?: string;
  /** S3 calls: the backup bucket. */
  bucket?: string;
}

/** Error names AWS answers when the caller lacks a permission. */
export const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException', 'AuthorizationError']);
const BAD_CIPHERTEXT = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);
const BAD_KEY = new Set(['NotFoundException', 'KMSInvalidStateException', 'DisabledException', 'InvalidKeyUsageException']);

const REPUBLISH =
  'on a manager run `swarmnode republish`: it reads the swarm\'s current tokens from the engine and publishes them again, ' +
  'encrypted with the EncryptionContext {"swarmnode:cluster": <cluster>, "swarmnode:role": <role>} (the leader\'s `swarmnode watch` also does it within a minute)';

/**
 * The one place where AWS SDK exceptions become named swarmnode errors. Anything not mapped
 * (throttling, 5xx, network) is returned unchanged: callers treat it as transient and retry.
 */
export function fromAwsError(error: unknown, call: AwsCall): unknown {
  const name = error instanceof Error ? error.name : undefined;
  if (name === undefined) return error;
  // S3 calls KMS on the caller's behalf (SSE-KMS) and says which KMS action was refused: name that one.
  if (DENIED.has(name)) return new AccessDeniedError(/perform: (kms:\w+)/.exec((error as Error).message)?.[1] ?? call.action, { cause: error });
  if (name === 'NoSuchBucket') return new BackupBucketMissingError(call.bucket ?? '(unknown bucket)', { cause: error });
  // S3 relays KMS's own error as `KMS.<code>`; a missing or disabled backup key is the operator's to fix.
  if (name.startsWith('KMS.') && BAD_KEY.has(name.slice(4))) {
    return new KmsKeyUnusableError(call.keyId ?? '(unknown key)', `${name}: ${(error as Error).message}`, { cause: error, settings: 'SWARMNODE_BACKUP_KMS_KEY' });
  }
  const parameter = call.parameter ?? '(unknown parameter)';
  if (BAD_CIPHERTEXT.has(name)) {
    return new SecretUnreadableError(
      parameter,
      'the ciphertext is corrupted or was encrypted for another cluster or role (EncryptionContext mismatch)',
      REPUBLISH,
      { cause: error },
    );
  }
  if (BAD_KEY.has(name)) {
    if (call.action === 'kms:Decrypt') {
      return new SecretUnreadableError(parameter, `the KMS key that encrypted it is missing or unusable (${name})`, REPUBLISH, { cause: error });
    }
    return new KmsKeyUnusableError(call.keyId ?? '(unknown key)', `${name}: ${(error as Error).message}`, { cause: error });
  }
  return error;
}
