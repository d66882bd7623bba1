import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import {
  anyManagerNodes, callsBy, createService, idsOf, logLines, nodeOf, nodes, recordTransitions, runningTasks, sampler, transitionAt, until, waitForSwarm,
  WATCH_ENV, type NodeRow,
} from './watch-helpers.js';

const HEARTBEAT_TIMEOUT_SEC = 8;
const REPLICAS = 12;

/** One lab for every scale-in case: 3 managers, 3 workers, a 12-replica service. */
describe('watch: scale-in drains, quorum holds, nothing stale stays', () => {
  let lab: Lab;
  let transitions: ReturnType<typeof recordTransitions>;

  beforeAll(async () => {
    lab = await Lab.start({
      name: `e2e-win-${process.pid}`,
      managers: 3,
      workers: 3,
      env: WATCH_ENV,
      hooks: { terminating: { heartbeatTimeoutSec: HEARTBEAT_TIMEOUT_SEC, defaultResult: 'ABANDON' } },
    });
    transitions = recordTransitions(lab);
    await waitForSwarm(lab, 6);
    const [manager] = idsOf(lab, 'manager');
    await createService(lab, manager!, 'web', REPLICAS, 1);
    // A task that ignores SIGTERM for 20 s on each node makes every drain outlast the hook's HeartbeatTimeout.
    await createService(lab, manager!, 'slow', 6, 20);
    await until('all replicas running', async () => ((await runningTasks(lab, manager!, 'web')).length === REPLICAS && (await runningTasks(lab, manager!, 'slow')).length === 6 ? true : undefined), 120_000);
  });

  afterAll(async () => {
    await lab?.down();
  });

  async function nodeIdOf(instanceId: string): Promise<string> {
    const { rows } = await anyManagerNodes(lab, idsOf(lab, 'manager'));
    const row = nodeOf(rows, lab, instanceId);
    if (row === undefined) throw new Error(`no node for ${instanceId}`);
    return row.ID;
  }

  /** A worker running a `slow` task, so its drain outlasts HeartbeatTimeout. */
  async function slowWorker(): Promise<{ victim: string; victimNode: string }> {
    const managerId = idsOf(lab, 'manager')[0]!;
    const slow = await runningTasks(lab, managerId, 'slow');
    for (const victim of idsOf(lab, 'worker')) {
      const victimNode = await nodeIdOf(victim);
      if (slow.some((t) => t.NodeID === victimNode)) return { victim, victimNode };
    }
    throw new Error('no worker runs a slow task');
  }

  async function waitGone(instanceId: string, nodeId: string): Promise<void> {
    await until(`${instanceId} terminated`, async () => (lab.cloud.instance(instanceId)?.lifecycleState === 'Terminated' ? true : undefined), 180_000);
    await until(`node ${nodeId} removed`, async () => ((await anyManagerNodes(lab, idsOf(lab, 'manager'))).rows.some((n) => n.ID === nodeId) ? undefined : true), 60_000);
  }

  it('scales in a worker that runs tasks: tasks elsewhere first, hook completed (heartbeats past HeartbeatTimeout), node gone', async () => {
    const managers = idsOf(lab, 'manager');
    const { victim, victimNode } = await slowWorker();
    const tasksHere = (await runningTasks(lab, managers[0]!, 'web')).filter((t) => t.NodeID === victimNode).length;
    expect(tasksHere).toBeGreaterThan(0);
    const web = sampler(async () => (await runningTasks(lab, managers[0]!, 'web')).filter((t) => t.NodeID !== victimNode).length, 500);

    await lab.terminate(victim, { decrement: true });
    await waitGone(victim, victimNode);
    await web.stop();

    const waitAt = transitionAt(transitions, victim, 'Terminating:Wait')!;
    const proceedAt = transitionAt(transitions, victim, 'Terminating:Proceed')!;
    // The drain outlived the hook's HeartbeatTimeout, yet the action was completed, not timed out.
    expect(proceedAt - waitAt).toBeGreaterThan(HEARTBEAT_TIMEOUT_SEC * 1000);
    expect(callsBy(lab, victim, 'autoscaling:RecordLifecycleActionHeartbeat')).toBeGreaterThanOrEqual(2);
    expect(callsBy(lab, victim, 'autoscaling:CompleteLifecycleAction')).toBeGreaterThanOrEqual(1);
    const before = web.samples.filter((s) => s.at < proceedAt && typeof s.value === 'number');
    expect(before.at(-1)?.value).toBe(REPLICAS);
  });

  it('resumes a drain after watch is killed in the middle, and completes the hook', async () => {
    const { victim, victimNode } = await slowWorker();
    await lab.terminate(victim, { decrement: true });
    await until('drain started', async () => (logLines(lab, victim).some((l) => l.msg === 'drain started') ? true : undefined), 30_000);
    await sleep(2_000);
    await lab.stopAgent(victim, 'SIGKILL');
    expect(lab.cloud.instance(victim)?.lifecycleState).toBe('Terminating:Wait');
    lab.startAgent(victim);
    await waitGone(victim, victimNode);
    expect(logLines(lab, victim).filter((l) => l.msg === 'drain started')).toHaveLength(2);
    expect(callsBy(lab, victim, 'autoscaling:CompleteLifecycleAction')).toBeGreaterThanOrEqual(1);
  });

  it('replaces all 3 managers one at a time, 3 rounds: 3 reachable managers, nothing Down, service at its replicas', async () => {
    const [anyManager] = idsOf(lab, 'manager');
    await lab.docker(anyManager!).getService('slow').remove();
    const originals = idsOf(lab, 'manager');
    for (const old of originals) {
      const fresh = await lab.launchInstance('lab-managers');
      await until(`${fresh} a reachable manager`, async () => {
        const { rows } = await anyManagerNodes(lab, idsOf(lab, 'manager'));
        return nodeOf(rows, lab, fresh)?.ManagerStatus?.Reachability === 'reachable' ? true : undefined;
      }, 180_000);
      const oldNode = await nodeIdOf(old);
      await lab.terminate(old, { decrement: true });
      await waitGone(old, oldNode);
    }
    const { managerId, rows } = await anyManagerNodes(lab, idsOf(lab, 'manager'));
    const managers = rows.filter((n) => n.Spec.Role === 'manager');
    expect(managers).toHaveLength(3);
    expect(managers.every((n) => n.ManagerStatus?.Reachability === 'reachable')).toBe(true);
    expect(rows.filter((n) => n.Status.State !== 'ready')).toEqual([]);
    await until('web back at its replicas', async () => ((await runningTasks(lab, managerId, 'web')).length === REPLICAS ? true : undefined), 60_000);
  });

  it('scales in one manager of 3: quorum never lost, the two left reachable, the old one out of raft', async () => {
    const managers = idsOf(lab, 'manager');
    const rows = await nodes(lab, managers[0]!);
    const victim = managers.find((id) => nodeOf(rows, lab, id)?.ManagerStatus?.Leader !== true)!;
    const victimNode = nodeOf(rows, lab, victim)!.ID;
    const others = managers.filter((id) => id !== victim);
    const quorum = sampler(async () => Promise.all(others.map((id) => nodes(lab, id))), 300);

    await lab.terminate(victim, { decrement: true });
    await waitGone(victim, victimNode);
    await quorum.stop();

    const failures = quorum.samples.filter((s) => s.value instanceof Error);
    expect(failures).toEqual([]);
    for (const sample of quorum.samples) {
      for (const list of sample.value as NodeRow[][]) {
        const ms = list.filter((n) => n.ManagerStatus !== undefined);
        const reachable = ms.filter((n) => n.ManagerStatus?.Reachability === 'reachable').length;
        expect(reachable).toBeGreaterThanOrEqual(Math.floor(ms.length / 2) + 1);
      }
    }
    const after = await nodes(lab, others[0]!);
    const left = after.filter((n) => n.Spec.Role === 'manager');
    expect(left).toHaveLength(2);
    expect(left.every((n) => n.ManagerStatus?.Reachability === 'reachable')).toBe(true);
    expect(after.some((n) => n.ID === victimNode)).toBe(false);
  });

  it('publishes a rotated join token within a reconcile period, and a worker launched afterwards joins with it', async () => {
    const managers = idsOf(lab, 'manager');
    const param = '/swarmnode/lab/worker-token';
    const before = lab.cloud.parameter(param)?.version ?? 0;
    const rotated = await lab.dockerCli(managers[0]!, ['swarm', 'join-token', '--rotate', '-q', 'worker']);
    expect(rotated.code).toBe(0);
    const current = ((await lab.docker(managers[0]!).swarmInspect()) as { JoinTokens: { Worker: string } }).JoinTokens.Worker;
    // Two poll periods (1 s each) plus the round's own work: the next round after the rotation publishes.
    await until('the SSM worker token re-published', async () => ((lab.cloud.parameter(param)?.version ?? 0) > before ? true : undefined), 5_000, 200);
    const stored = lab.cloud.parameter(param)!;
    const plain = lab.cloud.kms.decrypt(Buffer.from(stored.value, 'base64'), { 'swarmnode:cluster': 'lab', 'swarmnode:role': 'worker' }).plaintext.toString();
    expect(plain === current).toBe(true);

    const fresh = await lab.launchInstance('lab-workers');
    expect(await lab.bootExit(fresh, 180_000)).toBe(0);
    await until('the new worker Ready', async () => (nodeOf(await nodes(lab, managers[0]!), lab, fresh)?.Status.State === 'ready' ? true : undefined), 60_000);
  });
});
