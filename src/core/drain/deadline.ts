import type { DrainTrigger } from './step.js';

/** After SIGTERM a drain gets this long before it stops waiting for tasks. */
export const STOP_GRACE_MS = 45_000;
/** A spot node must be out of the swarm this long before EC2 takes it. */
export const SPOT_LEAVE_MARGIN_MS = 30_000;
/** A spot notice whose time cannot be read: EC2 documents two minutes' notice. */
export const SPOT_NOTICE_MS = 120_000;
/** Completing the held action is started this long before its global timeout, to land before it. */
export const HARD_LIMIT_MARGIN_MS = 60_000;

/** AWS ends a lifecycle action after 100 heartbeat timeouts or 48 hours, heartbeats or not. */
export function globalTimeoutMs(heartbeatTimeoutMs: number): number {
  return Math.min(100 * heartbeatTimeoutMs, 48 * 3_600_000);
}

export interface DrainDeadlines {
  /** Until when the drain waits for tasks to move off. */
  tasksBy: number;
  /** Until when a manager's lifecycle action may be held for its demotion; undefined: no action to hold. */
  holdUntil: number | undefined;
}

/**
 * The drain's deadlines, from what started it. A hook drain waits for tasks up to
 * SWARMNODE_DRAIN_TIMEOUT (and within the action's global timeout), and may hold a manager's action
 * up to that global timeout; a spot notice cuts the task wait to before EC2 takes the instance.
 */
export function drainDeadlines(trigger: DrainTrigger, startedAt: number, drainTimeoutMs: number, heartbeatTimeoutMs: number | undefined): DrainDeadlines {
  let deadlines: DrainDeadlines = { tasksBy: startedAt + drainTimeoutMs, holdUntil: undefined };
  if (heartbeatTimeoutMs !== undefined) {
    const global = globalTimeoutMs(heartbeatTimeoutMs);
    const holdUntil = startedAt + Math.max(global - Math.max(HARD_LIMIT_MARGIN_MS, heartbeatTimeoutMs), 0);
    deadlines = { tasksBy: Math.min(deadlines.tasksBy, holdUntil), holdUntil };
  }
  if (trigger.spotTime !== undefined) {
    const at = Date.parse(trigger.spotTime);
    const takenAt = Number.isNaN(at) ? startedAt + SPOT_NOTICE_MS : at;
    deadlines = { ...deadlines, tasksBy: Math.min(deadlines.tasksBy, Math.max(startedAt, takenAt - SPOT_LEAVE_MARGIN_MS)) };
  }
  return deadlines;
}
