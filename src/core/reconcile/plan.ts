import type { Role } from '../../config/config.js';
import type { SwarmNode } from '../../ports/engine.js';
import type { FleetView } from '../../ports/fleet.js';
import { canTakeOutManager, quorumState, type ManagerMember, type QuorumState } from '../cluster/quorum.js';
import { desiredLabels, labelDrift } from './labels.js';
import { matchNodesToInstances, type NodeMatch } from './match.js';
import { reapVerdict } from './reap.js';

/** What the leader observed this round; everything the decision depends on. */
export interface ReconcileFacts {
  now: number;
  nodes: readonly SwarmNode[];
  fleet: FleetView;
  /** EC2 states of instances named by node labels but in no cluster ASG (see reapVerdict). */
  ec2States: ReadonlyMap<string, string>;
  /** nodeId -> when this process first saw it Down. */
  downSince: ReadonlyMap<string, number>;
  reapAfterMs: number;
  /** Roles whose SSM token differs from the swarm's current one. */
  tokenDrift: readonly Role[];
}

export type ReconcileAction =
  | { kind: 'demote'; nodeId: string; hostname: string; reason: string }
  | { kind: 'remove'; nodeId: string; hostname: string; reason: string }
  | { kind: 'drain'; nodeId: string; hostname: string; reason: string }
  | { kind: 'label'; nodeId: string; hostname: string; labels: Record<string, string>; reason: string }
  | { kind: 'publish-token'; role: Role; reason: string };

type DemoteAction = Extract<ReconcileAction, { kind: 'demote' }>;

export interface ReconcilePlan {
  actions: ReconcileAction[];
  /** Steps wanted but not taken this round, and why (quorum, timing, one manager change per round). */
  held: { nodeId: string; hostname: string; wanted: string; reason: string; downForSec?: number }[];
  quorum: QuorumState;
}

export function managerMembers(nodes: readonly SwarmNode[]): ManagerMember[] {
  return nodes
    .filter((n) => n.role === 'manager')
    .map((n) => ({ nodeId: n.id, reachable: n.manager?.reachability === 'reachable' }));
}

function isTerminating(match: NodeMatch): boolean {
  return match.instance?.lifecycleState.startsWith('Terminating') ?? false;
}

/**
 * One safe step of the swarm toward the ASGs. Manager changes (demote, remove) are limited to one per
 * round and each must pass the quorum rule; the candidates that improve quorum (taking out an
 * unreachable member) come before those that spend it (demoting a terminating, reachable one).
 */
export function planReconcile(facts: ReconcileFacts): ReconcilePlan {
  const matches = matchNodesToInstances(facts.nodes, facts.fleet.instances);
  const managers = managerMembers(facts.nodes);
  const actions: ReconcileAction[] = [];
  const held: ReconcilePlan['held'] = [];
  const managerChanges: { action: DemoteAction; wanted: string }[] = [];

  for (const match of matches) {
    const { node } = match;
    const base = { nodeId: node.id, hostname: node.hostname };
    if (node.state === 'down') {
      const verdict = reapVerdict(match, facts.ec2States);
      if (!verdict.reapable) {
        held.push({ ...base, wanted: 'reap', reason: `never reaped: ${verdict.why}` });
        continue;
      }
      const since = facts.downSince.get(node.id) ?? facts.now;
      const leftOnPurpose = node.availability === 'drain';
      const downFor = facts.now - since;
      if (!leftOnPurpose && downFor < facts.reapAfterMs) {
        held.push({ ...base, wanted: 'reap', reason: `Down for less than REAP_AFTER; ${verdict.why}`, downForSec: Math.round(downFor / 1000) });
        continue;
      }
      const why = leftOnPurpose ? `drained and left; ${verdict.why}` : `Down for ${Math.round(downFor / 1000)}s; ${verdict.why}`;
      if (node.role === 'manager') managerChanges.push({ action: { kind: 'demote', ...base, reason: `reap: ${why}` }, wanted: 'demote before removal' });
      else actions.push({ kind: 'remove', ...base, reason: `reap: ${why}` });
      continue;
    }
    if (isTerminating(match)) {
      const lifecycle = match.instance?.lifecycleState ?? '';
      if (node.availability !== 'drain') actions.push({ kind: 'drain', ...base, reason: `instance ${match.instanceId} is ${lifecycle}` });
      if (node.role === 'manager') {
        managerChanges.push({ action: { kind: 'demote', ...base, reason: `instance ${match.instanceId} is ${lifecycle}` }, wanted: 'demote' });
      }
    }
    if (match.instance !== undefined) {
      const desired = desiredLabels(match.instance);
      const drift = labelDrift(node.labels, desired);
      if (drift.length > 0) actions.push({ kind: 'label', ...base, labels: { ...node.labels, ...desired }, reason: `labels out of date: ${drift.join(', ')}` });
    }
  }

  const downFirst = managerChanges.sort((a, b) => Number(isReachable(managers, a.action)) - Number(isReachable(managers, b.action)));
  let changed = false;
  for (const { action, wanted } of downFirst) {
    if (changed) {
      held.push({ nodeId: action.nodeId, hostname: action.hostname, wanted, reason: 'one manager change per round' });
      continue;
    }
    const verdict = canTakeOutManager(managers, action.nodeId);
    if (verdict.allowed) {
      actions.unshift(action);
      changed = true;
    } else {
      held.push({ nodeId: action.nodeId, hostname: action.hostname, wanted, reason: `quorum rule: ${verdict.reason}` });
    }
  }

  for (const role of facts.tokenDrift) actions.push({ kind: 'publish-token', role, reason: `the SSM ${role} token differs from the swarm's` });
  return { actions, held, quorum: quorumState(managers) };
}

function isReachable(managers: readonly ManagerMember[], action: DemoteAction): boolean {
  return managers.some((m) => m.nodeId === action.nodeId && m.reachable);
}
