import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VERSION } from '../../cli/version.js';
import { REACHABILITIES, type ClusterSummary } from '../../core/status/cluster-summary.js';
import type { BootRecord, BootRecordStore } from '../../ports/boot-record.js';
import type { Clock } from '../../ports/clock.js';
import type { AwsOutcome, DrainKind, EngineOutcome, HookResult, Metrics, MetricsExposition } from '../../ports/metrics.js';

/** Drains and hooks last seconds to an hour (a held manager: up to the hook's limit). */
const LONG_SECONDS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 3600];
/** AWS and engine requests: milliseconds to the 20 s (AWS) and 60 s (engine) bounds. */
const CALL_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60];
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
const BOOT_OUTCOMES: readonly BootRecord['outcome'][] = ['healthy', 'no-join', 'gave-up', 'failed'];

/**
 * The metrics of one `swarmnode watch`, with prom-client. Cluster-wide gauges are exposed only while
 * this node is the leader: a follower exports them absent, so a sum across nodes never counts the
 * cluster twice. Node metrics are always exposed.
 */
export class PromMetrics implements Metrics {
  readonly #node = new Registry();
  readonly #cluster = new Registry();
  #leader = false;
  #lastBackupAt: number | undefined;
  readonly #boot = new BootGauges();
  readonly #backup = new Registry();
  readonly #backupAge = gauge(this.#backup, 'swarmnode_cluster_backup_age_seconds', 'Seconds since the last backup of the swarm\'s desired state was stored (leader only; absent until one is)');

  readonly #events = counter(this.#node, 'swarmnode_lifecycle_events_total', 'Lifecycle events seen by the watcher, one per transition', ['kind']);
  readonly #drains = new Histogram({ name: 'swarmnode_drain_duration_seconds', help: 'How long drains of this node took, from trigger to leaving (or giving up)', labelNames: ['trigger'], buckets: LONG_SECONDS, registers: [this.#node] });
  readonly #hookSeconds = new Histogram({ name: 'swarmnode_lifecycle_hook_duration_seconds', help: 'From the lifecycle event to the answer of its action', labelNames: ['transition', 'result'], buckets: LONG_SECONDS, registers: [this.#node] });
  readonly #hooks = counter(this.#node, 'swarmnode_lifecycle_hooks_completed_total', 'Lifecycle actions answered by watch, by result; at_deadline="true" when a deadline ended the drain', ['transition', 'result', 'at_deadline']);
  readonly #heartbeats = counter(this.#node, 'swarmnode_lifecycle_heartbeats_total', 'RecordLifecycleActionHeartbeat calls, by outcome', ['outcome']);
  readonly #aws = counter(this.#node, 'swarmnode_aws_requests_total', 'AWS requests by IAM action and outcome (ok, throttled, denied, error), after the SDK\'s retries', ['api', 'outcome']);
  readonly #awsRetries = counter(this.#node, 'swarmnode_aws_retries_total', 'Attempts the SDK retried inside AWS requests (throttling and transient errors it absorbed)', ['api']);
  readonly #awsSeconds = new Histogram({ name: 'swarmnode_aws_request_duration_seconds', help: 'AWS request latency, the SDK\'s retries included', labelNames: ['api'], buckets: CALL_SECONDS, registers: [this.#node] });
  readonly #engine = counter(this.#node, 'swarmnode_engine_requests_total', 'Docker engine API requests by endpoint and outcome (ok, unreachable, error)', ['call', 'outcome']);
  readonly #engineSeconds = new Histogram({ name: 'swarmnode_engine_request_duration_seconds', help: 'Docker engine API request latency', labelNames: ['call'], buckets: CALL_SECONDS, registers: [this.#node] });
  readonly #rebalances = counter(this.#node, 'swarmnode_rebalances_total', 'Rolling updates forced by the leader to spread a labelled service onto new nodes, by outcome', ['outcome']);

  readonly #managers = gauge(this.#cluster, 'swarmnode_cluster_managers', 'Raft members (managers) by reachability, as the leader sees them', ['reachability']);
  readonly #quorumSize = gauge(this.#cluster, 'swarmnode_cluster_quorum_size', 'Votes raft needs: a strict majority of the managers');
  readonly #quorumMargin = gauge(this.#cluster, 'swarmnode_cluster_quorum_margin', 'Reachable managers minus the quorum size: 0 means one more loss stops the swarm, negative means lost');
  readonly #nodes = gauge(this.#cluster, 'swarmnode_cluster_nodes', 'Swarm nodes by role, status and availability', ['role', 'state', 'availability']);
  readonly #drift = gauge(this.#cluster, 'swarmnode_cluster_drift', 'Differences between the ASGs and the swarm, by kind (as `swarmnode status` names them)', ['kind']);
  readonly #held = gauge(this.#cluster, 'swarmnode_cluster_held_steps', 'Reconcile steps held back this round, by cause (quorum, timing, turn, refused, alive)', ['cause']);
  readonly #reconciledAt = gauge(this.#cluster, 'swarmnode_cluster_last_reconcile_timestamp_seconds', 'When the leader last completed a reconcile round (Unix time)');

  constructor(
    private readonly bootRecords: BootRecordStore,
    private readonly clock: Clock,
  ) {
    collectDefaultMetrics({ register: this.#node });
    // Gauges named like counters: `promtool check metrics` rejects them, and the handle counts they
    // give are in nodejs_active_*'s grouped siblings anyway.
    for (const name of MISNAMED_DEFAULTS) this.#node.removeSingleMetric(name);
    // Known label sets start at 0: a counter first seen at 1 has no increase() for an alert to see,
    // and a terminating node has only seconds left to be scraped.
    for (const result of ['CONTINUE', 'failed']) for (const atDeadline of ['true', 'false']) this.#hooks.inc({ transition: 'terminating', result, at_deadline: atDeadline }, 0);
    for (const outcome of ['ok', 'error']) this.#heartbeats.inc({ outcome }, 0);
    for (const outcome of ['started', 'failed']) this.#rebalances.inc({ outcome }, 0);
    new Gauge({ name: 'swarmnode_build_info', help: 'The running swarmnode version', labelNames: ['version'], registers: [this.#node] }).set({ version: VERSION }, 1);
  }

  awsCall(api: string, outcome: AwsOutcome, seconds: number, retries: number): void {
    this.#aws.inc({ api, outcome });
    this.#awsSeconds.observe({ api }, seconds);
    if (retries > 0) this.#awsRetries.inc({ api }, retries);
  }

  engineCall(call: string, outcome: EngineOutcome, seconds: number): void {
    this.#engine.inc({ call, outcome });
    this.#engineSeconds.observe({ call }, seconds);
  }

  lifecycleEvent(kind: string): void {
    this.#events.inc({ kind });
  }

  drainFinished(kind: DrainKind, seconds: number): void {
    this.#drains.observe({ trigger: kind }, seconds);
  }

  hookCompleted(transition: 'launching' | 'terminating', result: HookResult, atDeadline: boolean, seconds: number): void {
    this.#hooks.inc({ transition, result, at_deadline: String(atDeadline) });
    this.#hookSeconds.observe({ transition, result }, seconds);
  }

  heartbeat(ok: boolean): void {
    this.#heartbeats.inc({ outcome: ok ? 'ok' : 'error' });
  }

  rebalance(outcome: 'started' | 'failed'): void {
    this.#rebalances.inc({ outcome });
  }

  backupStored(at: number): void {
    this.#lastBackupAt = at;
  }

  cluster(view: { summary: ClusterSummary; reconciledAt: number } | undefined): void {
    this.#leader = view !== undefined;
    for (const metric of [this.#managers, this.#nodes, this.#drift, this.#held]) metric.reset();
    if (view === undefined) return;
    const { summary } = view;
    for (const reachability of REACHABILITIES) this.#managers.set({ reachability }, summary.managers[reachability]);
    this.#quorumSize.set(summary.quorum.needed);
    this.#quorumMargin.set(summary.quorumMargin);
    for (const n of summary.nodes) this.#nodes.set({ role: n.role, state: n.state, availability: n.availability }, n.count);
    for (const [kind, count] of Object.entries(summary.drift)) this.#drift.set({ kind }, count);
    for (const [cause, count] of Object.entries(summary.held)) this.#held.set({ cause }, count);
    this.#reconciledAt.set(view.reconciledAt / 1000);
  }

  /**
   * Label-less prom-client gauges are never absent once registered, so the series that must be
   * absent at times (cluster: on a follower; backup age: before any backup; boot: before any boot
   * record) are registries of their own, merged in only when they hold something true.
   */
  async exposition(): Promise<MetricsExposition> {
    const record = await this.bootRecords.read();
    if (record !== undefined) this.#boot.set(record);
    const backupAt = this.#leader ? this.#lastBackupAt : undefined;
    if (backupAt !== undefined) this.#backupAge.set((this.clock.now() - backupAt) / 1000);
    const parts = [
      this.#node,
      ...(this.#leader ? [this.#cluster] : []),
      ...(backupAt === undefined ? [] : [this.#backup]),
      ...(record === undefined ? [] : [this.#boot.registry]),
    ];
    const registry = parts.length === 1 ? this.#node : Registry.merge(parts);
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []): Gauge {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

/** The last boot's outcome, from the record boot leaves in the state directory; set at each scrape. */
class BootGauges {
  readonly registry = new Registry();
  readonly #exitCode = gauge(this.registry, 'swarmnode_boot_last_exit_code', 'Exit code of the last `swarmnode boot` on this instance (0 healthy, 75 gave up, ...)');
  readonly #duration = gauge(this.registry, 'swarmnode_boot_last_duration_seconds', 'How long the last `swarmnode boot` ran');
  readonly #finishedAt = gauge(this.registry, 'swarmnode_boot_last_timestamp_seconds', 'When the last `swarmnode boot` ended (Unix time)');
  readonly #outcome = gauge(this.registry, 'swarmnode_boot_last_outcome', 'The last boot\'s outcome: 1 for the one it had, 0 for the others', ['outcome']);

  set(record: BootRecord): void {
    this.#exitCode.set(record.exitCode);
    this.#duration.set(record.durationMs / 1000);
    this.#finishedAt.set(Date.parse(record.finishedAt) / 1000);
    for (const outcome of BOOT_OUTCOMES) this.#outcome.set({ outcome }, record.outcome === outcome ? 1 : 0);
  }
}
