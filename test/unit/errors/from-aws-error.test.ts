import { describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../../src/errors/access-denied-error.js';
import { fromAwsError } from '../../../src/errors/from-aws-error.js';
import { KmsKeyUnusableError } from '../../../src/errors/kms-key-unusable-error.js';
import { SecretUnreadableError } from '../../../src/errors/secret-unreadable-error.js';

const aws = (name: string) => Object.assign(new Error(`${name} happened`), { name });

describe('fromAwsError', () => {
  it.each(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation'])('%s -> AccessDeniedError naming the action (77)', (name) => {
    const error = fromAwsError(aws(name), { action: 'kms:Decrypt' }) as AccessDeniedError;
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error.exitCode).toBe(77);
    expect(error.message).toBe('AWS denied kms:Decrypt');
    expect(error.action).toContain('allow kms:Decrypt');
  });

  it('a ciphertext KMS rejects -> SecretUnreadableError (1) naming the parameter', () => {
    const error = fromAwsError(aws('InvalidCiphertextException'), { action: 'kms:Decrypt', parameter: '/swarmnode/c/worker-token' }) as SecretUnreadableError;
    expect(error).toBeInstanceOf(SecretUnreadableError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toContain('/swarmnode/c/worker-token');
    expect(error.message).toContain('EncryptionContext');
  });

  it('a missing key: unreadable secret on Decrypt, unusable key on Encrypt', () => {
    expect(fromAwsError(aws('NotFoundException'), { action: 'kms:Decrypt', parameter: 'p' })).toBeInstanceOf(SecretUnreadableError);
    const error = fromAwsError(aws('NotFoundException'), { action: 'kms:Encrypt', keyId: 'alias/x' }) as KmsKeyUnusableError;
    expect(error).toBeInstanceOf(KmsKeyUnusableError);
    expect(error.message).toContain('alias/x');
  });

  it('leaves transient failures unchanged for the caller to retry', () => {
    const throttled = aws('ThrottlingException');
    expect(fromAwsError(throttled, { action: 'ssm:GetParameter' })).toBe(throttled);
  });
});
