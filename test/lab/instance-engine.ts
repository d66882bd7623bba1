import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { cgroupPids, inCgroup } from './cgroups.js';
import { LabOperationError } from './lab-errors.js';
import { unmountAllUnder } from './mounts.js';
import { isAlive, listProcesses, signalPids, waitGone } from './processes.js';
import { SYSTEM_PATH } from './run-command.js';

export const LAB_IMAGE = 'busybox:lab';
const READY_TIMEOUT_MS = 60_000;

export interface EngineLayout {
  /** The instance's directory; data-root, exec-root and socket live below it. */
  dir: string;
  netns: string;
  utsFile: string;
  /** cgroup path (relative to each hierarchy) of this instance's containers. */
  cgroupParent: string;
  /** v2 cgroup (relative) that dockerd, its containerd and shims run in, so hibernation can freeze them. */
  processCgroup: string;
  imageTar: string;
}

/**
 * One instance's Docker engine: dockerd (which runs its own containerd) inside the instance's network
 * and UTS namespaces, with every path of its own so engines of many instances and labs coexist.
 */
export class InstanceEngine {
  readonly socket: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly docker: Docker;

  constructor(private readonly layout: EngineLayout) {
    this.socket = join(layout.dir, 'docker.sock');
    this.dataRoot = join(layout.dir, 'data');
    this.execRoot = join(layout.dir, 'exec');
    this.docker = new Docker({ socketPath: this.socket });
  }

  get dockerHost(): string {
    return `unix://${this.socket}`;
  }

  get logFile(): string {
    return join(this.layout.dir, 'dockerd.log');
  }

  async start(): Promise<void> {
    const config = join(this.layout.dir, 'daemon.json');
    // An empty config of its own: the host's /etc/docker/daemon.json must not leak into lab engines.
    writeFileSync(config, '{}\n');
    const log = openSync(this.logFile, 'a');
    const [cmd = 'nsenter', ...args] = inCgroup(this.layout.processCgroup, [
      'nsenter',
      `--uts=${this.layout.utsFile}`,
      `--net=/run/netns/${this.layout.netns}`,
      'dockerd',
      '--config-file', config,
      '--data-root', this.dataRoot,
      '--exec-root', this.execRoot,
      '--pidfile', join(this.layout.dir, 'dockerd.pid'),
      '-H', this.dockerHost,
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      `--cgroup-parent=/${this.layout.cgroupParent}`,
      // Task containers (sleep as pid 1) ignore SIGTERM: keep stop and reboot short.
      '--shutdown-timeout=2',
    ]);
    const child = spawn(cmd, args, {
      // The image is baked in and no registry is reachable: swarm tasks use it without a pull attempt.
      env: { PATH: SYSTEM_PATH, DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: '1' },
      stdio: ['ignore', log, log],
      // Its own process group: a Ctrl-C aimed at the test runner must not stop engines mid-test.
      detached: true,
    });
    closeSync(log);
    child.unref();
    await this.waitReady(child.pid);
    await this.loadImage();
  }

  private async waitReady(pid: number | undefined): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (pid === undefined || !isAlive(pid)) {
        throw new LabOperationError(`dockerd exited at start: ${this.logTail()}`, `see ${this.logFile}`);
      }
      try {
        await this.docker.ping();
        return;
      } catch {
        await sleep(200);
      }
    }
    throw new LabOperationError(`dockerd did not answer on ${this.socket} within ${READY_TIMEOUT_MS} ms`, `see ${this.logFile}`);
  }

  /** Loads the busybox image, as an AMI would have it baked in; a reboot finds it already there. */
  private async loadImage(): Promise<void> {
    const images = await this.docker.listImages({ filters: { reference: [LAB_IMAGE] } });
    if (images.length > 0) return;
    const [repo, tag] = LAB_IMAGE.split(':');
    const stream = await this.docker.importImage(this.layout.imageTar, { repo, tag });
    await new Promise<void>((resolve, reject) =>
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve())),
    );
  }

  /** dockerd, its containerd and the shims: every process whose command line names this exec-root. */
  enginePids(): number[] {
    return listProcesses()
      .filter((p) => p.cmdline.includes(this.execRoot))
      .map((p) => p.pid);
  }

  /** Pids of everything the engine runs, containers included. */
  allPids(): number[] {
    return [...new Set([...this.enginePids(), ...cgroupPids(this.layout.cgroupParent)])];
  }

  /**
   * Shutdown: SIGTERM dockerd, bounded wait, then kill whatever is left. A swarm manager spends a
   * fixed ~10 s stopping; its raft state is already on disk, so the lab cuts that short.
   */
  async stop(graceMs = 3_000): Promise<void> {
    const dockerd = this.dockerdPid();
    if (dockerd !== undefined) {
      signalPids([dockerd], 'SIGTERM');
      await waitGone([dockerd], graceMs);
    }
    await this.kill();
  }

  /** Power cut: SIGKILL every process of the engine at once, then release its mounts. */
  async kill(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const pids = this.allPids();
      if (pids.length === 0) break;
      // A shim may start a container between listing and killing: a few rounds catch it.
      signalPids(pids, 'SIGKILL');
      await waitGone(pids, 5_000);
    }
    await unmountAllUnder(this.dataRoot);
    await unmountAllUnder(this.execRoot);
    // The exec-root is the engine's /run: a reboot empties it, and a stale containerd pid or socket
    // there keeps the next dockerd from starting its containerd.
    await rm(this.execRoot, { recursive: true, force: true });
    await rm(join(this.layout.dir, 'dockerd.pid'), { force: true });
  }

  private dockerdPid(): number | undefined {
    const file = join(this.layout.dir, 'dockerd.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  }

  private logTail(): string {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
    } catch {
      return '(no log)';
    }
  }
}
