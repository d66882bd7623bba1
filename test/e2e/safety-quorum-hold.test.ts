import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { callsBy, idsOf, logLines, nodeOf, nodes, sampler, until, waitForSwarm, WATCH_ENV, type NodeRow } from './watch-helpers.js';

const HEARTBEAT_TIMEOUT_SEC = 10;

/**
 * Issue 8, failure 2, as the issue tells it: one manager's engine hangs (its instance still runs, so
 * it is rightly never reaped), then the ASG scales in a second manager. The quorum rule holds the
 * demotion; the drain used to complete CONTINUE at SWARMNODE_DRAIN_TIMEOUT anyway, leaving 1 of 3.
 * Now the hook is held with heartbeats, status says what blocks it, and the manager leaves raft
 * through a demotion once the hung engine is back.
 */
describe('safety: a terminating manager keeps its hook until it is demoted', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({
      name: `e2e-hold-${process.pid}`,
      managers: 3,
      workers: 0,
      env: { ...WATCH_ENV, SWARMNODE_DRAIN_TIMEOUT: '15s' },
      hooks: { terminating: { heartbeatTimeoutSec: HEARTBEAT_TIMEOUT_SEC, defaultResult: 'CONTINUE' } },
    });
    await waitForSwarm(lab, 3);
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('holds the hook past the drain timeout while quorum forbids the demotion, then demotes, leaves and completes', async () => {
    const managers = idsOf(lab, 'manager');
    // Every manager answering with the node list: raft has settled.
    const rows = await until('every manager answering', async () => {
      const lists = await Promise.all(managers.map((id) => nodes(lab, id)));
      return lists[0];
    }, 60_000);
    const leader = managers.find((id) => nodeOf(rows, lab, id)?.ManagerStatus?.Leader === true)!;
    const [hung, victim] = managers.filter((id) => id !== leader) as [string, string];
    const victimNode = nodeOf(rows, lab, victim)!.ID;

    await lab.hangEngine(hung);
    await until('the hung manager unreachable', async () => (nodeOf(await nodes(lab, leader), lab, hung)?.ManagerStatus?.Reachability === 'unreachable' ? true : undefined), 60_000);
    const quorum = sampler(async () => nodes(lab, leader), 500);
    lab.cloud.resetCalls();
    await lab.terminate(victim, { decrement: true });

    // Well past the 15 s drain timeout and several heartbeat timeouts.
    await sleep(60_000);
    expect(lab.cloud.instance(victim)?.lifecycleState).toBe('Terminating:Wait');
    expect(callsBy(lab, victim, 'autoscaling:CompleteLifecycleAction')).toBe(0);
    expect(callsBy(lab, victim, 'autoscaling:RecordLifecycleActionHeartbeat')).toBeGreaterThanOrEqual(60 / HEARTBEAT_TIMEOUT_SEC);
    const held = nodeOf(await nodes(lab, leader), lab, victim);
    expect(held?.ManagerStatus?.Reachability).toBe('reachable');
    expect(logLines(lab, victim).some((l) => typeof l.reason === 'string' && /waiting for the leader to demote this manager/.test(l.reason))).toBe(true);

    const status = await lab.runAgent(leader, ['status', '--json']);
    const report = JSON.parse(status.stdout) as { held: { nodeId: string; cause: string; reason: string }[]; advice: string[] };
    expect(report.held).toEqual([expect.objectContaining({ nodeId: victimNode, cause: 'quorum' })]);
    expect(report.advice.join('\n')).toMatch(/lifecycle action is kept alive/);

    // The hung engine comes back: now the demotion is safe, and only then does the victim leave.
    await lab.hangEngine(hung, false);
    await until(`${victim} terminated`, async () => (lab.cloud.instance(victim)?.lifecycleState === 'Terminated' ? true : undefined), 180_000);
    await quorum.stop();
    expect(callsBy(lab, victim, 'autoscaling:CompleteLifecycleAction')).toBeGreaterThanOrEqual(1);
    const left = (await nodes(lab, leader)).filter((n) => n.ManagerStatus !== undefined);
    expect(left.map((n) => n.ManagerStatus?.Reachability)).toEqual(['reachable', 'reachable']);
    // Raft never lost its majority while swarmnode acted: the leader answered every sample.
    const answered = quorum.samples.filter((s) => !(s.value instanceof Error)).map((s) => s.value as NodeRow[]);
    expect(answered.length).toBe(quorum.samples.length);
    for (const list of answered) {
      const members = list.filter((n) => n.ManagerStatus !== undefined);
      expect(members.filter((n) => n.ManagerStatus?.Reachability === 'reachable').length).toBeGreaterThanOrEqual(Math.floor(members.length / 2) + 1);
    }
  });
});
