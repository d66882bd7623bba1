import { describe, it } from 'vitest';
import { checkFaultSchedules } from './property.js';

/**
 * 3-manager clusters (plus workers): forming, booting, rebooting, crashing, scaled in and replaced,
 * spot-interrupted, partitioned, watch restarted mid-step, with faults at every await on a virtual
 * clock; then faults off, and the cluster must settle. The smallest raft is where one wrong step
 * costs quorum. The larger clusters run beside it, in fault-schedule-large.test.ts.
 */
describe('fault-schedule simulation: 3 managers', () => {
  it('holds every invariant over random schedules', () => checkFaultSchedules([3]), 600_000);
});
