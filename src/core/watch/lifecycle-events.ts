import type { ScheduledEvent, SpotInterruption } from '../../ports/instance-metadata.js';

/** One IMDS poll: what the ASG intends for this instance, and what EC2 announces for it. */
export interface LifecycleObservation {
  /** When the poll was made (epoch ms). */
  at: number;
  /** `autoscaling/target-lifecycle-state`; undefined when the instance is in no ASG. */
  target: string | undefined;
  /** `spot/instance-action`; undefined when no interruption is scheduled. */
  spot: SpotInterruption | undefined;
  /** `events/recommendations/rebalance`'s notice time. */
  rebalance: string | undefined;
  /** `events/maintenance/scheduled`. */
  events: ScheduledEvent[];
}

export type LifecycleEvent =
  | { kind: 'target-changed'; from: string | undefined; to: string | undefined }
  /** The ASG is terminating this instance: the drain procedure must run (once), and answer the hook. */
  | { kind: 'terminating'; target: string }
  /**
   * Scale-in with instance reuse: InService -> Warmed:*, through the terminating hook; the same drain.
   * `resumed`: first seen by this watcher (after a restart), so it may as well be a fresh pool instance.
   */
  | { kind: 'to-warm-pool'; target: string; resumed: boolean }
  /**
   * A running or hibernated pool instance goes into service without a reboot: boot's procedure must
   * run. `from` is undefined on a first observation in service: the pool may have handed the instance
   * out before this watcher started, so the watcher asks the boot record whether boot left it out.
   */
  | { kind: 'from-warm-pool'; from: string | undefined }
  | { kind: 'spot-interruption'; action: string; time: string };

/** Both the plain and the warm-pool terminations come with a terminating hook to answer. */
const TERMINATING_TARGETS = new Set(['Terminated', 'Warmed:Terminated']);

function isTerminatingTarget(target: string | undefined): boolean {
  return target !== undefined && TERMINATING_TARGETS.has(target);
}

function isPoolTarget(target: string | undefined): boolean {
  return target !== undefined && target.startsWith('Warmed:') && !isTerminatingTarget(target);
}

/**
 * Events for the step from `previous` to `current`: one per transition, none when nothing changed,
 * however many polls see the same state. A first observation (no previous, e.g. right after a restart)
 * is a transition from the unknown, so a watcher restarted mid-termination still sees `terminating`.
 * A warm pool target on a first observation may be a scale-in to resume or a fresh pool instance,
 * and InService may be a pool instance already handed out: the watcher asks the boot record.
 */
export function detectLifecycleEvents(previous: LifecycleObservation | undefined, current: LifecycleObservation): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  const previousTarget = previous?.target;
  if (previous === undefined || previousTarget !== current.target) {
    events.push({ kind: 'target-changed', from: previousTarget, to: current.target });
    if (isTerminatingTarget(current.target) && !isTerminatingTarget(previousTarget)) {
      events.push({ kind: 'terminating', target: current.target as string });
    } else if (isPoolTarget(current.target) && (previous === undefined || previousTarget === 'InService')) {
      events.push({ kind: 'to-warm-pool', target: current.target as string, resumed: previous === undefined });
    } else if (current.target === 'InService' && (previous === undefined || isPoolTarget(previousTarget))) {
      events.push({ kind: 'from-warm-pool', from: previousTarget });
    }
  }
  const spot = current.spot;
  const previousSpot = previous?.spot;
  if (spot !== undefined && (previousSpot === undefined || previousSpot.action !== spot.action || previousSpot.time !== spot.time)) {
    events.push({ kind: 'spot-interruption', action: spot.action, time: spot.time });
  }
  return events;
}

/** Scheduled events this instance is drained ahead of. */
const DRAINED_AHEAD = new Set(['instance-stop', 'instance-retirement', 'system-reboot', 'instance-reboot']);

/**
 * What this instance asks the leader for through its `swarmnode:drain` tag, from what IMDS says now
 * (level, not edge: a restarted watch reaches the same answer): a rebalance recommendation keeps the
 * node drained (the interruption that may follow then costs nothing); a scheduled stop, retirement
 * or reboot drains it `leadMs` ahead, until the event is completed or canceled.
 */
export function standingDrainRequest(current: LifecycleObservation, leadMs: number): string | undefined {
  if (current.rebalance !== undefined) return 'rebalance';
  const ahead = current.events
    .filter((e) => e.state === 'active' && DRAINED_AHEAD.has(e.code) && current.at >= e.notBefore - leadMs)
    .filter((e) => e.notAfter === undefined || current.at <= e.notAfter)
    .sort((a, b) => a.notBefore - b.notBefore)[0];
  return ahead === undefined ? undefined : `event:${ahead.code}:${ahead.eventId}`;
}
