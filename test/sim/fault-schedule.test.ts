import fc from 'fast-check';
import { describe, it } from 'vitest';
import { commandArb, setupArb } from './commands.js';
import { runSchedule } from './run-schedule.js';

const RUNS = Number(process.env.SIM_RUNS ?? 200);

describe('fault-schedule simulation', () => {
  it(`holds every invariant over ${RUNS} random schedules`, async () => {
    await fc.assert(
      fc.asyncProperty(setupArb, fc.array(commandArb, { minLength: 1, maxLength: 40 }), async (setup, commands) => {
        await runSchedule(setup, commands);
      }),
      { numRuns: RUNS, seed: process.env.SIM_SEED === undefined ? undefined : Number(process.env.SIM_SEED), verbose: 1 },
    );
  }, 600_000);
});
