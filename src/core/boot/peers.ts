import type { FleetInstance, FleetView } from '../../ports/fleet.js';

/** Instances not running now: no use probing or joining through them. */
const GONE_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

function runningManager(i: FleetInstance): boolean {
  return i.role === 'manager' && !GONE_STATES.has(i.ec2State ?? '');
}

function leaving(i: FleetInstance): boolean {
  return i.lifecycleState.startsWith('Terminat');
}

/**
 * Private IPs of the cluster's other manager instances that run. A terminating manager is joined
 * through last: while its demotion is held it may be the one that leads (after a recovery, say),
 * and a swarm nobody can join never gets the managers it needs.
 */
export function joinablePeers(view: FleetView, self: string): string[] {
  return view.instances
    .filter((i) => runningManager(i) && i.instanceId !== self && i.privateIp !== undefined)
    .sort((a, b) => Number(leaving(a)) - Number(leaving(b)))
    .map((i) => i.privateIp as string);
}

/**
 * This instance's place among the cluster's manager instances (running, not being terminated)
 * ordered by instance id: 0 for the first, which tries a free init lock at once; the others give it
 * a head start (see plan.ts), so managers launched together do not all race for the lock.
 * undefined when it is not listed.
 */
export function electionRank(view: FleetView, self: string): number | undefined {
  const ids = view.instances
    .filter((i) => runningManager(i) && !leaving(i))
    .map((i) => i.instanceId)
    .sort();
  const rank = ids.indexOf(self);
  return rank === -1 ? undefined : rank;
}
