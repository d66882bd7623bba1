import { describe, expect, it } from 'vitest';
import type { Setup, SimCommand } from './commands.js';
import { runSchedule } from './run-schedule.js';

const quiet: Setup = { seed: 11, managers: 3, workers: 2, terminatingHeartbeatMs: 120_000, spotWorkers: false };
const advance = (ms: number): SimCommand => ({ kind: 'advance', ms });

/**
 * Rebalancing rows: the rule's own invariant (World.forcingUpdate: unlabelled services untouched,
 * never while a drain, a leaving manager or an unreachable one is what the leader saw) is checked
 * at every step of these schedules as of the random ones; these rows show that it acts at all.
 */
describe('fault-schedule simulation: rebalancing after scale-out', () => {
  it('a worker launched into a quiet cluster gets the labelled service respread; the unlabelled one is never touched', async () => {
    const { world } = await runSchedule(quiet, [advance(120_000), { kind: 'launch', role: 'worker' }, advance(120_000)]);
    expect(world.violations).toEqual([]);
    expect(world.rebalances.map((r) => r.service)).toContain('web');
    expect(world.rebalances.map((r) => r.service)).not.toContain('db');
  });

  it('a worker launched while a manager is replaced: no rebalance while the old manager leaves', async () => {
    const { world } = await runSchedule(quiet, [advance(120_000), { kind: 'replace', role: 'manager', pick: 1 }, { kind: 'launch', role: 'worker' }, advance(300_000)]);
    expect(world.violations).toEqual([]);
    expect(world.rebalances.map((r) => r.service)).not.toContain('db');
  });

  it('a worker launched while another is scaled in and AWS is throttled', async () => {
    const { world } = await runSchedule(quiet, [
      advance(120_000),
      { kind: 'fault', service: 'aws', mode: 'throttle', ms: 60_000 },
      { kind: 'scale-in', role: 'worker', pick: 0 },
      { kind: 'launch', role: 'worker' },
      advance(300_000),
    ]);
    expect(world.violations).toEqual([]);
  });
});
