import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Fleet, LifecycleHook } from '../../ports/fleet.js';
import type { LifecycleMetrics } from '../../ports/metrics.js';
import { isNoActiveAction } from '../shared/no-active-action.js';
import { retryUntil } from '../shared/retry.js';
import { pause } from '../shared/pause.js';

/** Heartbeats go out at this fraction of HeartbeatTimeout, so one lost beat never lets the hook expire. */
const HEARTBEAT_FRACTION = 1 / 3;
const MIN_HEARTBEAT_MS = 1_000;
/** A failed beat is tried again this soon: one more failure must not cost the rest of the timeout. */
const HEARTBEAT_RETRY_MS = 2_000;
/** Completing the action gets a fresh budget of its own, whatever happened to the drain before it. */
export const COMPLETE_BUDGET_MS = 30_000;
const COMPLETE_RETRY_MS = 2_000;

/**
 * This instance's pending terminating lifecycle action: kept alive by heartbeats while the drain
 * runs, and always completed with CONTINUE at the end.
 */
export class LifecycleAction {
  /** When the action times out unless a heartbeat lands first (from the last accepted heartbeat). */
  expiresAt: number;

  constructor(
    private readonly fleet: Fleet,
    readonly hook: LifecycleHook,
    private readonly instanceId: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly metrics: Pick<LifecycleMetrics, 'heartbeat'>,
  ) {
    this.expiresAt = clock.now() + hook.heartbeatTimeoutMs;
  }

  get heartbeatIntervalMs(): number {
    return Math.max(MIN_HEARTBEAT_MS, Math.floor(this.hook.heartbeatTimeoutMs * HEARTBEAT_FRACTION));
  }

  /**
   * Beats until `signal` aborts: the loop is bounded by the drain that owns the signal. The next beat
   * is timed from the start of the last one (a slow call does not stretch the gap), and a beat that
   * failed is tried again after HEARTBEAT_RETRY_MS, not a whole interval later.
   */
  async heartbeatUntil(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.clock.now();
      let next = started + this.heartbeatIntervalMs;
      try {
        await this.fleet.recordHeartbeat(this.hook, this.instanceId);
        this.expiresAt = started + this.hook.heartbeatTimeoutMs;
        this.metrics.heartbeat(true);
        this.log.debug({ hook: this.hook.name, expiresAt: new Date(this.expiresAt).toISOString() }, 'lifecycle action heartbeat');
      } catch (error) {
        this.metrics.heartbeat(false);
        this.log.warn({ hook: this.hook.name, err: error, expiresAt: new Date(this.expiresAt).toISOString() }, 'lifecycle action heartbeat failed');
        next = Math.min(next, this.clock.now() + HEARTBEAT_RETRY_MS);
      }
      await pause(this.clock, Math.max(0, next - this.clock.now()), signal);
    }
  }

  /** CONTINUE, retried on a fresh deadline; false when it could not be completed in the budget. */
  async complete(): Promise<boolean> {
    const context = { hook: this.hook.name, asg: this.hook.asgName };
    let attempt = 0;
    try {
      await retryUntil(
        async () => {
          attempt++;
          try {
            await this.fleet.completeLifecycleAction(this.hook, this.instanceId, 'CONTINUE');
            this.log.info({ ...context, attempt }, 'lifecycle action completed: CONTINUE');
          } catch (error) {
            if (!isNoActiveAction(error)) throw error;
            this.log.info({ ...context, err: error }, 'no lifecycle action pending any more (completed before, or timed out)');
          }
        },
        {
          clock: this.clock,
          deadline: this.clock.now() + COMPLETE_BUDGET_MS,
          minDelayMs: COMPLETE_RETRY_MS,
          maxDelayMs: COMPLETE_RETRY_MS,
          factor: 1,
          shouldRetry: () => true,
          onFailedAttempt: (error: unknown) => this.log.warn({ ...context, err: error, attempt }, 'completing the lifecycle action failed'),
        },
      );
      return true;
    } catch {
      return false;
    }
  }
}
