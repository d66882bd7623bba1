import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentSupervisor } from './agent-supervisor.js';
import { removeCgroups, setFrozen } from './cgroups.js';
import { agentEnvironment, agentUnit, envFileVars, writeEnvFile } from './agent-unit.js';
import type { InstanceHost, LaunchSpec, PowerOff } from './fake-aws/types.js';
import { InstanceEngine } from './instance-engine.js';
import type { InstanceNamespaces } from './instance-exec.js';
import { LabUsageError } from './lab-errors.js';
import type { LabNetwork } from './lab-network.js';
import type { LabPaths } from './lab-paths.js';
import { unmountAllUnder } from './mounts.js';
import { mustRun } from './run-command.js';

export interface LabHostOptions {
  cluster: string;
  agent: boolean;
  binary: string;
  env: Record<string, string>;
  startJitterMs: number;
  /** The role tag of an Auto Scaling group ('manager' | 'worker'). */
  roleOf: (asgName: string) => string;
  /** The fake AWS endpoint and IMDS the instances' env files point at. */
  endpoints: { awsUrl: string; imdsUrl: string };
}

/**
 * Whether the instance's OS runs: `stopped` (EC2 stop: no process, namespace and disks kept),
 * `hibernated` (every process frozen, RAM kept), `terminated` (removed; its directory stays).
 */
export type PowerState = 'running' | 'stopped' | 'hibernated' | 'terminated';

/** One lab instance as the host sees it. */
export interface HostInstance {
  readonly spec: LaunchSpec;
  readonly role: string;
  readonly hostname: string;
  readonly dir: string;
  readonly ns: InstanceNamespaces;
  readonly engine: InstanceEngine;
  readonly envFile: string;
  readonly logFile: string;
  readonly agent: AgentSupervisor | undefined;
  /** The instance's cgroup (relative): its containers, its engine's and its agent's processes. */
  readonly cgroup: string;
  /** power === 'running'. */
  running: boolean;
  power: PowerState;
}

/**
 * Makes the fake cloud's instances real: a network namespace with its own hostname, private IP and
 * Docker engine, and swarmnode run as systemd would; stop, start and hibernation as EC2 does them
 * (warm pools, scheduled events). Also carries the faults only a host can cause: crash, reboot,
 * partition.
 */
export class LabHost implements InstanceHost {
  private readonly byId = new Map<string, HostInstance>();
  /** Launches under way: teardown waits for them, or it would miss what they create after it ran. */
  private readonly launching = new Set<Promise<void>>();
  private closed = false;
  /** Ports instances launched from now on cannot reach, and the instances that existed before. */
  private readonly blockedForNew = new Set<number>();
  private readonly blockedSince = new Map<number, Set<string>>();

  constructor(
    private readonly paths: LabPaths,
    private readonly network: LabNetwork,
    private readonly opts: LabHostOptions,
  ) {}

  async launch(spec: LaunchSpec): Promise<void> {
    if (this.closed) throw new LabUsageError(`the lab is going down: ${spec.instanceId} is not launched`, 'start a new lab');
    const launch = this.create(spec);
    this.launching.add(launch);
    try {
      await launch;
    } finally {
      this.launching.delete(launch);
    }
  }

  /** No more launches; resolves once those under way have settled. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.launching]);
  }

  private async create(spec: LaunchSpec): Promise<void> {
    const dir = this.paths.instanceDir(spec.instanceId);
    const ns: InstanceNamespaces = { netns: this.paths.instanceNs(spec.privateIp), utsFile: join(dir, 'uts') };
    const cgroup = this.cgroupOf(spec.instanceId);
    const engine = new InstanceEngine({
      dir,
      netns: ns.netns,
      utsFile: ns.utsFile,
      cgroupParent: cgroup,
      processCgroup: `${cgroup}/engine`,
      imageTar: this.paths.imageTar,
    });
    const envFile = join(dir, 'swarmnode.env');
    const logFile = join(dir, 'swarmnode.log');
    const agent = this.opts.agent
      ? new AgentSupervisor({
          unit: agentUnit(this.opts.binary),
          ns,
          environment: () => agentEnvironment(envFile, dir),
          instanceDir: dir,
          logFile,
          startDelayMs: Math.floor(Math.random() * this.opts.startJitterMs),
          cgroup: `${cgroup}/agent`,
        })
      : undefined;
    const instance: HostInstance = {
      spec,
      role: this.opts.roleOf(spec.asgName),
      hostname: `ip-${spec.privateIp.replaceAll('.', '-')}`,
      dir,
      ns,
      engine,
      envFile,
      logFile,
      agent,
      cgroup,
      running: false,
      power: 'stopped',
    };
    this.byId.set(spec.instanceId, instance);
    try {
      await mkdir(dir, { recursive: true });
      await writeFile(ns.utsFile, '');
      // A persistent UTS namespace bound to a file: every process of the instance sees its hostname.
      await mustRun('unshare', [`--uts=${ns.utsFile}`, 'hostname', instance.hostname]);
      await this.network.addInstance(spec.privateIp);
      for (const port of this.blockedForNew) await this.network.blockOutgoing(spec.privateIp, port, true);
      await engine.start();
      writeEnvFile(envFile, envFileVars({ cluster: this.opts.cluster, ...this.opts.endpoints, dockerHost: engine.dockerHost }, this.opts.env));
      setPower(instance, 'running');
      agent?.start();
    } catch (error) {
      await this.tearDown(instance, 'kill');
      throw error;
    }
  }

  /**
   * The instance reached Terminated: a running one stops swarmnode and the engine as a shutdown
   * would; a stopped or hibernated one has no OS to shut down and is removed as it is.
   */
  async terminate(instanceId: string): Promise<void> {
    const instance = this.byId.get(instanceId);
    if (instance === undefined || instance.power === 'terminated') return;
    if (instance.power === 'hibernated') await setFrozen(instance.cgroup, false);
    await this.tearDown(instance, instance.power === 'running' ? 'stop' : 'kill');
  }

  /**
   * EC2 stop: the OS shuts down (systemd stops swarmnode with SIGTERM, then the engine), the
   * namespace, address and data-root stay. Hibernation: every process of the instance (engine,
   * containers, agent) is frozen where it is, as RAM saved to disk would keep it.
   */
  async stop(instanceId: string, how: PowerOff): Promise<void> {
    const instance = this.require(instanceId);
    if (how === 'hibernate') {
      await setFrozen(instance.cgroup, true);
      setPower(instance, 'hibernated');
      return;
    }
    setPower(instance, 'stopped');
    await instance.agent?.stop('SIGTERM');
    await instance.engine.stop();
  }

  /** EC2 start: after a stop the instance boots (engine on the same data-root, then boot and watch); after a hibernation it resumes, no boot. */
  async start(instanceId: string): Promise<void> {
    const instance = this.byId.get(instanceId);
    if (instance === undefined || instance.power === 'terminated') throw new LabUsageError(`no lab instance '${instanceId}' to start`, 'start a stopped or hibernated instance');
    if (instance.power === 'running') return;
    if (instance.power === 'hibernated') {
      await setFrozen(instance.cgroup, false);
      setPower(instance, 'running');
      return;
    }
    await instance.engine.start();
    setPower(instance, 'running');
    instance.agent?.start(0);
  }

  /** Power cut: everything of the instance SIGKILLed at once, no agent shutdown, namespace gone. */
  async crash(instanceId: string): Promise<void> {
    await this.tearDown(this.require(instanceId), 'kill');
  }

  /** Stop swarmnode and the engine, start the engine again on the same data-root, then boot and watch. */
  async reboot(instanceId: string): Promise<void> {
    const instance = this.require(instanceId);
    await instance.agent?.stop('SIGTERM');
    await instance.engine.stop();
    await instance.engine.start();
    instance.agent?.start(0);
  }

  /**
   * A NACL or security-group change: instances launched from now on cannot reach `port` (the ones
   * already running keep talking). Lifting it also lifts it for the instances launched meanwhile.
   */
  async blockPortForNewInstances(port: number, blocked: boolean): Promise<void> {
    if (blocked) {
      this.blockedForNew.add(port);
      this.blockedSince.set(port, new Set(this.instances().map((i) => i.spec.instanceId)));
      return;
    }
    const before = this.blockedSince.get(port) ?? new Set<string>();
    this.blockedForNew.delete(port);
    this.blockedSince.delete(port);
    for (const i of this.instances().filter((i) => !before.has(i.spec.instanceId) && i.power !== 'terminated')) {
      await this.network.blockOutgoing(i.spec.privateIp, port, false);
    }
  }

  /** The engine hangs (dockerd, containerd and the shims stopped, not killed): the instance still runs. */
  async hangEngine(instanceId: string, hung: boolean): Promise<void> {
    const instance = this.require(instanceId);
    for (const pid of instance.engine.enginePids()) {
      try {
        process.kill(pid, hung ? 'SIGSTOP' : 'SIGCONT');
      } catch {
        // gone meanwhile
      }
    }
  }

  /** The link of a stopped or hibernated instance can be cut or restored too: its namespace stays. */
  async partition(instanceId: string, cut: boolean): Promise<void> {
    const instance = this.byId.get(instanceId);
    if (instance?.power === 'terminated' && !cut) return;
    const target = instance === undefined || instance.power === 'terminated' ? this.require(instanceId) : instance;
    await this.network.setInstanceLink(target.spec.privateIp, !cut);
  }

  private cgroupOf(instanceId: string): string {
    return `${this.paths.cgroupParent}/${instanceId}`;
  }

  instance(instanceId: string): HostInstance | undefined {
    return this.byId.get(instanceId);
  }

  instances(): HostInstance[] {
    return [...this.byId.values()];
  }

  /** An instance that is up (running): the only ones that can crash, reboot, stop or be partitioned. */
  require(instanceId: string): HostInstance {
    const instance = this.byId.get(instanceId);
    if (instance === undefined || !instance.running) {
      const known = this.instances().filter((i) => i.running).map((i) => i.spec.instanceId);
      throw new LabUsageError(`no running lab instance '${instanceId}'`, `use one of: ${known.join(', ') || '(none running)'}`);
    }
    return instance;
  }

  /**
   * Removes the instance's processes, mounts and namespace. The directory stays (logs, env file) so
   * tests can read what happened; the data-root goes, it is the bulk.
   */
  private async tearDown(instance: HostInstance, how: 'stop' | 'kill'): Promise<void> {
    setPower(instance, 'terminated');
    await instance.agent?.stop(how === 'stop' ? 'SIGTERM' : 'SIGKILL', how === 'stop' ? 10_000 : 0);
    if (how === 'stop') await instance.engine.stop();
    else await instance.engine.kill();
    removeCgroups(this.cgroupOf(instance.spec.instanceId));
    await unmountAllUnder(instance.dir);
    await this.network.removeInstance(instance.spec.privateIp);
    for (const sub of [instance.engine.dataRoot, instance.engine.execRoot]) {
      if (existsSync(sub)) await rm(sub, { recursive: true, force: true });
    }
  }
}

function setPower(instance: HostInstance, power: PowerState): void {
  instance.power = power;
  instance.running = power === 'running';
}
