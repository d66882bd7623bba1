import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bundle, bundleApart } from '../../../scripts/sea/bundle.mjs';

describe('bundle for the single executable', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'swarmnode-bundle-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function write(source: string): string {
    const entry = join(dir, 'entry.js');
    writeFileSync(entry, source);
    return entry;
  }

  it('replaces the optional native modules by a stub that throws MODULE_NOT_FOUND', async () => {
    const entry = write(
      [
        "const found = [];",
        "for (const load of [() => require('cpu-features'), () => require('supports-color'), () => require('./x/sshcrypto.node')]) {",
        "  try { load(); found.push('loaded'); } catch (error) { found.push(error.code); }",
        '}',
        'module.exports = found;',
      ].join('\n'),
    );
    const outfile = join(dir, 'out.cjs');
    const metafile = await bundle({ entry, outfile });

    const imports = Object.values(metafile.outputs).flatMap((output) => output.imports);
    expect(imports.filter((imported) => imported.external)).toEqual([]);
    const exported: unknown = (await import(outfile)).default;
    expect(exported).toEqual(['MODULE_NOT_FOUND', 'MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);
  });

  it('leaves out the SSH and BuildKit transports: they load (dockerode requires them at start) but refuse to be used', async () => {
    const entry = write(
      [
        "const { Client } = require('ssh2');",
        "const grpc = require('@grpc/grpc-js');",
        'const refused = [];',
        'for (const use of [() => new Client(), () => new grpc.Server()]) {',
        '  try { use(); refused.push(false); } catch (error) { refused.push(/DOCKER_HOST must be a unix:\\/\\/ or tcp:\\/\\/ address/.test(error.message)); }',
        '}',
        'module.exports = refused;',
      ].join('\n'),
    );
    const outfile = join(dir, 'out.cjs');
    await bundle({ entry, outfile });
    expect((await import(outfile)).default).toEqual([true, true]);
    expect(readFileSync(outfile, 'utf8')).not.toContain('ssh-userauth');
  });

  it('keeps builtins, static or dynamic, as the only external imports', async () => {
    const entry = write("const os = require('node:os');\nmodule.exports = () => import('node:fs').then(() => os.arch());\n");
    const outfile = join(dir, 'out.cjs');
    const metafile = await bundle({ entry, outfile });

    const external = Object.values(metafile.outputs)
      .flatMap((output) => output.imports)
      .filter((imported) => imported.external)
      .map((imported) => imported.path);
    expect(external.sort()).toEqual(['node:fs', 'node:os']);
    expect(readFileSync(outfile, 'utf8')).not.toContain('require("cpu-features")');
  });

  it('fails the build when a non-builtin require would be left for run time', async () => {
    const entry = write("let optional;\ntry { optional = require('surely-not-installed-module'); } catch {}\nmodule.exports = optional;\n");
    await expect(bundle({ entry, outfile: join(dir, 'out.cjs') })).rejects.toThrow(
      /external require-call of "surely-not-installed-module"/,
    );
  });

  it('bundles the AWS SDK apart (src/adapters/aws/aws-sdk.ts), tree-shaken to the commands it exports, and the commands still work', async () => {
    const outfile = join(dir, 'sdk.cjs');
    await bundleApart({ entry: join(process.cwd(), 'src', 'adapters', 'aws', 'aws-sdk.ts'), outfile });
    const whole = readFileSync(outfile, 'utf8');
    // EC2 has ~700 operations; the schemas of one it does not export are gone.
    expect(whole).not.toContain('WithdrawByoipCidr');
    expect(whole).toContain('DescribeInstances');
    expect(Buffer.byteLength(whole)).toBeLessThan(1_000_000);

    const server = createServer((request, response) => {
      response.setHeader('content-type', 'text/xml');
      response.end(
        '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet><item>' +
          '<reservationId>r-1</reservationId><instancesSet><item><instanceId>i-1</instanceId><privateIpAddress>10.0.0.7</privateIpAddress>' +
          '<instanceState><code>16</code><name>running</name></instanceState><tagSet><item><key>swarmnode:role</key><value>manager</value></item></tagSet>' +
          '</item></instancesSet></item></reservationSet></DescribeInstancesResponse>',
      );
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    try {
      const sdk = (await import(outfile)) as { EC2Client: new (c: object) => { send(c: unknown): Promise<unknown>; destroy(): void }; DescribeInstancesCommand: new (i: object) => unknown };
      const client = new sdk.EC2Client({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
      const answer = (await client.send(new sdk.DescribeInstancesCommand({ InstanceIds: ['i-1'] }))) as { Reservations: { Instances: { InstanceId: string; PrivateIpAddress: string; State: { Name: string }; Tags: { Key: string; Value: string }[] }[] }[] };
      client.destroy();
      expect(answer.Reservations[0]?.Instances[0]).toMatchObject({ InstanceId: 'i-1', PrivateIpAddress: '10.0.0.7', State: { Name: 'running' }, Tags: [{ Key: 'swarmnode:role', Value: 'manager' }] });
    } finally {
      server.close();
    }
  });

  it('puts a loader of the asset in place of the module bundled apart, and refuses an `apart` nothing imports', async () => {
    const module = join(dir, 'sdk.ts');
    writeFileSync(module, "export const marker = 'the-module-itself';\n");
    const entry = join(dir, 'entry.ts');
    writeFileSync(entry, "export const load = () => import('./sdk.js');\n");
    const outfile = join(dir, 'out.cjs');
    await bundle({ entry, outfile, apart: { module, asset: 'sdk.cjs' } });
    const out = readFileSync(outfile, 'utf8');
    expect(out).toContain('node:sea');
    expect(out).toContain('"sdk.cjs"');
    expect(out).not.toContain('the-module-itself');

    await expect(bundle({ entry: write('module.exports = 1;\n'), outfile, apart: { module, asset: 'sdk.cjs' } })).rejects.toThrow(/nothing imports .*sdk\.ts/);
  });

  it('fails the SDK bundle when the schema files no longer look as inline-schema-keys expects, instead of shipping every schema', async () => {
    const pkg = join(dir, 'node_modules', '@aws-sdk', 'client-changed');
    mkdirSync(join(pkg, 'dist-es', 'schemas'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@aws-sdk/client-changed', module: './dist-es/index.js', sideEffects: false }));
    writeFileSync(join(pkg, 'dist-es', 'index.js'), "export { Used$ } from './schemas/schemas_0.js';\n");
    // Single quotes: not the layout the plugin reads.
    writeFileSync(join(pkg, 'dist-es', 'schemas', 'schemas_0.js'), "const _n = 'name';\nexport var Used$ = [3, { [_n]: 'x' }];\nexport var Unused$ = [3, { [_n]: 'y' }];\n");
    const entry = join(dir, 'sdk.ts');
    writeFileSync(entry, "export { Used$ } from '@aws-sdk/client-changed';\n");
    await expect(bundleApart({ entry, outfile: join(dir, 'sdk.cjs') })).rejects.toThrow(/changed the layout of its schema files/);
  });
});
