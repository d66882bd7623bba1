import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwarmnodeError } from '../../src/errors/swarmnode-error.js';
import { parseCliArgs, USAGE, type CliCommand } from './cli-args.js';
import { callControl } from './control-protocol.js';
import { findInstance } from './instance-ref.js';
import { LabOperationError, LabUnavailableError, LabUsageError } from './lab-errors.js';
import { LabPaths } from './lab-paths.js';
import { formatStatus, type StatusRow } from './lab-status.js';
import { Lab, type LabInstance } from './lab.js';
import { isAlive, waitGone } from './processes.js';
import { preflight, requireDockerCli } from './preflight.js';
import { SYSTEM_PATH } from './run-command.js';

const PROJECT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const UP_TIMEOUT_MS = 300_000;

/** The daemon of a lab that is up; a clear error when it is not. */
function daemonOf(paths: LabPaths): { socket: string } {
  const state = Lab.state(paths.name);
  if (state === undefined) {
    throw new LabUsageError(`lab '${paths.name}' is not up`, `start it with \`npm run lab -- up --name ${paths.name}\``);
  }
  if (!isAlive(state.pid)) {
    throw new LabUnavailableError(`lab '${paths.name}' daemon (pid ${state.pid}) is not running`, `run \`npm run lab -- down --name ${paths.name}\` to clean up, then up again`);
  }
  if (!existsSync(paths.controlSocket)) throw heldElsewhere(paths, state.pid);
  return { socket: paths.controlSocket };
}

/** A lab started by a test or script (Lab.start) has no control socket: only its process may drive it. */
function heldElsewhere(paths: LabPaths, pid: number): LabUsageError {
  return new LabUsageError(`lab '${paths.name}' is run by process ${pid} (a test or script), not by the lab daemon`, `drive it from that process, or stop it (kill ${pid}) and run \`npm run lab -- down --name ${paths.name}\``);
}

async function up(cmd: Extract<CliCommand, { cmd: 'up' }>, paths: LabPaths): Promise<void> {
  const binary = join(PROJECT, 'dist/swarmnode');
  preflight(cmd.agent ? { agentBinary: binary } : {});
  if (Lab.state(paths.name) !== undefined) {
    throw new LabUsageError(`lab '${paths.name}' is already up`, `use it, or run \`npm run lab -- down --name ${paths.name}\` first`);
  }
  const left = (await Lab.leftovers(paths.name)).filter((l) => l !== `dir ${paths.dir}`);
  if (left.length > 0) {
    throw new LabUsageError(`lab '${paths.name}' left things behind (${left[0]})`, `run \`npm run lab -- down --name ${paths.name}\` first`);
  }
  const started = Date.now();
  await mkdir(paths.dir, { recursive: true });
  const log = openSync(paths.daemonLog, 'a');
  const opts = {
    name: paths.name,
    cluster: cmd.cluster,
    managers: cmd.managers,
    workers: cmd.workers,
    agent: cmd.agent,
    startJitterMs: cmd.startJitterMs,
    binary,
    spot: { workers: cmd.spotWorkers },
  };
  const daemon = spawn(process.execPath, ['--import', 'tsx', join(PROJECT, 'test/lab/daemon.ts'), JSON.stringify(opts)], {
    cwd: PROJECT,
    detached: true,
    stdio: ['ignore', log, log, 'ipc'],
    env: { PATH: process.env['PATH'] ?? SYSTEM_PATH, HOME: process.env['HOME'] ?? '/root' },
  });
  closeSync(log);
  const outcome = await new Promise<{ ok: boolean; message?: string; action?: string; exitCode?: number }>((done) => {
    const timer = setTimeout(() => done({ ok: false, message: `the lab did not come up within ${UP_TIMEOUT_MS / 1000} s`, exitCode: 1 }), UP_TIMEOUT_MS);
    daemon.once('message', (m) => {
      clearTimeout(timer);
      done(m as { ok: boolean });
    });
    daemon.once('exit', (code) => {
      clearTimeout(timer);
      done({ ok: false, message: `the lab daemon exited (${code}) while starting; see ${paths.daemonLog}`, exitCode: 1 });
    });
  });
  if (!outcome.ok) {
    if (daemon.pid !== undefined && isAlive(daemon.pid)) daemon.kill('SIGKILL');
    await Lab.cleanup(paths.name);
    const ErrorClass = outcome.exitCode === 64 ? LabUsageError : outcome.exitCode === 69 ? LabUnavailableError : LabOperationError;
    throw new ErrorClass(outcome.message ?? 'the lab did not come up', outcome.action ?? 'see the error above');
  }
  if (daemon.connected) daemon.disconnect();
  daemon.unref();
  const rows = (await callControl(paths.controlSocket, 'status')) as StatusRow[];
  const flag = paths.name === 'lab' ? '' : ` --name ${paths.name}`;
  process.stdout.write(
    `lab '${paths.name}' is up in ${((Date.now() - started) / 1000).toFixed(1)} s (daemon pid ${daemon.pid}, log ${paths.daemonLog})\n` +
      `${formatStatus(rows)}\n` +
      `next: npm run lab -- status${flag} | exec <instance>${flag} -- docker node ls | down${flag}\n`,
  );
}

async function down(paths: LabPaths): Promise<void> {
  const state = Lab.state(paths.name);
  if (state !== undefined && isAlive(state.pid)) {
    if (!existsSync(paths.controlSocket)) throw heldElsewhere(paths, state.pid);
    await callControl(paths.controlSocket, 'down');
    await waitGone([state.pid], 10_000);
  }
  // Whatever a dead daemon (or a killed test) left: found from the system, not from memory.
  await Lab.cleanup(paths.name);
  const left = await Lab.leftovers(paths.name);
  if (left.length > 0) throw new LabOperationError(`lab '${paths.name}' left: ${left.join('; ')}`, 'remove them by hand');
  process.stdout.write(`lab '${paths.name}' is down; nothing left behind\n`);
}

async function instanceOf(paths: LabPaths, ref: string): Promise<LabInstance> {
  const { socket } = daemonOf(paths);
  return findInstance((await callControl(socket, 'instances')) as LabInstance[], ref);
}

async function run(cmd: CliCommand): Promise<number> {
  const paths = new LabPaths(cmd.name);
  switch (cmd.cmd) {
    case 'up':
      await up(cmd, paths);
      return 0;
    case 'down':
      await down(paths);
      return 0;
    case 'status': {
      const rows = (await callControl(daemonOf(paths).socket, 'status')) as StatusRow[];
      process.stdout.write(cmd.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatStatus(rows)}\n`);
      return 0;
    }
    case 'exec': {
      const instance = await instanceOf(paths, cmd.instance);
      if (!instance.running) throw new LabUsageError(`instance ${instance.instanceId} is not running`, 'pick a running instance from `npm run lab -- status`');
      const docker = spawn(requireDockerCli(), cmd.docker, { stdio: 'inherit', env: { PATH: SYSTEM_PATH, HOME: paths.dir, DOCKER_HOST: instance.dockerHost } });
      return new Promise((done) => docker.on('exit', (code) => done(code ?? 1)));
    }
    case 'logs': {
      const instance = await instanceOf(paths, cmd.instance);
      const file = cmd.engine ? join(instance.dir, 'dockerd.log') : instance.logFile;
      process.stdout.write(existsSync(file) ? readFileSync(file, 'utf8') : `(no log yet: ${file})\n`);
      return 0;
    }
    case 'scale':
      await callControl(daemonOf(paths).socket, 'scale', { group: cmd.group, n: cmd.n });
      process.stdout.write(`${cmd.group} scaled to ${cmd.n}\n`);
      return 0;
    case 'warm-pool': {
      const ids = (await callControl(daemonOf(paths).socket, 'warm-pool', { group: cmd.group, pool: cmd.pool })) as string[];
      process.stdout.write(`${cmd.group}: warm pool put (${cmd.pool.poolState}); launched into it: ${ids.join(', ') || '(none)'}; see \`npm run lab -- status\`\n`);
      return 0;
    }
    case 'warm-pool-delete':
      await callControl(daemonOf(paths).socket, 'warm-pool-delete', { group: cmd.group, force: cmd.force });
      process.stdout.write(`${cmd.group}: warm pool ${cmd.force ? 'deleted with its instances' : 'being deleted (PendingDelete until its instances are gone)'}\n`);
      return 0;
    case 'event': {
      const event = (await callControl(daemonOf(paths).socket, 'event', cmd)) as { eventId: string; notBefore: string };
      process.stdout.write(`${cmd.code} ${event.eventId} scheduled on ${cmd.instance}, carried out at ${event.notBefore}\n`);
      return 0;
    }
    case 'spot': {
      const notice = (await callControl(daemonOf(paths).socket, 'spot', cmd)) as { action: string; time: string };
      process.stdout.write(`${cmd.instance}: Spot interruption notice, ${notice.action} at ${notice.time}\n`);
      return 0;
    }
    default:
      await callControl(daemonOf(paths).socket, cmd.cmd, cmd);
      process.stdout.write(`${cmd.cmd} ${cmd.instance}: done\n`);
      return 0;
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0] ?? '')) {
    process.stdout.write(`${USAGE}\n`);
    return argv.length === 0 ? 64 : 0;
  }
  try {
    const cmd = parseCliArgs(argv);
    if (process.getuid?.() !== 0) {
      throw new LabUnavailableError('the lab needs root (network namespaces, dockerd, mounts)', 'run it as root, e.g. `sudo npm run lab -- ...`');
    }
    return await run(cmd);
  } catch (err) {
    if (err instanceof SwarmnodeError) {
      process.stderr.write(`lab: ${err.message}; fix: ${err.action}\n`);
      return err.exitCode;
    }
    process.stderr.write(`lab: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
