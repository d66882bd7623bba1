import type { Logger } from '../../log/logger.js';
import type { Fleet } from '../../ports/fleet.js';
import { answerLaunch } from '../boot/launch.js';
import type { Services } from '../shared/compose.js';
import { pause } from '../shared/pause.js';

export interface FinishLaunchDeps {
  services: Pick<Services, 'bootRecords' | 'clock'>;
  fleet: Fleet;
  log: Logger;
  instanceId: string;
  pollIntervalMs: number;
}

/**
 * A member whose boot could not answer its launching action (AWS unreachable at the time) still
 * needs it answered, or the ASG abandons it at the hook's timeout. Watch keeps trying until the
 * action is answered or gone, then notes it in the boot record so the next reboot needs no AWS call.
 */
export async function finishLaunch(deps: FinishLaunchDeps, stop: AbortSignal): Promise<void> {
  const { services, log } = deps;
  const record = await services.bootRecords.read();
  if (record === undefined || record.instanceId !== deps.instanceId || !record.member || record.launchCompleted) return;
  log.info({ bootRecord: record }, 'boot left this member\'s launching action unanswered: answering it');
  while (!stop.aborted) {
    if (await answerLaunch(deps.fleet, services.clock, deps.instanceId, 'CONTINUE', log)) {
      await services.bootRecords.write({ ...record, launchCompleted: true }).catch((error: unknown) => log.warn({ err: error }, 'could not update the boot record'));
      return;
    }
    await pause(services.clock, deps.pollIntervalMs * 6, stop);
  }
}
