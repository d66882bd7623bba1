import { describe, expect, it } from 'vitest';
import { REGRESSIONS } from './regressions.js';
import { runSchedule } from './run-schedule.js';

/** Every schedule that once broke an invariant, replayed as found: each must now hold them all. */
describe('fault-schedule regressions', () => {
  it.each(REGRESSIONS.map((r) => [r.name, r] as const))('%s', async (_name, regression) => {
    const { world } = await runSchedule(regression.setup, regression.commands);
    expect(world.violations).toEqual([]);
  });
});
