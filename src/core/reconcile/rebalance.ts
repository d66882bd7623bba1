import type { SwarmNode, SwarmService, SwarmTask } from '../../ports/engine.js';
import type { ReconcilePlan } from './plan.js';

/** Only services carrying this label with the value `true` are ever rebalanced. */
export const REBALANCE_LABEL = 'swarmnode.rebalance';
/** Rebalances start at most this often, however many services and nodes are waiting. */
export const REBALANCE_INTERVAL_MS = 60_000;

/** What the leader knows when it considers a rebalance. */
export interface RebalanceFacts {
  now: number;
  nodes: readonly SwarmNode[];
  /** Nodes that were Ready and active when the last rebalance wave ended (or when this leader first looked). */
  baseline: ReadonlySet<string>;
  /** Services already rebalanced in this wave. */
  done: ReadonlySet<string>;
  services: readonly SwarmService[];
  /** Tasks (desired running) of the labelled services. */
  tasks: readonly SwarmTask[];
  lastRebalanceAt: number | undefined;
  /** This round's reconcile plan: what it does and holds, and quorum. */
  plan: Pick<ReconcilePlan, 'actions' | 'held' | 'quorum'>;
}

export type RebalanceStep =
  | { kind: 'rebalance'; serviceId: string; serviceName: string; newNodes: string[]; reason: string }
  /** A service is waiting, but not now. */
  | { kind: 'hold'; reason: string }
  /** No labelled service is left to spread onto the new nodes: the wave is over. */
  | { kind: 'done'; reason: string };

/** Nodes that can take tasks now: Ready and active. */
export function schedulableNodes(nodes: readonly SwarmNode[]): string[] {
  return nodes.filter((n) => n.state === 'ready' && n.availability === 'active').map((n) => n.id);
}

/** Nodes that became schedulable since the baseline: the only reason to rebalance at all. */
export function newNodes(nodes: readonly SwarmNode[], baseline: ReadonlySet<string>): string[] {
  return schedulableNodes(nodes).filter((id) => !baseline.has(id));
}

export function isRebalanced(service: SwarmService): boolean {
  return service.labels[REBALANCE_LABEL] === 'true';
}

/** Why a rolling update now could cost more than it gives: a drain, a held manager change, quorum in doubt. */
function blocker(facts: RebalanceFacts): string | undefined {
  const { quorum, held, actions } = facts.plan;
  if (!quorum.hasQuorum || quorum.reachable < quorum.members) return `quorum problem: ${quorum.reachable} of ${quorum.members} managers reachable`;
  const draining = facts.nodes.find((n) => n.availability === 'drain' && n.state !== 'down');
  if (draining !== undefined) return `a drain is in progress (${draining.hostname})`;
  if (actions.some((a) => a.kind === 'drain')) return 'a drain starts this round';
  const managerChange = held.find((h) => h.cause === 'quorum' || h.cause === 'turn' || h.cause === 'refused');
  if (managerChange !== undefined) return `a manager change is held (${managerChange.wanted} of ${managerChange.hostname}: ${managerChange.cause})`;
  if (actions.some((a) => a.kind === 'demote')) return 'a manager is demoted this round';
  return undefined;
}

/**
 * Whether to force a rolling update of one labelled service so its tasks spread onto nodes that
 * became Ready since the last wave (Swarm never moves running tasks by itself). A candidate is a
 * labelled replicated service with at least two replicas that runs nothing on some new node while
 * another node runs two or more of its tasks. One service at a time (none while a labelled one is
 * still updating), at most one start per REBALANCE_INTERVAL_MS, never while anything else is
 * moving the cluster; unlabelled services are never candidates.
 */
export function nextRebalance(facts: RebalanceFacts): RebalanceStep {
  const fresh = newNodes(facts.nodes, facts.baseline);
  if (fresh.length === 0) return { kind: 'done', reason: 'no node became Ready since the last rebalance' };
  const labelled = facts.services.filter(isRebalanced);
  const candidates = labelled
    .filter((s) => s.replicas !== undefined && s.replicas >= 2 && !facts.done.has(s.id))
    .map((service) => ({ service, missing: fresh.filter((node) => !facts.tasks.some((t) => t.serviceId === service.id && t.nodeId === node)) }))
    .filter(({ service, missing }) => missing.length > 0 && crowded(service, facts.tasks))
    .sort((a, b) => (a.service.name < b.service.name ? -1 : 1));
  const first = candidates[0];
  if (first === undefined) return { kind: 'done', reason: `no labelled service to spread onto ${fresh.length} new node(s)` };
  const why = blocker(facts);
  if (why !== undefined) return { kind: 'hold', reason: `${first.service.name} waits: ${why}` };
  const updating = labelled.find((s) => s.updating);
  if (updating !== undefined) return { kind: 'hold', reason: `${first.service.name} waits: one service at a time, ${updating.name} is still updating` };
  if (facts.lastRebalanceAt !== undefined && facts.now - facts.lastRebalanceAt < REBALANCE_INTERVAL_MS) {
    return { kind: 'hold', reason: `${first.service.name} waits: at most one rebalance per ${REBALANCE_INTERVAL_MS / 1000}s` };
  }
  const { parallelism, delayMs, failureAction } = first.service.update;
  return {
    kind: 'rebalance',
    serviceId: first.service.id,
    serviceName: first.service.name,
    newNodes: first.missing,
    reason: `${first.service.name} runs no task on ${first.missing.length} new node(s); rolling update with its update_config (parallelism ${parallelism}, delay ${delayMs / 1000}s, on failure ${failureAction})`,
  };
}

/** Some node runs two or more of the service's tasks: a spread would move one. */
function crowded(service: SwarmService, tasks: readonly SwarmTask[]): boolean {
  const perNode = new Map<string, number>();
  for (const t of tasks) if (t.serviceId === service.id && t.nodeId !== undefined) perNode.set(t.nodeId, (perNode.get(t.nodeId) ?? 0) + 1);
  return [...perNode.values()].some((n) => n >= 2);
}
