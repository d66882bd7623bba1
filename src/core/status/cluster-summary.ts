import type { SwarmNode } from '../../ports/engine.js';
import type { FleetView } from '../../ports/fleet.js';
import { quorumState, type QuorumState } from '../cluster/quorum.js';
import { HELD_CAUSES, managerMembers, type HeldCause, type HeldStep } from '../reconcile/plan.js';
import { buildStatus, DRIFT_KINDS, type DriftKind } from './report.js';

/** Raft reachability as the engine reports it; anything else it says counts as unknown. */
export const REACHABILITIES = ['reachable', 'unreachable', 'unknown'] as const;
export type Reachability = (typeof REACHABILITIES)[number];

export interface NodeCount {
  role: SwarmNode['role'];
  state: string;
  availability: SwarmNode['availability'];
  count: number;
}

/**
 * The cluster-wide numbers the leader exports: every bounded kind is present (0 when none), so a
 * series never vanishes just because the cluster is healthy.
 */
export interface ClusterSummary {
  managers: Record<Reachability, number>;
  quorum: QuorumState;
  /** Reachable managers minus the votes quorum needs: 0 = one more loss stops the swarm, < 0 = lost. */
  quorumMargin: number;
  nodes: NodeCount[];
  drift: Record<DriftKind, number>;
  held: Record<HeldCause, number>;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
}

function reachabilityOf(node: SwarmNode): Reachability {
  const said = node.manager?.reachability;
  return said === 'reachable' || said === 'unreachable' ? said : 'unknown';
}

/** What the leader saw this round, counted: the same rules as `swarmnode status` and the plan. */
export function summarizeCluster(nodes: readonly SwarmNode[], fleet: FleetView, held: readonly HeldStep[]): ClusterSummary {
  const managers = zeros(REACHABILITIES);
  for (const node of nodes) if (node.manager !== undefined) managers[reachabilityOf(node)]++;
  const quorum: QuorumState = quorumState(managerMembers(nodes));
  const byStatus = new Map<string, NodeCount>();
  for (const node of nodes) {
    const key = `${node.role}/${node.state}/${node.availability}`;
    const count = byStatus.get(key) ?? { role: node.role, state: node.state, availability: node.availability, count: 0 };
    count.count++;
    byStatus.set(key, count);
  }
  const drift = zeros(DRIFT_KINDS);
  for (const row of buildStatus({ fleet, nodes }).rows) for (const kind of row.driftKinds) drift[kind]++;
  const heldByCause = zeros(HELD_CAUSES);
  for (const step of held) heldByCause[step.cause]++;
  return { managers, quorum, quorumMargin: quorum.reachable - quorum.needed, nodes: [...byStatus.values()], drift, held: heldByCause };
}
