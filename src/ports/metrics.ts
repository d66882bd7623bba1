import type { ClusterSummary } from '../core/status/cluster-summary.js';

/** How an AWS request ended: throttled and denied are told apart because each has its own remedy. */
export type AwsOutcome = 'ok' | 'throttled' | 'denied' | 'error';
/** How an engine request ended: unreachable (socket refused, engine down) or refused/failed. */
export type EngineOutcome = 'ok' | 'unreachable' | 'error';
/** What answered a lifecycle action: the result sent, or `failed` when it could not be sent in its budget. */
export type HookResult = 'CONTINUE' | 'ABANDON' | 'failed';
/** What started a drain: a terminating hook, a scale-in into a warm pool, a spot notice. */
export type DrainKind = 'hook' | 'warm-pool' | 'spot';

/** Every AWS and engine request, counted where it is sent (aws-call, the engine adapter). */
export interface CallMetrics {
  /** `api` is the IAM action (`ssm:GetParameter`); `retries` the SDK's own attempts beyond the first. */
  awsCall(api: string, outcome: AwsOutcome, seconds: number, retries: number): void;
  /** `call` is the engine endpoint (`GET /nodes`). */
  engineCall(call: string, outcome: EngineOutcome, seconds: number): void;
}

/** What this node's watcher and drain saw and did. */
export interface LifecycleMetrics {
  lifecycleEvent(kind: string): void;
  drainFinished(kind: DrainKind, seconds: number): void;
  /** `atDeadline`: the drain ended because a deadline passed, not because the node was empty and out of raft. */
  hookCompleted(transition: 'launching' | 'terminating', result: HookResult, atDeadline: boolean, seconds: number): void;
  heartbeat(ok: boolean): void;
}

/** The leader's view of the cluster; a follower clears it so no cluster number is exported twice. */
export interface ClusterMetrics {
  /** The leader's round; undefined: this node is not (or cannot tell it is) the leader: the cluster series go away. */
  cluster(view: { summary: ClusterSummary; reconciledAt: number } | undefined): void;
  rebalance(outcome: 'started' | 'failed'): void;
  /** When the leader's newest backup of the swarm's desired state was stored (the backup-age gauge). */
  backupStored(at: number): void;
}

export type Metrics = CallMetrics & LifecycleMetrics & ClusterMetrics;

/** The Prometheus text exposition of everything above, as served on `GET /metrics`. */
export interface MetricsExposition {
  contentType: string;
  body: string;
}

/** The `GET /metrics` endpoint of `watch`. */
export interface MetricsServer {
  /** Where it listens, e.g. `http://0.0.0.0:9470/metrics`. */
  readonly url: string;
  /** Scrapes served so far. */
  readonly scrapes: number;
  /** Resolves true at the next scrape after now, false once `boundMs` passed without one. */
  nextScrape(boundMs: number): Promise<boolean>;
  close(): Promise<void>;
}
