import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';

const packerDir = 'packer';
const templates = readdirSync(packerDir).filter((name) => name.endsWith('.pkr.hcl'));

async function parseTemplate(name: string): Promise<Record<string, any>> {
  return parse(name, readFileSync(join(packerDir, name), 'utf8'));
}

/** `${path.root}` is the template's directory, as Packer resolves it. */
function fromRoot(path: string): string {
  return resolve(packerDir, path.replace('${path.root}/', ''));
}

describe('packer templates', () => {
  it.each(templates)('%s parses as HCL2', async (name) => {
    expect(Object.keys(await parseTemplate(name)).length).toBeGreaterThan(0);
  });

  it('keeps required_plugins out of the main template, in a file of its own', async () => {
    const withPlugins = [];
    for (const name of templates) {
      const packerBlocks: Record<string, unknown>[] = (await parseTemplate(name)).packer ?? [];
      if (packerBlocks.some((block) => 'required_plugins' in block)) withPlugins.push(name);
    }
    expect(withPlugins).toEqual(['plugins.pkr.hcl']);
  });

  it('uploads the built binaries, the shipped units and scripts that all exist', async () => {
    const build = (await parseTemplate('swarmnode.pkr.hcl')).build[0];
    const uploads: string[] = build.provisioner.file[0].sources;
    const scripts: string[] = [
      ...build.provisioner.shell[0].scripts,
      build['post-processor']['shell-local'][0].script,
    ];
    const units = readdirSync('systemd').map((unit) => resolve('systemd', unit));
    expect(uploads.map(fromRoot)).toEqual(expect.arrayContaining(units));
    const binaries = ['swarmnode', 'swarmnode-linux-arm64'].map((binary) =>
      uploads[0]!.replace('${local.binary}', binary),
    );
    for (const path of [...binaries, ...scripts].map(fromRoot)) expect(existsSync(path), path).toBe(true);
  });

  it('wipes the swarm state, engine identity, swarmnode state and machine-id before the image is taken', () => {
    const script = readFileSync(join(packerDir, 'scripts', 'forget-identity.sh'), 'utf8');
    for (const command of ['rm -rf /var/lib/docker/swarm', 'rm -f /etc/docker/key.json', 'rm -rf /var/lib/swarmnode', 'truncate -s 0 /etc/machine-id']) {
      expect(script.split('\n')).toContain(command);
    }
  });
});
