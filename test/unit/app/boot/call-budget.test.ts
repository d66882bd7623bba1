import { afterEach, describe, expect, it } from 'vitest';
import { StandInFleet } from '../../../lab/stand-in-fleet.js';

/**
 * AWS calls per boot, counted by the fake AWS endpoint per instance credentials: swarmnode's real
 * boot with its production adapters (SDK clients over HTTP), against engine stand-ins (see
 * test/lab/engine-stand-in.ts). The budgets are the issue's: a round that gains a call fails here.
 */
const JOIN_BUDGET = 5;
const FORMATION_MEDIAN_BUDGET = 10;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

let fleet: StandInFleet | undefined;
afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

async function formed(opts: { virtualWorkers?: number } = {}): Promise<{ fleet: StandInFleet; ids: string[] }> {
  fleet = await StandInFleet.start({ env: { SWARMNODE_JOIN_TIMEOUT: '2m', SWARMNODE_LOG_LEVEL: 'warn' }, ...opts });
  const ids = await fleet.scale(3, 2);
  const ends = await Promise.all(ids.map((id) => (fleet as StandInFleet).host.bootEnd(id)));
  expect(ends.map((e) => e.exitCode)).toEqual([0, 0, 0, 0, 0]);
  return { fleet, ids };
}

describe('AWS calls per boot (real adapters over HTTP, engine stand-ins)', () => {
  it(`forms one swarm from 3 managers and 2 workers launched at once, at most ${FORMATION_MEDIAN_BUDGET} calls per boot (median)`, async () => {
    const { fleet, ids } = await formed();
    expect(fleet.host.swarms.swarmIds()).toHaveLength(1);
    expect(median(ids.map((id) => fleet.callsOf(id)))).toBeLessThanOrEqual(FORMATION_MEDIAN_BUDGET);
    // Every launching action answered: the instances went InService.
    expect(ids.map((id) => fleet.cloud.instance(id)?.lifecycleState)).toEqual(ids.map(() => 'InService'));
  }, 120_000);

  it(`a worker joining a formed swarm makes at most ${JOIN_BUDGET} calls, in a fleet of 500 instances as in one of 6`, async () => {
    for (const virtualWorkers of [0, 494]) {
      const { fleet: formedFleet } = await formed({ virtualWorkers });
      const [joiner] = await formedFleet.scale(3, 3);
      const end = await formedFleet.host.bootEnd(joiner as string);
      expect(end.exitCode).toBe(0);
      expect(formedFleet.cloud.instance(joiner as string)?.lifecycleState).toBe('InService');
      expect(formedFleet.callsOf(joiner as string), `calls of the joining worker in a fleet of ${6 + virtualWorkers}`).toBeLessThanOrEqual(JOIN_BUDGET);
      await formedFleet.close();
      fleet = undefined;
    }
  }, 240_000);

  it('a reboot of a healthy member makes no AWS call', async () => {
    const { fleet, ids } = await formed();
    for (const id of ids) {
      const before = fleet.callsOf(id);
      await fleet.host.reboot(id);
      expect((await fleet.host.bootEnd(id)).exitCode).toBe(0);
      expect(fleet.callsOf(id)).toBe(before);
    }
  }, 120_000);
});
