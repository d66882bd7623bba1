import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type Docker from 'dockerode';
import { agentEnvironment, agentUnit, prepareStateDirectory } from './agent-unit.js';
import { buildBusyboxTar } from './busybox-image.js';
import { FakeCloud } from './fake-aws/fake-cloud.js';
import { startFakeAws, type FakeAws } from './fake-aws/server.js';
import type { HookSpec, ScheduledEvent, ScheduledEventCode, SpotAction, WarmPool, WarmPoolSpec } from './fake-aws/types.js';
import { warmPoolOf, warmPoolSize } from './fake-aws/warm-pool.js';
import { runInInstance } from './instance-exec.js';
import { cleanupLab, leftoversOf } from './lab-cleanup.js';
import { LabUsageError } from './lab-errors.js';
import { LabHost, type HostInstance, type PowerState } from './lab-host.js';
import { LabNetwork } from './lab-network.js';
import { LabPaths } from './lab-paths.js';
import { parseAgentLog } from './agent-log.js';
import { preflight, requireDockerCli } from './preflight.js';
import { runCommand, SYSTEM_PATH, type CommandResult } from './run-command.js';
import { claimSubnet, subnetPrefix } from './subnet-claim.js';

export interface LabOptions {
  name?: string;
  cluster?: string;
  managers?: number;
  workers?: number;
  agent?: boolean;
  env?: Record<string, string>;
  hooks?: {
    launching?: { heartbeatTimeoutSec?: number };
    terminating?: { heartbeatTimeoutSec?: number; defaultResult?: 'CONTINUE' | 'ABANDON' };
  };
  startJitterMs?: number;
  binary?: string;
  /** A warm pool per group, put before the group launches (sizes as PutWarmPool computes them). */
  warmPools?: { managers?: WarmPoolSpec; workers?: WarmPoolSpec };
  /** Groups whose instances are Spot Instances (interruption notices, rebalance recommendations). */
  spot?: { managers?: boolean; workers?: boolean };
}

/** A warm pool as a test or the CLI sees it. */
export interface LabWarmPool {
  config: WarmPool | undefined;
  instances: { instanceId: string; lifecycleState: string; ec2State: string; power: PowerState | undefined }[];
}

export interface LabInstance {
  instanceId: string;
  privateIp: string;
  hostname: string;
  asgName: string;
  role: string;
  dockerHost: string;
  /** Its network namespace, /run/netns/<name>. */
  netns: string;
  dir: string;
  envFile: string;
  logFile: string;
  running: boolean;
  power: PowerState;
}

/** What the lab records on disk, so the CLI can find it and `down` can clean up after a dead daemon. */
export interface LabState {
  name: string;
  cluster: string;
  subnet: string;
  pid: number;
  awsUrl: string;
  imdsUrl: string;
}

const FIRST_HOST_OCTET = 11;
const LAST_HOST_OCTET = 254;
const LAST_VIRTUAL = 65_534;
/** Each pool instance is a namespace with its own dockerd: a pool this big is a mistake, not a test. */
const MAX_WARM_POOL = 16;

/**
 * A small EC2 + Auto Scaling cloud on this machine: the fake AWS endpoint and IMDS, and real
 * instances (namespaces with their own dockerd), optionally running swarmnode as on EC2.
 */
export class Lab {
  private isDown = false;

  private constructor(
    readonly name: string,
    readonly cluster: string,
    readonly cloud: FakeCloud,
    readonly awsUrl: string,
    readonly imdsUrl: string,
    private readonly host: LabHost,
    private readonly closeServer: () => Promise<void> | void,
    private readonly paths: LabPaths,
    private readonly binary: string,
    private readonly network: LabNetwork,
  ) {}

  static async start(opts: LabOptions = {}): Promise<Lab> {
    const paths = new LabPaths(opts.name ?? 'lab');
    const cluster = opts.cluster ?? 'lab';
    const managers = count('managers', opts.managers ?? 3);
    const workers = count('workers', opts.workers ?? 0);
    const agent = opts.agent ?? true;
    const binary = resolve(opts.binary ?? 'dist/swarmnode');
    preflight(agent ? { agentBinary: binary } : {});
    await assertAbsent(paths);
    const k = await claimSubnet(paths.name);
    let cloud: FakeCloud | undefined;
    let server: FakeAws | undefined;
    try {
      await mkdir(paths.dir, { recursive: true });
      await buildBusyboxTar(paths.dir, paths.imageTar);
      const network = new LabNetwork(paths, k);
      await network.create();
      let nextOctet = FIRST_HOST_OCTET;
      let nextVirtual = 1;
      const allocateIp = ({ virtual }: { virtual: boolean }): string => {
        // Virtual peers (big-fleet benchmarks) have no namespace: their addresses come from the
        // benchmarking range 198.18.0.0/16, which no lab instance routes, so the /24 stays for real ones.
        if (virtual) {
          if (nextVirtual > LAST_VIRTUAL) throw new LabUsageError('the lab has used all its virtual addresses', 'start a new lab');
          return `198.18.${nextVirtual >> 8}.${nextVirtual++ & 255}`;
        }
        if (nextOctet > LAST_HOST_OCTET) throw new LabUsageError('the lab has used all its addresses', 'start a new lab');
        return `${subnetPrefix(k)}.${nextOctet++}`;
      };
      const fakeCloud = new FakeCloud({ allocateIp });
      cloud = fakeCloud;
      const endpoint = await startFakeAws(fakeCloud, { host: network.hostIp, port: 0 });
      server = endpoint;
      const groups = [
        { role: 'manager', name: `${cluster}-managers`, desired: managers, warmPool: opts.warmPools?.managers, spot: opts.spot?.managers ?? false },
        { role: 'worker', name: `${cluster}-workers`, desired: workers, warmPool: opts.warmPools?.workers, spot: opts.spot?.workers ?? false },
      ];
      const host = new LabHost(paths, network, {
        cluster,
        agent,
        binary,
        env: opts.env ?? {},
        startJitterMs: opts.startJitterMs ?? 0,
        roleOf: (asg) => groups.find((g) => g.name === asg)?.role ?? 'worker',
        endpoints: { awsUrl: endpoint.awsUrl, imdsUrl: endpoint.imdsUrl },
      });
      fakeCloud.setHost(host);
      const lab = new Lab(paths.name, cluster, fakeCloud, endpoint.awsUrl, endpoint.imdsUrl, host, () => endpoint.close(), paths, binary, network);
      const state: LabState = { name: paths.name, cluster, subnet: `${subnetPrefix(k)}.0/24`, pid: process.pid, awsUrl: endpoint.awsUrl, imdsUrl: endpoint.imdsUrl };
      await writeFile(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
      fakeCloud.createKey({ alias: `alias/${cluster}-manager` });
      fakeCloud.createKey({ alias: `alias/${cluster}-worker` });
      // Without the agent nothing would complete a launching hook, and its timeout would abandon
      // every instance: such labs get hooks only when asked for.
      const hooks = agent || opts.hooks !== undefined ? hookSpecs(opts.hooks) : [];
      const launching = hooks.find((h) => h.transition === 'launching');
      const specs = groups.map((g) => ({
        name: g.name,
        // As the stack tags its groups: boot answers the launching hook without looking it up.
        tags: { 'swarmnode:cluster': cluster, 'swarmnode:role': g.role, ...(launching === undefined ? {} : { 'swarmnode:launching-hook': launching.name }) },
        desired: g.desired,
        hooks,
        spot: g.spot,
        warmPool: g.warmPool,
      }));
      for (const spec of specs) if (spec.warmPool !== undefined) assertPoolSize(spec.name, spec.desired, 100, spec.warmPool);
      // Both groups launch at the same moment, as when a stack is created.
      await Promise.all(specs.map((spec) => fakeCloud.createGroup(spec)));
      return lab;
    } catch (error) {
      cloud?.close();
      await server?.close();
      await cleanupLab(paths).catch(() => undefined);
      throw error;
    }
  }

  /** Anything left behind by a lab of that name (empty once `down` succeeded). */
  static leftovers(name: string): Promise<string[]> {
    return leftoversOf(new LabPaths(name));
  }

  /** Removes what a lab of that name left (e.g. after its process died); idempotent. */
  static async cleanup(name: string): Promise<void> {
    await cleanupLab(new LabPaths(name));
  }

  /** The recorded state of a lab that is up, or undefined. */
  static state(name: string): LabState | undefined {
    const paths = new LabPaths(name);
    if (!existsSync(paths.stateFile)) return undefined;
    return JSON.parse(readFileSync(paths.stateFile, 'utf8')) as LabState;
  }

  instances(): LabInstance[] {
    return this.host.instances().map((i) => this.describe(i));
  }

  docker(instanceId: string): Docker {
    return this.host.require(instanceId).engine.docker;
  }

  /** Runs the docker CLI against the instance's engine. */
  dockerCli(instanceId: string, args: string[]): Promise<CommandResult> {
    const docker = requireDockerCli();
    const env = { PATH: SYSTEM_PATH, HOME: this.paths.dir, DOCKER_HOST: this.host.require(instanceId).engine.dockerHost };
    return runCommand(docker, args, { env, timeoutMs: 120_000 });
  }

  /** Sets the group's desired capacity; resolves once the instances launched by it are up. */
  async scale(asgName: string, n: number): Promise<void> {
    this.requireGroup(asgName);
    await this.cloud.setDesiredCapacity(asgName, count('desired capacity', n));
  }

  /** Scales out by one; resolves with the new instance's id once it is up. */
  async launchInstance(asgName: string): Promise<string> {
    const group = this.requireGroup(asgName);
    const [id] = await this.cloud.setDesiredCapacity(asgName, group.desired + 1);
    if (id === undefined) throw new Error(`${asgName} launched no instance`);
    return id;
  }

  /**
   * Terminates the instance through its group (terminating hook first). By default the group keeps
   * its desired capacity and launches a replacement, as when an instance is terminated in EC2.
   */
  async terminate(instanceId: string, opts: { decrement?: boolean } = {}): Promise<void> {
    this.host.require(instanceId);
    await this.cloud.terminateInstance(instanceId, { decrement: opts.decrement ?? false });
  }

  /** Kill without any hook or shutdown; EC2 records it terminated, the group does not replace it. */
  async crash(instanceId: string): Promise<void> {
    await this.host.crash(instanceId);
    this.cloud.crash(instanceId);
  }

  async reboot(instanceId: string): Promise<void> {
    await this.host.reboot(instanceId);
  }

  /**
   * PutWarmPool on the group; resolves with the ids launched into the pool once their namespaces
   * and engines are up (they then settle: hooks, stop or hibernation; see `warmPool`).
   */
  async putWarmPool(asgName: string, spec: WarmPoolSpec): Promise<string[]> {
    const group = this.requireGroup(asgName);
    assertPoolSize(asgName, group.desired, group.max, spec);
    return this.cloud.putWarmPool(asgName, spec);
  }

  deleteWarmPool(asgName: string, opts: { force?: boolean } = {}): void {
    this.requireGroup(asgName);
    this.cloud.deleteWarmPool(asgName, { force: opts.force ?? false });
  }

  warmPool(asgName: string): LabWarmPool {
    const group = this.requireGroup(asgName);
    return {
      config: group.warmPool === undefined ? undefined : { ...group.warmPool },
      instances: group.warmIds.flatMap((id) => {
        const instance = this.cloud.instance(id);
        return instance === undefined ? [] : [{ instanceId: id, lifecycleState: instance.lifecycleState, ec2State: instance.ec2State, power: this.host.instance(id)?.power }];
      }),
    };
  }

  /** An EC2 instance rebalance recommendation (Spot Instances only). */
  rebalance(instanceId: string): Date {
    this.requireSpot(instanceId);
    return this.cloud.recommendRebalance(instanceId);
  }

  /** A Spot interruption notice; EC2 carries the action out `inMs` later (two minutes by default, as on AWS). */
  interruptSpot(instanceId: string, opts: { action?: SpotAction; inMs?: number } = {}): { action: SpotAction; time: Date } {
    this.requireSpot(instanceId);
    return this.cloud.interruptSpot(instanceId, opts);
  }

  /** An EC2 scheduled event, carried out on this host at its NotBefore (`inMs` from now). */
  scheduleEvent(instanceId: string, code: ScheduledEventCode, opts: { inMs?: number } = {}): ScheduledEvent {
    this.requireKnown(instanceId);
    return this.cloud.scheduleEvent(instanceId, code, opts);
  }

  /** How many times `swarmnode boot` ran in the instance: once per boot (launch, reboot, start after stop). */
  agentBoots(instanceId: string): number {
    return this.requireAgent(instanceId).boots;
  }

  /** A NACL change: instances launched from now on cannot reach the port (2377: no swarm to see). */
  async blockPortForNewInstances(port: number, blocked = true): Promise<void> {
    await this.host.blockPortForNewInstances(port, blocked);
  }

  /** The instance's Docker engine hangs (stopped, not killed) or resumes; EC2 still says running. */
  async hangEngine(instanceId: string, hung = true): Promise<void> {
    await this.host.hangEngine(instanceId, hung);
  }

  async partition(instanceId: string): Promise<void> {
    await this.host.partition(instanceId, true);
  }

  async heal(instanceId: string): Promise<void> {
    await this.host.partition(instanceId, false);
  }

  /** swarmnode's JSON log lines in that instance (boot, then watch), in order. */
  agentLog(instanceId: string): object[] {
    const instance = this.requireKnown(instanceId);
    return existsSync(instance.logFile) ? parseAgentLog(readFileSync(instance.logFile, 'utf8')) : [];
  }

  bootExit(instanceId: string, timeoutMs: number): Promise<number> {
    return this.requireAgent(instanceId).bootExit(timeoutMs);
  }

  /**
   * Runs the agent binary inside the instance with its env file (e.g. `health --json`). A command
   * run by hand on an instance finds the units' state directory where they keep it, so this one
   * gets the instance's stand-in for it, never the host's /var/lib.
   */
  runAgent(instanceId: string, args: string[], extraEnv: Record<string, string> = {}): Promise<CommandResult> {
    const instance = this.host.require(instanceId);
    const state = prepareStateDirectory(instance.dir, agentUnit(this.binary).stateDirectory.boot);
    const env = { ...agentEnvironment(instance.envFile, instance.dir), ...state, ...extraEnv };
    return runInInstance(instance.ns, [this.binary, ...args], env);
  }

  stopAgent(instanceId: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.requireAgent(instanceId).stop(signal);
  }

  /** Starts swarmnode as the units do at start-up: boot, then watch if boot exited 0. */
  startAgent(instanceId: string): void {
    this.requireAgent(instanceId).start(0);
  }

  /**
   * A host on the lab network that is no EC2 instance (a monitoring host: Prometheus): a namespace
   * at <prefix>.<octet>, below the instances' range, with `dir` for its files. `down` removes it
   * with the lab (namespace and processes by the lab's prefix and directory).
   */
  async addServiceHost(octet: number): Promise<{ ip: string; netns: string; dir: string }> {
    if (!Number.isInteger(octet) || octet < 2 || octet >= FIRST_HOST_OCTET) throw new LabUsageError(`a service host octet must be 2..${FIRST_HOST_OCTET - 1}, got ${octet}`, 'pick a free one below the instances');
    const ip = `${subnetPrefix(this.network.k)}.${octet}`;
    const dir = join(this.paths.dir, `host-${octet}`);
    await mkdir(dir, { recursive: true });
    await this.network.addInstance(ip);
    return { ip, netns: `/run/netns/${this.paths.instanceNs(ip)}`, dir };
  }

  /** Tears the whole lab down, hard and fast, and fails if anything is left behind. */
  async down(): Promise<void> {
    if (this.isDown) return;
    this.isDown = true;
    // The cloud first: a hook timing out now would launch a replacement behind the cleanup's back.
    this.cloud.close();
    await this.host.close();
    await Promise.all(this.host.instances().map((i) => i.agent?.stop('SIGKILL', 0)));
    await this.closeServer();
    await cleanupLab(this.paths);
  }

  private requireKnown(instanceId: string): HostInstance {
    const instance = this.host.instance(instanceId);
    if (instance === undefined) throw new LabUsageError(`unknown lab instance '${instanceId}'`, `use one of: ${this.instances().map((i) => i.instanceId).join(', ')}`);
    return instance;
  }

  /** EC2 sends interruption notices and rebalance recommendations to Spot Instances only. */
  private requireSpot(instanceId: string): void {
    this.requireKnown(instanceId);
    if (this.cloud.instance(instanceId)?.lifecycle !== 'spot') {
      throw new LabUsageError(`${instanceId} is an On-Demand instance: EC2 sends Spot notices and rebalance recommendations to Spot Instances only`, 'use an instance of a Spot group (`up --spot-workers`, or LabOptions.spot)');
    }
  }

  private requireAgent(instanceId: string) {
    const agent = this.requireKnown(instanceId).agent;
    if (agent === undefined) throw new LabUsageError('this lab runs without the agent', 'start it with agent: true');
    return agent;
  }

  private requireGroup(asgName: string) {
    const group = this.cloud.group(asgName);
    if (group === undefined) {
      throw new LabUsageError(`unknown group '${asgName}'`, `use one of: ${this.cloud.groups().map((g) => g.name).join(', ')}`);
    }
    return group;
  }

  private describe(i: HostInstance): LabInstance {
    return {
      instanceId: i.spec.instanceId,
      privateIp: i.spec.privateIp,
      hostname: i.hostname,
      asgName: i.spec.asgName,
      role: i.role,
      dockerHost: i.engine.dockerHost,
      netns: `/run/netns/${i.ns.netns}`,
      dir: i.dir,
      envFile: i.envFile,
      logFile: i.logFile,
      running: i.running,
      power: i.power,
    };
  }
}

/** A lab of that name must not be up nor have left anything (its bare dir may hold the daemon log). */
async function assertAbsent(paths: LabPaths): Promise<void> {
  const down = `run \`npm run lab -- down --name ${paths.name}\` first, or pick another name`;
  if (existsSync(paths.stateFile)) throw new LabUsageError(`lab '${paths.name}' is already up`, down);
  const left = (await leftoversOf(paths)).filter((item) => item !== `dir ${paths.dir}`);
  if (left.length > 0) throw new LabUsageError(`lab '${paths.name}' left things behind (${left[0]}, ...)`, down);
}

function count(what: string, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new LabUsageError(`${what} must be a whole number >= 0, got ${n}`, `pass a count like 0, 1 or 3`);
  return n;
}

/** The pool PutWarmPool would keep at this desired capacity must fit the lab (see MAX_WARM_POOL). */
function assertPoolSize(asgName: string, desired: number, max: number, spec: WarmPoolSpec): void {
  const size = warmPoolSize({ warmPool: warmPoolOf({ name: asgName, spot: false }, spec), max, desired });
  if (size > MAX_WARM_POOL) {
    throw new LabUsageError(
      `a warm pool of ${size} instances for ${asgName} (MaxGroupPreparedCapacity ${spec.maxGroupPreparedCapacity ?? `unset: the group's MaxSize ${max}`} - desired ${desired})`,
      `set maxGroupPreparedCapacity (e.g. equal to minSize for an absolute size) so the pool stays at most ${MAX_WARM_POOL}`,
    );
  }
}

function hookSpecs(hooks: LabOptions['hooks'] = {}): HookSpec[] {
  return [
    { name: 'swarmnode-launching', transition: 'launching', heartbeatTimeoutSec: hooks.launching?.heartbeatTimeoutSec ?? 300, defaultResult: 'ABANDON' },
    {
      name: 'swarmnode-terminating',
      transition: 'terminating',
      heartbeatTimeoutSec: hooks.terminating?.heartbeatTimeoutSec ?? 300,
      defaultResult: hooks.terminating?.defaultResult ?? 'CONTINUE',
    },
  ];
}
