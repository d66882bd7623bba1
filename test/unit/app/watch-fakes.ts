import { pino } from 'pino';
import { Secret } from '../../../src/log/secret.js';
import type { Clock } from '../../../src/ports/clock.js';
import type { Engine, EngineInfo, SwarmNode } from '../../../src/ports/engine.js';
import type { Fleet, FleetView, LifecycleHook } from '../../../src/ports/fleet.js';
import type { SecretStore } from '../../../src/ports/secret-store.js';

export const silentLog = pino({ level: 'silent' });

/**
 * Virtual time: a sleep waits for the clock to reach its end; once every loop is parked in a sleep,
 * the clock jumps to the earliest one. Concurrent loops (drain, heartbeats) thus share one timeline.
 */
export class FakeClock implements Clock {
  private timers: { at: number; wake: () => void }[] = [];
  private ticking = false;
  constructor(public time = 1_000_000) {}
  now(): number {
    return this.time;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const timer = { at: this.time + ms, wake: resolve };
      this.timers.push(timer);
      signal?.addEventListener('abort', () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(signal.reason);
      }, { once: true });
      this.tick();
    });
  }
  private tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    setImmediate(() => {
      this.ticking = false;
      if (this.timers.length === 0) return;
      this.time = Math.max(this.time, Math.min(...this.timers.map((t) => t.at)));
      const due = this.timers.filter((t) => t.at <= this.time);
      this.timers = this.timers.filter((t) => t.at > this.time);
      for (const t of due) t.wake();
      if (this.timers.length > 0) this.tick();
    });
  }
}

type EngineCall = { op: string; nodeId?: string; change?: unknown; force?: boolean };

/** One engine: its /info, the swarm's node list as a manager sees it, and local task containers. */
export class FakeEngine implements Partial<Engine> {
  info_: EngineInfo = { localNodeState: 'active', nodeId: 'self', clusterId: 'c', controlAvailable: false, remoteManagers: [], error: '', nodeAddr: '10.0.0.1' };
  nodeList: SwarmNode[] = [];
  localTasks = 0;
  tokens = { manager: 'SWMTKN-m-1', worker: 'SWMTKN-w-1' };
  calls: EngineCall[] = [];
  /** Run after each call, to script how the world reacts (tasks leaving, a leader demoting). */
  onCall: (op: string) => void = () => {};

  private record(call: EngineCall): void {
    this.calls.push(call);
    this.onCall(call.op);
  }
  async info(): Promise<EngineInfo> {
    return { ...this.info_ };
  }
  async nodes(): Promise<SwarmNode[]> {
    if (!this.info_.controlAvailable) throw new Error('This node is not a swarm manager.');
    return this.nodeList.map((n) => ({ ...n }));
  }
  async updateNode(node: SwarmNode, change: { role?: 'manager' | 'worker'; availability?: 'active' | 'pause' | 'drain'; labels?: Record<string, string> }): Promise<void> {
    const current = this.nodeList.find((n) => n.id === node.id);
    if (current === undefined || current.version !== node.version) throw new Error('update out of sequence');
    Object.assign(current, change.role ? { role: change.role } : {}, change.availability ? { availability: change.availability } : {}, change.labels ? { labels: change.labels } : {});
    current.version += 1;
    this.record({ op: 'update', nodeId: node.id, change });
  }
  async removeNode(nodeId: string, force: boolean): Promise<void> {
    this.nodeList = this.nodeList.filter((n) => n.id !== nodeId);
    this.record({ op: 'remove', nodeId, force });
  }
  async leave(force: boolean): Promise<void> {
    this.info_ = { ...this.info_, localNodeState: 'inactive', controlAvailable: false, nodeId: '' };
    this.localTasks = 0;
    this.record({ op: 'leave', force });
  }
  async localTaskCount(): Promise<number> {
    this.record({ op: 'localTaskCount' });
    return this.localTasks;
  }
  async joinTokens(): Promise<{ manager: Secret; worker: Secret }> {
    return { manager: new Secret(this.tokens.manager), worker: new Secret(this.tokens.worker) };
  }
  asEngine(): Engine {
    return this as unknown as Engine;
  }
}

export const HOOK: LifecycleHook = { name: 'lab-terminating', asgName: 'lab-workers', transition: 'terminating', heartbeatTimeoutMs: 30_000, defaultResult: 'ABANDON' };

export class FakeFleet implements Partial<Fleet> {
  hook_: LifecycleHook | undefined = HOOK;
  viewResult: FleetView = { groups: [], instances: [] };
  ec2: Map<string, string> = new Map();
  heartbeats: number[] = [];
  completions: string[] = [];
  /** Failures to throw from the next completeLifecycleAction calls. */
  completeFailures: Error[] = [];
  constructor(private readonly clock: Clock) {}
  async ownGroup(): Promise<{ asgName: string; lifecycleState: string; role: 'worker' }> {
    return { asgName: HOOK.asgName, lifecycleState: 'Terminating:Wait', role: 'worker' };
  }
  async hook(): Promise<LifecycleHook | undefined> {
    return this.hook_;
  }
  async recordHeartbeat(): Promise<void> {
    this.heartbeats.push(this.clock.now());
  }
  async completeLifecycleAction(_hook: LifecycleHook, instanceId: string, result: string): Promise<void> {
    const failure = this.completeFailures.shift();
    if (failure) throw failure;
    this.completions.push(`${instanceId}:${result}`);
  }
  async view(): Promise<FleetView> {
    return this.viewResult;
  }
  async ec2States(ids: string[]): Promise<Map<string, string>> {
    return new Map(ids.flatMap((id) => (this.ec2.has(id) ? [[id, this.ec2.get(id) as string] as const] : [])));
  }
  asFleet(): Fleet {
    return this as unknown as Fleet;
  }
}

export class FakeSecrets implements Partial<SecretStore> {
  stored = new Map<string, string>();
  writes: string[] = [];
  reads = 0;
  async readToken(role: 'manager' | 'worker'): Promise<Secret | undefined> {
    this.reads += 1;
    const value = this.stored.get(role);
    return value === undefined ? undefined : new Secret(value);
  }
  async writeToken(role: 'manager' | 'worker', token: Secret): Promise<void> {
    this.stored.set(role, token.reveal());
    this.writes.push(role);
  }
  asStore(): SecretStore {
    return this as unknown as SecretStore;
  }
}
