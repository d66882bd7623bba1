import type { Secret } from '../log/secret.js';

/** The local Docker engine's swarm-facing state, from GET /info. */
export interface EngineInfo {
  /** '' | 'inactive' | 'pending' | 'active' | 'error' | 'locked' */
  localNodeState: string;
  nodeId: string;
  /** Cluster (swarm) id; only a manager knows it. */
  clusterId: string | undefined;
  controlAvailable: boolean;
  remoteManagers: { nodeId: string; addr: string }[];
  error: string;
  nodeAddr: string;
}

export interface SwarmNode {
  id: string;
  version: number;
  hostname: string;
  role: 'manager' | 'worker';
  availability: 'active' | 'pause' | 'drain';
  state: string;
  addr: string;
  labels: Record<string, string>;
  manager: { leader: boolean; reachability: string; addr: string } | undefined;
  /** The full spec as the engine returned it, sent back whole on update. */
  spec: Record<string, unknown>;
}

/** A swarm service as the rebalancing rule needs it. */
export interface SwarmService {
  id: string;
  name: string;
  version: number;
  labels: Record<string, string>;
  /** undefined: not a replicated service (global: one task per node, nothing to spread). */
  replicas: number | undefined;
  /** The service's own `update_config`, which a forced rolling update follows. */
  update: { parallelism: number; delayMs: number; failureAction: string };
  /** A rolling update (or rollback) of it is in progress. */
  updating: boolean;
  /** The full spec as the engine returned it, sent back whole on update. */
  spec: Record<string, unknown>;
}

/** A task the swarm wants running, and where it runs. */
export interface SwarmTask {
  serviceId: string;
  /** undefined while it is not yet assigned. */
  nodeId: string | undefined;
  /** running, pending, assigned, preparing, starting, ... */
  state: string;
}

export interface Engine {
  info(): Promise<EngineInfo>;
  /** Returns the new node id. */
  init(advertiseAddr: string): Promise<string>;
  /**
   * `swarm init --force-new-cluster`: this manager becomes the only raft member of its swarm, which
   * keeps its id, services and tokens. Only ever after recovery proved every other member gone.
   */
  forceNewCluster(advertiseAddr: string): Promise<void>;
  join(remoteAddrs: string[], token: Secret, advertiseAddr: string): Promise<void>;
  leave(force: boolean): Promise<void>;
  unlock(key: Secret): Promise<void>;
  /** Manager only. */
  joinTokens(): Promise<{ manager: Secret; worker: Secret }>;
  swarmId(): Promise<string>;
  unlockKey(): Promise<Secret | undefined>;
  nodes(): Promise<SwarmNode[]>;
  /** Sends the node's full spec back with its version, changed by `change`. */
  updateNode(node: SwarmNode, change: { role?: 'manager' | 'worker'; availability?: 'active' | 'pause' | 'drain'; labels?: Record<string, string> }): Promise<void>;
  removeNode(nodeId: string, force: boolean): Promise<void>;
  /**
   * Swarm task containers running on this engine. Works on a worker, which cannot list tasks: it is
   * how a draining worker sees its tasks leave.
   */
  localTaskCount(): Promise<number>;
  /** Manager only. */
  services(): Promise<SwarmService[]>;
  /** Manager only: the tasks of these services whose desired state is running. */
  tasks(serviceIds: readonly string[]): Promise<SwarmTask[]>;
  /**
   * Manager only: a rolling update of the service that changes nothing but its force-update counter,
   * so the swarm reschedules its tasks following the service's own update_config.
   */
  forceUpdateService(service: SwarmService): Promise<void>;
}
