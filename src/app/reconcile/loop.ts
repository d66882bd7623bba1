import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Reconciler } from './reconciler.js';
import { pause } from '../shared/pause.js';

/** A round per poll interval until `stop`; a failed round is logged and the next one starts afresh. */
export async function reconcileUntil(reconciler: Reconciler, clock: Clock, log: Logger, intervalMs: number, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    try {
      await reconciler.round();
    } catch (error) {
      log.warn({ err: error }, 'reconcile round failed');
    }
    await pause(clock, intervalMs, stop);
  }
}
