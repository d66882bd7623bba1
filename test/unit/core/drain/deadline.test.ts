import { describe, expect, it } from 'vitest';
import { HOOK_DRAIN } from '../../../../src/core/drain/step.js';
import { drainDeadlines, globalTimeoutMs, HARD_LIMIT_MARGIN_MS, SPOT_LEAVE_MARGIN_MS, SPOT_NOTICE_MS } from '../../../../src/core/drain/deadline.js';

const T = 1_000_000;

describe('drainDeadlines', () => {
  it('AWS\'s global timeout: 100 heartbeat timeouts, at most 48 hours', () => {
    expect(globalTimeoutMs(300_000)).toBe(30_000_000);
    expect(globalTimeoutMs(7_200_000)).toBe(48 * 3_600_000);
  });

  it('a hook drain waits for tasks up to the drain timeout, and may hold a manager until the global timeout, minus a margin', () => {
    const d = drainDeadlines(HOOK_DRAIN, T, 600_000, 300_000);
    expect(d.tasksBy).toBe(T + 600_000);
    expect(d.holdUntil).toBe(T + 30_000_000 - 300_000);
    expect(drainDeadlines(HOOK_DRAIN, T, 600_000, 30_000).holdUntil).toBe(T + 3_000_000 - HARD_LIMIT_MARGIN_MS);
  });

  it('a drain timeout beyond the action\'s hard limit is cut to it', () => {
    const d = drainDeadlines(HOOK_DRAIN, T, 10 * 3_600_000, 30_000);
    expect(d.tasksBy).toBe(d.holdUntil);
  });

  it('a spot notice during a hook drain cuts the task wait, the hold stays', () => {
    const at = new Date(T + 120_000).toISOString();
    const d = drainDeadlines({ ...HOOK_DRAIN, spotTime: at }, T, 600_000, 300_000);
    expect(d.tasksBy).toBe(T + 120_000 - SPOT_LEAVE_MARGIN_MS);
    expect(d.holdUntil).toBe(T + 30_000_000 - 300_000);
  });

  it('no hook: nothing to hold', () => {
    expect(drainDeadlines(HOOK_DRAIN, T, 600_000, undefined)).toEqual({ tasksBy: T + 600_000, holdUntil: undefined });
  });

  it('spot: out of the swarm a margin before EC2 takes the instance; an unreadable time means two minutes', () => {
    const at = new Date(T + 120_000).toISOString();
    expect(drainDeadlines({ hook: false, spotTime: at, toWarmPool: false }, T, 600_000, undefined)).toEqual({ tasksBy: T + 120_000 - SPOT_LEAVE_MARGIN_MS, holdUntil: undefined });
    expect(drainDeadlines({ hook: false, spotTime: 'soon', toWarmPool: false }, T, 600_000, undefined).tasksBy).toBe(T + SPOT_NOTICE_MS - SPOT_LEAVE_MARGIN_MS);
  });
});
