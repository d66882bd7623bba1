import { apply, describe, type Setup, type SimCommand } from './commands.js';
import { VirtualTime } from './virtual-time.js';
import { World } from './world.js';

/** Virtual start of every schedule (fixed, so traces read the same from run to run). */
export const T0 = Date.UTC(2026, 0, 1);
/** After heal: long enough for every hook, drain, reap and boot of the world to end. */
export const LIVENESS_MS = 15 * 60_000;

export interface ScheduleResult {
  world: World;
  /** Virtual milliseconds the schedule covered. */
  virtualMs: number;
}

/**
 * One schedule: the cluster forms, the commands run with the invariants checked after every step
 * (safety), then every fault is lifted and the cluster must settle (liveness). Throws SimViolation
 * with the violated invariant and the trace of what led to it.
 */
export async function runSchedule(setup: Setup, commands: readonly SimCommand[], options: { verbose?: boolean } = {}): Promise<ScheduleResult> {
  const time = new VirtualTime(T0);
  const random = Math.random;
  const world = new World({ ...setup, verbose: options.verbose ?? false });
  // p-retry's jitter and the agents' own draw from the schedule's seed: one seed, one run.
  Math.random = () => world.rng.next();
  try {
    const check = (): void => world.checkSafety();
    world.start();
    for (const command of commands) {
      world.note(`> ${describe(command)}`);
      await time.advance(apply(world, command), check);
    }
    world.heal();
    const healedAt = time.now();
    await time.advance(LIVENESS_MS, check);
    world.checkSettled(healedAt);
    return { world, virtualMs: time.now() - T0 };
  } finally {
    Math.random = random;
    time.uninstall();
  }
}
