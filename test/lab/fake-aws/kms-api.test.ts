import { DecryptCommand, EncryptCommand, IncorrectKeyException, InvalidCiphertextException, NotFoundException } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './fixture.js';

const context = { 'swarmnode:cluster': 'lab', 'swarmnode:role': 'manager' };

describe('fake KMS over awsJson1_1', () => {
  let f: Fixture;
  let key: { keyId: string; arn: string };
  beforeEach(async () => {
    f = await startFixture();
    key = f.cloud.createKey({ alias: 'alias/lab-manager' });
  });
  afterEach(async () => {
    await f.close();
  });

  const encrypt = async (keyId: string, ctx: Record<string, string> = context): Promise<Uint8Array> => {
    const out = await f.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('SWMTKN-1-secret'), EncryptionContext: ctx }));
    return out.CiphertextBlob ?? new Uint8Array();
  };

  it('round-trips through a key id, key ARN or alias, and Decrypt needs no KeyId', async () => {
    for (const ref of [key.keyId, key.arn, 'alias/lab-manager', `arn:aws:kms:eu-west-1:123456789012:alias/lab-manager`]) {
      const blob = await encrypt(ref);
      expect(Buffer.from(blob).toString()).not.toContain('SWMTKN');
      // Key order in the context does not matter, as on AWS.
      const reordered = { 'swarmnode:role': 'manager', 'swarmnode:cluster': 'lab' };
      const out = await f.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: reordered }));
      expect(Buffer.from(out.Plaintext ?? []).toString()).toBe('SWMTKN-1-secret');
      expect(out.KeyId).toBe(key.arn);
    }
  });

  it('enforces the EncryptionContext: a wrong, partial or missing one fails', async () => {
    const blob = await encrypt('alias/lab-manager');
    for (const ctx of [{ ...context, 'swarmnode:role': 'worker' }, { 'swarmnode:cluster': 'lab' }, undefined]) {
      await expect(f.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: ctx }))).rejects.toBeInstanceOf(InvalidCiphertextException);
    }
    const noContext = await encrypt('alias/lab-manager', {});
    await expect(f.kms.send(new DecryptCommand({ CiphertextBlob: noContext, EncryptionContext: context }))).rejects.toBeInstanceOf(InvalidCiphertextException);
  });

  it('rejects a corrupted blob, an unknown key and a mismatched KeyId', async () => {
    const blob = Buffer.from(await encrypt('alias/lab-manager'));
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 0xff;
    await expect(f.kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }))).rejects.toBeInstanceOf(InvalidCiphertextException);
    await expect(f.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('garbage'), EncryptionContext: context }))).rejects.toBeInstanceOf(InvalidCiphertextException);
    await expect(encrypt('alias/nope')).rejects.toBeInstanceOf(NotFoundException);
    const other = f.cloud.createKey();
    const good = await encrypt('alias/lab-manager');
    await expect(f.kms.send(new DecryptCommand({ CiphertextBlob: good, EncryptionContext: context, KeyId: other.keyId }))).rejects.toBeInstanceOf(IncorrectKeyException);
  });
});
