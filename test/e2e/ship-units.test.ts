import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_BINARY, shippedEnvFileTemplate } from '../lab/agent-unit.js';
import { Lab } from '../lab/lab.js';

const name = `e2e-ship-${process.pid}`;
const cluster = 'shipped';
const binary = resolve('dist/swarmnode');

/** ExecStart of a shipped unit, read here independently of the lab, the binary mapped to the build. */
function execStart(unit: string): string[] {
  const line = readFileSync(`systemd/${unit}`, 'utf8').match(/^ExecStart=(.*)$/m)?.[1];
  if (line === undefined) throw new Error(`systemd/${unit} has no ExecStart`);
  const [program, ...args] = line.trim().split(/\s+/);
  expect(program).toBe(SHIPPED_BINARY);
  return [binary, ...args];
}

/** The env file keys cloud-init writes, and the lab's value for each placeholder. */
function shippedEnv(): Record<string, string> {
  const filled: Record<string, string> = {
    Cluster: cluster,
    ManagerKmsKey: `alias/${cluster}-manager`,
    WorkerKmsKey: `alias/${cluster}-worker`,
    BackupBucket: '',
  };
  return Object.fromEntries(
    shippedEnvFileTemplate()
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => {
        const [key, value] = line.split(/=(.*)/s) as [string, string];
        return [key, value.replace(/\$\{(\w+)\}/g, (_, placeholder: string) => filled[placeholder]!)];
      }),
  );
}

/** Processes of this machine running exactly argv, each with its environment (read-only /proc scan). */
function processesRunning(argv: string[]): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
      if (cmdline.join('\0') !== argv.join('\0')) continue;
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      found.push(Object.fromEntries(environ.map((entry) => entry.split(/=(.*)/s) as [string, string])));
    } catch {
      // The process ended between readdir and read: not one of ours to look at.
    }
  }
  return found;
}

/** systemd starts watch once boot has exited; the lab does the same, a moment later. */
async function watcherOf(argv: string[], dockerHost: string, timeoutMs: number): Promise<Record<string, string>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = processesRunning(argv).filter((env) => env.DOCKER_HOST === dockerHost);
    if (found.length > 0 || Date.now() > deadline) return found;
    await sleep(250);
  }
}

describe('the shipped units and user-data drive swarmnode in a lab instance', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({ name, cluster, managers: 1, workers: 1, binary });
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('boots every instance with the boot unit ExecStart, then keeps watch running with the env file', async () => {
    const watchArgv = execStart('swarmnode.service');
    expect(execStart('swarmnode-boot.service')).toEqual([binary, 'boot']);
    const expected = shippedEnv();
    for (const instance of lab.instances()) {
      expect(await lab.bootExit(instance.instanceId, 240_000), `boot of ${instance.instanceId}`).toBe(0);
      const watchers = await watcherOf(watchArgv, instance.dockerHost, 30_000);
      expect(watchers, `one ${watchArgv.join(' ')} in ${instance.instanceId}`).toHaveLength(1);
      expect(watchers[0]).toMatchObject(expected);
      const health = await lab.runAgent(instance.instanceId, ['health']);
      expect(health.code, health.stderr).toBe(0);
    }
  });

  it('leaves nothing behind', async () => {
    await lab.down();
    expect(await Lab.leftovers(name)).toEqual([]);
  });
});
