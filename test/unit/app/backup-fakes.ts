import { pino, type Logger } from 'pino';
import { BackupNotFoundError } from '../../../src/errors/backup-not-found-error.js';
import type { BackupStore, StoredObject } from '../../../src/ports/backup-store.js';
import type { EngineObject, NetworkFacts, SecretFacts, SwarmObject, SwarmObjects } from '../../../src/ports/swarm-objects.js';

/** An engine refusal as dockerode reports it: the HTTP status on the error. */
export function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

let nextId = 0;
const newId = (kind: string): string => `${kind}${++nextId}`;

/**
 * A manager's view of one swarm: services, networks, configs, secrets, as the engine keeps them.
 * Creating an object whose name exists is refused with 409, as the engine does.
 */
export class FakeSwarmObjects implements SwarmObjects {
  swarm_: SwarmObject = { id: 'swarmA', spec: { Name: 'default', Orchestration: { TaskHistoryRetentionLimit: 5 } } };
  services_: SwarmObject[] = [];
  networks_: NetworkFacts[] = [
    { id: 'ingress-id', name: 'ingress', scope: 'swarm', ingress: true, spec: { Name: 'ingress', Driver: 'overlay' } },
    { id: 'host-id', name: 'host', scope: 'local', ingress: false, spec: { Name: 'host', Driver: 'host' } },
  ];
  configs_: SwarmObject[] = [];
  secrets_: SecretFacts[] = [];
  /** Errors the next create calls throw, by kind, oldest first. */
  failures: Record<'network' | 'config' | 'service', Error[]> = { network: [], config: [], service: [] };
  created: string[] = [];

  async swarm(): Promise<SwarmObject> {
    return structuredClone(this.swarm_);
  }
  async services(): Promise<SwarmObject[]> {
    return structuredClone(this.services_);
  }
  async networks(): Promise<NetworkFacts[]> {
    return structuredClone(this.networks_);
  }
  async configs(): Promise<SwarmObject[]> {
    return structuredClone(this.configs_);
  }
  async secrets(): Promise<SecretFacts[]> {
    return structuredClone(this.secrets_);
  }

  /** An overlay network with a subnet the swarm allocated (and a VXLAN id, which a backup leaves out). */
  addNetwork(name: string, extra: EngineObject = {}): string {
    const id = newId('net');
    this.networks_.push({
      id,
      name,
      scope: 'swarm',
      ingress: false,
      spec: { Name: name, Driver: 'overlay', Scope: 'swarm', Attachable: true, IPAM: { Driver: 'default', Config: [{ Subnet: '10.0.9.0/24' }] }, Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' }, Labels: {}, ...extra },
    });
    return id;
  }
  addConfig(name: string, data: string): string {
    const id = newId('cfg');
    this.configs_.push({ id, spec: { Name: name, Labels: {}, Data: Buffer.from(data).toString('base64') } });
    return id;
  }
  addSecret(name: string, labels: Record<string, string> = {}): string {
    const id = newId('sec');
    this.secrets_.push({ id, name, labels });
    return id;
  }
  /** A service as the engine stores it: attachments by network id, configs and secrets with their ids. */
  addService(name: string, uses: { networks?: string[]; configs?: string[]; secrets?: string[]; replicas?: number } = {}): void {
    const idOf = <T extends { id: string }>(list: T[], nameOf: (t: T) => string, wanted: string): string => list.find((o) => nameOf(o) === wanted)?.id ?? 'unknown';
    this.services_.push({
      id: newId('svc'),
      spec: {
        Name: name,
        TaskTemplate: {
          ContainerSpec: {
            Image: 'busybox:lab',
            Configs: (uses.configs ?? []).map((c) => ({ File: { Name: `/${c}`, UID: '0', GID: '0', Mode: 292 }, ConfigID: idOf(this.configs_, (o) => String(o.spec.Name), c), ConfigName: c })),
            Secrets: (uses.secrets ?? []).map((s) => ({ File: { Name: s, UID: '0', GID: '0', Mode: 292 }, SecretID: idOf(this.secrets_, (o) => o.name, s), SecretName: s })),
          },
          Networks: (uses.networks ?? []).map((n) => ({ Target: idOf(this.networks_, (o) => o.name, n), Aliases: [name] })),
        },
        Mode: { Replicated: { Replicas: uses.replicas ?? 1 } },
      },
    });
  }

  private take(kind: 'network' | 'config' | 'service', name: string, taken: boolean): void {
    const failure = this.failures[kind].shift();
    if (failure !== undefined) throw failure;
    if (taken) throw engineError(409, `${kind} ${name} already exists`);
    this.created.push(`${kind} ${name}`);
  }
  async createNetwork(spec: EngineObject): Promise<string> {
    const name = String(spec.Name);
    this.take('network', name, this.networks_.some((n) => n.name === name));
    const id = newId('net');
    this.networks_.push({ id, name, scope: 'swarm', ingress: false, spec: structuredClone(spec) });
    return id;
  }
  async createConfig(spec: EngineObject): Promise<string> {
    this.take('config', String(spec.Name), this.configs_.some((c) => c.spec.Name === spec.Name));
    const id = newId('cfg');
    this.configs_.push({ id, spec: structuredClone(spec) });
    return id;
  }
  async createService(spec: EngineObject): Promise<string> {
    this.take('service', String(spec.Name), this.services_.some((s) => s.spec.Name === spec.Name));
    const id = newId('svc');
    this.services_.push({ id, spec: structuredClone(spec) });
    return id;
  }
}

/** An S3 bucket for backups: conditional writes, listing by prefix; `hold` makes every call wait until released. */
export class FakeBackupStore implements BackupStore {
  readonly location = 's3://lab-backups';
  objects = new Map<string, { body: string; lastModified: number }>();
  /** Thrown by every call while set (an S3 outage, a denial). */
  failure: Error | undefined;
  #held: (() => void)[] | undefined;
  calls: string[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Every call from now on hangs until release(). */
  hold(): void {
    this.#held = [];
  }
  release(): void {
    const waiting = this.#held ?? [];
    this.#held = undefined;
    for (const resume of waiting) resume();
  }
  private async gate(call: string): Promise<void> {
    this.calls.push(call);
    if (this.#held !== undefined) await new Promise<void>((resolve) => this.#held?.push(resolve));
    if (this.failure !== undefined) throw this.failure;
  }

  async put(key: string, body: string): Promise<boolean> {
    await this.gate('put');
    if (this.objects.has(key)) return false;
    this.objects.set(key, { body, lastModified: this.now() });
    return true;
  }
  async list(prefix: string): Promise<StoredObject[]> {
    await this.gate('list');
    return [...this.objects.entries()].filter(([key]) => key.startsWith(prefix)).map(([key, o]) => ({ key, size: Buffer.byteLength(o.body), lastModified: o.lastModified }));
  }
  async get(key: string): Promise<string> {
    await this.gate('get');
    const found = this.objects.get(key);
    if (found === undefined) throw new BackupNotFoundError(this.location, key);
    return found.body;
  }
  async delete(key: string): Promise<void> {
    await this.gate('delete');
    this.objects.delete(key);
  }
}

/** A logger whose JSON lines the test can read (as journald would keep them). */
export function recordingLog(): { log: Logger; lines: { level: number; msg: string; [key: string]: unknown }[]; text(): string } {
  const raw: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void raw.push(line) });
  return {
    log,
    get lines() {
      return raw.map((line) => JSON.parse(line) as { level: number; msg: string });
    },
    text: () => raw.join(''),
  };
}
