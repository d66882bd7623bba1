// `npm run bench -- scale-in`: scale-in timings of swarmnode against the bare engine (drain by hand,
// then leave), for a worker and for a manager, with a 12-replica service sampled through the drain.
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { Lab } from '../test/lab/lab.js';
import { LAB_IMAGE } from '../test/lab/instance-engine.js';
import { formByHand } from './form-by-hand.js';
import type { TransitionEvent } from '../test/lab/fake-aws/types.js';

const REPLICAS = 12;
const SERVICE = 'bench-web';
const SAMPLE_MS = 250;
const WAIT_MS = 180_000;
const ENV = { SWARMNODE_POLL_INTERVAL: '1s', SWARMNODE_REAP_AFTER: '10s', SWARMNODE_DRAIN_TIMEOUT: '5m' };

interface NodeRow {
  ID: string;
  Spec: { Role: string; Labels?: Record<string, string> };
  Status: { State: string; Addr: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string };
}

interface Measure {
  setup: string;
  role: string;
  /** Seconds from the scale-in request (or the start of the manual drain) to the hook completion (or leave). */
  toRelease: number;
  toRemoval: number;
  lowest: number;
  secondsBelow: number;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`bench: timed out waiting for ${what}`);
}

/** Running replicas sampled until stopped: the lowest count and the time spent below desired. */
function replicaSampler(docker: () => Docker): { stop(): Promise<{ lowest: number; secondsBelow: number }> } {
  let running = true;
  let lowest = REPLICAS;
  let belowMs = 0;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const tasks = (await docker().listTasks({ filters: { service: [SERVICE], 'desired-state': ['running'] } }).catch(() => undefined)) as { Status: { State: string } }[] | undefined;
      const count = tasks?.filter((t) => t.Status.State === 'running').length;
      await sleep(SAMPLE_MS);
      if (count === undefined) continue;
      lowest = Math.min(lowest, count);
      if (count < REPLICAS) belowMs += Date.now() - started;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { lowest, secondsBelow: belowMs / 1000 };
    },
  };
}

async function createService(docker: Docker): Promise<void> {
  await docker.createService({
    Name: SERVICE,
    TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'] } },
    Mode: { Replicated: { Replicas: REPLICAS } },
  });
  await until('all replicas running', async () => {
    const tasks = (await docker.listTasks({ filters: { service: [SERVICE], 'desired-state': ['running'] } })) as { Status: { State: string } }[];
    return tasks.filter((t) => t.Status.State === 'running').length === REPLICAS ? true : undefined;
  });
}

const managerIds = (lab: Lab): string[] => lab.instances().filter((i) => i.role === 'manager' && i.running).map((i) => i.instanceId);
const workerIds = (lab: Lab): string[] => lab.instances().filter((i) => i.role === 'worker' && i.running).map((i) => i.instanceId);

function nodeFor(rows: NodeRow[], lab: Lab, instanceId: string): NodeRow {
  const ip = lab.instances().find((i) => i.instanceId === instanceId)?.privateIp;
  const row = rows.find((n) => n.Spec.Labels?.['swarmnode.instance-id'] === instanceId) ?? rows.find((n) => n.Status.Addr === ip);
  if (row === undefined) throw new Error(`bench: no node for ${instanceId}`);
  return row;
}

async function nonLeaderManager(lab: Lab, ask: string): Promise<string> {
  const rows = (await lab.docker(ask).listNodes()) as NodeRow[];
  const found = managerIds(lab).find((id) => id !== ask && nodeFor(rows, lab, id).ManagerStatus?.Leader !== true);
  if (found === undefined) throw new Error('bench: no non-leader manager');
  return found;
}

async function swarmnodeScaleIn(lab: Lab, victim: string, role: string, observer: string): Promise<Measure> {
  const docker = lab.docker(observer);
  const nodeId = nodeFor((await docker.listNodes()) as NodeRow[], lab, victim).ID;
  let released = 0;
  const onTransition = (e: TransitionEvent): void => {
    if (e.instanceId === victim && e.to === 'Terminating:Proceed') released = Date.now();
  };
  lab.cloud.events.on('transition', onTransition);
  const replicas = replicaSampler(() => docker);
  const start = Date.now();
  await lab.terminate(victim, { decrement: true });
  await until('node removal', async () => (((await docker.listNodes()) as NodeRow[]).some((n) => n.ID === nodeId) ? undefined : true));
  const removed = Date.now();
  const sampled = await replicas.stop();
  lab.cloud.events.off('transition', onTransition);
  return { setup: 'swarmnode', role, toRelease: (released - start) / 1000, toRemoval: (removed - start) / 1000, ...sampled };
}

/** What an operator does without swarmnode: drain, wait for the tasks to go, demote, leave, remove. */
async function bareScaleIn(lab: Lab, victim: string, role: string, observer: string): Promise<Measure> {
  const docker = lab.docker(observer);
  const node = nodeFor((await docker.listNodes()) as NodeRow[], lab, victim);
  const replicas = replicaSampler(() => docker);
  const start = Date.now();
  const update = async (change: Record<string, string>): Promise<void> => {
    const current = (await docker.getNode(node.ID).inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await docker.getNode(node.ID).update({ _query: { version: current.Version.Index }, _body: { ...current.Spec, ...change } });
  };
  await update({ Availability: 'drain' });
  await until('tasks moved', async () => {
    const tasks = (await docker.listTasks({ filters: { node: [node.ID], 'desired-state': ['running'] } })) as unknown[];
    const local = await lab.docker(victim).listContainers({ filters: { label: ['com.docker.swarm.task.id'] } });
    return tasks.length === 0 && local.length === 0 ? true : undefined;
  });
  if (role === 'manager') {
    await update({ Role: 'worker' });
    await until('demoted', async () => ((await lab.docker(victim).info()) as { Swarm: { ControlAvailable: boolean } }).Swarm.ControlAvailable ? undefined : true);
  }
  await lab.docker(victim).swarmLeave({ force: false });
  const released = Date.now();
  await until('node down', async () => ((await docker.getNode(node.ID).inspect()) as NodeRow).Status.State === 'down' ? true : undefined);
  await until('node removed', async () => {
    await docker.getNode(node.ID).remove({ force: false });
    return true;
  });
  const removed = Date.now();
  const sampled = await replicas.stop();
  return { setup: 'bare engine', role, toRelease: (released - start) / 1000, toRemoval: (removed - start) / 1000, ...sampled };
}

async function waitFormed(lab: Lab, total: number): Promise<string> {
  return until('swarm formed', async () => {
    for (const id of managerIds(lab)) {
      const rows = (await lab.docker(id).listNodes().catch(() => [])) as NodeRow[];
      if (rows.length === total && rows.every((n) => n.Status.State === 'ready')) return id;
    }
    return undefined;
  });
}

async function measure(agent: boolean): Promise<Measure[]> {
  const lab = await Lab.start({ name: `bsi-${agent ? 'agent' : 'bare'}-${process.pid}`, managers: 3, workers: 2, agent, env: ENV });
  try {
    if (!agent) await formByHand(lab);
    const observer = await waitFormed(lab, 5);
    await createService(lab.docker(observer));
    const scaleIn = agent ? swarmnodeScaleIn : bareScaleIn;
    const worker = await scaleIn(lab, workerIds(lab)[0]!, 'worker', observer);
    const manager = await scaleIn(lab, await nonLeaderManager(lab, observer), 'manager', observer);
    return [worker, manager];
  } finally {
    await lab.down();
  }
}

function table(rows: Measure[]): string {
  const header = ['setup', 'role', 'to hook completion / leave (s)', 'to node removal (s)', 'lowest running', 'seconds below 12'];
  const cells = rows.map((r) => [r.setup, r.role, r.toRelease.toFixed(1), r.toRemoval.toFixed(1), `${r.lowest}/${REPLICAS}`, r.secondsBelow.toFixed(1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  return [header, ...cells].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

export async function main(): Promise<void> {
  const rows = [...(await measure(true)), ...(await measure(false))];
  process.stdout.write(`scale-in: 3 managers + 2 workers, ${REPLICAS}-replica service (stop grace 10 s), poll 1 s; one worker then one non-leader manager\n`);
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write('swarmnode: from TerminateInstanceInAutoScalingGroup to CompleteLifecycleAction (Terminating:Proceed) and to the node leaving `docker node ls`.\n');
  process.stdout.write('bare engine: from `docker node update --availability drain` by hand to `docker swarm leave` (demote first for a manager), then `docker node rm`.\n');
}
