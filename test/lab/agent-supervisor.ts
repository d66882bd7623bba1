import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareStateDirectory, type AgentUnit } from './agent-unit.js';
import { inCgroup } from './cgroups.js';
import { inInstance, type InstanceNamespaces } from './instance-exec.js';

/** systemd's exit status for a unit whose StateDirectory= could not be set up. */
const EXIT_STATE_DIRECTORY = 238;

export interface AgentRunSpec {
  unit: AgentUnit;
  ns: InstanceNamespaces;
  /** Read afresh at every process start, as systemd reads EnvironmentFile=. */
  environment: () => Record<string, string>;
  /** The instance's directory: its <dir>/state stands for /var/lib/<StateDirectory>. */
  instanceDir: string;
  logFile: string;
  startDelayMs: number;
  /** v2 cgroup (relative) the agent's processes run in, so hibernation can freeze them. */
  cgroup: string;
}

/**
 * Plays systemd for swarmnode inside one instance, as the shipped units say: the boot oneshot, then
 * the watch service, once boot has exited (Wants=) or only if it succeeded (Requires=), restarted
 * on failure a bounded number of times; a restart pulls a failed boot in again first, as systemd
 * does. Output goes to the instance's log.
 */
export class AgentSupervisor {
  private current: ChildProcess | undefined;
  private stopping = false;
  private running: Promise<void> = Promise.resolve();
  private bootCode!: Promise<number>;
  private settleBoot: (code: number) => void = () => undefined;
  private cancelDelay = new AbortController();
  private bootRuns = 0;

  constructor(private readonly spec: AgentRunSpec) {
    this.resetBoot();
  }

  start(startDelayMs = this.spec.startDelayMs): void {
    this.stopping = false;
    this.cancelDelay = new AbortController();
    this.resetBoot();
    this.running = this.run(startDelayMs);
  }

  /** How many times `swarmnode boot` has been started. */
  get boots(): number {
    return this.bootRuns;
  }

  /**
   * Exit code of the first `swarmnode boot` since the latest start; rejects if it has not exited
   * within timeoutMs.
   */
  async bootExit(timeoutMs: number): Promise<number> {
    const timeout = new AbortController();
    try {
      return await Promise.race([
        this.bootCode,
        sleep(timeoutMs, undefined, { signal: timeout.signal }).then(() => {
          throw new Error(`swarmnode boot did not exit within ${timeoutMs} ms`);
        }),
      ]);
    } finally {
      timeout.abort();
    }
  }

  /** Like `systemctl stop`: signal the running process, no restart; SIGKILL after the grace period. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    this.stopping = true;
    this.cancelDelay.abort();
    const child = this.current;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill(signal);
      const timeout = new AbortController();
      const expired = await Promise.race([
        exited.then(() => false),
        sleep(graceMs, true, { signal: timeout.signal }).catch(() => false),
      ]);
      timeout.abort();
      if (expired) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    await this.running;
  }

  private resetBoot(): void {
    this.bootCode = new Promise((resolve) => (this.settleBoot = resolve));
    // A test may never ask for the boot code; an unobserved settle must not be an error.
    this.bootCode.catch(() => undefined);
  }

  private async run(startDelayMs: number): Promise<void> {
    if (startDelayMs > 0) {
      await sleep(startDelayMs, undefined, { signal: this.cancelDelay.signal }).catch(() => undefined);
    }
    if (this.stopping) return;
    const { unit } = this.spec;
    let bootCode = await this.runUnit('boot');
    this.settleBoot(bootCode);
    const { delayMs, maxRestarts } = unit.watchRestart;
    for (let restarts = 0; !this.stopping; restarts++) {
      if (restarts > 0 && bootCode !== 0 && unit.watchPullsInBoot) bootCode = await this.runUnit('boot');
      if (this.stopping || (bootCode !== 0 && unit.watchStartsAfter === 'boot-succeeded')) return;
      const code = await this.runUnit('watch');
      if (code === 0 || this.stopping || restarts >= maxRestarts) return;
      await sleep(delayMs, undefined, { signal: this.cancelDelay.signal }).catch(() => undefined);
    }
  }

  /**
   * One start of a unit's ExecStart, in the environment systemd would give it. A state directory
   * that cannot be made fails the start the way systemd reports it (exit status 238).
   */
  private runUnit(which: 'boot' | 'watch'): Promise<number> {
    if (which === 'boot') this.bootRuns += 1;
    let state: Record<string, string>;
    try {
      state = prepareStateDirectory(this.spec.instanceDir, this.spec.unit.stateDirectory[which]);
    } catch (error) {
      appendFileSync(this.spec.logFile, `lab: ${which}: could not set up its state directory: ${(error as Error).message}\n`);
      return Promise.resolve(EXIT_STATE_DIRECTORY);
    }
    return this.runOnce(this.spec.unit[which], { ...this.spec.environment(), ...state });
  }

  /** Resolves with the exit code, 128 + signal number when killed by a signal (as a shell reports it). */
  private runOnce(argv: readonly string[], env: Record<string, string>): Promise<number> {
    const inside = inInstance(this.spec.ns, argv);
    const [cmd = inside.cmd, ...args] = inCgroup(this.spec.cgroup, [inside.cmd, ...inside.args]);
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(cmd, args, { env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.current = child;
    return new Promise((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  }
}
