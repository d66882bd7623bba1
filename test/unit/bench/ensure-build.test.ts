import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { staleReason } from '../../../bench/ensure-build.js';

describe('staleReason', () => {
  let root: string;
  const touch = (path: string, epochSeconds: number): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '');
    utimesSync(join(root, path), epochSeconds, epochSeconds);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ensure-build-'));
    touch('src/app/boot.ts', 1_000);
    // Directories get the mtime of their last change; pin them too, so only files decide.
    utimesSync(join(root, 'src/app'), 1_000, 1_000);
    utimesSync(join(root, 'src'), 1_000, 1_000);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('asks for a build when there is no binary', () => {
    expect(staleReason(root)).toBe('dist/swarmnode is missing');
  });

  it('is satisfied by a binary newer than every source', () => {
    touch('dist/swarmnode', 2_000);
    expect(staleReason(root)).toBeUndefined();
  });

  it('names what changed after the build, down in nested directories', () => {
    touch('dist/swarmnode', 2_000);
    touch('src/app/boot.ts', 3_000);
    expect(staleReason(root)).toBe('dist/swarmnode is older than src');
  });
});
