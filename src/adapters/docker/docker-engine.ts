import type Dockerode from 'dockerode';
import { Secret } from '../../log/secret.js';
import type { Engine, EngineInfo, SwarmNode, SwarmService, SwarmTask } from '../../ports/engine.js';
import type { CallMetrics } from '../../ports/metrics.js';
import { engineCall, engineClient, engineDial } from './engine-call.js';

const LISTEN_ADDR = '0.0.0.0:2377';

interface RawNode {
  ID: string;
  Version?: { Index?: number };
  Spec?: Record<string, unknown> & { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Description?: { Hostname?: string };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

function toNode(raw: RawNode): SwarmNode {
  const spec = raw.Spec ?? {};
  return {
    id: raw.ID,
    version: raw.Version?.Index ?? 0,
    hostname: raw.Description?.Hostname ?? '',
    role: spec.Role === 'manager' ? 'manager' : 'worker',
    availability: (spec.Availability ?? 'active') as SwarmNode['availability'],
    state: raw.Status?.State ?? 'unknown',
    addr: raw.Status?.Addr ?? '',
    labels: spec.Labels ?? {},
    manager: raw.ManagerStatus
      ? { leader: raw.ManagerStatus.Leader === true, reachability: raw.ManagerStatus.Reachability ?? '', addr: raw.ManagerStatus.Addr ?? '' }
      : undefined,
    spec,
  };
}

interface RawService {
  ID: string;
  Version?: { Index?: number };
  Spec?: Record<string, unknown> & {
    Name?: string;
    Labels?: Record<string, string>;
    Mode?: { Replicated?: { Replicas?: number } };
    UpdateConfig?: { Parallelism?: number; Delay?: number; FailureAction?: string };
    TaskTemplate?: Record<string, unknown> & { ForceUpdate?: number };
  };
  UpdateStatus?: { State?: string };
}

/** The engine's own defaults when a service has no update_config: one task at a time, no delay, pause. */
function toService(raw: RawService): SwarmService {
  const spec = raw.Spec ?? {};
  const update = spec.UpdateConfig ?? {};
  const state = raw.UpdateStatus?.State ?? '';
  return {
    id: raw.ID,
    version: raw.Version?.Index ?? 0,
    name: spec.Name ?? raw.ID,
    labels: spec.Labels ?? {},
    replicas: spec.Mode?.Replicated === undefined ? undefined : (spec.Mode.Replicated.Replicas ?? 1),
    update: { parallelism: update.Parallelism ?? 1, delayMs: (update.Delay ?? 0) / 1e6, failureAction: update.FailureAction ?? 'pause' },
    updating: state === 'updating' || state === 'rollback_started',
    spec,
  };
}

/** The local engine through dockerode; DOCKER_HOST picks the socket, as for the docker CLI. */
export class DockerEngine implements Engine {
  readonly #docker: Dockerode;

  constructor(
    docker: Dockerode = engineClient(),
    private readonly metrics?: Pick<CallMetrics, 'engineCall'>,
  ) {
    this.#docker = docker;
  }

  /** Every call of this adapter, counted by endpoint and outcome. */
  #call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return engineCall(what, send, this.metrics);
  }

  async info(): Promise<EngineInfo> {
    const info = await this.#call('GET /info', () => this.#docker.info());
    const swarm = info.Swarm ?? {};
    return {
      localNodeState: swarm.LocalNodeState ?? '',
      nodeId: swarm.NodeID ?? '',
      // Without a leader moby still sets Cluster, empty: no swarm id then, as when it is absent.
      clusterId: swarm.Cluster?.ID || undefined,
      controlAvailable: swarm.ControlAvailable === true,
      remoteManagers: (swarm.RemoteManagers ?? []).map((m: { NodeID: string; Addr: string }) => ({ nodeId: m.NodeID, addr: m.Addr })),
      error: swarm.Error ?? '',
      nodeAddr: swarm.NodeAddr ?? '',
    };
  }

  async init(advertiseAddr: string): Promise<string> {
    const nodeId = await this.#call('POST /swarm/init', () => this.#docker.swarmInit({ ListenAddr: LISTEN_ADDR, AdvertiseAddr: advertiseAddr }));
    return String(nodeId).replace(/"/g, '').trim();
  }

  async forceNewCluster(advertiseAddr: string): Promise<void> {
    await this.#call('POST /swarm/init', () => this.#docker.swarmInit({ ListenAddr: LISTEN_ADDR, AdvertiseAddr: advertiseAddr, ForceNewCluster: true }));
  }

  async join(remoteAddrs: string[], token: Secret, advertiseAddr: string): Promise<void> {
    await this.#call('POST /swarm/join', () =>
      this.#docker.swarmJoin({ ListenAddr: LISTEN_ADDR, AdvertiseAddr: advertiseAddr, RemoteAddrs: remoteAddrs, JoinToken: token.reveal() }),
    );
  }

  async leave(force: boolean): Promise<void> {
    await this.#call('POST /swarm/leave', () => this.#docker.swarmLeave({ force }));
  }

  async unlock(key: Secret): Promise<void> {
    await this.#call('POST /swarm/unlock', () => engineDial(this.#docker, '/swarm/unlock', 'POST', { UnlockKey: key.reveal() }));
  }

  async joinTokens(): Promise<{ manager: Secret; worker: Secret }> {
    const swarm = await this.#call('GET /swarm', () => this.#docker.swarmInspect());
    return { manager: new Secret(swarm.JoinTokens.Manager), worker: new Secret(swarm.JoinTokens.Worker) };
  }

  async swarmId(): Promise<string> {
    return (await this.#call('GET /swarm', () => this.#docker.swarmInspect())).ID;
  }

  async unlockKey(): Promise<Secret | undefined> {
    const found = await this.#call('GET /swarm/unlockkey', () => engineDial<{ UnlockKey?: string }>(this.#docker, '/swarm/unlockkey', 'GET'));
    return found.UnlockKey ? new Secret(found.UnlockKey) : undefined;
  }

  async nodes(): Promise<SwarmNode[]> {
    const raw = (await this.#call('GET /nodes', () => this.#docker.listNodes())) as RawNode[];
    return raw.map(toNode);
  }

  async updateNode(
    node: SwarmNode,
    change: { role?: 'manager' | 'worker'; availability?: 'active' | 'pause' | 'drain'; labels?: Record<string, string> },
  ): Promise<void> {
    const spec = {
      ...node.spec,
      ...(change.role ? { Role: change.role } : {}),
      ...(change.availability ? { Availability: change.availability } : {}),
      ...(change.labels ? { Labels: change.labels } : {}),
    };
    // The engine rejects an update whose version is stale: the caller re-reads and decides again.
    await this.#call('POST /nodes/update', () => this.#docker.getNode(node.id).update({ _query: { version: node.version }, _body: spec }));
  }

  async removeNode(nodeId: string, force: boolean): Promise<void> {
    await this.#call('DELETE /nodes', () => this.#docker.getNode(nodeId).remove({ force }));
  }

  async localTaskCount(): Promise<number> {
    // Swarm labels every task container with its task id; plain containers do not count.
    const containers = await this.#call('GET /containers/json', () => this.#docker.listContainers({ filters: { label: ['com.docker.swarm.task.id'] } }));
    return containers.length;
  }

  async services(): Promise<SwarmService[]> {
    return ((await this.#call('GET /services', () => this.#docker.listServices())) as RawService[]).map(toService);
  }

  async tasks(serviceIds: readonly string[]): Promise<SwarmTask[]> {
    if (serviceIds.length === 0) return [];
    const raw = (await this.#call('GET /tasks', () => this.#docker.listTasks({ filters: { service: [...serviceIds], 'desired-state': ['running'] } }))) as {
      ServiceID: string;
      NodeID?: string;
      Status?: { State?: string };
    }[];
    return raw.map((t) => ({ serviceId: t.ServiceID, nodeId: t.NodeID || undefined, state: t.Status?.State ?? 'unknown' }));
  }

  async forceUpdateService(service: SwarmService): Promise<void> {
    const template = (service.spec.TaskTemplate ?? {}) as { ForceUpdate?: number };
    const spec = { ...service.spec, TaskTemplate: { ...template, ForceUpdate: (template.ForceUpdate ?? 0) + 1 } };
    // A stale version is rejected by the engine: the next round reads the service again.
    await this.#call('POST /services/update', () => this.#docker.getService(service.id).update({ _query: { version: service.version }, _body: spec }));
  }
}
