import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentUnit } from './agent-unit.js';
import { inCgroup } from './cgroups.js';
import { inInstance, type InstanceNamespaces } from './instance-exec.js';

export interface AgentRunSpec {
  unit: AgentUnit;
  ns: InstanceNamespaces;
  /** Read afresh at every process start, as systemd reads EnvironmentFile=. */
  environment: () => Record<string, string>;
  logFile: string;
  startDelayMs: number;
  /** v2 cgroup (relative) the agent's processes run in, so hibernation can freeze them. */
  cgroup: string;
}

/**
 * Plays systemd for swarmnode inside one instance: the boot oneshot, then, only if it exited 0, the
 * watch service restarted on failure a bounded number of times. Output goes to the instance's log.
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

  /** How many times `swarmnode boot` has been started (once per boot of the instance). */
  get boots(): number {
    return this.bootRuns;
  }

  /** Exit code of the latest `swarmnode boot`; rejects if it has not exited within timeoutMs. */
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
    this.bootRuns += 1;
    const bootCode = await this.runOnce(this.spec.unit.boot);
    this.settleBoot(bootCode);
    if (bootCode !== 0) return;
    const { delayMs, maxRestarts } = this.spec.unit.watchRestart;
    for (let restarts = 0; !this.stopping; restarts++) {
      const code = await this.runOnce(this.spec.unit.watch);
      if (code === 0 || this.stopping || restarts >= maxRestarts) return;
      await sleep(delayMs, undefined, { signal: this.cancelDelay.signal }).catch(() => undefined);
    }
  }

  /** Resolves with the exit code, 128 + signal number when killed by a signal (as a shell reports it). */
  private runOnce(argv: readonly string[]): Promise<number> {
    const inside = inInstance(this.spec.ns, argv);
    const [cmd = inside.cmd, ...args] = inCgroup(this.spec.cgroup, [inside.cmd, ...inside.args]);
    const log = openSync(this.spec.logFile, 'a');
    const child = spawn(cmd, args, { env: this.spec.environment(), stdio: ['ignore', log, log] });
    closeSync(log);
    this.current = child;
    return new Promise((resolve) => {
      child.once('error', () => resolve(127));
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
    });
  }
}
