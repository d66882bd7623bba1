import { isRebalanced, newNodes, nextRebalance, schedulableNodes, type RebalanceStep } from '../../core/reconcile/rebalance.js';
import type { ReconcilePlan } from '../../core/reconcile/plan.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine, SwarmNode } from '../../ports/engine.js';
import type { ClusterMetrics } from '../../ports/metrics.js';

export interface RebalancerDeps {
  engine: Engine;
  clock: Clock;
  log: Logger;
  metrics: Pick<ClusterMetrics, 'rebalance'>;
}

/**
 * The leader's one careful hand on services (opt-in by label): after new nodes became Ready, it
 * forces a rolling update of one labelled service at a time (nextRebalance decides). The baseline
 * of known nodes lives in memory: a new leader starts from the nodes it finds, so a restart can
 * skip a wave, never repeat one. Costs no engine call while no node is new.
 */
export class Rebalancer {
  #baseline: Set<string> | undefined;
  #done = new Set<string>();
  #lastAt: number | undefined;
  #lastSaid = '';

  constructor(private readonly deps: RebalancerDeps) {}

  async round(nodes: readonly SwarmNode[], plan: Pick<ReconcilePlan, 'actions' | 'held' | 'quorum'>): Promise<void> {
    const { engine, clock } = this.deps;
    if (this.#baseline === undefined || newNodes(nodes, this.#baseline).length === 0) {
      this.settle(nodes);
      return;
    }
    const services = await engine.services();
    const tasks = await engine.tasks(services.filter(isRebalanced).map((s) => s.id));
    const now = clock.now();
    const step = nextRebalance({ now, nodes, baseline: this.#baseline, done: this.#done, services, tasks, lastRebalanceAt: this.#lastAt, plan });
    this.say(step, nodes);
    if (step.kind === 'done') this.settle(nodes);
    else if (step.kind === 'rebalance') await this.start(step, services.find((s) => s.id === step.serviceId), now);
  }

  /** The wave is over: today's schedulable nodes are the baseline the next new node is told from. */
  private settle(nodes: readonly SwarmNode[]): void {
    this.#baseline = new Set(schedulableNodes(nodes));
    this.#done.clear();
  }

  private async start(step: Extract<RebalanceStep, { kind: 'rebalance' }>, service: Parameters<Engine['forceUpdateService']>[0] | undefined, now: number): Promise<void> {
    if (service === undefined) return;
    // Spaced even after a failure, so a refused update is not retried every round.
    this.#lastAt = now;
    try {
      await this.deps.engine.forceUpdateService(service);
      this.#done.add(service.id);
      this.deps.metrics.rebalance('started');
      this.deps.log.info({ service: step.serviceName, newNodes: step.newNodes, update: service.update, replicas: service.replicas }, `rebalance: ${step.reason}`);
    } catch (error) {
      this.deps.metrics.rebalance('failed');
      this.deps.log.warn({ service: step.serviceName, err: error }, 'rebalance: the forced rolling update was refused; it is tried again after the rebalance interval');
    }
  }

  /** Holds and wave ends are logged when the reason changes, not every round. */
  private say(step: RebalanceStep, nodes: readonly SwarmNode[]): void {
    if (step.kind === 'rebalance' || step.reason === this.#lastSaid) return;
    this.#lastSaid = step.reason;
    const fresh = newNodes(nodes, this.#baseline ?? new Set()).map((id) => nodes.find((n) => n.id === id)?.hostname ?? id);
    this.deps.log.info({ step: step.kind, newNodes: fresh }, `rebalance: ${step.reason}`);
  }
}
