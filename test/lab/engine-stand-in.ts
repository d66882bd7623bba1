import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';

/**
 * ENGINE STAND-IN: not Docker. A small HTTP server that speaks the few Engine API endpoints
 * swarmnode calls (GET /_ping, /info, /swarm, /swarm/unlockkey, /nodes, /containers/json; POST
 * /swarm/init, /swarm/join, /swarm/leave, /nodes/<id>/update), over an in-memory model of swarms
 * shared by every stand-in of a process, and a TCP listener on <ip>:2377 while it is a manager.
 *
 * It lets a benchmark or a unit test run the agents of hundreds of instances on a 2-core machine,
 * where as many dockerds do not fit. What it leaves out is named here so no figure is mistaken for
 * a real engine's: no raft (a manager never loses quorum, every node stays Ready), no tasks, no
 * overlay network, no autolock; a join or an init answers at once, and a join succeeds when the
 * first remote address is a manager stand-in of a swarm whose token it carries.
 */
export class StandInSwarms {
  readonly #swarms = new Map<string, StandInSwarm>();
  readonly #engines = new Map<string, EngineStandIn>();

  /** Starts a stand-in engine listening on `ip` (Engine API on `apiPort`, 2377 while a manager). */
  async engine(ip: string, hostname: string, apiPort = 2375): Promise<EngineStandIn> {
    const engine = new EngineStandIn(this, ip, hostname, apiPort);
    await engine.listen();
    this.#engines.set(ip, engine);
    return engine;
  }

  /** Every stand-in stops listening. */
  async close(): Promise<void> {
    await Promise.all([...this.#engines.values()].map((e) => e.close()));
    this.#engines.clear();
  }

  /** Swarm ids that ever existed: more than one means two inits. */
  swarmIds(): string[] {
    return [...this.#swarms.keys()];
  }

  /** @internal the stand-ins' shared model. */
  create(): StandInSwarm {
    const swarm: StandInSwarm = { id: hex(25), managerToken: `SWMTKN-1-${hex(50)}-${hex(25)}`, workerToken: `SWMTKN-1-${hex(50)}-${hex(25)}`, nodes: new Map() };
    this.#swarms.set(swarm.id, swarm);
    return swarm;
  }

  /** @internal */
  managerAt(addr: string): EngineStandIn | undefined {
    const engine = this.#engines.get(addr.replace(/:\d+$/, ''));
    return engine?.member?.role === 'manager' ? engine : undefined;
  }
}

interface StandInNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker';
  addr: string;
  availability: string;
  labels: Record<string, string>;
  version: number;
}

interface StandInSwarm {
  id: string;
  managerToken: string;
  workerToken: string;
  nodes: Map<string, StandInNode>;
}

function hex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}

export class EngineStandIn {
  member: { swarm: StandInSwarm; node: StandInNode; role: 'manager' | 'worker' } | undefined;
  readonly #api: HttpServer;
  #raft: TcpServer | undefined;

  constructor(
    private readonly swarms: StandInSwarms,
    readonly ip: string,
    readonly hostname: string,
    readonly apiPort: number,
  ) {
    this.#api = createHttpServer((req, res) => {
      void this.#handle(req, res);
    });
  }

  /** DOCKER_HOST for this stand-in. */
  get dockerHost(): string {
    return `tcp://${this.ip}:${this.apiPort}`;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#api.once('error', reject);
      this.#api.listen(this.apiPort, this.ip, () => resolve());
    });
  }

  async close(): Promise<void> {
    await this.#closeRaft();
    await new Promise<void>((resolve) => this.#api.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://engine');
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    const body = req.method === 'POST' ? await readJson(req) : {};
    try {
      const [status, answer] = await this.#route(req.method ?? 'GET', path, body, url.searchParams);
      send(res, status, answer);
    } catch (error) {
      send(res, 500, { message: (error as Error).message });
    }
  }

  async #route(method: string, path: string, body: Record<string, unknown>, query: URLSearchParams): Promise<[number, unknown]> {
    const key = `${method} ${path}`;
    if (key === 'GET /_ping') return [200, 'OK'];
    if (key === 'GET /info') return [200, this.#info()];
    if (key === 'GET /containers/json') return [200, []];
    if (key === 'POST /swarm/init') return this.#init(String(body.AdvertiseAddr ?? this.ip));
    if (key === 'POST /swarm/join') return this.#join(body);
    if (key === 'POST /swarm/leave') return this.#leave(query.get('force') === 'true');
    const member = this.member;
    if (member?.role !== 'manager') return [503, { message: 'This node is not a swarm manager. Worker nodes can\'t be used to view or modify cluster state.' }];
    if (key === 'GET /swarm') return [200, { ID: member.swarm.id, JoinTokens: { Worker: member.swarm.workerToken, Manager: member.swarm.managerToken } }];
    if (key === 'GET /swarm/unlockkey') return [200, { UnlockKey: '' }];
    if (key === 'GET /nodes') return [200, [...member.swarm.nodes.values()].map((n) => rawNode(n, member.swarm))];
    const update = /^\/nodes\/([^/]+)\/update$/.exec(path);
    if (method === 'POST' && update !== null) return this.#updateNode(member.swarm, update[1] as string, body);
    return [404, { message: `engine stand-in: ${key} is not one of the endpoints it speaks` }];
  }

  #info(): Record<string, unknown> {
    const m = this.member;
    if (m === undefined) return { Name: this.hostname, Swarm: { LocalNodeState: 'inactive', NodeID: '', NodeAddr: '', ControlAvailable: false, Error: '', RemoteManagers: null } };
    const managers = [...m.swarm.nodes.values()].filter((n) => n.role === 'manager').map((n) => ({ NodeID: n.id, Addr: `${n.addr}:2377` }));
    return {
      Name: this.hostname,
      Swarm: {
        LocalNodeState: 'active',
        NodeID: m.node.id,
        NodeAddr: m.node.addr,
        ControlAvailable: m.role === 'manager',
        Error: '',
        RemoteManagers: managers,
        ...(m.role === 'manager' ? { Cluster: { ID: m.swarm.id } } : {}),
      },
    };
  }

  async #init(advertiseAddr: string): Promise<[number, unknown]> {
    if (this.member !== undefined) return [503, { message: 'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.' }];
    const swarm = this.swarms.create();
    return [200, await this.#become(swarm, 'manager', advertiseAddr)];
  }

  async #join(body: Record<string, unknown>): Promise<[number, unknown]> {
    if (this.member !== undefined) return [503, { message: 'This node is already part of a swarm. Use "docker swarm leave" to leave this swarm and join another one.' }];
    const remote = ((body.RemoteAddrs as string[] | undefined) ?? [])[0] ?? '';
    const through = this.swarms.managerAt(remote);
    if (through?.member === undefined) return [500, { message: `could not connect to prospective new cluster member using its advertised address: ${remote}` }];
    const { swarm } = through.member;
    const token = String(body.JoinToken ?? '');
    const role = token === swarm.managerToken ? 'manager' : token === swarm.workerToken ? 'worker' : undefined;
    if (role === undefined) return [500, { message: 'rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster' }];
    await this.#become(swarm, role, String(body.AdvertiseAddr ?? this.ip));
    return [200, ''];
  }

  async #leave(force: boolean): Promise<[number, unknown]> {
    const m = this.member;
    if (m === undefined) return [503, { message: 'This node is not part of a swarm' }];
    if (m.role === 'manager' && !force) return [503, { message: 'You are attempting to leave the swarm on a node that is participating as a manager. Use --force to ignore this message.' }];
    m.swarm.nodes.delete(m.node.id);
    this.member = undefined;
    await this.#closeRaft();
    return [200, ''];
  }

  #updateNode(swarm: StandInSwarm, id: string, spec: Record<string, unknown>): [number, unknown] {
    const node = swarm.nodes.get(id);
    if (node === undefined) return [404, { message: `node ${id} not found` }];
    node.labels = (spec.Labels as Record<string, string> | undefined) ?? node.labels;
    node.availability = String(spec.Availability ?? node.availability);
    node.version += 1;
    return [200, ''];
  }

  /** Resolves with the new node's id. */
  async #become(swarm: StandInSwarm, role: 'manager' | 'worker', addr: string): Promise<string> {
    const node: StandInNode = { id: hex(25), hostname: this.hostname, role, addr: addr.replace(/:\d+$/, ''), availability: 'active', labels: {}, version: 1 };
    swarm.nodes.set(node.id, node);
    this.member = { swarm, node, role };
    if (role === 'manager') await this.#openRaft();
    return node.id;
  }

  /** Answers TCP on 2377 like a manager's raft port: connections are accepted and closed. */
  #openRaft(): Promise<void> {
    const raft = createTcpServer((socket) => socket.destroy());
    this.#raft = raft;
    return new Promise((resolve, reject) => {
      raft.once('error', reject);
      raft.listen(2377, this.ip, () => resolve());
    });
  }

  async #closeRaft(): Promise<void> {
    const raft = this.#raft;
    this.#raft = undefined;
    if (raft !== undefined) await new Promise<void>((resolve) => raft.close(() => resolve()));
  }
}

function rawNode(n: StandInNode, swarm: StandInSwarm): Record<string, unknown> {
  const leader = [...swarm.nodes.values()].find((x) => x.role === 'manager');
  return {
    ID: n.id,
    Version: { Index: n.version },
    Spec: { Role: n.role, Availability: n.availability, Labels: n.labels },
    Description: { Hostname: n.hostname },
    Status: { State: 'ready', Addr: n.addr },
    ...(n.role === 'manager' ? { ManagerStatus: { Leader: leader?.id === n.id, Reachability: 'reachable', Addr: `${n.addr}:2377` } } : {}),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' && status === 200 && body === 'OK' ? 'OK' : JSON.stringify(body ?? '');
  res.writeHead(status, { 'Content-Type': text === 'OK' ? 'text/plain' : 'application/json' });
  res.end(text);
}
