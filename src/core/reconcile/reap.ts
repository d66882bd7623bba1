import { isGoneForGood } from '../cluster/instance-gone.js';
import type { NodeMatch } from './match.js';
import type { Ec2Facts } from '../../ports/fleet.js';

/** EC2 states in which an instance may still come back: its node is never reaped (a partition heals). */
const ALIVE_EC2_STATES = new Set(['pending', 'running']);

export type ReapVerdict = { reapable: true; why: string } | { reapable: false; why: string };

/**
 * Whether a Down node's instance is gone for good: terminated, or in no cluster ASG, and in any case
 * not reported alive by EC2. `orphans` holds what EC2 says of instances named by a label but absent
 * from the cluster ASGs (missing entry: EC2 no longer knows the instance).
 */
export function reapVerdict(match: NodeMatch, orphans: ReadonlyMap<string, Ec2Facts>): ReapVerdict {
  const { instance, instanceId } = match;
  if (instance !== undefined) {
    const state = instance.ec2State ?? 'unknown';
    if (ALIVE_EC2_STATES.has(state)) return { reapable: false, why: `instance ${instance.instanceId} is ${instance.lifecycleState} and EC2 reports it ${state}` };
    if (isGoneForGood(state) || instance.lifecycleState === 'Terminated') {
      return { reapable: true, why: `instance ${instance.instanceId} is terminated (EC2 ${state})` };
    }
    return { reapable: false, why: `instance ${instance.instanceId} is still in ${instance.asgName} (EC2 ${state})` };
  }
  if (match.matchedBy === 'superseded') return { reapable: true, why: `instance ${instanceId ?? '?'} is now another node` };
  if (instanceId === undefined) return { reapable: true, why: 'no cluster ASG instance has its address' };
  const state = orphans.get(instanceId)?.state;
  if (state !== undefined && ALIVE_EC2_STATES.has(state)) {
    return { reapable: false, why: `instance ${instanceId} is in no cluster ASG but EC2 reports it ${state}` };
  }
  return { reapable: true, why: `instance ${instanceId} is in no cluster ASG (EC2 ${state ?? 'does not know it'})` };
}

/** Down-since times from observation: a node enters when first seen Down, leaves when seen otherwise. */
export function trackDownSince(
  previous: ReadonlyMap<string, number>,
  nodes: readonly { id: string; state: string }[],
  now: number,
): Map<string, number> {
  const next = new Map<string, number>();
  for (const node of nodes) {
    if (node.state === 'down') next.set(node.id, previous.get(node.id) ?? now);
  }
  return next;
}
