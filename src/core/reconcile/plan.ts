import type { SwarmSecret } from './secret.js';
import type { SwarmNode } from '../../ports/engine.js';
import type { Ec2Facts, FleetView } from '../../ports/fleet.js';
import { canTakeOutManager, quorumState, type ManagerMember, type QuorumState } from '../cluster/quorum.js';
import { desiredLabels, labelDrift } from './labels.js';
import { matchNodesToInstances, type NodeMatch } from './match.js';
import { reapVerdict } from './reap.js';

/** A manager change the engine refused: it waits until `until` so the others get their turn. */
export interface Refusal {
  until: number;
  reason: string;
}

/** What the leader observed this round; everything the decision depends on. */
export interface ReconcileFacts {
  now: number;
  nodes: readonly SwarmNode[];
  fleet: FleetView;
  /** What EC2 says of instances named by node labels but in no cluster ASG (see reapVerdict): a warm pool instance, a detached one. */
  orphans: ReadonlyMap<string, Ec2Facts>;
  /** nodeId -> when this process first saw it Down. */
  downSince: ReadonlyMap<string, number>;
  reapAfterMs: number;
  /** Swarm secrets (tokens, unlock key) whose SSM parameter differs from the swarm's current value. */
  secretDrift: readonly SwarmSecret[];
  /** nodeId -> the engine's last refusal of a manager change for that node. */
  refused: ReadonlyMap<string, Refusal>;
}

export type ReconcileAction =
  | { kind: 'demote'; nodeId: string; hostname: string; reason: string }
  | { kind: 'remove'; nodeId: string; hostname: string; reason: string }
  /** `drainedFor`: the instance's own request, noted on the node so the drain can be undone once it is past. */
  | { kind: 'drain'; nodeId: string; hostname: string; drainedFor: string | undefined; reason: string }
  | { kind: 'activate'; nodeId: string; hostname: string; reason: string }
  /** `labels`: swarmnode's own, set over whatever labels the node has when the update is sent. */
  | { kind: 'label'; nodeId: string; hostname: string; labels: Record<string, string>; reason: string }
  | { kind: 'publish-secret'; secret: SwarmSecret; reason: string };

type DemoteAction = Extract<ReconcileAction, { kind: 'demote' }>;

/** Why a step is held back: bounded kinds for counting and alerting. */
export const HELD_CAUSES = ['quorum', 'timing', 'turn', 'refused', 'alive'] as const;
export type HeldCause = (typeof HELD_CAUSES)[number];

export interface HeldStep {
  nodeId: string;
  hostname: string;
  wanted: string;
  cause: HeldCause;
  reason: string;
  downForSec?: number;
}

export interface ReconcilePlan {
  actions: ReconcileAction[];
  /** Steps wanted but not taken this round, and why (quorum, timing, one manager change per round). */
  held: HeldStep[];
  quorum: QuorumState;
}

/** Raft membership as the engine reports it (ManagerStatus), not the node spec's desired role. */
export function managerMembers(nodes: readonly SwarmNode[]): ManagerMember[] {
  return nodes.filter((n) => n.manager !== undefined).map((n) => ({ nodeId: n.id, reachable: n.manager?.reachability === 'reachable' }));
}

function isRaftMember(node: SwarmNode): boolean {
  return node.manager !== undefined;
}

/** Labels the node the leader drained for its instance's own request (not for a termination). */
export const DRAINED_FOR_LABEL = 'swarmnode.drained-for';
/** Requests of an instance that is going away (spot interruption, scale-in into a warm pool): demoted too. */
const LEAVING_REQUESTS = new Set(['spot', 'scale-in']);

/** The instance's `swarmnode:drain` tag, whether it is a group member or not (a warm pool instance). */
function drainRequestOf(match: NodeMatch, orphans: ReadonlyMap<string, Ec2Facts>): string | undefined {
  return match.instance?.drainRequest ?? (match.instanceId === undefined ? undefined : orphans.get(match.instanceId)?.drainRequest);
}

/** Why the node has to leave the swarm: its instance is being terminated, or asked to be taken out. */
function leavingReason(match: NodeMatch, request: string | undefined): string | undefined {
  const instance = match.instance;
  if (instance !== undefined && instance.lifecycleState.startsWith('Terminating')) return `instance ${instance.instanceId} is ${instance.lifecycleState}`;
  if (request !== undefined && LEAVING_REQUESTS.has(request)) return `instance ${match.instanceId ?? '?'} asked to be taken out (${request})`;
  return undefined;
}

/**
 * One safe step of the swarm toward the ASGs. Manager changes (demote, remove) are limited to one per
 * round and each must pass the quorum rule; the candidates that improve quorum (taking out an
 * unreachable member) come before those that spend it (demoting a leaving, reachable one), and a
 * change the engine refused waits its backoff without holding the others back.
 */
export function planReconcile(facts: ReconcileFacts): ReconcilePlan {
  const matches = matchNodesToInstances(facts.nodes, facts.fleet.instances);
  const managers = managerMembers(facts.nodes);
  const actions: ReconcileAction[] = [];
  const held: HeldStep[] = [];
  const managerChanges: { action: DemoteAction; wanted: string }[] = [];

  for (const match of matches) {
    const { node } = match;
    const base = { nodeId: node.id, hostname: node.hostname };
    if (node.state === 'down') {
      const verdict = reapVerdict(match, facts.orphans);
      if (!verdict.reapable) {
        held.push({ ...base, wanted: 'reap', cause: 'alive', reason: `never reaped: ${verdict.why}` });
        continue;
      }
      const since = facts.downSince.get(node.id) ?? facts.now;
      const leftOnPurpose = node.availability === 'drain';
      const downFor = facts.now - since;
      if (!leftOnPurpose && downFor < facts.reapAfterMs) {
        held.push({ ...base, wanted: 'reap', cause: 'timing', reason: `Down for less than REAP_AFTER; ${verdict.why}`, downForSec: Math.round(downFor / 1000) });
        continue;
      }
      const why = leftOnPurpose ? `drained and left; ${verdict.why}` : `Down for ${Math.round(downFor / 1000)}s; ${verdict.why}`;
      // A raft member is demoted first (a manager change); a node out of raft is removed, whatever its spec says.
      if (isRaftMember(node)) managerChanges.push({ action: { kind: 'demote', ...base, reason: `reap: ${why}` }, wanted: 'demote before removal' });
      else actions.push({ kind: 'remove', ...base, reason: `reap: ${why}` });
      continue;
    }
    const request = drainRequestOf(match, facts.orphans);
    const leaving = leavingReason(match, request);
    if (leaving !== undefined) {
      if (node.availability !== 'drain') actions.push({ kind: 'drain', ...base, drainedFor: undefined, reason: leaving });
      if (isRaftMember(node)) managerChanges.push({ action: { kind: 'demote', ...base, reason: leaving }, wanted: 'demote' });
    } else if (request !== undefined) {
      // Drained, not taken out: a rebalance recommendation or a scheduled event ahead.
      if (node.availability !== 'drain') actions.push({ kind: 'drain', ...base, drainedFor: request, reason: `instance ${match.instanceId ?? '?'} asked to be drained (${request})` });
    } else if (node.labels[DRAINED_FOR_LABEL] !== undefined && node.availability === 'drain' && match.instance?.lifecycleState === 'InService') {
      actions.push({ kind: 'activate', ...base, reason: `instance ${match.instanceId ?? '?'} no longer asks to be drained (was: ${node.labels[DRAINED_FOR_LABEL]})` });
    }
    if (match.instance !== undefined) {
      const desired = desiredLabels(match.instance);
      const drift = labelDrift(node.labels, desired);
      if (drift.length > 0) actions.push({ kind: 'label', ...base, labels: desired, reason: `labels out of date: ${drift.join(', ')}` });
    }
  }

  const downFirst = managerChanges.sort((a, b) => Number(isReachable(managers, a.action)) - Number(isReachable(managers, b.action)));
  let changed = false;
  for (const { action, wanted } of downFirst) {
    const ref = { nodeId: action.nodeId, hostname: action.hostname, wanted };
    const refusal = facts.refused.get(action.nodeId);
    if (refusal !== undefined && refusal.until > facts.now) {
      held.push({ ...ref, cause: 'refused', reason: `the engine refused it (${refusal.reason}); next try in ${Math.ceil((refusal.until - facts.now) / 1000)}s` });
      continue;
    }
    if (changed) {
      held.push({ ...ref, cause: 'turn', reason: 'one manager change per round' });
      continue;
    }
    const verdict = canTakeOutManager(managers, action.nodeId);
    if (verdict.allowed) {
      actions.unshift(action);
      changed = true;
    } else {
      held.push({ ...ref, cause: 'quorum', reason: `quorum rule: ${verdict.reason}` });
    }
  }

  for (const secret of facts.secretDrift) actions.push({ kind: 'publish-secret', secret, reason: `the SSM ${secret} differs from the swarm's` });
  return { actions, held, quorum: quorumState(managers) };
}

function isReachable(managers: readonly ManagerMember[], action: DemoteAction): boolean {
  return managers.some((m) => m.nodeId === action.nodeId && m.reachable);
}
