import type { ClusterSummary } from '../../src/core/status/cluster-summary.js';
import type { AwsOutcome, EngineOutcome, HookResult, Metrics } from '../../src/ports/metrics.js';

/** Every metrics call, as data: tests assert what a user of the dashboard would see counted. */
export class RecordingMetrics implements Metrics {
  readonly events: string[] = [];
  readonly drains: { kind: string; seconds: number }[] = [];
  readonly hooks: { transition: string; result: HookResult; atDeadline: boolean; seconds: number }[] = [];
  readonly heartbeats: boolean[] = [];
  readonly aws: { api: string; outcome: AwsOutcome }[] = [];
  readonly engine: { call: string; outcome: EngineOutcome }[] = [];
  /** The last cluster view handed over: undefined once this node is not the leader. */
  clusterView: { summary: ClusterSummary; reconciledAt: number } | undefined;
  readonly rebalances: string[] = [];
  backupAt: number | undefined;

  awsCall(api: string, outcome: AwsOutcome): void {
    this.aws.push({ api, outcome });
  }
  engineCall(call: string, outcome: EngineOutcome): void {
    this.engine.push({ call, outcome });
  }
  lifecycleEvent(kind: string): void {
    this.events.push(kind);
  }
  drainFinished(kind: string, seconds: number): void {
    this.drains.push({ kind, seconds });
  }
  hookCompleted(transition: string, result: HookResult, atDeadline: boolean, seconds: number): void {
    this.hooks.push({ transition, result, atDeadline, seconds });
  }
  heartbeat(ok: boolean): void {
    this.heartbeats.push(ok);
  }
  cluster(view: { summary: ClusterSummary; reconciledAt: number } | undefined): void {
    this.clusterView = view;
  }
  rebalance(outcome: 'started' | 'failed'): void {
    this.rebalances.push(outcome);
  }
  backupStored(at: number): void {
    this.backupAt = at;
  }
}
