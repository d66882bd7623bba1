import type { SwarmSecret } from '../../core/reconcile/secret.js';
import { DRAINED_FOR_LABEL, planReconcile, type ReconcileAction, type ReconcilePlan, type Refusal } from '../../core/reconcile/plan.js';
import { INSTANCE_ID_LABEL, matchNodesToInstances } from '../../core/reconcile/match.js';
import { trackDownSince } from '../../core/reconcile/reap.js';
import { summarizeCluster } from '../../core/status/cluster-summary.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine, SwarmNode } from '../../ports/engine.js';
import type { Ec2Facts, Fleet, FleetView } from '../../ports/fleet.js';
import type { RecordedManager } from '../../ports/secret-store.js';
import type { RecordSync } from './record-sync.js';
import type { ClusterMetrics } from '../../ports/metrics.js';
import type { Rebalancer } from './rebalancer.js';
import type { SecretSync } from './secret-sync.js';

export interface ReconcilerDeps {
  engine: Engine;
  fleet: Fleet;
  secrets: SecretSync;
  record: RecordSync;
  /**
   * The record names another swarm (or none) while this one runs: a swarm whose own publishing was
   * cut short (its initializer's boot ended first) finishes it here.
   */
  finishPublishing(nodes: readonly SwarmNode[]): Promise<void>;
  /** The backup step (BackupKeeper); undefined when backups are off. Kicked, never awaited. */
  backup?: { kick(): Promise<void>; lastBackupAt(): number | undefined };
  clock: Clock;
  log: Logger;
  cluster: string;
  reapAfterMs: number;
  rebalancer: Rebalancer;
  metrics: Pick<ClusterMetrics, 'cluster' | 'backupStored'>;
}

export type RoundOutcome = 'not-manager' | 'not-leader' | 'acted';

/** A refused manager change waits this long before it is tried again, doubling up to the cap. */
const REFUSAL_BACKOFF_MS = 30_000;
const REFUSAL_BACKOFF_CAP_MS = 5 * 60_000;

/**
 * The leader's janitor, one round at a time. Leadership is checked at the start of every round: a
 * manager that is not (or no longer) leader only keeps its Down-since observations, so it can take
 * over with them. Down-since lives in memory: a restart or a new leader starts the REAP_AFTER count
 * again, which delays a reap but never hastens one.
 */
export class Reconciler {
  #downSince = new Map<string, number>();
  #refused = new Map<string, Refusal & { backoffMs: number }>();
  #wasLeader = false;
  #lastHeld = '';

  constructor(private readonly deps: ReconcilerDeps) {}

  async round(): Promise<RoundOutcome> {
    try {
      return await this.leaderRound();
    } catch (error) {
      // A round that failed says nothing true of the cluster: its numbers go until a round succeeds.
      this.deps.metrics.cluster(undefined);
      throw error;
    }
  }

  private async leaderRound(): Promise<RoundOutcome> {
    const { engine, clock } = this.deps;
    const info = await engine.info();
    if (info.localNodeState !== 'active' || !info.controlAvailable) return this.leadership(false, 'not-manager');
    const nodes = await engine.nodes();
    this.#downSince = trackDownSince(this.#downSince, nodes, clock.now());
    const leader = nodes.find((n) => n.id === info.nodeId)?.manager?.leader === true;
    if (!leader) return this.leadership(false, 'not-leader');
    this.leadership(true, 'acted');
    // Beside the round, not in it: the safety steps below never wait for S3 (or an outage of it).
    void this.deps.backup?.kick();
    const backupAt = this.deps.backup?.lastBackupAt();
    if (backupAt !== undefined) this.deps.metrics.backupStored(backupAt);

    const fleet = await this.deps.fleet.view(this.deps.cluster);
    // Each fact is gathered on its own: a KMS denial while checking the tokens must not stop this
    // round's drains, reaps and labels.
    const [orphans, owner] = await Promise.all([
      this.fact('EC2 facts of nodes whose instance is in no cluster group', () => this.orphans(nodes, fleet), new Map<string, Ec2Facts>()),
      this.fact('the cluster record', () => this.deps.record.keep(info.clusterId ?? '', raftMembers(nodes, fleet)), 'unknown' as const),
    ]);
    // Never the secrets of a swarm the record says is not the cluster's: its tokens in SSM would send
    // every joiner to it (a split). With the record missing (deleted by hand) the leader keeps them
    // as before, so a locked manager still finds the key. A swarm whose publishing was cut short finishes it.
    const secretDrift = owner === 'other' ? [] : await this.fact('secret drift', () => this.deps.secrets.drift(), [] as SwarmSecret[]);
    if (owner === 'other' || owner === 'missing') await this.fact('the unpublished swarm', () => this.deps.finishPublishing(nodes), undefined);
    const plan = planReconcile({ now: clock.now(), nodes, fleet, orphans, downSince: this.#downSince, reapAfterMs: this.deps.reapAfterMs, secretDrift, refused: this.#refused });
    this.logHeld(plan);
    for (const action of plan.actions) await this.execute(action, plan);
    await this.fact('services to rebalance', () => this.deps.rebalancer.round(nodes, plan), undefined);
    this.deps.metrics.cluster({ summary: summarizeCluster(nodes, fleet, plan.held), reconciledAt: clock.now() });
    return 'acted';
  }

  private async fact<T>(what: string, read: () => Promise<T>, unknown: T): Promise<T> {
    try {
      return await read();
    } catch (error) {
      this.deps.log.warn({ err: error, fact: what }, `reconcile: could not read ${what}; the rest of the round goes on without it`);
      return unknown;
    }
  }

  private leadership(leader: boolean, outcome: RoundOutcome): RoundOutcome {
    if (!leader) this.deps.metrics.cluster(undefined);
    if (leader !== this.#wasLeader) this.deps.log.info({ leader }, leader ? 'this manager is the leader: reconciling' : 'not the leader: reconciler idle');
    this.#wasLeader = leader;
    return outcome;
  }

  /**
   * EC2's word on nodes whose labelled instance is in no cluster ASG: a running one is never reaped,
   * and a warm pool instance (no group member) says through its tag that it is being scaled in.
   * Costs a call only while such nodes exist.
   */
  private async orphans(nodes: readonly SwarmNode[], fleet: FleetView): Promise<Map<string, Ec2Facts>> {
    const ids = matchNodesToInstances(nodes, fleet.instances)
      .filter((m) => m.instance === undefined && m.node.labels[INSTANCE_ID_LABEL] !== undefined)
      .map((m) => m.node.labels[INSTANCE_ID_LABEL] as string);
    return ids.length === 0 ? new Map() : this.deps.fleet.ec2Facts(ids);
  }

  private logHeld(plan: ReconcilePlan): void {
    // Logged when the reasons change, not every round: the Down-for counter alone is no news.
    const held = JSON.stringify(plan.held.map(({ downForSec: _, reason, ...step }) => ({ ...step, reason: reason.replace(/next try in \d+s/, '') })));
    if (held !== this.#lastHeld && plan.held.length > 0) {
      const level = plan.held.some((h) => h.cause === 'quorum' || h.cause === 'refused') ? 'warn' : 'info';
      this.deps.log[level]({ held: plan.held, quorum: plan.quorum }, 'reconcile: steps held back');
    }
    this.#lastHeld = held;
  }

  /** One failed action does not stop the others; the next round re-plans from fresh facts anyway. */
  private async execute(action: ReconcileAction, plan: ReconcilePlan): Promise<void> {
    const { log } = this.deps;
    try {
      await this.apply(action);
      if (action.kind === 'demote') this.#refused.delete(action.nodeId);
      log.info({ action, quorum: plan.quorum }, `reconcile: ${action.kind}`);
    } catch (error) {
      if (action.kind === 'demote') this.refuse(action.nodeId, error);
      log.warn({ action, err: error }, `reconcile: ${action.kind} failed`);
    }
  }

  private async apply(action: ReconcileAction): Promise<void> {
    const { engine } = this.deps;
    switch (action.kind) {
      case 'publish-secret':
        return this.deps.secrets.publish(action.secret);
      case 'remove':
        return engine.removeNode(action.nodeId, false);
      case 'drain':
        return this.updateNode(action.nodeId, (node) => ({
          availability: 'drain',
          ...(action.drainedFor === undefined ? {} : { labels: { ...node.labels, [DRAINED_FOR_LABEL]: action.drainedFor } }),
        }));
      case 'activate':
        return this.updateNode(action.nodeId, (node) => ({ availability: 'active', labels: withoutKey(node.labels, DRAINED_FOR_LABEL) }));
      case 'demote':
        return this.updateNode(action.nodeId, () => ({ role: 'worker' }));
      case 'label':
        // Over the labels read right before the update: an operator's label added since the round
        // began (a restore's, a deploy's) must not be wiped by this round's older view of the node.
        return this.updateNode(action.nodeId, (node) => ({ labels: { ...node.labels, ...action.labels } }));
      default:
        return assertNever(action);
    }
  }

  /** Re-read right before the update: an earlier action this round may have bumped the version. */
  private async updateNode(nodeId: string, change: (node: SwarmNode) => Parameters<Engine['updateNode']>[1]): Promise<void> {
    const node = (await this.deps.engine.nodes()).find((n) => n.id === nodeId);
    if (node !== undefined) await this.deps.engine.updateNode(node, change(node));
  }

  private refuse(nodeId: string, error: unknown): void {
    const backoffMs = Math.min(REFUSAL_BACKOFF_CAP_MS, (this.#refused.get(nodeId)?.backoffMs ?? REFUSAL_BACKOFF_MS / 2) * 2);
    this.#refused.set(nodeId, { until: this.deps.clock.now() + backoffMs, backoffMs, reason: error instanceof Error ? error.message : String(error) });
  }
}

/** The raft members as the record keeps them; '' for a member whose instance cannot be told. */
function raftMembers(nodes: readonly SwarmNode[], fleet: FleetView): RecordedManager[] {
  return matchNodesToInstances(nodes, fleet.instances)
    .filter((m) => m.node.manager !== undefined && m.node.manager.addr !== '')
    .map((m) => ({ instanceId: m.instanceId ?? '', addr: (m.node.manager?.addr ?? '').replace(/:\d+$/, ''), nodeId: m.node.id }));
}

function withoutKey(labels: Readonly<Record<string, string>>, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => k !== key));
}

function assertNever(value: never): never {
  throw new Error(`unhandled reconcile action ${JSON.stringify(value)}`);
}
