import fc from 'fast-check';
import { commandArb, setupArb } from './commands.js';
import { runSchedule } from './run-schedule.js';

/**
 * CI explores the same schedules on every run (a change that breaks one of them fails there, not at
 * random on a later change); anywhere else each run explores new ones. Whatever a search finds
 * becomes a row of regressions.ts, which CI always runs.
 */
const CI_SEED = 20_261_201;

/**
 * The invariants over random fault schedules (see README, "Safety promises"). A failure prints the
 * seed and path to replay it (SIM_SEED, SIM_PATH) and the shrunk schedule, to keep as a row in
 * regressions.ts. SIM_RUNS sets how many schedules each file explores.
 */
export async function checkFaultSchedules(managers: readonly number[], runs = Number(process.env.SIM_RUNS ?? 1_000)): Promise<void> {
  await fc.assert(
    fc.asyncProperty(setupArb(managers), fc.array(commandArb, { minLength: 1, maxLength: 40 }), async (setup, commands) => {
      await runSchedule(setup, commands);
    }),
    {
      numRuns: runs,
      seed: process.env.SIM_SEED !== undefined ? Number(process.env.SIM_SEED) : process.env.CI === 'true' ? CI_SEED : undefined,
      path: process.env.SIM_PATH,
      endOnFailure: process.env.SIM_PATH !== undefined,
    },
  );
}
