import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeCloud } from './fake-cloud.js';
import { startFakeAws, type FakeAws } from './server.js';

interface Reply {
  status: number;
  body: string;
}

describe('fake IMDSv2', () => {
  let clock: number;
  let cloud: FakeCloud;
  let server: FakeAws;
  let first: string;
  let second: string;

  beforeEach(async () => {
    clock = Date.now();
    let next = 1;
    // The first instance owns 127.0.0.1, so SDK clients in this process (which cannot pick a
    // source address) are that instance; the second is reached by binding 127.0.0.2.
    cloud = new FakeCloud({ allocateIp: () => `127.0.0.${next++}`, now: () => clock });
    server = await startFakeAws(cloud);
    const hooks = [{ name: 'down', transition: 'terminating' as const, heartbeatTimeoutSec: 600, defaultResult: 'CONTINUE' as const }];
    [first = '', second = ''] = await cloud.createGroup({ name: 'g', tags: {}, desired: 2, spot: true, hooks });
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    cloud.close();
    await server.close();
  });

  const imds = (method: string, path: string, headers: Record<string, string>, localAddress = '127.0.0.1'): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = request(`${server.imdsUrl}${path}`, { method, headers, localAddress }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const token = async (ttl: string, localAddress?: string): Promise<Reply> =>
    imds('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl }, localAddress);
  const get = async (path: string, tok: string, localAddress?: string): Promise<Reply> =>
    imds('GET', `/latest/meta-data/${path}`, { 'x-aws-ec2-metadata-token': tok }, localAddress);

  it('enforces the token rules: TTL range, no v1, expiry, per instance, no proxies', async () => {
    expect((await token('0')).status).toBe(400);
    expect((await token('21601')).status).toBe(400);
    expect((await imds('PUT', '/latest/api/token', {})).status).toBe(400);
    expect((await imds('PUT', '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '10.0.0.1' })).status).toBe(403);
    expect((await imds('GET', '/latest/meta-data/instance-id', {})).status).toBe(401);
    expect((await get('instance-id', 'forged')).status).toBe(401);
    const short = await token('1');
    expect(short.status).toBe(200);
    expect(await get('instance-id', short.body)).toEqual({ status: 200, body: first });
    expect((await get('instance-id', short.body, '127.0.0.2')).status).toBe(401);
    clock += 1001;
    expect((await get('instance-id', short.body)).status).toBe(401);
    expect((await imds('GET', '/latest/meta-data/instance-id', {}, '127.0.0.9')).status).toBe(403);
  });

  it('serves each instance its own metadata, found by source address', async () => {
    const tok = (await token('21600', '127.0.0.2')).body;
    const at = async (path: string): Promise<string> => (await get(path, tok, '127.0.0.2')).body;
    const instance = cloud.instance(second);
    expect(await at('instance-id')).toBe(second);
    expect(await at('local-ipv4')).toBe('127.0.0.2');
    expect(await at('placement/region')).toBe('eu-west-1');
    expect(await at('placement/availability-zone')).toBe(instance?.availabilityZone);
    expect(await at('instance-type')).toBe('t3.medium');
    expect((await get('spot/instance-action', tok, '127.0.0.2')).status).toBe(404);
    cloud.interruptSpot(second);
    expect(JSON.parse(await at('spot/instance-action'))).toEqual({ action: 'terminate', time: expect.stringMatching(/Z$/) });
    const doc = await imds('GET', '/latest/dynamic/instance-identity/document', { 'x-aws-ec2-metadata-token': tok }, '127.0.0.2');
    expect(JSON.parse(doc.body)).toMatchObject({ instanceId: second, privateIp: '127.0.0.2', region: 'eu-west-1', accountId: '123456789012' });
    expect((await get('no/such/path', tok, '127.0.0.2')).status).toBe(404);
  });

  it('follows the lifecycle in autoscaling/target-lifecycle-state', async () => {
    const tok = (await token('600')).body;
    expect((await get('autoscaling/target-lifecycle-state', tok)).body).toBe('InService');
    await cloud.terminateInstance(first, { decrement: true });
    expect(cloud.instance(first)?.lifecycleState).toBe('Terminating:Wait');
    expect((await get('autoscaling/target-lifecycle-state', tok)).body).toBe('Terminated');
  });

  it('works with the SDK MetadataService client', async () => {
    const client = new MetadataService({ endpoint: server.imdsUrl, ec2MetadataV1Disabled: true, retries: 0 });
    expect(await client.request('/latest/meta-data/instance-id', {})).toBe(first);
    expect(await client.request('/latest/meta-data/autoscaling/target-lifecycle-state', {})).toBe('InService');
    const tok = await client.fetchMetadataToken();
    expect((await get('local-ipv4', tok)).body).toBe('127.0.0.1');
  });

  it('serves credentials the SDK default chain uses, and calls count as the instance', async () => {
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
      vi.stubEnv(name, undefined);
    }
    vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
    vi.stubEnv('AWS_EC2_METADATA_SERVICE_ENDPOINT', server.imdsUrl);
    const ssm = new SSMClient({ region: 'eu-west-1', endpoint: server.awsUrl, maxAttempts: 1 });
    try {
      await expect(ssm.send(new GetParameterCommand({ Name: '/nothing' }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    } finally {
      ssm.destroy();
    }
    expect(cloud.calls().byCaller).toEqual({ [first]: { 'ssm:GetParameter': 1 } });
  });
});
