import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { BUSYBOX } from './busybox-image.js';
import { LabUnavailableError } from './lab-errors.js';
import { SYSTEM_PATH } from './run-command.js';

const TOOLS: Record<string, string> = {
  dockerd: 'apt-get install -y docker.io',
  containerd: 'apt-get install -y docker.io',
  runc: 'apt-get install -y docker.io',
  ip: 'apt-get install -y iproute2',
  nsenter: 'apt-get install -y util-linux',
  unshare: 'apt-get install -y util-linux',
  umount: 'apt-get install -y mount',
  tar: 'apt-get install -y tar',
};

export function findTool(name: string): string | undefined {
  return SYSTEM_PATH.split(':')
    .map((dir) => join(dir, name))
    .find((path) => isExecutable(path));
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Everything a lab needs from the machine, checked before anything is created. */
export function preflight(opts: { agentBinary?: string }): void {
  if (process.getuid?.() !== 0) {
    throw new LabUnavailableError('the lab needs root (network namespaces, dockerd, mounts)', 'run it as root, e.g. `sudo npm run lab -- ...`');
  }
  for (const [tool, fix] of Object.entries(TOOLS)) {
    if (findTool(tool) === undefined) throw new LabUnavailableError(`${tool} is not installed`, fix);
  }
  if (!isExecutable(BUSYBOX)) throw new LabUnavailableError(`${BUSYBOX} is missing`, 'apt-get install -y busybox-static');
  if (opts.agentBinary !== undefined && !isExecutable(opts.agentBinary)) {
    throw new LabUnavailableError(`the swarmnode binary ${opts.agentBinary} is missing`, 'run `npm run build` (or start the lab without the agent: --no-agent / agent: false)');
  }
}

/** The docker CLI is only needed by `exec`/dockerCli, so it is checked there. */
export function requireDockerCli(): string {
  const docker = findTool('docker');
  if (docker === undefined) throw new LabUnavailableError('the docker CLI is not installed', 'apt-get install -y docker.io');
  return docker;
}
