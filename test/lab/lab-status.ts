import type { Lab } from './lab.js';

export interface StatusRow {
  instanceId: string;
  group: string;
  role: string;
  privateIp: string;
  hostname: string;
  lifecycle: string;
  ec2: string;
  /** The engine's view: LocalNodeState, and manager/worker when active. */
  swarm: string;
}

const ENGINE_TIMEOUT_MS = 3_000;

export async function labStatus(lab: Lab): Promise<StatusRow[]> {
  return Promise.all(
    lab.instances().map(async (i) => {
      const cloud = lab.cloud.instance(i.instanceId);
      return {
        instanceId: i.instanceId,
        group: i.asgName,
        role: i.role,
        privateIp: i.privateIp,
        hostname: i.hostname,
        lifecycle: cloud?.lifecycleState ?? '-',
        ec2: cloud?.ec2State ?? '-',
        swarm: i.running ? await engineSwarmState(lab, i.instanceId) : '-',
      };
    }),
  );
}

async function engineSwarmState(lab: Lab, instanceId: string): Promise<string> {
  const info = lab
    .docker(instanceId)
    .info()
    .then((raw: { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } }) => {
      const state = raw.Swarm?.LocalNodeState ?? 'unknown';
      return state === 'active' ? `active (${raw.Swarm?.ControlAvailable ? 'manager' : 'worker'})` : state;
    });
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('engine not answering'), ENGINE_TIMEOUT_MS).unref());
  return Promise.race([info.catch(() => 'engine not answering'), timeout]);
}

export function formatStatus(rows: readonly StatusRow[]): string {
  const header: StatusRow = { instanceId: 'INSTANCE', group: 'GROUP', role: 'ROLE', privateIp: 'IP', hostname: 'HOSTNAME', lifecycle: 'LIFECYCLE', ec2: 'EC2', swarm: 'SWARM' };
  const keys = Object.keys(header) as (keyof StatusRow)[];
  const all = [header, ...rows];
  const widths = keys.map((k) => Math.max(...all.map((r) => r[k].length)));
  return all.map((r) => keys.map((k, n) => r[k].padEnd(widths[n] ?? 0)).join('  ').trimEnd()).join('\n');
}
