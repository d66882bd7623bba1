import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_STATE_DIR } from '../lab/agent-unit.js';
import { Lab } from '../lab/lab.js';
import { callsBy, until } from './watch-helpers.js';

const name = `e2e-bootfail-${process.pid}`;
const binary = resolve('dist/swarmnode');

type LogLine = { cmd?: string; msg?: string; [key: string]: unknown };

/** Environments of the processes of this machine running exactly argv (read-only /proc scan). */
function environmentsOf(argv: string[]): Record<string, string>[] {
  const found: Record<string, string>[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1).join('\0') !== argv.join('\0')) continue;
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      found.push(Object.fromEntries(environ.map((entry) => entry.split(/=(.*)/s) as [string, string])));
    } catch {
      // The process ended between readdir and read.
    }
  }
  return found;
}

/**
 * A worker whose boot gives up (no manager in the cluster, a short join timeout) exits 75; watch
 * must run anyway (swarmnode.service only Wants= swarmnode-boot.service) and answer the
 * instance's terminating hook when it is scaled in.
 */
describe('watch runs after a failed boot, as the shipped units order it', () => {
  let lab: Lab;
  let worker: string;

  beforeAll(async () => {
    lab = await Lab.start({
      name,
      cluster: 'bootfail',
      managers: 0,
      workers: 1,
      binary,
      // Not reported Unhealthy: the instance stays (Pending:Wait) for the scale-in below.
      env: { SWARMNODE_JOIN_TIMEOUT: '5s', SWARMNODE_REPORT_UNHEALTHY: 'false', SWARMNODE_POLL_INTERVAL: '1s' },
    });
    worker = lab.instances()[0]!.instanceId;
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('boot gives up with 75, then watch starts with the state directory systemd would give it', async () => {
    expect(await lab.bootExit(worker, 120_000)).toBe(75);
    const log = await until(
      'watch log lines after the failed boot',
      async () => {
        const lines = lab.agentLog(worker) as LogLine[];
        return lines.some((line) => line.cmd === 'watch') ? lines : undefined;
      },
      60_000,
    );
    const lastBoot = log.map((line) => line.cmd).lastIndexOf('boot');
    const firstWatch = log.findIndex((line) => line.cmd === 'watch');
    expect(lastBoot, 'boot logged').toBeGreaterThanOrEqual(0);
    expect(firstWatch, 'watch starts once boot has exited').toBeGreaterThan(lastBoot);

    const instance = lab.instances().find((i) => i.instanceId === worker)!;
    const stateDir = join(instance.dir, LAB_STATE_DIR);
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
    const watchers = environmentsOf([binary, 'watch']).filter((env) => env.DOCKER_HOST === instance.dockerHost);
    expect(watchers).toHaveLength(1);
    expect(watchers[0]!.STATE_DIRECTORY).toBe(stateDir);
  });

  it('watch answers the terminating hook of the instance whose boot failed', async () => {
    expect(lab.cloud.instance(worker)?.lifecycleState).toBe('Pending:Wait');
    await lab.terminate(worker, { decrement: true });
    // The hook's heartbeat timeout is 300 s: terminated well before, the hook was completed.
    await until(`${worker} terminated`, async () => (lab.cloud.instance(worker)?.lifecycleState === 'Terminated' ? true : undefined), 120_000);
    expect(callsBy(lab, worker, 'autoscaling:CompleteLifecycleAction')).toBeGreaterThanOrEqual(1);
    const drained = (lab.agentLog(worker) as LogLine[]).filter((line) => line.cmd === 'watch' && line.msg === 'drain finished');
    expect(drained.at(-1)).toMatchObject({ completed: true });
  });

  it('leaves nothing behind', async () => {
    await lab.down();
    expect(await Lab.leftovers(name)).toEqual([]);
  });
});
