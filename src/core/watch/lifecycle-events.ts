/** One IMDS poll: what the ASG intends for this instance, and any spot interruption notice. */
export interface LifecycleObservation {
  /** `autoscaling/target-lifecycle-state`; undefined when the instance is in no ASG. */
  target: string | undefined;
  /** `spot/instance-action`; undefined when no interruption is scheduled. */
  spot: { action: string; time: string } | undefined;
}

export type LifecycleEvent =
  | { kind: 'target-changed'; from: string | undefined; to: string | undefined }
  /** The ASG is terminating this instance: the drain procedure must run (once). */
  | { kind: 'terminating'; target: string }
  | { kind: 'spot-interruption'; action: string; time: string };

/** Both the plain and the warm-pool terminations come with a terminating hook to answer. */
const TERMINATING_TARGETS = new Set(['Terminated', 'Warmed:Terminated']);

function isTerminatingTarget(target: string | undefined): boolean {
  return target !== undefined && TERMINATING_TARGETS.has(target);
}

/**
 * Events for the step from `previous` to `current`: one per transition, none when nothing changed,
 * however many polls see the same state. A first observation (no previous, e.g. right after a restart)
 * is a transition from the unknown, so a watcher restarted mid-termination still sees `terminating`.
 */
export function detectLifecycleEvents(previous: LifecycleObservation | undefined, current: LifecycleObservation): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  const previousTarget = previous?.target;
  if (previous === undefined || previousTarget !== current.target) {
    events.push({ kind: 'target-changed', from: previousTarget, to: current.target });
    if (isTerminatingTarget(current.target) && !isTerminatingTarget(previousTarget)) {
      events.push({ kind: 'terminating', target: current.target as string });
    }
  }
  const spot = current.spot;
  const previousSpot = previous?.spot;
  if (spot !== undefined && (previousSpot === undefined || previousSpot.action !== spot.action || previousSpot.time !== spot.time)) {
    events.push({ kind: 'spot-interruption', action: spot.action, time: spot.time });
  }
  return events;
}
