import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import { pause } from './pause.js';

/** A round per poll interval until `stop`; a failed round is logged and the next one starts afresh. */
export async function everyPoll(what: string, round: () => Promise<unknown>, clock: Clock, log: Logger, intervalMs: number, stop: AbortSignal): Promise<void> {
  while (!stop.aborted) {
    try {
      await round();
    } catch (error) {
      log.warn({ err: error }, `${what} round failed`);
    }
    await pause(clock, intervalMs, stop);
  }
}
