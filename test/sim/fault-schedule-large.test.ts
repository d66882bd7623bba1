import { describe, it } from 'vitest';
import { checkFaultSchedules } from './property.js';

/** The same schedules on 5- and 7-manager clusters: several changes in flight, longer chains of them. */
describe('fault-schedule simulation: 5 and 7 managers', () => {
  it('holds every invariant over random schedules', () => checkFaultSchedules([5, 7]), 600_000);
});
