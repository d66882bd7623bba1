import { detectLifecycleEvents, standingDrainRequest, type LifecycleEvent, type LifecycleObservation } from '../../core/watch/lifecycle-events.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { BootRecord } from '../../ports/boot-record.js';
import type { InstanceMetadata } from '../../ports/instance-metadata.js';
import type { LifecycleMetrics } from '../../ports/metrics.js';
import type { Drainer } from '../drain/drainer.js';
import { pause } from '../shared/pause.js';
import type { DrainRequestKeeper } from './drain-request.js';

export interface LifecycleWatcherDeps {
  metadata: InstanceMetadata;
  clock: Clock;
  log: Logger;
  pollIntervalMs: number;
  /** How long before a scheduled event the node is drained (SWARMNODE_EVENT_LEAD). */
  eventLeadMs: number;
  drainer: Drainer;
  drainRequests: DrainRequestKeeper;
  metrics: Pick<LifecycleMetrics, 'lifecycleEvent'>;
  /** Boot's procedure, run in place when a warm pool instance goes into service without a reboot. */
  boot(): Promise<void>;
  /** What the last boot left: whether this node is a member, and whether boot skipped the join (a pool instance). */
  lastBoot(): Promise<Pick<BootRecord, 'member' | 'outcome'> | undefined>;
}

async function observe(metadata: InstanceMetadata, at: number): Promise<LifecycleObservation> {
  const [target, spot, rebalance, events] = await Promise.all([
    metadata.targetLifecycleState(),
    metadata.spotInterruption(),
    metadata.rebalanceRecommendation(),
    metadata.scheduledEvents(),
  ]);
  return { at, target, spot, rebalance, events };
}

/**
 * Polls IMDS until `stop` (free calls, no AWS), turning observations into one event per transition
 * and feeding one drain path: a terminating target, a scale-in into a warm pool or a spot notice
 * starts (or joins) the drain; a pool instance going into service runs boot's procedure; a
 * rebalance recommendation or a scheduled event ahead keeps the drain request tag. A stop lets a
 * running drain finish within its grace.
 */
export async function watchLifecycle(deps: LifecycleWatcherDeps, stop: AbortSignal): Promise<void> {
  const { clock, log } = deps;
  let previous: LifecycleObservation | undefined;
  let booting: Promise<void> | undefined;
  while (!stop.aborted) {
    try {
      const current = await observe(deps.metadata, clock.now());
      const events = detectLifecycleEvents(previous, current);
      previous = current;
      for (const event of events) {
        log.info({ event }, `lifecycle event: ${event.kind}`);
        deps.metrics.lifecycleEvent(event.kind);
        if (event.kind === 'from-warm-pool') {
          if (booting === undefined && (event.from !== undefined || (await leftOutByBoot(deps)))) {
            booting = deps.boot().finally(() => {
              booting = undefined;
            });
          }
        } else if (event.kind === 'to-warm-pool' && event.resumed && (await deps.lastBoot())?.member !== true) {
          log.info({ event }, 'a fresh warm pool instance: nothing to drain');
        } else {
          const part = drainPart(event);
          if (part !== undefined) deps.drainer.take(part);
        }
      }
      if (!deps.drainer.busy) await deps.drainRequests.keep(standingDrainRequest(current, deps.eventLeadMs));
    } catch (error) {
      log.warn({ err: error }, 'lifecycle watch round failed; next poll retries');
    }
    await pause(clock, deps.pollIntervalMs, stop);
  }
  await Promise.all([deps.drainer.settled(), booting]);
}

/** Boot answered a pool launch without joining (and nothing made the node a member since). */
async function leftOutByBoot(deps: LifecycleWatcherDeps): Promise<boolean> {
  const last = await deps.lastBoot();
  return last?.outcome === 'no-join' && !last.member;
}

function drainPart(event: LifecycleEvent): Parameters<Drainer['take']>[0] | undefined {
  switch (event.kind) {
    case 'terminating':
      return { hook: true };
    case 'to-warm-pool':
      return { hook: true, toWarmPool: true };
    case 'spot-interruption':
      return { spotTime: event.time };
    default:
      return undefined;
  }
}
