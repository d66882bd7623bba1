import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { lazyClient } from '../../../src/adapters/aws/lazy-client.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { SsmKmsSecretStore } from '../../../src/adapters/aws/ssm-kms-secret-store.js';
import { SecretUnreadableError } from '../../../src/errors/secret-unreadable-error.js';
import { Secret } from '../../../src/log/secret.js';

const ssm = mockClient(SSMClient);
const kms = mockClient(KMSClient);
const config = { cluster: 'prod', ssmPrefix: '/swarmnode/prod', managerKmsKey: 'alias/m', workerKmsKey: 'alias/w' };
const store = () =>
  new SsmKmsSecretStore(
    lazyClient(() => import('@aws-sdk/client-ssm'), (sdk) => new sdk.SSMClient({ region: 'eu-west-1' })),
    lazyClient(() => import('@aws-sdk/client-kms'), (sdk) => new sdk.KMSClient({ region: 'eu-west-1' })),
    config,
  );
const named = (name: string) => Object.assign(new Error(name), { name });

describe('SsmKmsSecretStore', () => {
  beforeEach(() => {
    ssm.reset();
    kms.reset();
  });

  it('writes a token as base64 ciphertext (String) under its role key, bound to cluster and role', async () => {
    kms.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('sealed') });
    ssm.on(PutParameterCommand).resolves({});
    await store().writeToken('worker', new Secret('SWMTKN-w'));
    const encrypt = kms.commandCalls(EncryptCommand)[0]?.args[0].input;
    expect(encrypt?.KeyId).toBe('alias/w');
    expect(encrypt?.EncryptionContext).toEqual({ 'swarmnode:cluster': 'prod', 'swarmnode:role': 'worker' });
    const put = ssm.commandCalls(PutParameterCommand)[0]?.args[0].input;
    expect(put).toEqual({ Name: '/swarmnode/prod/worker-token', Value: Buffer.from('sealed').toString('base64'), Type: 'String', Overwrite: true });
  });

  it('decrypts a String token with the context, and accepts a SecureString as is', async () => {
    ssm.on(GetParameterCommand, { Name: '/swarmnode/prod/manager-token' }).resolves({ Parameter: { Value: 'c2VhbGVk', Type: 'String' } });
    ssm.on(GetParameterCommand, { Name: '/swarmnode/prod/worker-token' }).resolves({ Parameter: { Value: 'SWMTKN-plain', Type: 'SecureString' } });
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('SWMTKN-m') });
    expect((await store().readToken('manager'))?.reveal()).toBe('SWMTKN-m');
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input.EncryptionContext).toEqual({ 'swarmnode:cluster': 'prod', 'swarmnode:role': 'manager' });
    expect((await store().readToken('worker'))?.reveal()).toBe('SWMTKN-plain');
  });

  it('a missing parameter is undefined; a ciphertext KMS rejects is a named error', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(named('ParameterNotFound')).resolves({ Parameter: { Value: 'YmFk', Type: 'String' } });
    kms.on(DecryptCommand).rejects(named('InvalidCiphertextException'));
    expect(await store().readToken('worker')).toBeUndefined();
    await expect(store().readToken('worker')).rejects.toBeInstanceOf(SecretUnreadableError);
  });

  it('takes a lock with Overwrite=false and loses it to an existing one', async () => {
    ssm.on(PutParameterCommand).resolvesOnce({}).rejects(named('ParameterAlreadyExists'));
    expect(await store().tryLock('init-lock', 'i-1')).toBe(true);
    expect(await store().tryLock('init-lock', 'i-2')).toBe(false);
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toMatchObject({ Name: '/swarmnode/prod/init-lock', Value: 'i-1', Overwrite: false });
  });
});
