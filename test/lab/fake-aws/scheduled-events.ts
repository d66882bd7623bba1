import { randomBytes } from 'node:crypto';
import type { ScheduledEvent, ScheduledEventCode } from './types.js';

/**
 * EC2 scheduled events as the user guide describes them
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/monitoring-instances-status-check_sched.html):
 * - instance-stop: the instance is stopped at the scheduled time (EBS-backed instances only);
 * - instance-retirement: stopped if EBS-backed (every lab instance), terminated if instance-store;
 * - instance-reboot / system-reboot: the instance (or its host) is rebooted;
 * - system-maintenance: network or power maintenance; the lab plays network maintenance (a brief
 *   loss of connectivity).
 * Reboot and maintenance events have a window (NotAfter) and a deadline to reschedule by
 * (NotBeforeDeadline); stop and retirement events only a start, as in the guide's examples.
 */
export const EVENT_CODES: readonly ScheduledEventCode[] = ['instance-reboot', 'system-reboot', 'system-maintenance', 'instance-retirement', 'instance-stop'];

const DESCRIPTIONS: Record<ScheduledEventCode, string> = {
  'instance-reboot': 'The instance is scheduled for a reboot',
  'system-reboot': 'scheduled reboot',
  'system-maintenance': 'scheduled network maintenance',
  'instance-retirement': 'The instance is running on degraded hardware',
  'instance-stop': 'The instance is running on degraded hardware',
};

const WINDOW_MS = 2 * 3600_000;
const DEADLINE_MS = 7 * 24 * 3600_000;

export function isEventCode(code: string): code is ScheduledEventCode {
  return (EVENT_CODES as readonly string[]).includes(code);
}

export function newScheduledEvent(code: ScheduledEventCode, notBefore: Date, description?: string): ScheduledEvent {
  const windowed = code !== 'instance-stop' && code !== 'instance-retirement';
  return {
    // The guide's ids: instance-event-0d59937288b749b32 (17 hex digits).
    eventId: `instance-event-${randomBytes(9).toString('hex').slice(0, 17)}`,
    code,
    description: description ?? DESCRIPTIONS[code],
    notBefore,
    notAfter: windowed ? new Date(notBefore.getTime() + WINDOW_MS) : undefined,
    notBeforeDeadline: windowed ? new Date(notBefore.getTime() + DEADLINE_MS) : undefined,
    state: 'active',
  };
}

/** After the event "the description of the scheduled event begins with [Completed]" (or [Canceled]). */
export function settleEvent(event: ScheduledEvent, state: 'completed' | 'canceled'): void {
  event.state = state;
  event.description = `[${state === 'completed' ? 'Completed' : 'Canceled'}] ${event.description}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** IMDS's event time format, e.g. `21 Jan 2019 09:00:43 GMT`. */
export function imdsEventTime(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} GMT`;
}

/**
 * One event as `events/maintenance/scheduled` and `events/maintenance/history` list it: the six
 * fields of the guide's example (no NotBeforeDeadline there; DescribeInstanceStatus has it).
 */
export function imdsEventJson(event: ScheduledEvent): Record<string, string> {
  return {
    NotBefore: imdsEventTime(event.notBefore),
    Code: event.code,
    Description: event.description,
    EventId: event.eventId,
    ...(event.notAfter === undefined ? {} : { NotAfter: imdsEventTime(event.notAfter) }),
    State: event.state,
  };
}
