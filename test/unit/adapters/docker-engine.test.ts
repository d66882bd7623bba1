import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../../src/adapters/docker/docker-engine.js';
import { DockerSwarmObjects } from '../../../src/adapters/docker/docker-swarm-objects.js';
import { DependencyUnavailableError } from '../../../src/errors/dependency-unavailable-error.js';
import { Secret } from '../../../src/log/secret.js';
import type { SwarmNode } from '../../../src/ports/engine.js';

/** One request as the fake engine saw it. */
interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

type Reply = { status: number; body: unknown };

/**
 * A fake Docker engine API on a unix socket, as dockerd serves it: the adapter and dockerode run
 * unchanged, and each test scripts the answers by "METHOD /path".
 */
let dir: string;
let socketPath: string;
let server: Server;
let seen: Seen[];
let replies: Map<string, Reply>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'swarmnode-docker-'));
  socketPath = join(dir, 'docker.sock');
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://docker');
      seen.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, body: raw === '' ? undefined : JSON.parse(raw) });
      const reply = replies.get(`${req.method} ${url.pathname}`) ?? { status: 404, body: { message: `page not found: ${url.pathname}` } };
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  seen = [];
  replies = new Map();
});

const engine = () => new DockerEngine(new Dockerode({ socketPath }));
const reply = (route: string, body: unknown, status = 200) => replies.set(route, { status, body });
const only = (route: string): Seen => {
  const [method, path] = route.split(' ');
  const matching = seen.filter((s) => s.method === method && s.path === path);
  expect(matching).toHaveLength(1);
  return matching[0] as Seen;
};

describe('DockerEngine', () => {
  it('maps /info of a manager: state, node and swarm ids, control, remote managers, address', async () => {
    reply('GET /info', {
      Swarm: {
        LocalNodeState: 'active',
        NodeID: 'node-1',
        NodeAddr: '10.0.0.11',
        ControlAvailable: true,
        Error: '',
        RemoteManagers: [{ NodeID: 'node-2', Addr: '10.0.0.12:2377' }],
        Cluster: { ID: 'swarm-1' },
      },
    });
    expect(await engine().info()).toEqual({
      localNodeState: 'active',
      nodeId: 'node-1',
      clusterId: 'swarm-1',
      controlAvailable: true,
      remoteManagers: [{ nodeId: 'node-2', addr: '10.0.0.12:2377' }],
      error: '',
      nodeAddr: '10.0.0.11',
    });
  });

  it('maps /info of an engine in no swarm: no cluster id, no managers', async () => {
    reply('GET /info', { Swarm: { LocalNodeState: 'inactive', NodeID: '', NodeAddr: '', ControlAvailable: false, Error: '', RemoteManagers: null } });
    const info = await engine().info();
    expect(info).toMatchObject({ localNodeState: 'inactive', nodeId: '', clusterId: undefined, controlAvailable: false, remoteManagers: [] });
  });

  it('maps /info of a manager whose raft has no leader: moby leaves Cluster empty, so no swarm id', async () => {
    reply('GET /info', { Swarm: { LocalNodeState: 'active', NodeID: 'node-1', NodeAddr: '10.0.0.11', ControlAvailable: true, Error: '', RemoteManagers: [], Cluster: { ID: '' } } });
    expect(await engine().info()).toMatchObject({ localNodeState: 'active', nodeId: 'node-1', clusterId: undefined, controlAvailable: true });
  });

  it('inits listening on 2377 of every interface, advertising the local address, and returns the node id', async () => {
    reply('POST /swarm/init', 'node-new');
    expect(await engine().init('10.0.0.11')).toBe('node-new');
    expect(only('POST /swarm/init').body).toEqual({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: '10.0.0.11' });
  });

  it('joins through every given manager with the token in the request body only', async () => {
    reply('POST /swarm/join', null);
    await engine().join(['10.0.0.12:2377', '10.0.0.13:2377'], new Secret('SWMTKN-1-secret'), '10.0.0.14');
    const join = only('POST /swarm/join');
    expect(join.body).toEqual({
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: '10.0.0.14',
      RemoteAddrs: ['10.0.0.12:2377', '10.0.0.13:2377'],
      JoinToken: 'SWMTKN-1-secret',
    });
    expect(join.query.toString()).not.toContain('SWMTKN');
  });

  it('leaves with force only when asked', async () => {
    reply('POST /swarm/leave', null);
    await engine().leave(true);
    await engine().leave(false);
    expect(seen.map((s) => s.query.get('force'))).toEqual(['true', 'false']);
  });

  it('unlocks with the key in the body, and reads tokens and the unlock key as secrets', async () => {
    reply('POST /swarm/unlock', null);
    reply('GET /swarm', { ID: 'swarm-1', JoinTokens: { Manager: 'SWMTKN-m', Worker: 'SWMTKN-w' } });
    reply('GET /swarm/unlockkey', { UnlockKey: 'SWMKEY-1' });
    await engine().unlock(new Secret('SWMKEY-1'));
    expect(only('POST /swarm/unlock').body).toEqual({ UnlockKey: 'SWMKEY-1' });
    const tokens = await engine().joinTokens();
    expect([tokens.manager.reveal(), tokens.worker.reveal()]).toEqual(['SWMTKN-m', 'SWMTKN-w']);
    expect(JSON.stringify(tokens)).not.toContain('SWMTKN');
    expect(await engine().swarmId()).toBe('swarm-1');
    expect((await engine().unlockKey())?.reveal()).toBe('SWMKEY-1');
    reply('GET /swarm/unlockkey', { UnlockKey: '' });
    expect(await engine().unlockKey()).toBeUndefined();
  });

  it('lists nodes with their version and full spec, and updates one by sending the whole spec back with that version', async () => {
    const spec = { Name: 'n', Role: 'worker', Availability: 'active', Labels: { keep: 'me' } };
    reply('GET /nodes', [
      {
        ID: 'node-2',
        Version: { Index: 42 },
        Spec: spec,
        Description: { Hostname: 'ip-10-0-0-12' },
        Status: { State: 'ready', Addr: '10.0.0.12' },
      },
    ]);
    reply('POST /nodes/node-2/update', null);
    const [node] = await engine().nodes();
    expect(node).toEqual({
      id: 'node-2',
      version: 42,
      hostname: 'ip-10-0-0-12',
      role: 'worker',
      availability: 'active',
      state: 'ready',
      addr: '10.0.0.12',
      labels: { keep: 'me' },
      manager: undefined,
      spec,
    });
    await engine().updateNode(node as SwarmNode, { availability: 'drain' });
    const update = only('POST /nodes/node-2/update');
    expect(update.query.get('version')).toBe('42');
    expect(update.body).toEqual({ Name: 'n', Role: 'worker', Availability: 'drain', Labels: { keep: 'me' } });
  });

  it('maps a manager node status, and counts only swarm task containers as local tasks', async () => {
    reply('GET /nodes', [{ ID: 'node-1', Spec: { Role: 'manager' }, ManagerStatus: { Leader: true, Reachability: 'reachable', Addr: '10.0.0.11:2377' } }]);
    reply('GET /containers/json', [{ Id: 'c1' }, { Id: 'c2' }]);
    const [node] = await engine().nodes();
    expect(node?.manager).toEqual({ leader: true, reachability: 'reachable', addr: '10.0.0.11:2377' });
    expect(await engine().localTaskCount()).toBe(2);
    expect(JSON.parse(only('GET /containers/json').query.get('filters') ?? '{}')).toEqual({ label: ['com.docker.swarm.task.id'] });
  });

  it('gives the engine\'s own message for a refused request, as a plain error (not a missing engine)', async () => {
    reply('POST /swarm/join', { message: 'rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster' }, 500);
    const error = await engine()
      .join(['10.0.0.12:2377'], new Secret('SWMTKN-old'), '10.0.0.14')
      .then(() => undefined, (e: unknown) => e);
    expect(error).not.toBeInstanceOf(DependencyUnavailableError);
    expect((error as { json?: { message?: string } }).json?.message).toMatch(/valid join token/);
    expect((error as Error).message).toBe('rpc error: code = InvalidArgument desc = A valid join token is necessary to join this cluster');
  });

  it('an engine that is not running is a missing dependency (exit 69) that says how to fix it', async () => {
    const down = new DockerEngine(new Dockerode({ socketPath: join(dir, 'absent.sock') }));
    const error = await down.info().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as DependencyUnavailableError).exitCode).toBe(69);
    expect((error as DependencyUnavailableError).message).toMatch(/Docker engine unreachable \(GET \/info\)/);
    expect((error as DependencyUnavailableError).action).toMatch(/start the Docker engine/);
  });
});

describe('DockerSwarmObjects', () => {
  const objects = () => new DockerSwarmObjects(new Dockerode({ socketPath }));

  it('reads the swarm\'s id and spec, never its join tokens', async () => {
    reply('GET /swarm', { ID: 'swarm-1', Version: { Index: 9 }, Spec: { Name: 'default', Labels: {} }, JoinTokens: { Worker: 'SWMTKN-1-w', Manager: 'SWMTKN-1-m' } });
    const swarm = await objects().swarm();
    expect(swarm).toEqual({ id: 'swarm-1', spec: { Name: 'default', Labels: {} } });
    expect(JSON.stringify(swarm)).not.toContain('SWMTKN');
  });

  it('describes networks with the fields a create takes: scope, ingress, no empty ConfigFrom', async () => {
    reply('GET /networks', [
      { Id: 'n1', Name: 'app-net', Scope: 'swarm', Driver: 'overlay', EnableIPv6: false, IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] }, Internal: false, Attachable: true, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: {}, Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' }, Labels: { tier: 'app' } },
      { Id: 'n2', Name: 'ingress', Scope: 'swarm', Driver: 'overlay', Ingress: true, Options: null, Labels: null },
    ]);
    const [app, ingress] = await objects().networks();
    expect(app).toEqual({
      id: 'n1',
      name: 'app-net',
      scope: 'swarm',
      ingress: false,
      spec: { Name: 'app-net', Driver: 'overlay', Scope: 'swarm', Internal: false, Attachable: true, EnableIPv6: false, IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.1.0/24', Gateway: '10.0.1.1' }] }, Options: { 'com.docker.network.driver.overlay.vxlanid_list': '4097' }, Labels: { tier: 'app' } },
    });
    expect(ingress).toMatchObject({ ingress: true, spec: { Options: {}, Labels: {} } });
  });

  it('reads configs with their data and secrets without any value', async () => {
    reply('GET /configs', [{ ID: 'c1', Version: { Index: 3 }, Spec: { Name: 'app-config', Labels: {}, Data: 'bGlzdGVu' } }]);
    reply('GET /secrets', [{ ID: 's1', Version: { Index: 4 }, Spec: { Name: 'app-secret', Labels: { owner: 'ops' } } }]);
    expect(await objects().configs()).toEqual([{ id: 'c1', spec: { Name: 'app-config', Labels: {}, Data: 'bGlzdGVu' } }]);
    expect(await objects().secrets()).toEqual([{ id: 's1', name: 'app-secret', labels: { owner: 'ops' } }]);
  });

  it('creates a network refusing a duplicate name, a config and a service, and returns their ids', async () => {
    reply('POST /networks/create', { Id: 'n9', Warning: '' }, 201);
    reply('POST /configs/create', { ID: 'c9' }, 201);
    reply('POST /services/create', { ID: 'svc9' }, 201);
    expect(await objects().createNetwork({ Name: 'app-net', Driver: 'overlay' })).toBe('n9');
    expect(only('POST /networks/create').body).toEqual({ Name: 'app-net', Driver: 'overlay', CheckDuplicate: true });
    expect(await objects().createConfig({ Name: 'app-config', Data: 'bGlzdGVu' })).toBe('c9');
    expect(await objects().createService({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'busybox:lab' } } })).toBe('svc9');
    expect(only('POST /services/create').body).toEqual({ Name: 'web', TaskTemplate: { ContainerSpec: { Image: 'busybox:lab' } } });
  });

  it('keeps the engine\'s status and words on a refusal (a name taken: 409)', async () => {
    reply('POST /configs/create', { message: 'rpc error: code = AlreadyExists desc = config app-config already exists' }, 409);
    await expect(objects().createConfig({ Name: 'app-config', Data: '' })).rejects.toMatchObject({ statusCode: 409, message: expect.stringContaining('already exists') });
  });
});
