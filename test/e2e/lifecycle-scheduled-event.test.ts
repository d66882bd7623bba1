import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { createService, idsOf, nodeOf, nodes, runningTasks, sampler, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const WEB = 4;
const LEAD_MS = 20_000;

/**
 * Issue 9, a scheduled system reboot on a worker whose group does not replace it (HealthCheck and
 * ReplaceUnhealthy suspended, as the Auto Scaling guide suggests for reboots): swarmnode drains the
 * node SWARMNODE_EVENT_LEAD before the event, the tasks move, EC2 reboots the instance, and once the
 * event is past and the instance is back the leader re-activates the node.
 */
describe('lifecycle: a scheduled reboot drains ahead and re-activates after', () => {
  let lab: Lab;
  let manager: string;

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-lse-${process.pid}`, managers: 1, workers: 2, env: { ...WATCH_ENV, SWARMNODE_EVENT_LEAD: `${LEAD_MS / 1000}s` } });
    [manager = ''] = idsOf(lab, 'manager');
    await waitForSwarm(lab, 3);
    await createService(lab, manager, 'web', WEB, 1, ['node.role==worker']);
    await until('every web replica running', async () => ((await runningTasks(lab, manager, 'web')).length === WEB ? true : undefined), 120_000);
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('drained within the lead before NotBefore, rebooted in place, active again after the event', async () => {
    const workers = `${lab.cluster}-workers`;
    lab.cloud.suspendProcesses(workers, ['HealthCheck', 'ReplaceUnhealthy']);
    const victim = idsOf(lab, 'worker')[0]!;
    const victimNode = nodeOf(await nodes(lab, manager), lab, victim)!.ID;
    const bootsBefore = lab.agentBoots(victim);
    const watched = sampler(async () => nodeOf(await nodes(lab, manager), lab, victim), 500);

    const event = lab.scheduleEvent(victim, 'system-reboot', { inMs: LEAD_MS + 25_000 });
    // Not yet within the lead: the node keeps working.
    await sleep(10_000);
    expect(nodeOf(await nodes(lab, manager), lab, victim)?.Spec.Availability).toBe('active');

    const movedAt = await until('the tasks moved off before the reboot', async () => {
      const tasks = await runningTasks(lab, manager, 'web');
      return tasks.length === WEB && tasks.every((t) => t.NodeID !== victimNode) ? Date.now() : undefined;
    }, 60_000);
    expect(movedAt).toBeLessThan(event.notBefore.getTime());
    const drained = nodeOf(await nodes(lab, manager), lab, victim)!;
    expect(drained.Spec.Availability).toBe('drain');
    expect(drained.Spec.Labels?.['swarmnode.drained-for']).toBe(`event:system-reboot:${event.eventId}`);

    await until('the reboot carried out', async () => (event.state === 'completed' && lab.agentBoots(victim) > bootsBefore ? true : undefined), 120_000);
    const back = await until('the node active again', async () => {
      const row = nodeOf(await nodes(lab, manager), lab, victim);
      return row?.Status.State === 'ready' && row.Spec.Availability === 'active' ? row : undefined;
    }, 120_000);
    await watched.stop();
    expect(back.ID).toBe(victimNode);
    expect(back.Spec.Labels?.['swarmnode.drained-for']).toBeUndefined();
    // The same instance, never replaced: no terminating action, still InService.
    expect(lab.cloud.instance(victim)).toMatchObject({ lifecycleState: 'InService', health: 'Healthy' });
    expect(lab.cloud.lifecycleOutcomes(victim).filter((o) => o.transition === 'terminating')).toEqual([]);
    // Drained before the reboot took the node down, re-activated only after it was back.
    // The sampler may stop before it sees what `back` saw: that row ends the history.
    const states = [...watched.samples, { value: back }].flatMap((s) => (s.value instanceof Error || s.value === undefined ? [] : [`${s.value.Spec.Availability}/${s.value.Status.State}`]));
    const firstDown = states.indexOf('drain/down');
    if (firstDown >= 0) expect(states.slice(firstDown).indexOf('active/ready')).toBeGreaterThan(0);
    expect(states.indexOf('drain/ready')).toBeLessThan(states.lastIndexOf('active/ready'));
    lab.cloud.resumeProcesses(workers, []);
  });
});
