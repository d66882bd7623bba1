import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LabOperationError, LabUnavailableError } from './lab-errors.js';
import { findTool } from './preflight.js';
import { runCommand, SYSTEM_PATH, type CommandResult } from './run-command.js';

/** A file of the container's /etc/systemd/system: a unit or drop-in, or a link (enablement, mask). */
export type UnitEntry = { content: string } | { link: string };

export interface SystemdContainerOptions {
  /** Machine name, unique on this host (also its hostname). */
  name: string;
  /** Paths relative to /etc/systemd/system. */
  units: Record<string, UnitEntry>;
  /** Host path → container path, read-only. */
  bindReadOnly?: Record<string, string>;
  /** Host path → container path, writable. */
  bind?: Record<string, string>;
  /** A network namespace to run in (a lab instance's); the host's network otherwise. */
  netns?: string;
  /** The unit systemd starts, like systemd.unit= on a kernel command line. */
  target: string;
}

const ROOT = '/run/swarmnode-systemd';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * A real systemd (the host's, Debian 12's 252) booted as PID 1 of a container with systemd-nspawn,
 * so the shipped units run with their real dependencies, ordering and sandbox, which the lab's
 * supervisor only imitates. The container shares the host's read-only /usr (an overlay above it
 * takes bind mounts such as /usr/local/bin/swarmnode) and has a fresh tmpfs for everything else;
 * /etc/systemd/system holds only the given units. Nothing of it stays once `stop` returned.
 */
export class SystemdContainer {
  private exited = false;

  private constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly nspawn: ChildProcess,
    private readonly leader: number,
  ) {
    nspawn.once('exit', () => (this.exited = true));
  }

  static async start(opts: SystemdContainerOptions): Promise<SystemdContainer> {
    if (process.getuid?.() !== 0) throw new LabUnavailableError('systemd-nspawn needs root', 'run the tests as root');
    const nspawnPath = findTool('systemd-nspawn');
    if (nspawnPath === undefined) throw new LabUnavailableError('systemd-nspawn is not installed', 'apt-get install -y systemd-container (scripts/setup.sh)');
    const dir = join(ROOT, opts.name);
    if (existsSync(dir)) throw new LabOperationError(`${dir} exists: a container named ${opts.name} is up or was not cleaned up`, `remove ${dir}`);
    const system = join(dir, 'system');
    mkdirSync(system, { recursive: true, mode: 0o700 });
    for (const [path, entry] of Object.entries(opts.units)) {
      mkdirSync(dirname(join(system, path)), { recursive: true });
      if ('link' in entry) symlinkSync(entry.link, join(system, path));
      else writeFileSync(join(system, path), entry.content);
    }
    // An empty /etc is a first boot: the wizard would wait for a key press.
    if (!(('systemd-firstboot.service') in opts.units)) symlinkSync('/dev/null', join(system, 'systemd-firstboot.service'));
    const args = [
      '--quiet',
      `--machine=${opts.name}`,
      '--directory=/',
      '--volatile=yes',
      // Without a system bus and machined on the host: no registration, no scope of its own.
      '--register=no',
      '--keep-unit',
      '--link-journal=no',
      '--console=read-only',
      '--overlay=/usr::/usr',
      `--bind-ro=${system}:/etc/systemd/system`,
      // Users and groups (docker), and name lookups as on the host.
      '--bind-ro=/etc/passwd',
      '--bind-ro=/etc/group',
      '--bind-ro=/etc/nsswitch.conf',
      '--bind-ro=/etc/hosts',
      '--resolv-conf=copy-host',
      ...Object.entries(opts.bindReadOnly ?? {}).map(([from, to]) => `--bind-ro=${from}:${to}`),
      ...Object.entries(opts.bind ?? {}).map(([from, to]) => `--bind=${from}:${to}`),
      ...(opts.netns ? [`--network-namespace-path=${opts.netns}`] : []),
      '--boot',
      '--',
      `--unit=${opts.target}`,
    ];
    const log = openSync(join(dir, 'console.log'), 'a');
    const nspawn = spawn(nspawnPath, args, { env: { PATH: SYSTEM_PATH }, stdio: ['ignore', log, log] });
    closeSync(log);
    const leader = await leaderOf(nspawn, dir).catch(async (error: unknown) => {
      nspawn.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    });
    const container = new SystemdContainer(opts.name, dir, nspawn, leader);
    try {
      await container.waitForManager();
    } catch (error) {
      await container.stop();
      throw error;
    }
    return container;
  }

  /** Runs a command inside the container (all its namespaces). */
  exec(argv: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    return runCommand('nsenter', [`--target=${this.leader}`, '--all', '--', ...argv], { env: { PATH: SYSTEM_PATH }, timeoutMs });
  }

  /** `systemctl show` properties of a unit. */
  async show(unit: string, properties: readonly string[]): Promise<Record<string, string>> {
    const res = await this.exec(['systemctl', 'show', unit, ...properties.map((p) => `--property=${p}`)]);
    if (res.code !== 0) throw new LabOperationError(`systemctl show ${unit} in ${this.name}: ${res.stderr.trim()}`, this.consoleHint());
    return Object.fromEntries(
      res.stdout
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  }

  async journal(unit: string): Promise<string> {
    return (await this.exec(['journalctl', '--no-pager', '--output=short-monotonic', `--unit=${unit}`])).stdout;
  }

  /** The console output so far (systemd's status lines), to explain a failure. */
  console(): string {
    const path = join(this.dir, 'console.log');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  /** `systemctl poweroff` and wait, so units stop in their shutdown order; SIGKILL if it hangs. */
  async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => (this.exited ? resolve() : this.nspawn.once('exit', () => resolve())));
      await this.exec(['systemctl', '--no-block', 'poweroff']).catch(() => undefined);
      const timeout = new AbortController();
      const clean = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS, false, { signal: timeout.signal }).catch(() => true)]);
      timeout.abort();
      if (!clean) {
        // The container's PID 1 takes everything in its PID namespace with it.
        killQuietly(this.leader);
        this.nspawn.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
    try {
      rmdirSync(ROOT);
    } catch {
      // Another container still uses it.
    }
  }

  private consoleHint(): string {
    return `the container's console is in ${join(this.dir, 'console.log')}`;
  }

  private async waitForManager(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline && !this.exited) {
      const res = await this.exec(['systemctl', 'show', '--property=Version', '--value']).catch(() => undefined);
      if (res?.code === 0 && res.stdout.trim() !== '') return;
      await sleep(200);
    }
    throw new LabOperationError(`systemd in container ${this.name} did not answer within ${READY_TIMEOUT_MS} ms`, `${this.consoleHint()}\n${this.console().slice(-2000)}`);
  }
}

/** The container's PID 1: the child of systemd-nspawn that has become systemd. */
async function leaderOf(nspawn: ChildProcess, dir: string): Promise<number> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (nspawn.exitCode !== null || nspawn.signalCode !== null) break;
    try {
      const children = readFileSync(`/proc/${nspawn.pid}/task/${nspawn.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      const init = children.find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'systemd');
      if (init !== undefined) return Number(init);
    } catch {
      // nspawn has not forked yet, or has just exited.
    }
    await sleep(100);
  }
  const output = existsSync(join(dir, 'console.log')) ? readFileSync(join(dir, 'console.log'), 'utf8').slice(-2000) : '';
  throw new LabOperationError('systemd-nspawn did not start a container', output || 'see systemd-nspawn --help');
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
