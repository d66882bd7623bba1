import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LabUsageError } from './lab-errors.js';

/** Every lab lives under here; /run is a tmpfs, so a host reboot leaves nothing behind either. */
export const LAB_ROOT = '/run/swarmnode-lab';

/** Where each lab records which /24 it holds, so two labs never share one. */
export const SUBNET_CLAIMS = join(LAB_ROOT, '.subnets');

// Short on purpose: unix socket paths under an instance's exec-root must stay below 108 bytes.
const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,19}$/;

export function assertLabName(name: string): void {
  if (!NAME_PATTERN.test(name)) {
    throw new LabUsageError(
      `bad lab name '${name}'`,
      'use 1-20 characters of a-z, 0-9 and -, starting with a letter or digit',
    );
  }
}

/** Names and paths of one lab, all derived from its name so that cleanup works without any state. */
export class LabPaths {
  readonly dir: string;
  /** Short prefix of the lab's namespaces and root-namespace link (Linux interface names <= 15 chars). */
  readonly tag: string;

  constructor(readonly name: string) {
    assertLabName(name);
    this.dir = join(LAB_ROOT, name);
    this.tag = `sl${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
  }

  get stateFile(): string {
    return join(this.dir, 'state.json');
  }
  get controlSocket(): string {
    return join(this.dir, 'control.sock');
  }
  get daemonLog(): string {
    return join(this.dir, 'daemon.log');
  }
  get imageTar(): string {
    return join(this.dir, 'busybox.tar');
  }
  /** The namespace holding the lab's bridge. */
  get bridgeNs(): string {
    return `${this.tag}-net`;
  }
  /** The root namespace's end of the link into the bridge (fake AWS and IMDS listen on it). */
  get hostLink(): string {
    return `${this.tag}h`;
  }
  /** cgroup (v1, cgroupfs driver) under which every container of the lab runs. */
  get cgroupParent(): string {
    return `swarmnode-lab.${this.name}`;
  }
  instanceNs(privateIp: string): string {
    return `${this.tag}-${lastOctet(privateIp)}`;
  }
  /** The bridge namespace's end of an instance's link; partition sets it down. */
  bridgePort(privateIp: string): string {
    return `v${lastOctet(privateIp)}`;
  }
  instanceDir(instanceId: string): string {
    return join(this.dir, instanceId);
  }
}

function lastOctet(ip: string): string {
  const octet = ip.split('.')[3];
  if (octet === undefined) throw new Error(`not an IPv4 address: ${ip}`);
  return octet;
}
