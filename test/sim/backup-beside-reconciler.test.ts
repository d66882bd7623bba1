import { describe, expect, it } from 'vitest';
import { REGRESSIONS } from './regressions.js';
import { runSchedule, T0 } from './run-schedule.js';

const row = REGRESSIONS.find((r) => r.name.startsWith('issue 10: S3 stops answering'));

describe('the backup step beside the reconciler', () => {
  it('backs up while S3 answers, and a backup that never ends holds back no reap or demotion', async () => {
    if (row === undefined) throw new Error('the issue 10 row is missing from regressions.ts');
    const { world } = await runSchedule(row.setup, row.commands);
    // The row means something only if backups really ran before S3 hung (at 00:01:30 of the schedule).
    const beforeHang = [...(world.backupObjects?.entries() ?? [])].filter(([, o]) => o.at < T0 + 90_000).map(([key]) => key);
    expect(beforeHang).toEqual([expect.stringMatching(/^swarmnode\/sim\/1\/\d{8}T\d{6}Z-swarm[0-9a-f]+-[0-9a-f]{8}\.json$/)]);
    // The replaced worker's node was removed and the scaled-in manager demoted (no stale node: checkSettled).
    expect(world.violations).toEqual([]);
    const members = [...world.swarm.swarms.values()].flatMap((s) => [...s.nodes.values()]);
    const gone = [...world.cloud.instances.values()].filter((i) => i.ec2State === 'terminated').map((i) => i.id);
    expect(gone.length).toBeGreaterThanOrEqual(2);
    expect(members.filter((n) => gone.includes(n.instanceId))).toEqual([]);
  });
});
