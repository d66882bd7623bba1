import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';

const name = `e2e-cli-${process.pid}`;

function lab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return labAs([], args);
}

/** Runs the real CLI (as `npm run lab` does), optionally under another uid via setpriv. */
function labAs(prefix: string[], args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = [...prefix, process.execPath, '--import', 'tsx', 'test/lab/cli.ts', ...args];
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Bad input: exactly one line on stderr, naming a fix, and a non-zero exit. */
function expectOneLineError(res: { code: number; stderr: string }, code: number, text: RegExp): void {
  expect(res.code).toBe(code);
  const lines = res.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(text);
  expect(lines[0]).toMatch(/fix: /);
}

describe('lab CLI', () => {
  afterAll(async () => {
    await Lab.cleanup(name);
  });

  it('rejects commands for a lab that is not up', async () => {
    expectOneLineError(await lab('status', '--name', name), 64, /is not up/);
  });

  it('rejects bad input before doing anything', async () => {
    expectOneLineError(await lab('up', '--managers', '-1', '--name', name), 64, /whole number >= 0, got '-1'/);
    expectOneLineError(await lab('frobnicate', '--name', name), 64, /unknown command 'frobnicate'/);
    expectOneLineError(await lab('status', '--name', 'Bad_Name'), 64, /bad lab name/);
    expectOneLineError(await labAs(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'], ['status', '--name', name]), 69, /needs root/);
    expect(await Lab.leftovers(name)).toEqual([]);
  });

  it('brings a lab up, shows it, runs docker in an instance, and takes it down leaving nothing', async () => {
    const up = await lab('up', '--managers', '2', '--workers', '1', '--no-agent', '--name', name);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`lab '${name}' is up`));

    expectOneLineError(await lab('up', '--no-agent', '--name', name), 64, /already up/);

    const status = await lab('status', '--json', '--name', name);
    expect(status.code).toBe(0);
    const rows = JSON.parse(status.stdout) as { instanceId: string; hostname: string; group: string; lifecycle: string; swarm: string }[];
    expect(rows.map((r) => r.group).sort()).toEqual(['lab-managers', 'lab-managers', 'lab-workers']);
    expect(rows.every((r) => r.lifecycle === 'InService' && r.swarm === 'inactive')).toBe(true);
    const [first] = rows;
    if (first === undefined) throw new Error('no instance');

    const info = await lab('exec', first.hostname, '--name', name, '--', 'docker', 'info', '--format', '{{.Name}}');
    expect(info.code).toBe(0);
    expect(info.stdout.trim()).toBe(first.hostname);
    const failing = await lab('exec', first.instanceId, '--name', name, '--', 'docker', 'inspect', 'no-such-thing');
    expect(failing.code).toBe(1);

    expectOneLineError(await lab('crash', 'i-0000000000000000', '--name', name), 64, /unknown lab instance/);
    expectOneLineError(await lab('scale', 'managers', '-2', '--name', name), 64, /whole number >= 0/);
    expectOneLineError(await lab('scale', 'nope', '1', '--name', name), 64, /unknown group 'nope'/);

    const pool = await lab('warm-pool', 'workers', '--size', '1', '--state', 'Running', '--name', name);
    expect(pool.code).toBe(0);
    expect(pool.stdout).toMatch(/workers: warm pool put \(Running\); launched into it: i-/);
    const warmed = async (): Promise<string[]> =>
      (JSON.parse((await lab('status', '--json', '--name', name)).stdout) as { lifecycle: string }[]).map((r) => r.lifecycle).filter((l) => l.startsWith('Warmed:'));
    for (let tries = 0; tries < 50 && (await warmed()).join() !== 'Warmed:Running'; tries++) await new Promise((r) => setTimeout(r, 200));
    expect(await warmed()).toEqual(['Warmed:Running']);
    expect((await lab('warm-pool', 'workers', '--delete', '--force', '--name', name)).code).toBe(0);
    expectOneLineError(await lab('warm-pool', 'workers', '--size', '2', '--state', 'Frozen', '--name', name), 64, /--state must be one of/);

    const event = await lab('event', first.instanceId, 'instance-reboot', '--in', '1h', '--name', name);
    expect(event.code).toBe(0);
    expect(event.stdout).toMatch(/instance-reboot instance-event-[0-9a-f]{17} scheduled on/);
    expectOneLineError(await lab('rebalance', first.instanceId, '--name', name), 64, /On-Demand/);

    const down = await lab('down', '--name', name);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/nothing left behind/);
    expect(await Lab.leftovers(name)).toEqual([]);
  });

  it('cleans up with down even when the daemon died', async () => {
    expect((await lab('up', '--managers', '1', '--no-agent', '--name', name)).code).toBe(0);
    const state = Lab.state(name);
    if (state === undefined) throw new Error('no state');
    process.kill(state.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expectOneLineError(await lab('status', '--name', name), 69, /daemon .* is not running/);
    const down = await lab('down', '--name', name);
    expect(down.code).toBe(0);
    expect(await Lab.leftovers(name)).toEqual([]);
  });
});
