import fc from 'fast-check';
import { commandArb, setupArb } from '../test/sim/commands.js';
import { runSchedule } from '../test/sim/run-schedule.js';
import { formatTable } from './table.js';

/**
 * `npm run bench -- sim`: how fast the fault-schedule simulation explores (schedules per second,
 * virtual minutes per schedule), over the same random schedules as the test.
 */
export async function main(runs = Number(process.env.SIM_RUNS ?? 500)): Promise<void> {
  const samples = fc.sample(fc.tuple(setupArb(), fc.array(commandArb, { minLength: 1, maxLength: 40 })), { seed: 42, numRuns: runs });
  let virtualMs = 0;
  let agents = 0;
  const started = performance.now();
  for (const [setup, commands] of samples) {
    const { world, virtualMs: covered } = await runSchedule(setup, commands);
    virtualMs += covered;
    agents += world.agents.size;
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    formatTable(
      ['schedules', 'wall s', 'schedules/s', 'virtual min per schedule', 'instances per schedule'],
      [[String(runs), seconds.toFixed(1), (runs / seconds).toFixed(0), (virtualMs / runs / 60_000).toFixed(1), (agents / runs).toFixed(1)]],
    ) + '\n',
  );
}
