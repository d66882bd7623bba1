import type Dockerode from 'dockerode';
import { Secret } from '../log/secret.js';
import type { Engine, EngineInfo, SwarmNode } from '../ports/engine.js';
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

/** The local engine through dockerode; DOCKER_HOST picks the socket, as for the docker CLI. */
export class DockerEngine implements Engine {
  readonly #docker: Dockerode;

  constructor(docker: Dockerode = engineClient()) {
    this.#docker = docker;
  }

  async info(): Promise<EngineInfo> {
    const info = await engineCall('GET /info', () => this.#docker.info());
    const swarm = info.Swarm ?? {};
    return {
      localNodeState: swarm.LocalNodeState ?? '',
      nodeId: swarm.NodeID ?? '',
      clusterId: swarm.Cluster?.ID,
      controlAvailable: swarm.ControlAvailable === true,
      remoteManagers: (swarm.RemoteManagers ?? []).map((m: { NodeID: string; Addr: string }) => ({ nodeId: m.NodeID, addr: m.Addr })),
      error: swarm.Error ?? '',
      nodeAddr: swarm.NodeAddr ?? '',
    };
  }

  async init(advertiseAddr: string): Promise<string> {
    const nodeId = await engineCall('POST /swarm/init', () => this.#docker.swarmInit({ ListenAddr: LISTEN_ADDR, AdvertiseAddr: advertiseAddr }));
    return String(nodeId).replace(/"/g, '').trim();
  }

  async join(remoteAddrs: string[], token: Secret, advertiseAddr: string): Promise<void> {
    await engineCall('POST /swarm/join', () =>
      this.#docker.swarmJoin({ ListenAddr: LISTEN_ADDR, AdvertiseAddr: advertiseAddr, RemoteAddrs: remoteAddrs, JoinToken: token.reveal() }),
    );
  }

  async leave(force: boolean): Promise<void> {
    await engineCall('POST /swarm/leave', () => this.#docker.swarmLeave({ force }));
  }

  async unlock(key: Secret): Promise<void> {
    await engineCall('POST /swarm/unlock', () => engineDial(this.#docker, '/swarm/unlock', 'POST', { UnlockKey: key.reveal() }));
  }

  async joinTokens(): Promise<{ manager: Secret; worker: Secret }> {
    const swarm = await engineCall('GET /swarm', () => this.#docker.swarmInspect());
    return { manager: new Secret(swarm.JoinTokens.Manager), worker: new Secret(swarm.JoinTokens.Worker) };
  }

  async swarmId(): Promise<string> {
    return (await engineCall('GET /swarm', () => this.#docker.swarmInspect())).ID;
  }

  async unlockKey(): Promise<Secret | undefined> {
    const found = await engineCall('GET /swarm/unlockkey', () => engineDial<{ UnlockKey?: string }>(this.#docker, '/swarm/unlockkey', 'GET'));
    return found.UnlockKey ? new Secret(found.UnlockKey) : undefined;
  }

  async nodes(): Promise<SwarmNode[]> {
    const raw = (await engineCall('GET /nodes', () => this.#docker.listNodes())) as RawNode[];
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
    await engineCall('POST /nodes/update', () => this.#docker.getNode(node.id).update({ _query: { version: node.version }, _body: spec }));
  }

  async removeNode(nodeId: string, force: boolean): Promise<void> {
    await engineCall('DELETE /nodes', () => this.#docker.getNode(nodeId).remove({ force }));
  }

  async localTaskCount(): Promise<number> {
    // Swarm labels every task container with its task id; plain containers do not count.
    const containers = await engineCall('GET /containers/json', () => this.#docker.listContainers({ filters: { label: ['com.docker.swarm.task.id'] } }));
    return containers.length;
  }
}
