import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { idsOf, logLines, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const ENV = { ...WATCH_ENV, SWARMNODE_RECOVER_AFTER: '15s' };

/**
 * Issue 10, a race of two survivors: 5 managers, three terminated at once. Both survivors see the
 * same loss and contend for its one lock: exactly one forces a new cluster, the other leaves its
 * dead raft and joins it as a manager.
 */
describe('recovery: two survivors race, one forces a new cluster', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-rr-${process.pid}`, managers: 5, workers: 0, env: ENV });
    await waitForSwarm(lab, 5);
    await until('five managers recorded', async () => (JSON.parse(lab.cloud.parameter(`/swarmnode/${lab.cluster}/cluster`)?.value ?? '{}').managers?.length === 5 ? true : undefined), 60_000);
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('exactly one force-new-cluster; the other survivor rejoins it; the replacements join', async () => {
    const managers = idsOf(lab, 'manager');
    const survivors = managers.slice(0, 2);
    for (const id of managers.slice(2)) await lab.crash(id);
    await lab.scale(`${lab.cluster}-managers`, 5);

    await until('a survivor forced a new cluster', async () => (survivors.some((id) => logLines(lab, id).some((l) => l.action === 'force-new-cluster')) ? true : undefined), 300_000);
    const rows = await until('five reachable managers again', async () => {
      const list = await waitForSwarm(lab, 5, 10_000).catch(() => undefined);
      return list?.filter((n) => n.ManagerStatus?.Reachability === 'reachable').length === 5 ? list : undefined;
    }, 300_000);
    const forced = survivors.filter((id) => logLines(lab, id).some((l) => l.action === 'force-new-cluster'));
    expect(forced).toHaveLength(1);
    const other = survivors.find((id) => id !== forced[0])!;
    const took = survivors.map((id) => logLines(lab, id).find((l) => l.action === 'take-lock' && typeof l.lock === 'string' && l.lock.startsWith('recover-')));
    // One lock for the loss; only the one that forced won it (the other lost it, or found it taken).
    expect(took.filter((l) => l?.won === true).map((l) => l?.lock)).toHaveLength(1);
    expect(took.find((l) => l?.won === true)).toBe(took[survivors.indexOf(forced[0]!)]);
    const story = logLines(lab, other).filter((l) => l.action !== undefined || l.recovery !== undefined).map((l) => `${String(l.action ?? (l.recovery as { kind: string }).kind)}: ${String(l.msg).slice(0, 160)}`);
    expect(story.some((line) => line.startsWith('rejoin')), story.join('\n')).toBe(true);
    expect(new Set(survivors.map((id) => rows.find((n) => n.Spec.Labels?.['swarmnode.instance-id'] === id)?.ManagerStatus?.Reachability))).toEqual(new Set(['reachable']));
  });
});
