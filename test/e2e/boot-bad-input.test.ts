import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';

/**
 * Every bad input: one clear message naming cause and fix, the right exit code, nothing half-done.
 * One lab (1 manager, 1 worker) is shared: each case makes the worker leave, runs `boot` in it with
 * the fault, and checks the worker's engine is still out of any swarm.
 */
let lab: Lab;
let worker: string;
let manager: string;
let ssm: SSMClient;
let kms: KMSClient;
const SHORT = { SWARMNODE_JOIN_TIMEOUT: '10s' };

beforeAll(async () => {
  lab = await Lab.start({ name: `bbad${Math.floor(Math.random() * 1000)}`, managers: 1, workers: 1 });
  manager = lab.instances().find((i) => i.role === 'manager')?.instanceId as string;
  worker = lab.instances().find((i) => i.role === 'worker')?.instanceId as string;
  expect(await lab.bootExit(manager, 120_000)).toBe(0);
  expect(await lab.bootExit(worker, 120_000)).toBe(0);
  // The leader's watch republishes tokens; these cases need SSM to stay as the test leaves it.
  await lab.stopAgent(manager);
  await lab.stopAgent(worker);
  const client = { endpoint: lab.awsUrl, region: 'eu-west-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 };
  ssm = new SSMClient(client);
  kms = new KMSClient(client);
});

afterAll(async () => {
  await lab?.down();
});

async function bootOutOfSwarm(env: Record<string, string> = {}) {
  await lab.dockerCli(worker, ['swarm', 'leave', '--force']);
  const result = await lab.runAgent(worker, ['boot'], { ...SHORT, ...env });
  const state = (await lab.docker(worker).info()).Swarm.LocalNodeState;
  return { ...result, state };
}

async function putToken(role: 'manager' | 'worker', value: string) {
  await ssm.send(new PutParameterCommand({ Name: `/swarmnode/${lab.cluster}/${role}-token`, Value: value, Type: 'String', Overwrite: true }));
}

async function sealed(plain: string, role: string, keyId: string) {
  const out = await kms.send(
    new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plain), EncryptionContext: { 'swarmnode:cluster': lab.cluster, 'swarmnode:role': role } }),
  );
  return Buffer.from(out.CiphertextBlob as Uint8Array).toString('base64');
}

describe('boot: bad input', () => {
  it('invalid config: every problem at once, exit 64, nothing touched', async () => {
    const r = await bootOutOfSwarm({ SWARMNODE_CLUSTER: 'Bad_Name', SWARMNODE_JOIN_TIMEOUT: 'soon', SWARMNODE_ROLE: 'boss' });
    expect(r.code).toBe(64);
    for (const key of ['SWARMNODE_CLUSTER="Bad_Name"', 'SWARMNODE_JOIN_TIMEOUT="soon"', 'SWARMNODE_ROLE="boss"']) expect(r.stderr).toContain(key);
    expect(r.stderr).toContain('fix:');
    expect(r.state).toBe('inactive');
  });

  it('IMDS unreachable: exit 69 naming IMDS', async () => {
    const r = await bootOutOfSwarm({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9' });
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/instance metadata/);
  });

  it('Docker engine not running: bounded wait, then exit 69', async () => {
    const r = await lab.runAgent(worker, ['boot'], { SWARMNODE_JOIN_TIMEOUT: '3s', DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/Docker engine unreachable/);
    expect(r.stderr).toMatch(/start the Docker engine/);
  });

  it.each(['kms:Decrypt', 'ssm:GetParameter', 'autoscaling:DescribeAutoScalingGroups'])('AccessDenied on %s: exit 77 naming the action', async (api) => {
    lab.cloud.faults.deny({ api, instanceId: worker });
    try {
      const r = await bootOutOfSwarm();
      expect(r.code).toBe(77);
      expect(r.stderr).toContain(`AWS denied ${api}`);
      expect(r.stderr).toContain(`allow ${api}`);
      expect(r.state).toBe('inactive');
    } finally {
      lab.cloud.faults.clear();
    }
  });

  it('corrupted ciphertext, and a token sealed for the other role: exit 1, the parameter named', async () => {
    const token = ((await lab.dockerCli(manager, ['swarm', 'join-token', '-q', 'worker'])).stdout as string).trim();
    await putToken('worker', Buffer.from('not a ciphertext at all').toString('base64'));
    let r = await bootOutOfSwarm();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`/swarmnode/${lab.cluster}/worker-token`);
    expect(r.state).toBe('inactive');
    await putToken('worker', await sealed(token, 'manager', `alias/${lab.cluster}-worker`));
    r = await bootOutOfSwarm();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EncryptionContext/);
    expect(r.stderr).not.toContain(token);
    await putToken('worker', await sealed(token, 'worker', `alias/${lab.cluster}-worker`));
    expect((await bootOutOfSwarm()).code).toBe(0);
  });

  it('a KMS key that does not exist: exit 1 before init', async () => {
    // A cluster that was never initialised (no record, no lock, no token) and no answering manager:
    // this manager would init, so the key is checked first, before the lock is taken.
    for (const name of ['manager-token', 'worker-token', 'cluster', 'init-lock']) {
      await ssm.send(new DeleteParameterCommand({ Name: `/swarmnode/${lab.cluster}/${name}` }));
    }
    await lab.dockerCli(manager, ['swarm', 'leave', '--force']);
    const r = await lab.runAgent(manager, ['boot'], { ...SHORT, SWARMNODE_MANAGER_KMS_KEY: 'alias/does-not-exist' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('alias/does-not-exist');
    expect((await lab.docker(manager).info()).Swarm.LocalNodeState).toBe('inactive');
    expect(lab.cloud.parameter(`/swarmnode/${lab.cluster}/init-lock`)).toBeUndefined();
  });
});
