import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetParameterCommand, GetParametersCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
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
    lazyClient(() => import('../../../src/adapters/aws/aws-sdk.js'), (sdk) => new sdk.SSMClient({ region: 'eu-west-1' })),
    lazyClient(() => import('../../../src/adapters/aws/aws-sdk.js'), (sdk) => new sdk.KMSClient({ region: 'eu-west-1' })),
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

  it('reads a role\'s token and the cluster record in one GetParameters; a missing one (InvalidParameters) is undefined', async () => {
    const record = { swarmId: 's1', generation: 2, createdAt: '2026-01-01T00:00:00Z', createdBy: 'i-1', managers: [{ instanceId: 'i-1', addr: '10.0.0.5', nodeId: 'n1' }] };
    ssm
      .on(GetParametersCommand)
      .resolvesOnce({ Parameters: [], InvalidParameters: ['/swarmnode/prod/cluster', '/swarmnode/prod/manager-token'] })
      // In alphabetical order, as SSM lists them: not the order asked.
      .resolves({ Parameters: [{ Name: '/swarmnode/prod/cluster', Value: JSON.stringify(record), Type: 'String' }, { Name: '/swarmnode/prod/manager-token', Value: 'c2VhbGVk', Type: 'String' }] });
    kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from('SWMTKN-m') });

    expect(await store().readTokenAndCluster('manager')).toEqual({ token: undefined, cluster: undefined });
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(0);
    const both = await store().readTokenAndCluster('manager');
    expect(both.token?.reveal()).toBe('SWMTKN-m');
    expect(both.cluster).toMatchObject({ swarmId: 's1', generation: 2, managers: [{ instanceId: 'i-1', addr: '10.0.0.5', nodeId: 'n1' }] });
    expect(ssm.commandCalls(GetParametersCommand)[0]?.args[0].input).toEqual({ Names: ['/swarmnode/prod/manager-token', '/swarmnode/prod/cluster'], WithDecryption: true });
    expect(kms.commandCalls(DecryptCommand)[0]?.args[0].input.EncryptionContext).toEqual({ 'swarmnode:cluster': 'prod', 'swarmnode:role': 'manager' });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('a role whose policy predates ssm:GetParameters: one denial, then two GetParameter each time, so a new manager still boots', async () => {
    ssm.on(GetParametersCommand).rejects(named('AccessDeniedException'));
    ssm.on(GetParameterCommand, { Name: '/swarmnode/prod/manager-token' }).rejects(named('ParameterNotFound'));
    ssm.on(GetParameterCommand, { Name: '/swarmnode/prod/cluster' }).resolves({ Parameter: { Value: JSON.stringify({ swarmId: 's1', generation: 1, createdAt: '', createdBy: 'i-1', managers: [] }), Type: 'String' } });
    const secrets = store();
    for (let round = 0; round < 2; round++) expect(await secrets.readTokenAndCluster('manager')).toMatchObject({ token: undefined, cluster: { swarmId: 's1' } });
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(4);
  });

  it('an answer that names a parameter neither found nor invalid is an error, never an absence', async () => {
    ssm.on(GetParametersCommand).resolves({ Parameters: [], InvalidParameters: ['/swarmnode/prod/cluster'] });
    await expect(store().readTokenAndCluster('manager')).rejects.toThrow(/neither value nor absence for \/swarmnode\/prod\/manager-token/);
  });

  it('takes a lock with Overwrite=false and loses it to an existing one', async () => {
    ssm.on(PutParameterCommand).resolvesOnce({}).rejects(named('ParameterAlreadyExists'));
    expect(await store().tryLock('init-lock', 'i-1')).toBe(true);
    expect(await store().tryLock('init-lock', 'i-2')).toBe(false);
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toMatchObject({ Name: '/swarmnode/prod/init-lock', Value: 'i-1', Overwrite: false });
  });
});
