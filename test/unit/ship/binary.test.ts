import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const packageVersion: string = JSON.parse(readFileSync('package.json', 'utf8')).version;

describe('dist/swarmnode (built by npm run build)', () => {
  it('is a Node single executable that answers --version with the package version', () => {
    const output = execFileSync('dist/swarmnode', ['--version'], { encoding: 'utf8', env: {} });
    expect(output).toContain(packageVersion);
  });

  it('carries the SEA blob: the fuse Node checks at start-up is flipped', () => {
    const binary = readFileSync('dist/swarmnode');
    expect(binary.includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')).toBe(true);
  });
});
