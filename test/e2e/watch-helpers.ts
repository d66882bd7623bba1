import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from '../lab/lab.js';
import { LAB_IMAGE } from '../lab/instance-engine.js';
import type { TransitionEvent } from '../lab/fake-aws/types.js';

/** The lab env of the watch tests: short timings so each case takes seconds, not minutes. */
export const WATCH_ENV = { SWARMNODE_POLL_INTERVAL: '1s', SWARMNODE_REAP_AFTER: '10s', SWARMNODE_DRAIN_TIMEOUT: '2m', SWARMNODE_JOIN_TIMEOUT: '3m' };

export interface NodeRow {
  ID: string;
  Spec: { Role: string; Availability: string; Labels?: Record<string, string> };
  Description: { Hostname: string };
  Status: { State: string; Addr: string };
  ManagerStatus?: { Leader?: boolean; Reachability: string };
}

interface TaskRow {
  NodeID?: string;
  DesiredState: string;
  Status: { State: string };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, stepMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(stepMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
}

export function idsOf(lab: Lab, role: 'manager' | 'worker'): string[] {
  return lab.instances().filter((i) => i.role === role && i.running).map((i) => i.instanceId);
}

export function ipOf(lab: Lab, instanceId: string): string {
  const found = lab.instances().find((i) => i.instanceId === instanceId);
  if (found === undefined) throw new Error(`no instance ${instanceId}`);
  return found.privateIp;
}

export async function nodes(lab: Lab, managerId: string): Promise<NodeRow[]> {
  return (await lab.docker(managerId).listNodes()) as NodeRow[];
}

export function nodeOf(rows: NodeRow[], lab: Lab, instanceId: string): NodeRow | undefined {
  const ip = ipOf(lab, instanceId);
  return rows.find((n) => n.Spec.Labels?.['swarmnode.instance-id'] === instanceId) ?? rows.find((n) => n.Status.Addr === ip && n.Status.State !== 'down');
}

/** Any manager that answers with a node list (a leader exists). */
export async function anyManagerNodes(lab: Lab, managerIds: readonly string[]): Promise<{ managerId: string; rows: NodeRow[] }> {
  for (const managerId of managerIds) {
    try {
      return { managerId, rows: await nodes(lab, managerId) };
    } catch {
      // try the next one
    }
  }
  throw new Error('no manager answered with a node list');
}

export async function waitForSwarm(lab: Lab, expectedNodes: number, timeoutMs = 180_000): Promise<NodeRow[]> {
  return until(
    `${expectedNodes} Ready nodes with a leader`,
    async () => {
      const { rows } = await anyManagerNodes(lab, idsOf(lab, 'manager'));
      const ready = rows.filter((n) => n.Status.State === 'ready');
      return ready.length === expectedNodes && rows.length === expectedNodes && rows.some((n) => n.ManagerStatus?.Leader) ? rows : undefined;
    },
    timeoutMs,
    1_000,
  );
}

/** A service of `sleep 1d` tasks: PID 1 of each ignores SIGTERM, so stopping one takes its whole StopGracePeriod. */
export async function createService(lab: Lab, managerId: string, name: string, replicas: number, stopGraceSec: number, constraints: string[] = []): Promise<void> {
  await lab.docker(managerId).createService({
    Name: name,
    TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'], StopGracePeriod: stopGraceSec * 1e9 }, Placement: { Constraints: constraints } },
    Mode: { Replicated: { Replicas: replicas } },
  });
}

export async function runningTasks(lab: Lab, managerId: string, service: string): Promise<TaskRow[]> {
  const tasks = (await lab.docker(managerId).listTasks({ filters: { service: [service], 'desired-state': ['running'] } })) as TaskRow[];
  return tasks.filter((t) => t.Status.State === 'running');
}

/** Every lifecycle transition of the cloud, with the time it happened. */
export function recordTransitions(lab: Lab): { at: number; event: TransitionEvent }[] {
  const seen: { at: number; event: TransitionEvent }[] = [];
  lab.cloud.events.on('transition', (event: TransitionEvent) => seen.push({ at: Date.now(), event }));
  return seen;
}

export function transitionAt(seen: { at: number; event: TransitionEvent }[], instanceId: string, to: string): number | undefined {
  return seen.find((s) => s.event.instanceId === instanceId && s.event.to === to)?.at;
}

export function callsBy(lab: Lab, instanceId: string, api: string): number {
  return lab.cloud.calls().byCaller[instanceId]?.[api] ?? 0;
}

/** Samples `probe` every `everyMs` until stopped; the samples, failures included, are kept. */
export function sampler<T>(probe: () => Promise<T>, everyMs: number): { samples: { at: number; value: T | Error }[]; stop(): Promise<void> } {
  const samples: { at: number; value: T | Error }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        samples.push({ at: Date.now(), value: await probe() });
      } catch (error) {
        samples.push({ at: Date.now(), value: error instanceof Error ? error : new Error(String(error)) });
      }
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    async stop() {
      running = false;
      await loop;
    },
  };
}

export function logLines(lab: Lab, instanceId: string): { msg?: string; cmd?: string; [key: string]: unknown }[] {
  return lab.agentLog(instanceId) as { msg?: string; cmd?: string }[];
}
