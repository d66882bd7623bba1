import { pino, type Logger } from 'pino';
import { majorityOf } from '../../src/core/cluster/quorum.js';
import { boot } from '../../src/app/boot/boot.js';
import { watch } from '../../src/app/watch/watch.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { SwarmnodeError } from '../../src/errors/swarmnode-error.js';
import { Faults, type FaultMode, type Service } from './faults.js';
import { CloudModel, type CloudHost, type SimAction, type SimHook, type SimInstance } from './model/cloud.js';
import { SwarmModel, type SimService, type Swarm } from './model/swarm.js';
import type { SwarmNode } from '../../src/ports/engine.js';
import { RecordingMetrics } from '../unit/recording-metrics.js';
import { Rng } from './rng.js';
import { systemClock } from '../../src/adapters/host/system-clock.js';
import { nodeAsListed, simServices, type PortWorld, type Proc } from './sim-ports.js';
import type { StateFile } from '../../src/ports/state-file.js';
import { parseLockValue } from '../../src/core/boot/lock-value.js';
import { systemdPolicy, type SystemdPolicy } from './systemd-policy.js';

export const CLUSTER = 'sim';
/** The agents' timings in the simulation: the documented defaults, scaled down so runs stay short. */
export const SIM_ENV = {
  SWARMNODE_CLUSTER: CLUSTER,
  SWARMNODE_POLL_INTERVAL: '5s',
  SWARMNODE_REAP_AFTER: '60s',
  SWARMNODE_DRAIN_TIMEOUT: '120s',
  SWARMNODE_JOIN_TIMEOUT: '180s',
  SWARMNODE_LOG_LEVEL: 'silent',
  SWARMNODE_METRICS_ADDR: 'off',
};

export interface WorldOptions {
  seed: number;
  managers: number;
  workers: number;
  /** Terminating hook HeartbeatTimeout. */
  terminatingHeartbeatMs: number;
  spotWorkers: boolean;
  spotManagers?: boolean;
  /** The worker group has a Running warm pool that reuses instances on scale-in. */
  warmPool?: boolean;
  /** SWARMNODE_BACKUP_BUCKET set: the leaders back the swarm up to a modelled S3. */
  backups?: boolean;
  /** Log every agent line to stderr (replaying one failing schedule). */
  verbose?: boolean;
}

interface Agent {
  instance: SimInstance;
  boot: Proc | undefined;
  watch: Proc | undefined;
  /** The watch unit is stopped on purpose (systemctl stop); nothing restarts it. */
  watchStopped: boolean;
  watchRestarts: number;
  /** Was a member of a swarm with quorum when its current boot started (a reboot). */
  memberAtBoot: boolean;
  /** The agent has not run without interruption (crash, stop, hung engine) since this time. */
  disturbedAt: number;
  /** The state directory: survives reboots, not the instance. */
  state: Map<string, unknown>;
  /** Start watch again once the current one has exited (it was stopped, then given back). */
  restartAfterExit: boolean;
  /** Exit code of the latest boot. */
  bootCode: number | undefined;
}

const NEVER = new Promise<never>(() => {});

/**
 * One cluster: the cloud and swarm models, every instance's agent running the real boot and watch
 * code on ports backed by the models, the faults of the schedule at every await, and the
 * invariants checked after every step. Time is virtual (see VirtualTime).
 */
export class World implements PortWorld {
  readonly rng: Rng;
  readonly faults: Faults;
  readonly cloud: CloudModel;
  readonly swarm: SwarmModel;
  readonly cluster = CLUSTER;
  readonly prefix = `/swarmnode/${CLUSTER}`;
  readonly config: Config;
  readonly agents = new Map<string, Agent>();
  readonly violations: string[] = [];
  /** Every swarm ever initialised, with who did it. */
  readonly inits: { swarmId: string; by: string; at: number }[] = [];
  /** Swarms whose record, token or lock mark was ever written to SSM. */
  readonly published = new Set<string>();
  readonly trace: string[] = [];
  /** The backup bucket's objects, when backups are on. */
  readonly backupObjects: Map<string, { body: string; at: number }> | undefined;
  readonly isolated = new Set<string>();
  /** AZs whose subnets a NACL cuts off from the others (instances there, now or later, reach only each other). */
  readonly cutAzs = new Set<string>();
  readonly #policy: SystemdPolicy;
  readonly #log: Logger;
  readonly #verbose: boolean;

  constructor(readonly options: WorldOptions) {
    this.rng = new Rng(options.seed);
    this.faults = new Faults(this.rng, () => Date.now());
    this.config = loadConfig(options.backups === true ? { ...SIM_ENV, SWARMNODE_BACKUP_BUCKET: 'sim-backups' } : SIM_ENV);
    this.backupObjects = options.backups === true ? new Map() : undefined;
    this.#policy = systemdPolicy();
    this.#verbose = options.verbose ?? false;
    this.#log = pino({ level: this.#verbose ? 'info' : 'silent' }, pino.destination(2));
    this.swarm = new SwarmModel(this.rng, this, () => Date.now());
    this.cloud = new CloudModel(this.rng, this.host(), () => Date.now());
    const hooks = (launchMs: number): SimHook[] => [
      { name: 'launching', transition: 'launching', heartbeatTimeoutMs: launchMs, defaultResult: 'ABANDON' },
      { name: 'terminating', transition: 'terminating', heartbeatTimeoutMs: options.terminatingHeartbeatMs, defaultResult: 'CONTINUE' },
    ];
    this.cloud.addGroup({ name: `${CLUSTER}-managers`, role: 'manager', desired: options.managers, hooks: hooks(900_000), spot: options.spotManagers ?? false, warmPool: false });
    this.cloud.addGroup({ name: `${CLUSTER}-workers`, role: 'worker', desired: options.workers, hooks: hooks(900_000), spot: options.spotWorkers, warmPool: options.warmPool ?? false });
  }

  /** Both groups launch at once, as when the stack is created. */
  start(): void {
    for (const group of this.cloud.groups.keys()) this.cloud.fill(group);
  }

  note(line: string): void {
    this.trace.push(`${new Date(Date.now()).toISOString().slice(11, 19)} ${line}`);
  }

  violation(what: string): void {
    this.violations.push(`${new Date(Date.now()).toISOString().slice(11, 19)} ${what}`);
  }

  // --- PortWorld ----------------------------------------------------------------------------------

  connected(a: string, b: string): boolean {
    if (a === b) return true;
    if (this.isolated.has(a) || this.isolated.has(b)) return false;
    const azA = this.cloud.instances.get(a)?.az;
    const azB = this.cloud.instances.get(b)?.az;
    return azA === azB || (!this.cutAzs.has(azA ?? '') && !this.cutAzs.has(azB ?? ''));
  }

  async io<T>(proc: Proc, service: Service, call: () => T): Promise<T> {
    if (!proc.alive || this.faults.active(service) === 'hang') return NEVER;
    const draw = this.faults.draw(service);
    if (draw.latencyMs > 0) await systemClock.sleep(draw.latencyMs);
    if (!proc.alive) return NEVER;
    if (draw.error !== undefined && !draw.afterEffect) throw draw.error;
    const result = call();
    if (draw.error !== undefined) throw draw.error;
    return result;
  }

  swarmAction<T>(proc: Proc, op: string, swarmOf: () => Swarm | undefined, call: () => T): T {
    if (op === 'force-new-cluster') this.forcingNewCluster(proc.instanceId);
    const swarm = swarmOf();
    const before = swarm !== undefined && this.swarm.hasQuorum(swarm);
    const result = call();
    if (op === 'init') {
      const member = this.swarm.membership(proc.instanceId);
      if (member) this.initialised(member.swarm.id, proc.instanceId);
    } else {
      this.note(`${proc.instanceId} ${op}`);
    }
    if (swarm !== undefined && before && !this.swarm.hasQuorum(swarm)) {
      this.violation(`quorum lost by swarmnode's hand: ${op} by ${proc.instanceId} (${proc.kind})`);
    }
    return result;
  }

  /** A swarm is published once; a new generation only when no manager of an earlier one may come back. */
  parameterWritten(name: string, value: string): void {
    const swarmId = publishedSwarm(name, value);
    if (swarmId === undefined || this.published.has(swarmId)) return;
    for (const earlier of this.published) {
      const survivors = this.mayComeBack(earlier);
      if (survivors.length > 0) this.violation(`two generations alive: swarm ${swarmId} published (${name}) while swarm ${earlier} has managers on ${survivors.join(', ')}`);
    }
    this.published.add(swarmId);
  }

  /** Instances of a swarm's raft members (any epoch) that are not gone for good and still in it. */
  mayComeBack(swarmId: string): string[] {
    const swarm = this.swarm.swarms.get(swarmId);
    if (swarm === undefined) return [];
    return [...swarm.nodes.values()]
      .filter((n) => n.raftMember && !['shutting-down', 'terminated'].includes(this.cloud.instances.get(n.instanceId)?.ec2State ?? 'terminated') && this.swarm.membership(n.instanceId)?.swarm === swarm)
      .map((n) => n.instanceId);
  }

  /**
   * `--force-new-cluster` is only ever right when (1) the old raft can never regain quorum without
   * the caller: its other members whose instances may come back are fewer than its majority (else
   * two rafts of one swarm); and (2), the issue's rule, no member the caller cannot reach (cut off,
   * engine down) has an instance that may come back. A member that answers on 2377 (even a hung
   * engine, whose kernel still accepts the connection) is a survivor: it follows the new raft. A
   * caller already left behind by another force while that raft lives is a split.
   */
  private forcingNewCluster(by: string): void {
    const member = this.swarm.membership(by);
    if (member === undefined) return;
    const { swarm, node } = member;
    const mayComeBack = (n: { instanceId: string }): boolean => !['shutting-down', 'terminated'].includes(this.cloud.instances.get(n.instanceId)?.ec2State ?? 'terminated');
    this.note(`${by} forces a new cluster of ${swarm.id}`);
    if (this.swarm.stale(swarm, node)) {
      const live = this.swarm.members(swarm).filter(mayComeBack);
      if (live.length > 0) this.violation(`split: ${by} forces a new cluster of ${swarm.id} from an old raft while the raft forced before lives on ${live.map((n) => n.instanceId).join(', ')}`);
    }
    const raft = this.swarm.raftOf(swarm, node);
    const others = raft.filter((n) => n.id !== node.id && mayComeBack(n) && this.swarm.membership(n.instanceId)?.node === n);
    if (others.length >= majorityOf(raft.length)) {
      this.violation(`split: ${by} forces a new cluster of ${swarm.id} while ${others.length} of its ${raft.length} old raft members (${others.map((n) => n.instanceId).join(', ')}) could regain quorum without it`);
    }
    const unreachable = others.filter((n) => !(this.connected(by, n.instanceId) && this.swarm.engines.get(n.instanceId)?.running === true));
    if (unreachable.length > 0) this.violation(`force-new-cluster of ${swarm.id} by ${by} while missing raft members on ${unreachable.map((n) => `${n.instanceId} (${this.cloud.instances.get(n.instanceId)?.ec2State})`).join(', ')} may come back`);
  }

  stateFile<T>(instanceId: string, name: string): StateFile<T> {
    return {
      read: async () => this.agents.get(instanceId)?.state.get(name) as T | undefined,
      write: async (value) => {
        this.agents.get(instanceId)?.state.set(name, value);
      },
    };
  }

  /**
   * One live generation per cluster: a second `swarm init` is only ever right when no manager of
   * any earlier swarm may come back (they crashed before publishing, or a rebirth after every
   * recorded manager was terminated).
   */
  private initialised(swarmId: string, by: string): void {
    this.note(`${by} init swarm ${swarmId}`);
    for (const earlier of this.inits) {
      const survivors = this.mayComeBack(earlier.swarmId);
      if (survivors.length > 0) this.violation(`second swarm ${swarmId} initialised by ${by} beside swarm ${earlier.swarmId} (by ${earlier.by}), whose managers on ${survivors.join(', ')} may come back`);
    }
    this.inits.push({ swarmId, by, at: Date.now() });
  }

  reportedUnhealthy(proc: Proc, instanceId: string): void {
    this.note(`${proc.instanceId} reports ${instanceId} Unhealthy`);
    if (this.isMember(instanceId)) this.violation(`${instanceId} reported Unhealthy by ${proc.instanceId} while a member of swarm ${this.swarm.membership(instanceId)?.swarm.id}`);
  }

  /** An engine in a swarm that still lists it: the raft log or the tasks of the cluster live there. */
  isMember(instanceId: string): boolean {
    const engine = this.swarm.engines.get(instanceId);
    return engine !== undefined && engine.running && (engine.state === 'active' || engine.state === 'locked') && this.swarm.membership(instanceId) !== undefined;
  }

  readonly #metrics = new WeakMap<Proc, RecordingMetrics>();
  /** Per process: what blocked a rebalance in each node list since its last service listing, and in those before it. */
  readonly #listings = new WeakMap<Proc, { since: (string | undefined)[]; decidedOn: (string | undefined)[] }>();
  /** Rolling updates the agents forced, for the schedule's trace and the settled check. */
  readonly rebalances: { service: string; by: string; at: number }[] = [];

  metricsOf(proc: Proc): RecordingMetrics {
    const metrics = this.#metrics.get(proc) ?? new RecordingMetrics();
    this.#metrics.set(proc, metrics);
    return metrics;
  }

  /** Why nothing may be rebalanced now, as far as this node list shows it (and the cloud its instances). */
  private rebalanceBlocker(nodes: readonly SwarmNode[]): string | undefined {
    const draining = nodes.find((n) => n.availability === 'drain' && n.state !== 'down');
    if (draining !== undefined) return `${draining.hostname} is draining`;
    const unreachable = nodes.find((n) => n.manager !== undefined && n.manager.reachability !== 'reachable');
    if (unreachable !== undefined) return `manager ${unreachable.hostname} is unreachable`;
    for (const node of nodes.filter((n) => n.manager !== undefined)) {
      const instance = [...this.swarm.swarms.values()].map((s) => s.nodes.get(node.id)).find((n) => n !== undefined)?.instanceId;
      const state = instance === undefined ? undefined : this.cloud.instances.get(instance);
      if (state !== undefined && (state.lifecycleState.startsWith('Terminating') || ['spot', 'scale-in'].includes(state.tags['swarmnode:drain'] ?? ''))) {
        return `manager ${node.hostname} is leaving (${state.lifecycleState})`;
      }
    }
    return undefined;
  }

  nodesListed(proc: Proc, nodes: readonly SwarmNode[]): void {
    const listings = this.#listings.get(proc) ?? { since: [], decidedOn: [] };
    listings.since.push(this.rebalanceBlocker(nodes));
    this.#listings.set(proc, listings);
  }

  servicesListed(proc: Proc): void {
    const listings = this.#listings.get(proc) ?? { since: [], decidedOn: [] };
    this.#listings.set(proc, { since: [], decidedOn: listings.since });
  }

  /**
   * Rebalancing rules: an unlabelled service is never touched; a labelled one is never updated when
   * every node list its leader read since the last decision showed a drain, a leaving manager or an
   * unreachable one, and it still does (the agent saw it, whatever changed while it decided).
   */
  forcingUpdate(proc: Proc, service: SimService): void {
    this.note(`${proc.instanceId} forces a rolling update of ${service.name}`);
    this.rebalances.push({ service: service.name, by: proc.instanceId, at: Date.now() });
    if (service.labels['swarmnode.rebalance'] !== 'true') this.violation(`${proc.instanceId} force-updated ${service.name}, a service without the swarmnode.rebalance=true label`);
    const swarm = this.swarm.membership(proc.instanceId)?.swarm;
    const decidedOn = this.#listings.get(proc)?.decidedOn ?? [];
    const leader = swarm === undefined ? undefined : this.swarm.leaderFrom(swarm, proc.instanceId);
    const now = swarm === undefined ? undefined : this.rebalanceBlocker([...swarm.nodes.values()].map((n) => nodeAsListed(this, swarm, n, leader)));
    if (decidedOn.length > 0 && decidedOn.every((b) => b !== undefined) && now !== undefined) {
      this.violation(`${proc.instanceId} rebalanced ${service.name} while ${now} (its node lists said: ${decidedOn.join('; ')})`);
    }
  }

  // --- the host: what running an instance means ----------------------------------------------

  private host(): CloudHost {
    return {
      powerOn: (instance) => this.powerOn(instance),
      shutdown: (instance) => this.shutdown(instance),
      actionExpired: (instance, action, why) => this.actionExpired(instance, action, why),
      pooled: (instance, endedBy) => this.note(`${instance.id} back in the warm pool (${endedBy})`),
      terminating: (instance, endedBy) => this.terminating(instance, endedBy),
    };
  }

  private powerOn(instance: SimInstance): void {
    let agent = this.agents.get(instance.id);
    if (agent === undefined) {
      this.swarm.addEngine(instance.id, instance.ip);
      agent = { instance, boot: undefined, watch: undefined, watchStopped: false, watchRestarts: 0, memberAtBoot: false, disturbedAt: Date.now(), state: new Map(), restartAfterExit: false, bootCode: undefined };
      this.agents.set(instance.id, agent);
    }
    this.swarm.start(instance.id);
    this.note(`${instance.id} (${instance.role}) powers on`);
    if (this.swarm.engine(instance.id).state === 'locked' && !this.unlockKeyPublished(instance.id)) {
      this.note(`${instance.id} comes up locked before the leader published the swarm's unlock key: only the operator holds it`);
      this.lockedWithoutKey = true;
    }
    this.startBoot(agent);
  }

  private startBoot(agent: Agent): void {
    const proc = this.proc(agent, 'boot');
    agent.boot = proc;
    const member = this.swarm.membership(agent.instance.id);
    // A locked engine (autolock) is no healthy member until the key from SSM unlocks it: with SSM or
    // KMS denied, its boot rightly stops with the operator's fix (exit 77).
    agent.memberAtBoot = this.isMember(agent.instance.id) && this.swarm.engine(agent.instance.id).state === 'active' && member !== undefined && this.swarm.hasQuorum(member.swarm);
    void this.exitCode(boot({ config: this.config, services: simServices(this, proc), log: this.logFor(agent, 'boot'), signal: proc.abort.signal })).then((code) => {
      if (!proc.alive) return;
      proc.alive = false;
      this.note(`${agent.instance.id} boot exits ${code}`);
      const member = this.swarm.membership(agent.instance.id);
      // An engine that keeps failing is no healthy member: only a sound one must never give up.
      const sound = this.faults.active('engine') === undefined;
      if (code !== 0 && sound && agent.memberAtBoot && this.isMember(agent.instance.id) && member !== undefined && this.swarm.hasQuorum(member.swarm)) {
        this.violation(`${agent.instance.id}: boot of a healthy member exited ${code} (a reboot must never give up)`);
      }
      agent.bootCode = code;
      if (code === 0 || this.#policy.watchStartsAfter === 'boot-exited') this.startWatch(agent);
      else this.note(`${agent.instance.id} watch not started: its unit requires a successful boot`);
    });
  }

  private startWatch(agent: Agent): void {
    if (agent.watchStopped || agent.instance.ec2State !== 'running') return;
    const proc = this.proc(agent, 'watch');
    agent.watch = proc;
    void this.exitCode(watch({ config: this.config, services: simServices(this, proc), log: this.logFor(agent, 'watch'), signal: proc.abort.signal })).then(async (code) => {
      if (!proc.alive) return;
      proc.alive = false;
      this.note(`${agent.instance.id} watch exits ${code}`);
      if (agent.restartAfterExit && agent.watch === proc) {
        agent.restartAfterExit = false;
        this.startWatch(agent);
        return;
      }
      if (code === 0 || proc.abort.signal.aborted) return;
      agent.disturbedAt = Date.now();
      if (agent.watchRestarts++ >= this.#policy.watchRestart.maxRestarts) return;
      await systemClock.sleep(this.#policy.watchRestart.delayMs);
      if (agent.watch !== proc) return;
      // systemd pulls a failed boot in again before it restarts watch.
      if (agent.bootCode !== 0 && this.#policy.watchPullsInBoot) this.startBoot(agent);
      else this.startWatch(agent);
    });
  }

  private proc(agent: Agent, kind: 'boot' | 'watch'): Proc {
    return { instanceId: agent.instance.id, kind, alive: true, abort: new AbortController() };
  }

  /** As the CLI's one catch turns a command's end into its exit code. */
  private async exitCode(run: Promise<number>): Promise<number> {
    try {
      return await run;
    } catch (error) {
      return error instanceof SwarmnodeError ? error.exitCode : 1;
    }
  }

  private logFor(agent: Agent, cmd: string): Logger {
    return this.#log.child({ i: agent.instance.id, cmd });
  }

  /** SIGTERM to the agent as the OS shuts down, then everything stops. */
  private shutdown(instance: SimInstance): void {
    const agent = this.agents.get(instance.id);
    if (agent === undefined) return;
    agent.watch?.abort.abort(new Error('SIGTERM'));
    agent.boot?.abort.abort(new Error('SIGTERM'));
    setTimeout(() => this.kill(agent), 4_000);
  }

  /** The instance is gone: its state directory goes with it. */
  private kill(agent: Agent): void {
    for (const proc of [agent.boot, agent.watch]) if (proc) proc.alive = false;
    agent.disturbedAt = Date.now();
    if (this.swarm.engines.get(agent.instance.id)?.running) this.swarm.stop(agent.instance.id);
  }

  /** The ASG terminates an instance: if it was still a raft member, quorum may go with it. */
  private terminating(instance: SimInstance, endedBy: string): void {
    this.note(`${instance.id} terminating (${endedBy})`);
    const member = this.swarm.membership(instance.id);
    if (member === undefined || !member.node.raftMember || !endedBy.endsWith('by agent')) return;
    const before = this.swarm.hasQuorum(member.swarm);
    const engine = this.swarm.engine(instance.id);
    const wasRunning = engine.running;
    engine.running = false;
    const after = this.swarm.hasQuorum(member.swarm);
    engine.running = wasRunning;
    if (before && !after) this.violation(`quorum lost by swarmnode's hand: ${instance.id} completed its terminating hook (${endedBy}) while still a raft member`);
  }

  private actionExpired(instance: SimInstance, action: SimAction, why: string): void {
    const agent = this.agents.get(instance.id);
    this.note(`${instance.id} ${action.hook.transition} action expired (${why})`);
    // Only an agent that ran undisturbed through the whole action, on an AWS that answered, owes the answer.
    const running = agent !== undefined && (agent.watch?.alive === true || agent.boot?.alive === true);
    const undisturbed = running && agent.disturbedAt < action.startedAt;
    if (undisturbed && !this.awsFaultedSince(action.startedAt)) {
      this.violation(`${instance.id}: ${action.hook.transition} lifecycle action left to expire (${why} timeout) by a running agent`);
    }
  }

  #faultsSince: { at: number; service: Service; mode: FaultMode }[] = [];

  holdFault(service: Service, mode: FaultMode, ms: number): void {
    this.faults.hold(service, mode, ms);
    this.#faultsSince.push({ at: Date.now() + ms, service, mode });
  }

  /**
   * Faults that excuse an unanswered action: Auto Scaling down, or AWS denying a call (the boot that
   * meets AccessDenied stops with exit 77 and the operator's fix; the hook's default result follows).
   */
  private awsFaultedSince(since: number): boolean {
    return this.#faultsSince.some((f) => f.at >= since && (f.service === 'autoscaling' || f.mode === 'denied'));
  }

  // --- what a schedule does to the world ---------------------------------------------------------

  running(): SimInstance[] {
    return [...this.cloud.instances.values()].filter((i) => i.ec2State === 'running');
  }

  crash(instance: SimInstance): void {
    const member = this.swarm.membership(instance.id);
    if (member !== undefined && member.node.raftMember && !this.recordedManagers().includes(instance.id)) {
      this.note(`${instance.id} dies before the leader recorded it as a manager: recovery cannot prove it gone`);
      this.unprovableLoss = true;
    }
    const agent = this.agents.get(instance.id);
    if (agent) this.kill(agent);
    this.cloud.crash(instance.id);
    this.note(`${instance.id} crashes`);
  }

  /** Dies for good (EC2 terminated, no hook); the group's health check replaces it. */
  lose(instance: SimInstance): void {
    this.crash(instance);
    const group = this.cloud.group(instance.group);
    this.cloud.setDesired(group.name, group.desired + 1);
  }

  reboot(instance: SimInstance): void {
    const agent = this.agents.get(instance.id);
    if (agent === undefined || instance.ec2State !== 'running') return;
    this.note(`${instance.id} reboots`);
    agent.watch?.abort.abort(new Error('SIGTERM'));
    agent.boot?.abort.abort(new Error('SIGTERM'));
    setTimeout(() => {
      this.kill(agent);
      if (instance.ec2State !== 'running') return;
      agent.watchStopped = false;
      agent.watchRestarts = 0;
      this.swarm.engine(instance.id).hung = false;
      this.powerOn(instance);
    }, 10_000);
  }

  /** systemctl restart swarmnode: SIGTERM mid-step, then a new watch. */
  restartWatch(instance: SimInstance): void {
    const agent = this.agents.get(instance.id);
    const current = agent?.watch;
    if (agent === undefined || current === undefined || !current.alive) return;
    this.note(`${instance.id} watch restarts`);
    current.abort.abort(new Error('SIGTERM'));
    agent.disturbedAt = Date.now();
    setTimeout(() => {
      current.alive = false;
      agent.watchStopped = false;
      this.startWatch(agent);
    }, 2_000);
  }

  /** systemctl stop swarmnode (an operator, a bad deploy): nothing restarts it until a reboot or heal. */
  stopWatch(instance: SimInstance): void {
    const agent = this.agents.get(instance.id);
    if (agent?.watch === undefined) return;
    this.note(`${instance.id} watch stopped`);
    agent.watchStopped = true;
    agent.disturbedAt = Date.now();
    agent.watch.abort.abort(new Error('SIGTERM'));
  }

  hangEngine(instance: SimInstance, hung: boolean): void {
    const engine = this.swarm.engines.get(instance.id);
    if (engine === undefined || !engine.running) return;
    engine.hung = hung;
    this.note(`${instance.id} engine ${hung ? 'hangs' : 'recovers'}`);
  }

  isolate(instance: SimInstance, cut: boolean): void {
    if (cut) this.isolated.add(instance.id);
    else this.isolated.delete(instance.id);
    this.note(`${instance.id} ${cut ? 'isolated' : 'reconnected'}`);
  }

  cutAz(az: string, cut: boolean): void {
    if (cut) this.cutAzs.add(az);
    else this.cutAzs.delete(az);
    this.note(`${az} ${cut ? 'cut off by a NACL' : 'reachable again'}`);
  }

  /** An operator deletes a parameter (as an error's advice may have told them to). */
  deleteParameter(name: string): void {
    if (!this.cloud.parameters.delete(`${this.prefix}/${name}`)) return;
    this.note(`operator deletes ${name}`);
    if (name === 'cluster') this.recordDeleted = true;
  }

  /** The operator deleted the cluster record: until `republish`, nothing proves which managers were lost. */
  recordDeleted = false;
  /** A raft member died before the leader wrote it into the record (a join moments before, or AWS down meanwhile). */
  unprovableLoss = false;
  /** A manager came up locked before its swarm's unlock key reached SSM. */
  lockedWithoutKey = false;

  /** SSM holds the current unlock key of the swarm this instance's engine is in. */
  private unlockKeyPublished(instanceId: string): boolean {
    const swarm = this.swarm.membership(instanceId)?.swarm;
    const stored = this.cloud.parameters.get(`${this.prefix}/unlock-key`);
    if (swarm?.unlockKey === undefined || stored === undefined) return false;
    return (JSON.parse(Buffer.from(stored.value, 'base64').toString('utf8')) as { plaintext: string }).plaintext === swarm.unlockKey;
  }

  private recordedManagers(): string[] {
    const stored = this.cloud.parameters.get(`${this.prefix}/cluster`);
    if (stored === undefined) return [];
    return (JSON.parse(stored.value) as { managers?: { instanceId?: string }[] }).managers?.map((m) => m.instanceId ?? '') ?? [];
  }

  /** EC2 schedules a reboot, stop or retirement of the instance `inMs` from now. */
  scheduleEvent(instance: SimInstance, code: string, inMs: number): void {
    this.note(`${code} scheduled for ${instance.id} in ${Math.round(inMs / 1000)}s`);
    this.cloud.scheduleEvent(instance.id, code, inMs, (target) => {
      this.note(`${target.id}: EC2 carries out ${code}`);
      if (code.endsWith('reboot')) this.reboot(target);
      else this.cloud.terminate(target.id, false);
    });
  }

  /** `docker swarm update --autolock=true|false` or `docker swarm unlock-key --rotate` on a manager with quorum. */
  autolock(mode: 'on' | 'rotate' | 'off'): void {
    for (const swarm of this.swarm.swarms.values()) {
      if (!this.swarm.hasQuorum(swarm)) continue;
      if (mode === 'off') {
        swarm.autolock = false;
        swarm.unlockKey = undefined;
      } else if (mode === 'on' || swarm.autolock) {
        swarm.autolock = true;
        swarm.unlockKey = `SWMKEY-1-${this.rng.hex(12)}`;
      }
      this.note(`operator: autolock ${mode} on ${swarm.id}`);
    }
  }

  /** `docker swarm join-token --rotate` on a manager with quorum. */
  rotateToken(role: 'manager' | 'worker'): void {
    for (const swarm of this.swarm.swarms.values()) {
      if (!this.swarm.hasQuorum(swarm)) continue;
      swarm.tokens[role] = this.swarm.token(swarm.id, role);
      this.note(`operator rotates the ${role} token of ${swarm.id}`);
    }
  }

  // --- invariants ---------------------------------------------------------------------------------

  /** Checked at every instant the world changed. */
  checkSafety(): void {
    this.swarm.observe();
    if (this.violations.length > 0) throw new SimViolation(this);
  }

  /** Liveness: faults off, every agent given back its units; the cluster must settle. */
  heal(): void {
    this.faults.clear();
    this.isolated.clear();
    this.cutAzs.clear();
    for (const agent of this.agents.values()) {
      const engine = this.swarm.engines.get(agent.instance.id);
      if (engine?.hung) engine.hung = false;
      if (agent.instance.ec2State === 'running' && agent.watchStopped) {
        agent.watchStopped = false;
        agent.watchRestarts = 0;
        agent.disturbedAt = Date.now();
        if (agent.watch === undefined || !agent.watch.alive) this.startWatch(agent);
        else agent.restartAfterExit = true;
      }
    }
    this.note('heal: faults off');
  }

  /** What must hold once the world has been quiet for `quietMs` after heal. */
  checkSettled(healedAt: number): void {
    const now = Date.now();
    const reapBound = this.config.reapAfterMs + 20_000 + 4 * this.config.pollIntervalMs;
    for (const swarm of this.swarm.swarms.values()) {
      if (!this.swarm.hasQuorum(swarm)) continue;
      const managersDown = [...swarm.nodes.values()].filter((n) => n.raftMember && this.swarm.isDown(n)).length;
      for (const node of swarm.nodes.values()) {
        const instance = this.cloud.instances.get(node.instanceId);
        if (instance?.terminatedAt === undefined || !this.swarm.isDown(node)) continue;
        const since = Math.max(instance.terminatedAt, healedAt);
        if (now - since > reapBound + managersDown * 2 * this.config.pollIntervalMs) {
          this.violation(`stale node ${node.id} of terminated ${instance.id} still in swarm ${swarm.id} ${Math.round((now - since) / 1000)}s after REAP_AFTER could start`);
        }
      }
    }
    for (const agent of this.agents.values()) {
      const engine = this.swarm.engines.get(agent.instance.id);
      const member = this.swarm.membership(agent.instance.id);
      if (engine?.running && engine.state === 'locked' && member !== undefined && this.swarm.hasQuorum(member.swarm) && now - healedAt > 5 * 60_000) {
        this.violation(`${agent.instance.id}: its engine is still locked ${Math.round((now - healedAt) / 1000)}s after heal, though its swarm has quorum (the unlock key in SSM must match)`);
      }
      if (member !== undefined && this.swarm.hasQuorum(member.swarm) && member.node.labels['swarmnode.drained-for'] !== undefined) {
        const asked = agent.instance.tags['swarmnode:drain'];
        // An event still active, or completed moments ago, may rightly keep it drained a little longer.
        const lastEvent = Math.max(0, ...agent.instance.events.map((e) => (e.state === 'active' ? now : (e.completedAt ?? 0))));
        if (asked === undefined && now - lastEvent > 60_000 && agent.instance.lifecycleState === 'InService' && member.node.availability === 'drain') {
          this.violation(`${agent.instance.id}: drained for ${member.node.labels['swarmnode.drained-for']} and never re-activated, though nothing asks for the drain any more`);
        }
      }
    }
    // Without the record no recovery may act (nothing proves a missing manager gone): liveness then
    // waits for the operator's `swarmnode republish`, which the simulation does not play.
    // Likewise for a manager lost before the leader could record it.
    // And for a manager locked (autolock turned on moments before its reboot) with a key SSM never got.
    if (!this.recordDeleted && !this.unprovableLoss && !this.lockedWithoutKey) this.checkOneLiveSwarm();
    if (this.violations.length > 0) throw new SimViolation(this);
  }

  /**
   * Settled means one swarm: every instance in service is a member of it, and it has quorum. After
   * a loss of managers that is the recovered swarm, or the next generation with the old workers in.
   */
  private checkOneLiveSwarm(): void {
    const inService = [...this.cloud.instances.values()].filter((i) => i.inGroup && !i.pooled && i.lifecycleState === 'InService' && i.ec2State === 'running');
    // Every manager crashed with the group's desired count lowered each time (none is launched again,
    // none runs anywhere, detached ones included): workers wait in their swarm until managers come back.
    const managersWanted = [...this.cloud.instances.values()].some((i) => i.role === 'manager' && i.ec2State === 'running') || [...this.cloud.groups.values()].some((g) => g.role === 'manager' && g.desired > 0);
    if (!managersWanted) return;

    const swarms = new Set<string>();
    for (const instance of inService) {
      const member = this.swarm.membership(instance.id);
      // A manager left in an older raft epoch by a force elsewhere is no member of the live raft.
      if (member === undefined || !this.isMember(instance.id) || this.swarm.stale(member.swarm, member.node) || !this.swarm.hasQuorum(member.swarm)) {
        this.violation(`${instance.id} (${instance.role}) is in service but no member of a swarm with quorum after heal`);
      } else {
        swarms.add(member.swarm.id);
      }
    }
    if (swarms.size > 1) this.violation(`${swarms.size} swarms live after heal: ${[...swarms].join(', ')}`);
  }
}

/** Which swarm an SSM write publishes: a record, a token (its plaintext names the swarm), a lock mark. */
function publishedSwarm(name: string, value: string): string | undefined {
  if (name === 'cluster') return (JSON.parse(value) as { swarmId: string }).swarmId;
  if (name.endsWith('-token')) {
    const plaintext = (JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as { plaintext: string }).plaintext;
    return /^SWMTKN-1-(swarm[0-9a-f]+)-/.exec(plaintext)?.[1];
  }
  if (name.startsWith('init-lock')) return parseLockValue(value).published;
  return undefined;
}

export class SimViolation extends Error {
  constructor(world: World) {
    super(`${world.violations.join('\n')}\n--- trace (last 40) ---\n${world.trace.slice(-40).join('\n')}`);
    this.name = 'SimViolation';
  }
}
