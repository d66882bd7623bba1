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
}
