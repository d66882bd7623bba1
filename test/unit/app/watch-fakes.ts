import { pino } from 'pino';
import { Secret } from '../../../src/log/secret.js';
import type { Clock } from '../../../src/ports/clock.js';
import type { Engine, EngineInfo, SwarmNode, SwarmService, SwarmTask } from '../../../src/ports/engine.js';
import type { Ec2Facts, Fleet, FleetView, LifecycleHook, LifecycleTransition, OwnGroup } from '../../../src/ports/fleet.js';
import type { ClusterRecord, LockRecord, RecordedManager, SecretStore } from '../../../src/ports/secret-store.js';
import { formatLockValue, parseLockValue } from '../../../src/core/boot/lock-value.js';
import { node } from '../core/watch-fixtures.js';

export const silentLog = pino({ level: 'silent' });

export { FakeClock } from '../fake-clock.js';

type EngineCall = { op: string; nodeId?: string; change?: unknown; force?: boolean; remoteAddrs?: string[] };

/** One engine: its /info, the swarm's node list as a manager sees it, and local task containers. */
export class FakeEngine implements Partial<Engine> {
  info_: EngineInfo = { localNodeState: 'active', nodeId: 'self', clusterId: 'c', controlAvailable: false, remoteManagers: [], error: '', nodeAddr: '10.0.0.1' };
  nodeList: SwarmNode[] = [];
  localTasks = 0;
  tokens = { manager: 'SWMTKN-m-1', worker: 'SWMTKN-w-1' };
  /** Thrown by every join while set: the engine refusing it (rotated token, manager not answering). */
  joinError: Error | undefined;
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
  /** The swarm has no leader (quorum lost): the control API refuses, as the engine words it. */
  noLeader = false;
  async nodes(): Promise<SwarmNode[]> {
    if (!this.info_.controlAvailable) throw new Error('This node is not a swarm manager.');
    if (this.noLeader) throw new Error('rpc error: code = Unknown desc = The swarm does not have a leader. It\'s possible that too few managers are online.');
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
  /** A new swarm of one: this engine, Ready and leader. */
  async init(advertiseAddr: string): Promise<string> {
    this.info_ = { ...this.info_, localNodeState: 'active', nodeId: 'self', clusterId: 'swarm-new', controlAvailable: true, remoteManagers: [{ nodeId: 'self', addr: `${advertiseAddr}:2377` }] };
    this.nodeList = [node('self', { role: 'manager', leader: true })];
    this.record({ op: 'init' });
    return 'self';
  }
  /** Joins as a worker (active, talking to the managers given) unless joinError is set. */
  async join(remoteAddrs: string[]): Promise<void> {
    this.record({ op: 'join', remoteAddrs });
    if (this.joinError) throw this.joinError;
    this.info_ = { ...this.info_, localNodeState: 'active', nodeId: 'self', clusterId: undefined, controlAvailable: false, remoteManagers: remoteAddrs.map((addr, i) => ({ nodeId: `m${i}`, addr })) };
  }
  async swarmId(): Promise<string> {
    return this.info_.clusterId ?? '';
  }
  /** This engine alone in the raft of its swarm (same id). */
  async forceNewCluster(advertiseAddr: string): Promise<void> {
    this.record({ op: 'force-new-cluster' });
    this.info_ = { ...this.info_, remoteManagers: [{ nodeId: this.info_.nodeId, addr: `${advertiseAddr}:2377` }] };
  }
  /** The swarm's unlock key while autolock is on. */
  autolockKey: string | undefined;
  async unlockKey(): Promise<Secret | undefined> {
    return this.autolockKey === undefined ? undefined : new Secret(this.autolockKey);
  }
  serviceList: SwarmService[] = [];
  taskList: SwarmTask[] = [];
  async services(): Promise<SwarmService[]> {
    return this.serviceList.map((s) => ({ ...s }));
  }
  async tasks(serviceIds: readonly string[]): Promise<SwarmTask[]> {
    return this.taskList.filter((t) => serviceIds.includes(t.serviceId));
  }
  async forceUpdateService(service: SwarmService): Promise<void> {
    this.record({ op: 'force-update', nodeId: service.name });
  }
  asEngine(): Engine {
    return this as unknown as Engine;
  }
}

export const HOOK: LifecycleHook = { name: 'lab-terminating', asgName: 'lab-workers', transition: 'terminating', heartbeatTimeoutMs: 30_000, defaultResult: 'ABANDON' };

export class FakeFleet implements Partial<Fleet> {
  /** The terminating hook. */
  hook_: LifecycleHook | undefined = HOOK;
  launchHook: LifecycleHook | undefined;
  own: OwnGroup | undefined = { asgName: HOOK.asgName, lifecycleState: 'Terminating:Wait', role: 'worker' };
  viewResult: FleetView = { groups: [], instances: [] };
  ec2: Map<string, string> = new Map();
  /** When EC2 says a gone instance began to go (StateTransitionReason). */
  goneAt: Map<string, number> = new Map();
  heartbeats: number[] = [];
  completions: string[] = [];
  completedHooks: string[] = [];
  /** Failures to throw from the next completeLifecycleAction calls. */
  completeFailures: Error[] = [];
  unhealthy: string[] = [];
  constructor(private readonly clock: Clock) {}
  async ownGroup(): Promise<OwnGroup | undefined> {
    return this.own;
  }
  async hook(_asgName: string, transition: LifecycleTransition): Promise<LifecycleHook | undefined> {
    return transition === 'launching' ? this.launchHook : this.hook_;
  }
  async setUnhealthy(instanceId: string): Promise<void> {
    this.unhealthy.push(instanceId);
  }
  drainRequests: string[] = [];
  async requestDrain(instanceId: string, reason: string): Promise<void> {
    this.drainRequests.push(`${instanceId}:${reason}`);
  }
  /** Failures to throw from the next recordHeartbeat calls (each attempt is still counted). */
  heartbeatFailures: Error[] = [];
  async recordHeartbeat(): Promise<void> {
    this.heartbeats.push(this.clock.now());
    const failure = this.heartbeatFailures.shift();
    if (failure) throw failure;
  }
  async completeLifecycleAction(hook: LifecycleHook, instanceId: string, result: string): Promise<void> {
    const failure = this.completeFailures.shift();
    if (failure) throw failure;
    this.completions.push(`${instanceId}:${result}`);
    this.completedHooks.push(hook.name);
  }
  async view(): Promise<FleetView> {
    return this.viewResult;
  }
  /** Drain tags of instances in no cluster group. */
  tags = new Map<string, string>();
  async ec2Facts(ids: string[]): Promise<Map<string, Ec2Facts>> {
    return new Map(ids.flatMap((id) => (this.ec2.has(id) ? [[id, { state: this.ec2.get(id) as string, drainRequest: this.tags.get(id), goneAt: this.goneAt.get(id) }] as const] : [])));
  }
  async clearDrainRequest(instanceId: string): Promise<void> {
    this.drainRequests.push(`${instanceId}:-`);
  }
  asFleet(): Fleet {
    return this as unknown as Fleet;
  }
}

export class FakeSecrets implements Partial<SecretStore> {
  /** Join tokens by role. */
  stored = new Map<string, string>();
  /** Init locks by parameter name: the holder's instance id. */
  locks = new Map<string, string>();
  cluster: ClusterRecord | undefined;
  writes: string[] = [];
  lockReads: string[] = [];
  reads = 0;
  clusterReads = 0;
  combinedReads = 0;
  async readToken(role: 'manager' | 'worker'): Promise<Secret | undefined> {
    this.reads += 1;
    const value = this.stored.get(role);
    return value === undefined ? undefined : new Secret(value);
  }
  async writeToken(role: 'manager' | 'worker', token: Secret): Promise<void> {
    this.stored.set(role, token.reveal());
    this.writes.push(role);
  }
  async readCluster(): Promise<ClusterRecord | undefined> {
    this.clusterReads += 1;
    return this.cluster;
  }
  /** Counted in `reads` and `clusterReads` too: `combinedReads` tells how many of those came as one call. */
  async readTokenAndCluster(role: 'manager' | 'worker'): Promise<{ token: Secret | undefined; cluster: ClusterRecord | undefined }> {
    this.combinedReads += 1;
    return { token: await this.readToken(role), cluster: await this.readCluster() };
  }
  async writeCluster(record: ClusterRecord): Promise<void> {
    this.cluster = record;
    this.writes.push('cluster');
  }
  /** Overwrite=false: the first caller wins. */
  async tryLock(name: string, instanceId: string): Promise<boolean> {
    if (this.locks.has(name)) return false;
    this.locks.set(name, instanceId);
    return true;
  }
  /** When each lock was written (SSM LastModifiedDate); unset means long ago. */
  lockWrittenAt = new Map<string, number>();
  async readLock(name: string): Promise<LockRecord | undefined> {
    this.lockReads.push(name);
    const value = this.locks.get(name);
    return value === undefined ? undefined : { ...parseLockValue(value), writtenAt: this.lockWrittenAt.get(name) ?? 0 };
  }
  async markLockPublished(name: string, holder: string, swarmId: string): Promise<void> {
    this.locks.set(name, formatLockValue({ holder, published: swarmId }));
    this.writes.push(name);
  }
  async tokenExists(role: 'manager' | 'worker'): Promise<boolean> {
    return this.stored.has(role);
  }
  /** The unlock key parameter, as its plain value. */
  unlockKey: string | undefined;
  async readUnlockKey(): Promise<Secret | undefined> {
    return this.unlockKey === undefined ? undefined : new Secret(this.unlockKey);
  }
  async writeUnlockKey(key: Secret): Promise<void> {
    this.unlockKey = key.reveal();
    this.writes.push('unlock-key');
  }
  async deleteUnlockKey(): Promise<void> {
    this.unlockKey = undefined;
    this.writes.push('-unlock-key');
  }
  async verifyKeys(): Promise<void> {}
  /** `managers/<instance id>` entries. */
  registrations = new Map<string, RecordedManager>();
  async registerManager(manager: RecordedManager): Promise<void> {
    this.registrations.set(manager.instanceId, manager);
    this.writes.push(`managers/${manager.instanceId}`);
  }
  async registeredManagers(): Promise<RecordedManager[]> {
    return [...this.registrations.values()];
  }
  async unregisterManager(instanceId: string): Promise<void> {
    this.registrations.delete(instanceId);
    this.writes.push(`-managers/${instanceId}`);
  }
  asStore(): SecretStore {
    return this as unknown as SecretStore;
  }
}
