import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const binaryPath = 'dist/swarmnode-linux-arm64';
// Debian's qemu-user runs the dynamically linked arm64 Node with the cross C/C++ runtimes as sysroot.
const qemu = 'qemu-aarch64';
const sysroot = '/usr/aarch64-linux-gnu';
const elfMachineAarch64 = 0xb7;

describe('dist/swarmnode-linux-arm64 (for Graviton)', () => {
  it('is an aarch64 ELF carrying the SEA blob', () => {
    const binary = readFileSync(binaryPath);
    expect(binary.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binary.readUInt16LE(18)).toBe(elfMachineAarch64);
    expect(binary.includes('NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1')).toBe(true);
  });

  it('starts under qemu-user and answers --version like the x64 binary', () => {
    const probe = spawnSync(qemu, ['--version'], { encoding: 'utf8' });
    expect(
      probe.error,
      `${qemu} is needed for this smoke test: apt-get install -y qemu-user libc6-arm64-cross libstdc++6-arm64-cross`,
    ).toBeUndefined();
    const arm64 = execFileSync(qemu, ['-L', sysroot, binaryPath, '--version'], { encoding: 'utf8', env: {} });
    const x64 = execFileSync('dist/swarmnode', ['--version'], { encoding: 'utf8', env: {} });
    expect(arm64).toBe(x64);
  });
});
