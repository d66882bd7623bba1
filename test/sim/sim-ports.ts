import { systemClock } from '../../src/adapters/host/system-clock.js';
import type { Services } from '../../src/app/shared/compose.js';
import type { Role } from '../../src/config/config.js';
import { DependencyUnavailableError } from '../../src/errors/dependency-unavailable-error.js';
import { fromAwsError } from '../../src/errors/from-aws-error.js';
import { Secret } from '../../src/log/secret.js';
import type { Engine, EngineInfo, SwarmNode, SwarmService, SwarmTask } from '../../src/ports/engine.js';
import type { Ec2Facts, Fleet, FleetInstance, FleetView, LifecycleHook, LifecycleResult, LifecycleTransition, OwnGroup } from '../../src/ports/fleet.js';
import type { InstanceIdentity, InstanceMetadata, ScheduledEvent, SpotInterruption } from '../../src/ports/instance-metadata.js';
import type { PortProbe } from '../../src/ports/port-probe.js';
import type { ClusterRecord, LockRecord, RecordedManager, SecretStore } from '../../src/ports/secret-store.js';
import type { BootRecord, DrainRequestRecord } from '../../src/ports/boot-record.js';
import type { StateFile } from '../../src/ports/state-file.js';
import type { BackupStore, StoredObject } from '../../src/ports/backup-store.js';
import type { NetworkFacts, SecretFacts, SwarmObject, SwarmObjects } from '../../src/ports/swarm-objects.js';
import { BackupNotFoundError } from '../../src/errors/backup-not-found-error.js';
import { formatLockValue, parseLockValue } from '../../src/core/boot/lock-value.js';
import type { Service } from './faults.js';
import type { CloudModel, SimInstance } from './model/cloud.js';
import { UPDATE_DELAY_MS, type SimNode, type SimService, type Swarm, type SwarmModel } from './model/swarm.js';
import type { RecordingMetrics } from '../unit/recording-metrics.js';

/** One run of `swarmnode boot` or `swarmnode watch` on one instance. */
export interface Proc {
  readonly instanceId: string;
  readonly kind: 'boot' | 'watch';
  /** false once killed: every await it makes from then on never returns. */
  alive: boolean;
  readonly abort: AbortController;
}

/** What the ports need from the world. */
export interface PortWorld {
  readonly cloud: CloudModel;
  readonly swarm: SwarmModel;
  readonly cluster: string;
  readonly prefix: string;
  connected(a: string, b: string): boolean;
  io<T>(proc: Proc, service: Service, call: () => T): Promise<T>;
  /** A swarm-changing call made by an agent: the world checks that it did not cost quorum. */
  swarmAction<T>(proc: Proc, op: string, swarmOf: () => Swarm | undefined, call: () => T): T;
  reportedUnhealthy(proc: Proc, instanceId: string): void;
  /** An SSM parameter was written (the world tracks which swarms were ever published). */
  parameterWritten(name: string, value: string): void;
  /** A record in an instance's state directory: it survives reboots, not termination. */
  stateFile<T>(instanceId: string, name: string): StateFile<T>;
  /** The node list an agent was given: what its next rebalance decision can rest on. */
  nodesListed(proc: Proc, nodes: readonly SwarmNode[]): void;
  /** An agent listed services: a rebalance decision is being made on the node lists since the last one. */
  servicesListed(proc: Proc): void;
  /** An agent forces a rolling update of a service: the world checks the rebalancing rules. */
  forcingUpdate(proc: Proc, service: SimService): void;
  /** The metrics of that process. */
  metricsOf(proc: Proc): RecordingMetrics;
  /** The backup bucket's objects; undefined: backups are off. */
  readonly backupObjects: Map<string, { body: string; at: number }> | undefined;
}

const ROLE_TAG = 'swarmnode:role';

function sdk(call: string, error: unknown): unknown {
  return fromAwsError(error, { action: call });
}

/** The ports of one process: what swarmnode's adapters would be on that instance. */
export function simServices(world: PortWorld, proc: Proc): Services {
  const instance = world.cloud.require(proc.instanceId);
  const aws = async <T>(service: Service, action: string, call: () => T): Promise<T> => {
    try {
      return await world.io(proc, service, call);
    } catch (error) {
      throw sdk(action, error);
    }
  };
  const fleet = new SimFleet(world, proc, aws);
  const secrets = new SimSecrets(world, aws);
  const engine = new SimEngine(world, proc);
  const backups = world.backupObjects === undefined ? undefined : new SimBackups(world.backupObjects, aws);
  return {
    metadata: new SimMetadata(world, proc, instance),
    engine,
    objects: new SimSwarmObjects(engine),
    clock: systemClock,
    probe: new SimProbe(world, proc),
    bootRecords: world.stateFile<BootRecord>(proc.instanceId, 'boot'),
    drainRequests: world.stateFile<DrainRequestRecord>(proc.instanceId, 'drain-request'),
    metrics: world.metricsOf(proc),
    serveMetrics: () => Promise.reject(new Error('the simulation serves no metrics (SWARMNODE_METRICS_ADDR=off)')),
    cloud: () => ({ fleet, secrets, backups }),
  };
}


type Aws = <T>(service: Service, action: string, call: () => T) => Promise<T>;

class SimMetadata implements InstanceMetadata {
  constructor(
    private readonly world: PortWorld,
    private readonly proc: Proc,
    private readonly instance: SimInstance,
  ) {}

  identity(): Promise<InstanceIdentity> {
    const i = this.instance;
    return this.world.io(this.proc, 'imds', () => ({ instanceId: i.id, region: 'sim-1', availabilityZone: i.az, localIpv4: i.ip, instanceType: 't3.small', lifecycle: i.spot ? 'spot' : 'on-demand' }));
  }

  rebalanceRecommendation(): Promise<string | undefined> {
    return this.world.io(this.proc, 'imds', () => this.instance.rebalanceNotice);
  }

  scheduledEvents(): Promise<ScheduledEvent[]> {
    return this.world.io(this.proc, 'imds', () => this.instance.events.map(({ eventId, code, notBefore, notAfter, state }) => ({ eventId, code, notBefore, notAfter, state })));
  }

  targetLifecycleState(): Promise<string | undefined> {
    return this.world.io(this.proc, 'imds', () => targetOf(this.instance));
  }

  spotInterruption(): Promise<SpotInterruption | undefined> {
    return this.world.io(this.proc, 'imds', () => this.instance.spotNotice);
  }
}

/** IMDS autoscaling/target-lifecycle-state: where the ASG is taking the instance. */
export function targetOf(instance: SimInstance): string | undefined {
  const state = instance.lifecycleState;
  if (state === 'Detached') return 'Detached';
  if (state.startsWith('Warmed:')) return 'Warmed:Running';
  if (state.startsWith('Terminat')) return 'Terminated';
  if (state.startsWith('Pending') || state === 'InService') return 'InService';
  return undefined;
}

class SimFleet implements Fleet {
  constructor(
    private readonly world: PortWorld,
    private readonly proc: Proc,
    private readonly aws: Aws,
  ) {}

  async ownGroup(instanceId: string): Promise<OwnGroup | undefined> {
    const own = await this.aws('autoscaling', 'autoscaling:DescribeAutoScalingInstances', () => {
      const i = this.world.cloud.instances.get(instanceId);
      return i?.inGroup ? { asgName: i.group, lifecycleState: i.lifecycleState } : undefined;
    });
    if (own === undefined) return undefined;
    const role = await this.aws('autoscaling', 'autoscaling:DescribeAutoScalingGroups', () => this.world.cloud.groups.get(own.asgName)?.role);
    return { ...own, role };
  }

  async view(): Promise<FleetView> {
    const members = await this.aws('autoscaling', 'autoscaling:DescribeAutoScalingGroups', () =>
      [...this.world.cloud.instances.values()].filter((i) => i.inGroup && !i.pooled).map((i) => ({ id: i.id, group: i.group, role: i.role, lifecycleState: i.lifecycleState, az: i.az })),
    );
    const ec2 = await this.aws('ec2', 'ec2:DescribeInstances', () => new Map(members.map((m) => [m.id, this.world.cloud.require(m.id)])));
    const groups = [...this.world.cloud.groups.values()].map((g) => ({ name: g.name, role: g.role }));
    const instances: FleetInstance[] = members.map((m) => {
      const described = ec2.get(m.id) as SimInstance;
      return {
        instanceId: m.id,
        asgName: m.group,
        role: m.role,
        lifecycleState: m.lifecycleState,
        healthStatus: 'Healthy',
        availabilityZone: m.az,
        privateIp: described.ec2State === 'terminated' ? undefined : described.ip,
        instanceType: 't3.small',
        ec2State: described.ec2State,
        lifecycle: described.spot ? 'spot' : 'on-demand',
        drainRequest: described.tags['swarmnode:drain'],
      };
    });
    return { groups, instances };
  }

  ec2Facts(instanceIds: string[]): Promise<Map<string, Ec2Facts>> {
    return this.aws('ec2', 'ec2:DescribeInstances', () => new Map(instanceIds.flatMap((id) => {
      const i = this.world.cloud.instances.get(id);
      return i === undefined ? [] : [[id, { state: i.ec2State, drainRequest: i.tags['swarmnode:drain'], goneAt: i.goingAt }] as [string, Ec2Facts]];
    })));
  }

  hook(asgName: string, transition: LifecycleTransition): Promise<LifecycleHook | undefined> {
    return this.aws('autoscaling', 'autoscaling:DescribeLifecycleHooks', () => {
      const hook = this.world.cloud.group(asgName).hooks.find((h) => h.transition === transition);
      return hook && { name: hook.name, asgName, transition, heartbeatTimeoutMs: hook.heartbeatTimeoutMs, defaultResult: hook.defaultResult };
    });
  }

  completeLifecycleAction(hook: LifecycleHook, instanceId: string, result: LifecycleResult): Promise<void> {
    return this.aws('autoscaling', 'autoscaling:CompleteLifecycleAction', () => this.world.cloud.complete(hook.asgName, hook.name, instanceId, result));
  }

  recordHeartbeat(hook: LifecycleHook, instanceId: string): Promise<void> {
    return this.aws('autoscaling', 'autoscaling:RecordLifecycleActionHeartbeat', () => this.world.cloud.heartbeat(hook.asgName, hook.name, instanceId));
  }

  requestDrain(instanceId: string, reason: string): Promise<void> {
    return this.aws('ec2', 'ec2:CreateTags', () => {
      this.world.cloud.require(instanceId).tags['swarmnode:drain'] = reason;
    });
  }

  clearDrainRequest(instanceId: string): Promise<void> {
    return this.aws('ec2', 'ec2:DeleteTags', () => {
      delete this.world.cloud.require(instanceId).tags['swarmnode:drain'];
    });
  }

  setUnhealthy(instanceId: string): Promise<void> {
    return this.aws('autoscaling', 'autoscaling:SetInstanceHealth', () => {
      this.world.reportedUnhealthy(this.proc, instanceId);
      this.world.cloud.setUnhealthy(instanceId);
    });
  }
}

/** KMS ciphertext of the model: the plaintext bound to its key and EncryptionContext. */
function seal(keyId: string, context: Record<string, string>, plaintext: string): string {
  return Buffer.from(JSON.stringify({ keyId, context, plaintext })).toString('base64');
}

function open(blob: string, context: Record<string, string>): string {
  const sealed = JSON.parse(Buffer.from(blob, 'base64').toString('utf8')) as { context: Record<string, string>; plaintext: string };
  if (JSON.stringify(sealed.context) !== JSON.stringify(context)) throw Object.assign(new Error('The ciphertext refers to a customer master key that does not exist'), { name: 'InvalidCiphertextException' });
  return sealed.plaintext;
}

class SimSecrets implements SecretStore {
  constructor(
    private readonly world: PortWorld,
    private readonly aws: Aws,
  ) {}

  private path(name: string): string {
    return `${this.world.prefix}/${name}`;
  }

  private context(role: Role, secret?: string): Record<string, string> {
    return { 'swarmnode:cluster': this.world.cluster, [ROLE_TAG]: role, ...(secret ? { 'swarmnode:secret': secret } : {}) };
  }

  private async get(name: string): Promise<string | undefined> {
    return (await this.getParameter(name))?.value;
  }

  private async getParameter(name: string): Promise<{ value: string; modifiedAt: number } | undefined> {
    try {
      return { ...(await this.aws('ssm', 'ssm:GetParameter', () => this.world.cloud.getParameter(this.path(name)))) };
    } catch (error) {
      if ((error as Error).name === 'ParameterNotFound') return undefined;
      throw error;
    }
  }

  private async put(name: string, value: string, overwrite: boolean): Promise<boolean> {
    try {
      await this.aws('ssm', 'ssm:PutParameter', () => {
        this.world.cloud.putParameter(this.path(name), value, overwrite);
        this.world.parameterWritten(name, value);
      });
      return true;
    } catch (error) {
      if (!overwrite && (error as Error).name === 'ParameterAlreadyExists') return false;
      throw error;
    }
  }

  private async readSealed(name: string, context: Record<string, string>): Promise<Secret | undefined> {
    return this.openSealed(await this.get(name), context);
  }

  private async openSealed(blob: string | undefined, context: Record<string, string>): Promise<Secret | undefined> {
    return blob === undefined ? undefined : new Secret(await this.aws('kms', 'kms:Decrypt', () => open(blob, context)));
  }

  private async writeSealed(name: string, context: Record<string, string>, secret: Secret): Promise<void> {
    const blob = await this.aws('kms', 'kms:Encrypt', () => seal('key', context, secret.reveal()));
    await this.put(name, blob, true);
  }

  readToken(role: Role): Promise<Secret | undefined> {
    return this.readSealed(`${role}-token`, this.context(role));
  }

  async tokenExists(role: Role): Promise<boolean> {
    return (await this.get(`${role}-token`)) !== undefined;
  }

  writeToken(role: Role, token: Secret): Promise<void> {
    return this.writeSealed(`${role}-token`, this.context(role), token);
  }

  async readCluster(): Promise<ClusterRecord | undefined> {
    const value = await this.get('cluster');
    return value === undefined ? undefined : (JSON.parse(value) as ClusterRecord);
  }

  async readTokenAndCluster(role: Role): Promise<{ token: Secret | undefined; cluster: ClusterRecord | undefined }> {
    // One GetParameters: both values from the same instant; a missing one is simply absent.
    const names = [this.path(`${role}-token`), this.path('cluster')];
    const { found } = await this.aws('ssm', 'ssm:GetParameters', () => this.world.cloud.getParameters(names));
    const [blob, record] = names.map((name) => found.get(name)?.value);
    return { token: await this.openSealed(blob, this.context(role)), cluster: record === undefined ? undefined : (JSON.parse(record) as ClusterRecord) };
  }

  async writeCluster(record: ClusterRecord): Promise<void> {
    await this.put('cluster', JSON.stringify(record), true);
  }

  tryLock(name: string, instanceId: string): Promise<boolean> {
    return this.put(name, instanceId, false);
  }

  async readLock(name: string): Promise<LockRecord | undefined> {
    const found = await this.getParameter(name);
    return found === undefined ? undefined : { ...parseLockValue(found.value), writtenAt: found.modifiedAt };
  }

  async markLockPublished(name: string, holder: string, swarmId: string): Promise<void> {
    await this.put(name, formatLockValue({ holder, published: swarmId }), true);
  }

  readUnlockKey(): Promise<Secret | undefined> {
    return this.readSealed('unlock-key', this.context('manager', 'unlock-key'));
  }

  writeUnlockKey(key: Secret): Promise<void> {
    return this.writeSealed('unlock-key', this.context('manager', 'unlock-key'), key);
  }

  async deleteUnlockKey(): Promise<void> {
    await this.deleteParameter('unlock-key');
  }

  private async deleteParameter(name: string): Promise<void> {
    try {
      await this.aws('ssm', 'ssm:DeleteParameter', () => this.world.cloud.deleteParameter(this.path(name)));
    } catch (error) {
      if ((error as Error).name !== 'ParameterNotFound') throw error;
    }
  }

  async registerManager(manager: RecordedManager): Promise<void> {
    await this.put(`managers/${manager.instanceId}`, JSON.stringify(manager), true);
  }

  registeredManagers(): Promise<RecordedManager[]> {
    const prefix = `${this.path('managers')}/`;
    return this.aws('ssm', 'ssm:GetParametersByPath', () =>
      [...this.world.cloud.parameters].filter(([name]) => name.startsWith(prefix)).map(([, p]) => JSON.parse(p.value) as RecordedManager),
    );
  }

  unregisterManager(instanceId: string): Promise<void> {
    return this.deleteParameter(`managers/${instanceId}`);
  }

  async verifyKeys(): Promise<void> {
    await this.aws('kms', 'kms:Encrypt', () => seal('key', this.context('manager'), 'probe'));
    await this.aws('kms', 'kms:Encrypt', () => seal('key', this.context('worker'), 'probe'));
  }
}

const ENGINE_TIMEOUT_MS = 60_000;

class SimEngine implements Engine {
  constructor(
    private readonly world: PortWorld,
    private readonly proc: Proc,
  ) {}

  private get me(): string {
    return this.proc.instanceId;
  }

  /** The engine's socket: refused when dockerd is down, silent (then a timeout) when it hangs. */
  private async call<T>(what: string, call: () => T): Promise<T> {
    const engine = this.world.swarm.engine(this.me);
    if (!engine.running) {
      await this.world.io(this.proc, 'engine', () => undefined);
      throw new DependencyUnavailableError('Docker engine', `Docker engine unreachable (${what}): connect ECONNREFUSED /run/docker.sock`, 'start the Docker engine');
    }
    if (engine.hung) {
      await systemClock.sleep(ENGINE_TIMEOUT_MS);
      await this.world.io(this.proc, 'engine', () => undefined);
      throw new Error(`(${what}) socket hang up: timeout after ${ENGINE_TIMEOUT_MS} ms`);
    }
    return this.world.io(this.proc, 'engine', call);
  }

  info(): Promise<EngineInfo> {
    return this.call('GET /info', () => {
      const engine = this.world.swarm.engine(this.me);
      const member = this.world.swarm.membership(this.me);
      const manager = member?.node.raftMember === true && engine.state === 'active';
      // As the engine does: the swarm's id comes from the control API's cluster object, which only a
      // raft with a leader serves (moby leaves Info.Cluster empty when that call fails).
      const leader = manager && !this.world.swarm.stale(member.swarm, member.node) && this.world.swarm.leaderFrom(member.swarm, this.me) !== undefined;
      return {
        localNodeState: engine.state,
        nodeId: engine.nodeId ?? '',
        clusterId: leader ? member.swarm.id : undefined,
        controlAvailable: manager,
        remoteManagers: member ? this.world.swarm.raftOf(member.swarm, member.node).map((m) => ({ nodeId: m.id, addr: `${m.addr}:2377` })) : [],
        error: engine.error,
        nodeAddr: member?.node.addr ?? '',
      };
    });
  }

  init(advertiseAddr: string): Promise<string> {
    return this.call('POST /swarm/init', () => this.world.swarmAction(this.proc, 'init', () => undefined, () => this.world.swarm.init(this.me, advertiseAddr).node.id));
  }

  async forceNewCluster(advertiseAddr: string): Promise<void> {
    await this.call('POST /swarm/init', () => this.world.swarmAction(this.proc, 'force-new-cluster', () => undefined, () => this.world.swarm.forceNewCluster(this.me, advertiseAddr)));
  }

  async join(remoteAddrs: string[], token: Secret, advertiseAddr: string): Promise<void> {
    await this.call('POST /swarm/join', () => this.world.swarm.join(this.me, remoteAddrs, token.reveal(), advertiseAddr));
  }

  async leave(force: boolean): Promise<void> {
    await this.call('POST /swarm/leave', () =>
      this.world.swarmAction(this.proc, `leave${force ? ' --force' : ''}`, () => this.world.swarm.membership(this.me)?.swarm, () => this.world.swarm.leave(this.me, force)),
    );
  }

  async unlock(key: Secret): Promise<void> {
    await this.call('POST /swarm/unlock', () => this.world.swarmAction(this.proc, 'unlock', () => undefined, () => this.world.swarm.unlock(this.me, key.reveal())));
  }

  joinTokens(): Promise<{ manager: Secret; worker: Secret }> {
    return this.call('GET /swarm', () => {
      const { swarm } = this.world.swarm.control(this.me);
      return { manager: new Secret(swarm.tokens.manager), worker: new Secret(swarm.tokens.worker) };
    });
  }

  swarmId(): Promise<string> {
    return this.call('GET /swarm', () => this.world.swarm.control(this.me).swarm.id);
  }

  unlockKey(): Promise<Secret | undefined> {
    return this.call('GET /swarm/unlockkey', () => {
      const { swarm } = this.world.swarm.control(this.me);
      return swarm.autolock && swarm.unlockKey ? new Secret(swarm.unlockKey) : undefined;
    });
  }

  nodes(): Promise<SwarmNode[]> {
    return this.call('GET /nodes', () => {
      const { swarm } = this.world.swarm.control(this.me);
      const leader = this.world.swarm.leaderFrom(swarm, this.me);
      const nodes = [...swarm.nodes.values()].map((n) => nodeAsListed(this.world, swarm, n, leader));
      this.world.nodesListed(this.proc, nodes);
      return nodes;
    });
  }

  services(): Promise<SwarmService[]> {
    return this.call('GET /services', () => {
      const { swarm } = this.world.swarm.control(this.me);
      this.world.servicesListed(this.proc);
      return swarm.services.map((s) => ({
        id: s.id,
        name: s.name,
        version: s.version,
        labels: { ...s.labels },
        replicas: s.replicas,
        update: { parallelism: 1, delayMs: UPDATE_DELAY_MS, failureAction: 'pause' },
        updating: Date.now() < s.updatingUntil,
        spec: {},
      }));
    });
  }

  tasks(serviceIds: readonly string[]): Promise<SwarmTask[]> {
    return this.call('GET /tasks', () => {
      const { swarm } = this.world.swarm.control(this.me);
      return swarm.services
        .filter((s) => serviceIds.includes(s.id))
        .flatMap((s) => this.world.swarm.placeTasks(swarm, s).map((nodeId) => ({ serviceId: s.id, nodeId, state: 'running' })));
    });
  }

  async forceUpdateService(service: SwarmService): Promise<void> {
    await this.call('POST /services/update', () =>
      this.world.swarmAction(this.proc, `force-update ${service.name}`, () => this.world.swarm.membership(this.me)?.swarm, () => {
        const { swarm } = this.world.swarm.control(this.me);
        const target = swarm.services.find((s) => s.id === service.id);
        if (target !== undefined) this.world.forcingUpdate(this.proc, target);
        return this.world.swarm.forceUpdate(this.me, service.id, service.version);
      }),
    );
  }

  async updateNode(node: SwarmNode, change: { role?: 'manager' | 'worker'; availability?: 'active' | 'pause' | 'drain'; labels?: Record<string, string> }): Promise<void> {
    await this.call(`POST /nodes/${node.id}/update`, () =>
      this.world.swarmAction(this.proc, change.role === 'worker' ? 'demote' : 'update', () => this.world.swarm.membership(this.me)?.swarm, () =>
        this.world.swarm.updateNode(this.me, node.id, node.version, change),
      ),
    );
  }

  async removeNode(nodeId: string, force: boolean): Promise<void> {
    await this.call(`DELETE /nodes/${nodeId}`, () =>
      this.world.swarmAction(this.proc, 'remove', () => this.world.swarm.membership(this.me)?.swarm, () => this.world.swarm.removeNode(this.me, nodeId, force)),
    );
  }

  localTaskCount(): Promise<number> {
    return this.call('GET /containers/json', () => {
      const member = this.world.swarm.membership(this.me);
      return member ? this.world.swarm.tasksOn(member.swarm, member.node) : 0;
    });
  }
}

/** A node as a manager's `GET /nodes` shows it, reachability as seen from `leader`. */
export function nodeAsListed(world: Pick<PortWorld, 'swarm' | 'connected'>, swarm: Swarm, n: SimNode, leader: SimNode | undefined): SwarmNode {
  const reachable = leader !== undefined && world.swarm.alive(swarm, n) && world.connected(leader.instanceId, n.instanceId);
  const spec = { Role: n.specRole, Availability: n.availability, Labels: { ...n.labels } };
  return {
    id: n.id,
    version: n.version,
    hostname: n.hostname,
    role: n.specRole,
    availability: n.availability,
    state: world.swarm.isDown(n) ? 'down' : 'ready',
    addr: n.addr,
    labels: { ...n.labels },
    manager: n.raftMember && n.raftEpoch === swarm.epoch ? { leader: leader?.id === n.id, reachability: reachable ? 'reachable' : 'unreachable', addr: `${n.addr}:2377` } : undefined,
    spec,
  };
}

/**
 * The swarm's objects as the model has them: a swarm whose spec says whether autolock is on (so an
 * operator's `autolock` changes what a backup holds) and no services, networks, configs or
 * secrets; the simulation checks how backups run beside the reconciler, not what they hold.
 */
class SimSwarmObjects implements SwarmObjects {
  constructor(private readonly engine: SimEngine) {}

  async swarm(): Promise<SwarmObject> {
    const [id, unlockKey] = await Promise.all([this.engine.swarmId(), this.engine.unlockKey()]);
    return { id, spec: { EncryptionConfig: { AutoLockManagers: unlockKey !== undefined } } };
  }
  async services(): Promise<SwarmObject[]> {
    return [];
  }
  async networks(): Promise<NetworkFacts[]> {
    return [];
  }
  async configs(): Promise<SwarmObject[]> {
    return [];
  }
  async secrets(): Promise<SecretFacts[]> {
    return [];
  }
  createNetwork(): Promise<string> {
    return Promise.reject(new Error('the simulation restores nothing'));
  }
  createConfig(): Promise<string> {
    return Promise.reject(new Error('the simulation restores nothing'));
  }
  createService(): Promise<string> {
    return Promise.reject(new Error('the simulation restores nothing'));
  }
}

/** The backup bucket: conditional writes, listing by prefix, every call through the world's S3 faults. */
class SimBackups implements BackupStore {
  readonly location = 's3://sim-backups';

  constructor(
    private readonly objects: Map<string, { body: string; at: number }>,
    private readonly aws: Aws,
  ) {}

  put(key: string, body: string): Promise<boolean> {
    return this.aws('s3', 's3:PutObject', () => {
      if (this.objects.has(key)) return false;
      this.objects.set(key, { body, at: Date.now() });
      return true;
    });
  }
  list(prefix: string): Promise<StoredObject[]> {
    return this.aws('s3', 's3:ListBucket', () =>
      [...this.objects.entries()].filter(([key]) => key.startsWith(prefix)).map(([key, o]) => ({ key, size: o.body.length, lastModified: o.at })),
    );
  }
  get(key: string): Promise<string> {
    return this.aws('s3', 's3:GetObject', () => {
      const found = this.objects.get(key);
      if (found === undefined) throw new BackupNotFoundError(this.location, key);
      return found.body;
    });
  }
  delete(key: string): Promise<void> {
    return this.aws('s3', 's3:DeleteObject', () => void this.objects.delete(key));
  }
}

class SimProbe implements PortProbe {
  constructor(
    private readonly world: PortWorld,
    private readonly proc: Proc,
  ) {}

  async isOpen(host: string, _port: number, timeoutMs: number): Promise<boolean> {
    const target = [...this.world.swarm.engines.values()].find((e) => e.ip === host && e.running);
    if (target === undefined || !this.world.connected(this.proc.instanceId, target.instanceId)) {
      await systemClock.sleep(timeoutMs);
      return this.world.io(this.proc, 'probe', () => false);
    }
    // A hung dockerd still has its listening socket: the kernel accepts the connection.
    return this.world.io(this.proc, 'probe', () => this.world.swarm.membership(target.instanceId)?.node.raftMember === true);
  }
}
