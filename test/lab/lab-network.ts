import type { LabPaths } from './lab-paths.js';
import { ensureNeighbourTableRoom } from './neighbour-table.js';
import { mustRun, runCommand } from './run-command.js';
import { subnetPrefix } from './subnet-claim.js';

/**
 * The lab's layer 2: a bridge in a namespace of its own (so the host's iptables FORWARD policy never
 * applies), one veth per instance, and one veth from the root namespace so the fake AWS endpoint and
 * IMDS, listening on <prefix>.1, see each instance's own source IP.
 */
export class LabNetwork {
  constructor(
    private readonly paths: LabPaths,
    readonly k: number,
  ) {}

  get hostIp(): string {
    return `${subnetPrefix(this.k)}.1`;
  }

  async create(): Promise<void> {
    const { bridgeNs, hostLink } = this.paths;
    ensureNeighbourTableRoom();
    await mustRun('ip', ['netns', 'add', bridgeNs]);
    await mustRun('ip', ['-n', bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    await mustRun('ip', ['-n', bridgeNs, 'link', 'set', 'br0', 'up']);
    await mustRun('ip', ['link', 'add', hostLink, 'type', 'veth', 'peer', 'name', 'host', 'netns', bridgeNs]);
    await mustRun('ip', ['-n', bridgeNs, 'link', 'set', 'host', 'master', 'br0', 'up']);
    await mustRun('ip', ['addr', 'add', `${this.hostIp}/24`, 'dev', hostLink]);
    await mustRun('ip', ['link', 'set', hostLink, 'up']);
  }

  /** A namespace for the instance with lo up, eth0 on the bridge with its private IP. */
  async addInstance(privateIp: string): Promise<string> {
    const ns = this.paths.instanceNs(privateIp);
    const port = this.paths.bridgePort(privateIp);
    await mustRun('ip', ['netns', 'add', ns]);
    await mustRun('ip', ['link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.paths.bridgeNs]);
    await mustRun('ip', ['-n', this.paths.bridgeNs, 'link', 'set', port, 'master', 'br0', 'up']);
    await mustRun('ip', ['-n', ns, 'addr', 'add', `${privateIp}/24`, 'dev', 'eth0']);
    await mustRun('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    // No default route: everything an instance needs is on the /24, and anything trying the
    // internet (an image pull) fails at once instead of waiting for a timeout.
    await mustRun('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Deleting the namespace destroys its veth, and with it the peer on the bridge. */
  async removeInstance(privateIp: string): Promise<void> {
    await deleteNamespace(this.paths.instanceNs(privateIp));
  }

  /** A firewall rule in the instance itself: outgoing TCP to `port` is refused (or allowed again). */
  async blockOutgoing(privateIp: string, port: number, blocked: boolean): Promise<void> {
    const rule = ['OUTPUT', '-p', 'tcp', '--dport', String(port), '-j', 'REJECT', '--reject-with', 'tcp-reset'];
    const ns = this.paths.instanceNs(privateIp);
    if (blocked) await mustRun('ip', ['netns', 'exec', ns, 'iptables', '-A', ...rule]);
    else await runCommand('ip', ['netns', 'exec', ns, 'iptables', '-D', ...rule]);
  }

  /** Partition: the instance keeps its address and EC2 still says running, but nothing reaches it. */
  async setInstanceLink(privateIp: string, up: boolean): Promise<void> {
    await mustRun('ip', ['-n', this.paths.bridgeNs, 'link', 'set', this.paths.bridgePort(privateIp), up ? 'up' : 'down']);
  }
}

export async function deleteNamespace(ns: string): Promise<void> {
  const res = await runCommand('ip', ['netns', 'del', ns]);
  if (res.code !== 0 && (await namespaces()).includes(ns)) {
    await mustRun('ip', ['netns', 'del', ns]);
  }
}

export async function namespaces(): Promise<string[]> {
  const out = (await runCommand('ip', ['netns', 'list'])).stdout;
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((ns) => ns !== '');
}

export async function linkExists(name: string): Promise<boolean> {
  return (await runCommand('ip', ['link', 'show', 'dev', name])).code === 0;
}
