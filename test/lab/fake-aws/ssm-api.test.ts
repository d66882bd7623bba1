import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  paginateGetParametersByPath,
} from '@aws-sdk/client-ssm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFixture, type Fixture } from './fixture.js';

describe('fake SSM over awsJson1_1', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture();
  });
  afterEach(async () => {
    await f.close();
  });

  const put = (Name: string, Value: string, extra: { Overwrite?: boolean; Type?: 'String' | 'SecureString'; KeyId?: string } = {}) =>
    f.ssm.send(new PutParameterCommand({ Name, Value, Type: extra.Type ?? 'String', Overwrite: extra.Overwrite, KeyId: extra.KeyId }));

  it('puts, overwrites with versions, gets and deletes a String parameter', async () => {
    expect((await put('/swarmnode/lab/cluster', '{"v":1}')).Version).toBe(1);
    await expect(put('/swarmnode/lab/cluster', '{"v":2}')).rejects.toBeInstanceOf(ParameterAlreadyExists);
    expect((await put('/swarmnode/lab/cluster', '{"v":2}', { Overwrite: true })).Version).toBe(2);
    const got = await f.ssm.send(new GetParameterCommand({ Name: '/swarmnode/lab/cluster' }));
    expect(got.Parameter).toMatchObject({ Name: '/swarmnode/lab/cluster', Type: 'String', Value: '{"v":2}', Version: 2 });
    expect(got.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    await f.ssm.send(new DeleteParameterCommand({ Name: '/swarmnode/lab/cluster' }));
    await expect(f.ssm.send(new GetParameterCommand({ Name: '/swarmnode/lab/cluster' }))).rejects.toBeInstanceOf(ParameterNotFound);
    await expect(f.ssm.send(new DeleteParameterCommand({ Name: '/swarmnode/lab/cluster' }))).rejects.toBeInstanceOf(ParameterNotFound);
    await expect(put('/bad name!', 'x')).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });

  it('GetParameters: found ones in alphabetical order, missing ones in InvalidParameters, 1 to 10 names', async () => {
    await put('/swarmnode/lab/worker-token', 'w');
    await put('/swarmnode/lab/cluster', '{"v":1}');
    const got = await f.ssm.send(new GetParametersCommand({ Names: ['/swarmnode/lab/worker-token', '/swarmnode/lab/manager-token', '/swarmnode/lab/cluster'] }));
    expect(got.Parameters?.map((p) => [p.Name, p.Value])).toEqual([['/swarmnode/lab/cluster', '{"v":1}'], ['/swarmnode/lab/worker-token', 'w']]);
    expect(got.InvalidParameters).toEqual(['/swarmnode/lab/manager-token']);
    const eleven = Array.from({ length: 11 }, (_, i) => `/swarmnode/lab/p${i}`);
    await expect(f.ssm.send(new GetParametersCommand({ Names: eleven }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(f.ssm.send(new GetParametersCommand({ Names: [] }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('stores a SecureString encrypted with KMS and decrypts it only WithDecryption', async () => {
    f.cloud.createKey({ alias: 'alias/lab-manager' });
    await put('/swarmnode/lab/manager-token', 'SWMTKN-1-plain', { Type: 'SecureString', KeyId: 'alias/lab-manager' });
    expect(f.cloud.parameter('/swarmnode/lab/manager-token')?.value).not.toContain('SWMTKN');
    const raw = await f.ssm.send(new GetParameterCommand({ Name: '/swarmnode/lab/manager-token' }));
    expect(raw.Parameter?.Value).not.toContain('SWMTKN');
    const plain = await f.ssm.send(new GetParameterCommand({ Name: '/swarmnode/lab/manager-token', WithDecryption: true }));
    expect(plain.Parameter).toMatchObject({ Type: 'SecureString', Value: 'SWMTKN-1-plain' });
    await put('/swarmnode/lab/default-key', 'x', { Type: 'SecureString' });
    const viaDefault = await f.ssm.send(new GetParameterCommand({ Name: '/swarmnode/lab/default-key', WithDecryption: true }));
    expect(viaDefault.Parameter?.Value).toBe('x');
  });

  it('lets exactly one of 20 concurrent Overwrite=false writers win', async () => {
    const writers = Array.from({ length: 20 }, (_, i) => put('/swarmnode/lab/init-lock', `i-${i}`, { Overwrite: false }));
    const results = await Promise.allSettled(writers);
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`i-${i}`] : []));
    const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser).toBeInstanceOf(ParameterAlreadyExists);
    expect(f.cloud.parameter('/swarmnode/lab/init-lock')).toMatchObject({ value: winners[0], version: 1 });
  });

  it('lists by path, recursively or not, with pagination and decryption', async () => {
    await put('/swarmnode/lab/a', '1');
    await put('/swarmnode/lab/b', '2', { Type: 'SecureString' });
    await put('/swarmnode/lab/c', '3');
    await put('/swarmnode/lab/deep/d', '4');
    await put('/swarmnode/other/e', '5');
    const flat = await f.ssm.send(new GetParametersByPathCommand({ Path: '/swarmnode/lab' }));
    expect(flat.Parameters?.map((p) => p.Name)).toEqual(['/swarmnode/lab/a', '/swarmnode/lab/b', '/swarmnode/lab/c']);
    expect(flat.Parameters?.[1]?.Value).not.toBe('2');
    const all: [string, string][] = [];
    for await (const page of paginateGetParametersByPath({ client: f.ssm, pageSize: 2 }, { Path: '/swarmnode/lab/', Recursive: true, WithDecryption: true })) {
      expect((page.Parameters ?? []).length).toBeLessThanOrEqual(2);
      all.push(...(page.Parameters ?? []).map((p): [string, string] => [p.Name ?? '', p.Value ?? '']));
    }
    expect(all).toEqual([
      ['/swarmnode/lab/a', '1'],
      ['/swarmnode/lab/b', '2'],
      ['/swarmnode/lab/c', '3'],
      ['/swarmnode/lab/deep/d', '4'],
    ]);
  });

  it('refuses a path outside a hierarchy, more than 10 results a page and a forged NextToken', async () => {
    await put('/swarmnode/lab/a', '1');
    const byPath = (input: { Path: string; MaxResults?: number; NextToken?: string }) => f.ssm.send(new GetParametersByPathCommand(input));
    await expect(byPath({ Path: 'swarmnode/lab' })).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    await expect(byPath({ Path: `/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}` })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(byPath({ Path: '/swarmnode/lab', MaxResults: 11 })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('less than or equal to 10'),
    });
    await expect(byPath({ Path: '/swarmnode/lab', MaxResults: 0 })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(byPath({ Path: '/swarmnode/lab', NextToken: 'forged' })).rejects.toMatchObject({ name: 'InvalidNextToken' });
    await expect(byPath({ Path: '/swarmnode/lab', MaxResults: 10 })).resolves.toMatchObject({ Parameters: [{ Name: '/swarmnode/lab/a', Version: 1 }] });
  });

  it('reports each overwrite’s Version and LastModifiedDate, in GetParameter and GetParametersByPath alike', async () => {
    await put('/swarmnode/lab/v', 'one');
    const first = (await f.ssm.send(new GetParameterCommand({ Name: '/swarmnode/lab/v' }))).Parameter;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await put('/swarmnode/lab/v', 'two', { Overwrite: true });
    const second = (await f.ssm.send(new GetParameterCommand({ Name: '/swarmnode/lab/v' }))).Parameter;
    expect([first?.Version, second?.Version]).toEqual([1, 2]);
    expect(second?.LastModifiedDate?.getTime()).toBeGreaterThan(first?.LastModifiedDate?.getTime() ?? Infinity);
    const listed = (await f.ssm.send(new GetParametersByPathCommand({ Path: '/swarmnode/lab' }))).Parameters?.[0];
    expect(listed).toMatchObject({ Name: '/swarmnode/lab/v', Value: 'two', Version: 2, LastModifiedDate: second?.LastModifiedDate });
  });
});
