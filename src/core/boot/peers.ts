import type { FleetView } from '../../ports/fleet.js';

/** Instances not running now: no use probing or joining through them. */
const GONE_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

/** Private IPs of the cluster's other manager instances that run and are not being terminated. */
export function joinablePeers(view: FleetView, self: string): string[] {
  return view.instances
    .filter((i) => i.role === 'manager' && i.instanceId !== self && i.privateIp !== undefined)
    .filter((i) => !GONE_STATES.has(i.ec2State ?? '') && !i.lifecycleState.startsWith('Terminat'))
    .map((i) => i.privateIp as string);
}
