import { detectLifecycleEvents, type LifecycleObservation } from '../../core/watch/lifecycle-events.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { InstanceMetadata } from '../../ports/instance-metadata.js';
import type { DrainTrigger } from '../../core/drain/step.js';
import { pause } from '../shared/pause.js';

export interface LifecycleWatcherDeps {
  metadata: InstanceMetadata;
  clock: Clock;
  log: Logger;
  pollIntervalMs: number;
  /** Runs the drain to its end (hook completed); it handles `stop` itself, bounded. */
  drain(trigger: DrainTrigger, stop: AbortSignal): Promise<void>;
}

async function observe(metadata: InstanceMetadata): Promise<LifecycleObservation> {
  const [target, spot] = await Promise.all([metadata.targetLifecycleState(), metadata.spotInterruption()]);
  return { target, spot };
}

/**
 * Polls IMDS until `stop`, turning observations into one event per transition. A terminating
 * target or a spot notice runs the drain; a stop during a drain lets the drain finish (bounded).
 */
export async function watchLifecycle(deps: LifecycleWatcherDeps, stop: AbortSignal): Promise<void> {
  const { clock, log } = deps;
  let previous: LifecycleObservation | undefined;
  while (!stop.aborted) {
    try {
      const current = await observe(deps.metadata);
      const events = detectLifecycleEvents(previous, current);
      previous = current;
      for (const event of events) {
        log.info({ event }, `lifecycle event: ${event.kind}`);
        if (event.kind === 'terminating') await deps.drain({ kind: 'hook' }, stop);
        if (event.kind === 'spot-interruption') await deps.drain({ kind: 'spot', time: event.time }, stop);
      }
    } catch (error) {
      log.warn({ err: error }, 'reading the lifecycle state from IMDS failed');
    }
    await pause(clock, deps.pollIntervalMs, stop);
  }
}
