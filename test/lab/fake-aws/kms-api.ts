import { optionalString, requiredBlob, requiredString, stringMap } from './json-protocol.js';
import type { JsonHandler } from './wire.js';

/** KMS (awsJson1_1, TrentService): Encrypt and Decrypt with the EncryptionContext enforced. */
export const kmsApi: Record<string, JsonHandler> = {
  Encrypt(input, { cloud }) {
    const { keyArn, blob } = cloud.kms.encrypt(requiredString(input, 'KeyId'), requiredBlob(input, 'Plaintext'), stringMap(input, 'EncryptionContext'));
    return { CiphertextBlob: blob.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },

  Decrypt(input, { cloud }) {
    const { keyArn, plaintext } = cloud.kms.decrypt(
      requiredBlob(input, 'CiphertextBlob'),
      stringMap(input, 'EncryptionContext'),
      optionalString(input, 'KeyId'),
    );
    return { KeyId: keyArn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
  },
};
