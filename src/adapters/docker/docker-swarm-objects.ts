import type Dockerode from 'dockerode';
import type { EngineObject, NetworkFacts, SecretFacts, SwarmObject, SwarmObjects } from '../../ports/swarm-objects.js';
import { engineCall, engineClient } from './engine-call.js';

interface RawObject {
  ID: string;
  Spec?: EngineObject;
}

interface RawNetwork {
  Id: string;
  Name: string;
  Scope?: string;
  Driver?: string;
  EnableIPv6?: boolean;
  IPAM?: EngineObject;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  ConfigOnly?: boolean;
  ConfigFrom?: { Network?: string };
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** What GET /networks answers, cut down to the fields POST /networks/create takes. */
function networkSpec(raw: RawNetwork): EngineObject {
  return {
    Name: raw.Name,
    Driver: raw.Driver,
    Scope: raw.Scope,
    Internal: raw.Internal ?? false,
    Attachable: raw.Attachable ?? false,
    EnableIPv6: raw.EnableIPv6 ?? false,
    IPAM: raw.IPAM,
    Options: raw.Options ?? {},
    Labels: raw.Labels ?? {},
    // A config-only network and those made from one; plain networks carry an empty ConfigFrom.
    ...(raw.ConfigOnly ? { ConfigOnly: true } : {}),
    ...(raw.ConfigFrom?.Network ? { ConfigFrom: { Network: raw.ConfigFrom.Network } } : {}),
  };
}

function toObject(raw: RawObject): SwarmObject {
  return { id: raw.ID, spec: raw.Spec ?? {} };
}

/** The swarm's services, networks, configs and secrets through the local (manager) engine. */
export class DockerSwarmObjects implements SwarmObjects {
  readonly #docker: Dockerode;

  constructor(docker: Dockerode = engineClient()) {
    this.#docker = docker;
  }

  async swarm(): Promise<SwarmObject> {
    const swarm = (await engineCall('GET /swarm', () => this.#docker.swarmInspect())) as RawObject;
    return toObject(swarm);
  }

  async services(): Promise<SwarmObject[]> {
    return ((await engineCall('GET /services', () => this.#docker.listServices())) as RawObject[]).map(toObject);
  }

  async networks(): Promise<NetworkFacts[]> {
    const raw = (await engineCall('GET /networks', () => this.#docker.listNetworks())) as RawNetwork[];
    return raw.map((n) => ({ id: n.Id, name: n.Name, scope: n.Scope ?? '', ingress: n.Ingress === true, spec: networkSpec(n) }));
  }

  async configs(): Promise<SwarmObject[]> {
    return ((await engineCall('GET /configs', () => this.#docker.listConfigs())) as RawObject[]).map(toObject);
  }

  async secrets(): Promise<SecretFacts[]> {
    const raw = (await engineCall('GET /secrets', () => this.#docker.listSecrets())) as RawObject[];
    return raw.map((s) => ({ id: s.ID, name: String(s.Spec?.Name ?? ''), labels: (s.Spec?.Labels as Record<string, string> | undefined) ?? {} }));
  }

  async createNetwork(spec: EngineObject): Promise<string> {
    // Without CheckDuplicate an engine before API 1.44 makes a second network of the same name.
    const network = await engineCall('POST /networks/create', () => this.#docker.createNetwork({ ...spec, CheckDuplicate: true } as Dockerode.NetworkCreateOptions));
    return network.id;
  }

  async createConfig(spec: EngineObject): Promise<string> {
    const config = await engineCall('POST /configs/create', () => this.#docker.createConfig(spec));
    return (config as { id: string }).id;
  }

  async createService(spec: EngineObject): Promise<string> {
    const service = await engineCall('POST /services/create', () => this.#docker.createService(spec as Dockerode.CreateServiceOptions));
    return service.id;
  }
}
