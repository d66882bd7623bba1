import { majorityOf } from '../../../src/core/cluster/quorum.js';
import type { Rng } from '../rng.js';

/**
 * Docker Swarm as the simulation sees it: swarms with their raft members, and one engine per
 * instance. Reachability comes from the world (engine up, not hung, not cut off); the rules the
 * engine itself enforces are kept (quorum for every control call, demotion refused when it would
 * cost quorum, a raft member cannot be removed, a manager cannot leave without force), so the
 * agents meet the same refusals as on a real swarm. It is a model, not a copy of swarmkit: one
 * leader per swarm, statuses that go Down after a silence, tasks that move off a drained node.
 */

/** A node is reported Down after this long without heartbeats (swarmkit's heartbeat period x a few). */
export const DOWN_AFTER_MS = 10_000;
/** Tasks of a drained node stop after their stop grace period. */
export const TASK_STOP_MS = 8_000;
const TASKS_PER_NODE = 2;

export type LocalState = 'inactive' | 'pending' | 'active' | 'locked' | 'error';

export interface SimNode {
  id: string;
  instanceId: string;
  hostname: string;
  addr: string;
  specRole: 'manager' | 'worker';
  raftMember: boolean;
  /**
   * The raft it belongs to: the swarm's epoch when it joined. `--force-new-cluster` starts a new
   * epoch with the caller alone; a manager left in an older epoch still believes in that raft (it
   * lists its members, and has no leader) until it leaves.
   */
  raftEpoch: number;
  availability: 'active' | 'pause' | 'drain';
  labels: Record<string, string>;
  version: number;
  /** When the swarm last heard from it; Down once this is DOWN_AFTER_MS old. */
  heardAt: number;
  drainedAt: number | undefined;
  joinedAt: number;
}

/**
 * A replicated service, as far as rebalancing goes: where its tasks run and whether a rolling update
 * is under way. Tasks of a node that is drained or gone are placed again on the least loaded
 * schedulable nodes, as the swarm's scheduler does; a forced update spreads them all evenly.
 */
export interface SimService {
  id: string;
  name: string;
  labels: Record<string, string>;
  replicas: number;
  version: number;
  /** nodeId per task. */
  placement: string[];
  updatingUntil: number;
  forcedUpdates: number;
}

/** Each update step (parallelism 1) waits this long, as a service's update_config delay. */
export const UPDATE_DELAY_MS = 5_000;

export interface Swarm {
  id: string;
  createdBy: string;
  createdAt: number;
  nodes: Map<string, SimNode>;
  tokens: { manager: string; worker: string };
  leaderId: string | undefined;
  autolock: boolean;
  unlockKey: string | undefined;
  /** Raised by each `--force-new-cluster`. */
  epoch: number;
  /**
   * The raft of each past epoch as its members' own stores keep it: a manager left behind still lists
   * them all, even once the new raft's leader has removed their nodes.
   */
  pastRafts: Map<number, SimNode[]>;
  services: SimService[];
}

export interface SimEngine {
  instanceId: string;
  ip: string;
  /** dockerd is up. */
  running: boolean;
  /** dockerd is up but answers nothing (its API calls time out, its raft goes silent). */
  hung: boolean;
  state: LocalState;
  swarmId: string | undefined;
  nodeId: string | undefined;
  error: string;
}

/** What the world tells the model: who can talk to whom right now. */
export interface Connectivity {
  connected(a: string, b: string): boolean;
}

/** The engine's own refusals carry its words, as the Docker adapter passes them on. */
export class EngineRefusal extends Error {}

export class SwarmModel {
  readonly swarms = new Map<string, Swarm>();
  readonly engines = new Map<string, SimEngine>();

  constructor(
    private readonly rng: Rng,
    private readonly net: Connectivity,
    private readonly now: () => number,
  ) {}

  engine(instanceId: string): SimEngine {
    const engine = this.engines.get(instanceId);
    if (engine === undefined) throw new Error(`sim: no engine on ${instanceId}`);
    return engine;
  }

  addEngine(instanceId: string, ip: string): SimEngine {
    const engine: SimEngine = { instanceId, ip, running: false, hung: false, state: 'inactive', swarmId: undefined, nodeId: undefined, error: '' };
    this.engines.set(instanceId, engine);
    return engine;
  }

  /** The engine's node and swarm, when it is a member of a swarm that still lists it. */
  membership(instanceId: string): { swarm: Swarm; node: SimNode } | undefined {
    const engine = this.engines.get(instanceId);
    if (engine?.swarmId === undefined || engine.nodeId === undefined) return undefined;
    const swarm = this.swarms.get(engine.swarmId);
    const node = swarm?.nodes.get(engine.nodeId);
    return swarm && node ? { swarm, node } : undefined;
  }

  /** A node takes part: its engine runs, answers, is unlocked and still this node of this swarm. */
  alive(swarm: Swarm, node: SimNode): boolean {
    const engine = this.engines.get(node.instanceId);
    return engine !== undefined && engine.running && !engine.hung && engine.state === 'active' && engine.swarmId === swarm.id && engine.nodeId === node.id;
  }

  /** The current raft: members of the swarm's latest epoch. */
  members(swarm: Swarm): SimNode[] {
    return [...swarm.nodes.values()].filter((n) => n.raftMember && n.raftEpoch === swarm.epoch);
  }

  /** The raft as this node believes it: its epoch's members, the dead ones included. */
  raftOf(swarm: Swarm, node: SimNode): SimNode[] {
    return swarm.pastRafts.get(node.raftEpoch) ?? [...swarm.nodes.values()].filter((n) => n.raftMember && n.raftEpoch === node.raftEpoch);
  }

  /** A manager left behind in an older raft epoch by a `--force-new-cluster` elsewhere. */
  stale(swarm: Swarm, node: SimNode): boolean {
    return node.raftMember && node.raftEpoch < swarm.epoch;
  }

  /** Raft members that can reach `from` (and are alive): the side of a partition it is on. */
  private side(swarm: Swarm, from: string): SimNode[] {
    return this.members(swarm).filter((m) => this.alive(swarm, m) && this.net.connected(from, m.instanceId));
  }

  /** The leader as seen from an instance: a majority of raft members on its side elects one. */
  leaderFrom(swarm: Swarm, from: string): SimNode | undefined {
    const side = this.side(swarm, from);
    if (side.length < majorityOf(this.members(swarm).length)) return undefined;
    const current = side.find((m) => m.id === swarm.leaderId);
    const leader = current ?? side.sort((a, b) => (a.id < b.id ? -1 : 1))[0];
    swarm.leaderId = leader?.id;
    return leader;
  }

  /** Quorum anywhere: some partition side holds a majority of the raft members. */
  hasQuorum(swarm: Swarm): boolean {
    return this.members(swarm).some((m) => this.alive(swarm, m) && this.leaderFrom(swarm, m.instanceId) !== undefined);
  }

  /** Heartbeats: every node the leader can reach is heard now. Called at every step of the world. */
  observe(): void {
    const now = this.now();
    for (const swarm of this.swarms.values()) {
      const leader = this.members(swarm).find((m) => this.alive(swarm, m) && this.leaderFrom(swarm, m.instanceId) === m);
      if (leader === undefined) continue;
      for (const node of swarm.nodes.values()) {
        if (this.alive(swarm, node) && this.net.connected(leader.instanceId, node.instanceId)) node.heardAt = now;
      }
      // The scheduler of a swarm with a leader keeps every service at its replicas.
      for (const service of swarm.services) this.placeTasks(swarm, service);
    }
  }

  isDown(node: SimNode): boolean {
    return this.now() - node.heardAt >= DOWN_AFTER_MS;
  }

  tasksOn(swarm: Swarm, node: SimNode): number {
    if (!this.alive(swarm, node)) return 0;
    if (node.availability === 'drain' && node.drainedAt !== undefined && this.now() - node.drainedAt >= TASK_STOP_MS) return 0;
    return TASKS_PER_NODE;
  }

  /** Nodes the scheduler places tasks on: alive, Ready and active. */
  schedulable(swarm: Swarm): SimNode[] {
    return [...swarm.nodes.values()].filter((n) => n.availability === 'active' && this.alive(swarm, n) && !this.isDown(n)).sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** The service's tasks now: those on nodes that can no longer run them are placed again, least loaded first. */
  placeTasks(swarm: Swarm, service: SimService): string[] {
    const targets = this.schedulable(swarm).map((n) => n.id);
    if (targets.length === 0) return service.placement;
    const kept = service.placement.filter((id) => targets.includes(id));
    while (kept.length < service.replicas) {
      const load = (id: string): number => kept.filter((k) => k === id).length;
      kept.push(targets.reduce((best, id) => (load(id) < load(best) ? id : best)));
    }
    service.placement = kept;
    return kept;
  }

  /** A rolling update with nothing changed: every task placed again, spread evenly. */
  forceUpdate(caller: string, serviceId: string, version: number): SimService {
    const { swarm } = this.control(caller);
    const service = swarm.services.find((s) => s.id === serviceId);
    if (service === undefined) throw new EngineRefusal(`service ${serviceId} not found`);
    if (service.version !== version) throw new EngineRefusal('rpc error: code = Unknown desc = update out of sequence');
    service.placement = [];
    this.placeTasks(swarm, service);
    service.version++;
    service.forcedUpdates++;
    service.updatingUntil = this.now() + service.replicas * UPDATE_DELAY_MS;
    return service;
  }

  // --- the Engine API, as the engine of `caller` answers it --------------------------------------

  init(caller: string, advertiseAddr: string): { swarm: Swarm; node: SimNode } {
    const engine = this.engine(caller);
    if (engine.state !== 'inactive') throw new EngineRefusal('This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.');
    const id = `swarm${this.rng.hex(8)}`;
    const swarm: Swarm = {
      id,
      createdBy: caller,
      createdAt: this.now(),
      nodes: new Map(),
      tokens: { manager: this.token(id, 'manager'), worker: this.token(id, 'worker') },
      leaderId: undefined,
      autolock: false,
      unlockKey: undefined,
      epoch: 0,
      pastRafts: new Map(),
      // What an operator deploys: one service that opted into rebalancing, one that did not.
      services: [
        { id: `${id}-web`, name: 'web', labels: { 'swarmnode.rebalance': 'true' }, replicas: 4, version: 1, placement: [], updatingUntil: 0, forcedUpdates: 0 },
        { id: `${id}-db`, name: 'db', labels: {}, replicas: 4, version: 1, placement: [], updatingUntil: 0, forcedUpdates: 0 },
      ],
    };
    this.swarms.set(id, swarm);
    const node = this.addNode(swarm, engine, advertiseAddr, 'manager');
    swarm.leaderId = node.id;
    return { swarm, node };
  }

  join(caller: string, remoteAddrs: readonly string[], token: string, advertiseAddr: string): { swarm: Swarm; node: SimNode } {
    const engine = this.engine(caller);
    if (engine.state === 'active' || engine.state === 'locked') throw new EngineRefusal('This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.');
    const first = remoteAddrs[0]?.replace(/:\d+$/, '');
    const target = [...this.engines.values()].find((e) => e.ip === first && e.running);
    const targetMember = target === undefined ? undefined : this.membership(target.instanceId);
    if (target === undefined || target.hung || !this.net.connected(caller, target.instanceId) || targetMember === undefined || !targetMember.node.raftMember) {
      throw new EngineRefusal(`rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial tcp ${first}:2377: connect: connection refused"`);
    }
    const { swarm } = targetMember;
    if (this.stale(swarm, targetMember.node) || this.leaderFrom(swarm, target.instanceId) === undefined) throw new EngineRefusal('rpc error: code = Unknown desc = The swarm does not have a leader. It\'s possible that too few managers are online.');
    const role = token === swarm.tokens.manager ? 'manager' : token === swarm.tokens.worker ? 'worker' : undefined;
    if (role === undefined) throw new EngineRefusal('rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster');
    engine.state = 'active';
    engine.error = '';
    return { swarm, node: this.addNode(swarm, engine, advertiseAddr, role) };
  }

  leave(caller: string, force: boolean): void {
    const engine = this.engine(caller);
    if (engine.state === 'inactive') throw new EngineRefusal('This node is not part of a swarm');
    const member = this.membership(caller);
    if (member?.node.raftMember && !force) {
      throw new EngineRefusal('You are attempting to leave the swarm on a node that is participating as a manager. Removing this node leaves managers without quorum. Use `--force` to ignore this message.');
    }
    // A manager leaving with force stays in raft as an unreachable member: that is how it costs quorum.
    engine.state = 'inactive';
    engine.swarmId = undefined;
    engine.nodeId = undefined;
    engine.error = '';
  }

  unlock(caller: string, key: string): void {
    const engine = this.engine(caller);
    const swarm = engine.swarmId === undefined ? undefined : this.swarms.get(engine.swarmId);
    if (engine.state !== 'locked' || swarm === undefined) throw new EngineRefusal('swarm is not locked');
    if (key !== swarm.unlockKey) throw new EngineRefusal('invalid key');
    engine.state = 'active';
  }

  /**
   * `swarm init --force-new-cluster` on a manager: its swarm (same id, tokens, services) gets a new
   * raft epoch whose only member it is. The other members' nodes stay, out of the new raft.
   */
  forceNewCluster(caller: string, advertiseAddr: string): { swarm: Swarm; node: SimNode } {
    const member = this.membership(caller);
    const engine = this.engine(caller);
    if (member === undefined || engine.state !== 'active' || !member.node.raftMember) {
      throw new EngineRefusal('This node is not a swarm manager. Use "docker swarm init" to create a new swarm.');
    }
    const { swarm, node } = member;
    if (!swarm.pastRafts.has(node.raftEpoch)) swarm.pastRafts.set(node.raftEpoch, this.raftOf(swarm, node));
    swarm.epoch += 1;
    node.raftEpoch = swarm.epoch;
    node.addr = advertiseAddr;
    node.heardAt = this.now();
    swarm.leaderId = node.id;
    return { swarm, node };
  }

  /** The control API: only a raft member with a leader on its side answers. */
  control(caller: string): { swarm: Swarm; self: SimNode } {
    const member = this.membership(caller);
    const engine = this.engine(caller);
    if (member === undefined || engine.state !== 'active' || !member.node.raftMember) {
      throw new EngineRefusal('This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.');
    }
    if (this.stale(member.swarm, member.node) || this.leaderFrom(member.swarm, caller) === undefined) {
      throw new EngineRefusal('rpc error: code = Unknown desc = The swarm does not have a leader. It\'s possible that too few managers are online. Make sure more than half of the managers are online.');
    }
    return { swarm: member.swarm, self: member.node };
  }

  updateNode(caller: string, nodeId: string, version: number, change: { role?: 'manager' | 'worker'; availability?: 'active' | 'pause' | 'drain'; labels?: Record<string, string> }): { demoted: boolean } {
    const { swarm } = this.control(caller);
    const node = swarm.nodes.get(nodeId);
    if (node === undefined) throw new EngineRefusal(`node ${nodeId} not found`);
    if (node.version !== version) throw new EngineRefusal('rpc error: code = Unknown desc = update out of sequence');
    const demote = node.raftMember && node.raftEpoch === swarm.epoch && change.role === 'worker';
    if (demote) {
      const members = this.members(swarm);
      if (members.length === 1) throw new EngineRefusal('rpc error: code = FailedPrecondition desc = attempting to demote the last manager of the swarm');
      // raft.CanRemoveMember: the members left must still hold a majority of themselves.
      const left = members.filter((m) => m.id !== node.id);
      const reachableLeft = left.filter((m) => this.alive(swarm, m) && this.net.connected(caller, m.instanceId)).length;
      if (reachableLeft < majorityOf(left.length)) {
        throw new EngineRefusal('rpc error: code = FailedPrecondition desc = can\'t remove member from the raft: this would result in a loss of quorum');
      }
    }
    if (change.role !== undefined) node.specRole = change.role;
    if (change.role === 'worker') node.raftMember = false;
    if (change.role === 'manager' && this.alive(swarm, node)) {
      node.raftMember = true;
      node.raftEpoch = swarm.epoch;
    }
    if (change.availability !== undefined) {
      if (change.availability === 'drain' && node.availability !== 'drain') node.drainedAt = this.now();
      node.availability = change.availability;
    }
    if (change.labels !== undefined) node.labels = { ...change.labels };
    node.version += 1;
    return { demoted: demote };
  }

  removeNode(caller: string, nodeId: string, force: boolean): SimNode {
    const { swarm } = this.control(caller);
    const node = swarm.nodes.get(nodeId);
    if (node === undefined) throw new EngineRefusal(`node ${nodeId} not found`);
    if (node.raftMember && node.raftEpoch === swarm.epoch) {
      throw new EngineRefusal(`rpc error: code = FailedPrecondition desc = node ${nodeId} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`);
    }
    if (!force && !this.isDown(node)) throw new EngineRefusal(`rpc error: code = FailedPrecondition desc = node ${nodeId} is not down and can't be removed`);
    swarm.nodes.delete(nodeId);
    // The removed node's engine learns it on its next contact and ends in the error state.
    const engine = this.engines.get(node.instanceId);
    if (engine?.swarmId === swarm.id && engine.nodeId === nodeId) {
      engine.state = 'error';
      engine.error = 'node is removed from the swarm';
    }
    return node;
  }

  /** dockerd starts: a manager of an autolocked swarm comes up locked. */
  start(instanceId: string): void {
    const engine = this.engine(instanceId);
    engine.running = true;
    engine.hung = false;
    const member = this.membership(instanceId);
    if (engine.state === 'active' && member?.swarm.autolock && member.node.raftMember) engine.state = 'locked';
  }

  stop(instanceId: string): void {
    this.engine(instanceId).running = false;
  }

  private addNode(swarm: Swarm, engine: SimEngine, advertiseAddr: string, role: 'manager' | 'worker'): SimNode {
    const node: SimNode = {
      id: `n${this.rng.hex(6)}`,
      instanceId: engine.instanceId,
      hostname: `ip-${engine.ip.replaceAll('.', '-')}`,
      addr: advertiseAddr,
      specRole: role,
      raftMember: role === 'manager',
      raftEpoch: swarm.epoch,
      availability: 'active',
      labels: {},
      version: 1,
      heardAt: this.now(),
      drainedAt: undefined,
      joinedAt: this.now(),
    };
    swarm.nodes.set(node.id, node);
    engine.state = 'active';
    engine.swarmId = swarm.id;
    engine.nodeId = node.id;
    return node;
  }

  token(swarmId: string, role: 'manager' | 'worker'): string {
    return `SWMTKN-1-${swarmId}-${role[0]}${this.rng.hex(10)}`;
  }
}
