import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LabUnavailableError } from './lab-errors.js';
import { mustRun } from './run-command.js';

export const BUSYBOX = '/bin/busybox';

// The applets services and tests use; busybox-static dispatches on argv[0].
const APPLETS = ['sh', 'sleep', 'echo', 'cat', 'ls', 'ps', 'env', 'true', 'false', 'hostname', 'wget', 'nc', 'ip', 'ping', 'top', 'kill', 'date', 'id'];

/**
 * Writes a `docker import`-able tarball of a minimal busybox root filesystem (no registry is
 * reachable, so every engine gets its image from this file, as an AMI would have it baked in).
 */
export async function buildBusyboxTar(workDir: string, tarPath: string): Promise<void> {
  if (!existsSync(BUSYBOX)) {
    throw new LabUnavailableError(`${BUSYBOX} is missing`, 'apt-get install -y busybox-static');
  }
  const root = join(workDir, 'busybox-rootfs');
  await rm(root, { recursive: true, force: true });
  await mkdir(join(root, 'bin'), { recursive: true });
  for (const dir of ['tmp', 'etc', 'proc', 'sys', 'dev']) await mkdir(join(root, dir));
  await copyFile(BUSYBOX, join(root, 'bin', 'busybox'));
  await chmod(join(root, 'bin', 'busybox'), 0o755);
  for (const applet of APPLETS) await symlink('busybox', join(root, 'bin', applet));
  await mustRun('tar', ['-C', root, '-cf', tarPath, '.']);
  await rm(root, { recursive: true, force: true });
}
