import { planReconcile, type ReconcileAction, type ReconcilePlan } from '../../core/reconcile/plan.js';
import { INSTANCE_ID_LABEL, matchNodesToInstances } from '../../core/reconcile/match.js';
import { trackDownSince } from '../../core/reconcile/reap.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine, SwarmNode } from '../../ports/engine.js';
import type { Fleet, FleetView } from '../../ports/fleet.js';
import type { TokenSync } from './tokens.js';

export interface ReconcilerDeps {
  engine: Engine;
  fleet: Fleet;
  tokens: TokenSync;
  clock: Clock;
  log: Logger;
  cluster: string;
  reapAfterMs: number;
}

export type RoundOutcome = 'not-manager' | 'not-leader' | 'acted';

/**
 * The leader's janitor, one round at a time. Leadership is checked at the start of every round: a
 * manager that is not (or no longer) leader only keeps its Down-since observations, so it can take
 * over with them. Down-since lives in memory: a restart or a new leader starts the REAP_AFTER count
 * again, which delays a reap but never hastens one.
 */
export class Reconciler {
  #downSince = new Map<string, number>();
  #wasLeader = false;
  #lastHeld = '';

  constructor(private readonly deps: ReconcilerDeps) {}

  async round(): Promise<RoundOutcome> {
    const { engine, log, clock } = this.deps;
    const info = await engine.info();
    if (info.localNodeState !== 'active' || !info.controlAvailable) return this.leadership(false, 'not-manager');
    const nodes = await engine.nodes();
    this.#downSince = trackDownSince(this.#downSince, nodes, clock.now());
    const leader = nodes.find((n) => n.id === info.nodeId)?.manager?.leader === true;
    if (!leader) return this.leadership(false, 'not-leader');
    this.leadership(true, 'acted');

    const fleet = await this.deps.fleet.view(this.deps.cluster);
    const facts = {
      now: clock.now(),
      nodes,
      fleet,
      ec2States: await this.orphanStates(nodes, fleet),
      downSince: this.#downSince,
      reapAfterMs: this.deps.reapAfterMs,
      tokenDrift: await this.deps.tokens.drift(),
    };
    const plan = planReconcile(facts);
    this.logHeld(plan);
    for (const action of plan.actions) await this.execute(action, plan);
    return 'acted';
  }

  private leadership(leader: boolean, outcome: RoundOutcome): RoundOutcome {
    if (leader !== this.#wasLeader) this.deps.log.info({ leader }, leader ? 'this manager is the leader: reconciling' : 'not the leader: reconciler idle');
    this.#wasLeader = leader;
    return outcome;
  }

  /** EC2's word on Down nodes whose labelled instance is in no cluster ASG: a running one is never reaped. */
  private async orphanStates(nodes: readonly SwarmNode[], fleet: FleetView): Promise<Map<string, string>> {
    const ids = matchNodesToInstances(nodes, fleet.instances)
      .filter((m) => m.node.state === 'down' && m.instance === undefined && m.node.labels[INSTANCE_ID_LABEL] !== undefined)
      .map((m) => m.node.labels[INSTANCE_ID_LABEL] as string);
    return ids.length === 0 ? new Map() : this.deps.fleet.ec2States(ids);
  }

  private logHeld(plan: ReconcilePlan): void {
    // Logged when the reasons change, not every round: the Down-for counter alone is no news.
    const held = JSON.stringify(plan.held.map(({ downForSec: _, ...reason }) => reason));
    if (held !== this.#lastHeld && plan.held.length > 0) this.deps.log.info({ held: plan.held, quorum: plan.quorum }, 'reconcile: steps held back');
    this.#lastHeld = held;
  }

  /** One failed action does not stop the others; the next round re-plans from fresh facts anyway. */
  private async execute(action: ReconcileAction, plan: ReconcilePlan): Promise<void> {
    const { engine, log } = this.deps;
    try {
      if (action.kind === 'publish-token') {
        await this.deps.tokens.publish(action.role);
      } else if (action.kind === 'remove') {
        await engine.removeNode(action.nodeId, false);
      } else {
        // Re-read right before the update: an earlier action this round may have bumped the version.
        const node = (await engine.nodes()).find((n) => n.id === action.nodeId);
        if (node === undefined) return;
        const change = action.kind === 'drain' ? { availability: 'drain' as const } : action.kind === 'demote' ? { role: 'worker' as const } : { labels: action.labels };
        await engine.updateNode(node, change);
      }
      log.info({ action, quorum: plan.quorum }, `reconcile: ${action.kind}`);
    } catch (error) {
      log.warn({ action, err: error }, `reconcile: ${action.kind} failed`);
    }
  }
}
