// `npm run demo [-- --keep] [--name <lab>]`: a lab of 3 managers and 2 workers launched at the same
// moment, each running swarmnode as systemd would; shows what every node decided, the swarm they
// formed (`docker node ls` from a manager), checks it, and takes the lab down unless --keep.
// The lab runs in the lab daemon (`npm run lab -- up`), so a kept lab stays usable from the lab CLI.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { bootOutcome, bootStory, type BootOutcome } from '../../bench/boot-log.js';
import { ensureBuilt } from '../../bench/ensure-build.js';
import { pollUntil, PollTimeoutError } from '../../bench/poll.js';
import { checkSwarm, type SwarmMember, type SwarmShape } from '../../bench/swarm-shape.js';
import { SwarmnodeError } from '../../src/errors/swarmnode-error.js';
import { parseAgentLog } from './agent-log.js';
import { callControl } from './control-protocol.js';
import { LabUnavailableError, LabUsageError } from './lab-errors.js';
import { assertLabName, LabPaths } from './lab-paths.js';
import type { LabInstance } from './lab.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MANAGERS = 3;
const WORKERS = 2;
/** Each agent starts at a random moment in this window, as systemd on instances booting together. */
const JITTER_MS = 3_000;
const BOOT_TIMEOUT_MS = 180_000;
const SHAPE_TIMEOUT_MS = 30_000;

const say = (text = ''): void => {
  process.stdout.write(`${text}\n`);
};

interface DemoArgs {
  keep: boolean;
  name: string;
}

function parseArgs(argv: readonly string[]): DemoArgs {
  const args: DemoArgs = { keep: false, name: 'demo' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') args.keep = true;
    else if (arg === '--name' && argv[i + 1] !== undefined) args.name = argv[++i]!;
    else throw new LabUsageError(`unknown argument '${arg}'`, 'usage: npm run demo [-- --keep] [--name <lab>]');
  }
  assertLabName(args.name);
  return args;
}

/** The lab CLI, as a newcomer would type it; its output is captured to be shown in the story. */
function labCli(args: string[]): Promise<{ code: number; text: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/lab/cli.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', (error) => resolve({ code: 127, text: error.message }));
    // 'close', not 'exit': only then has all of its output been read.
    child.once('close', (code) => resolve({ code: code ?? 1, text }));
  });
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function readLog(instance: LabInstance): object[] {
  return existsSync(instance.logFile) ? parseAgentLog(readFileSync(instance.logFile, 'utf8')) : [];
}

/** Managers first, then workers, each in the order their boots started: the story reads in time. */
function inTellingOrder(instances: readonly LabInstance[]): LabInstance[] {
  const started = (i: LabInstance): number => bootStory(readLog(i))[0]?.at ?? Number.POSITIVE_INFINITY;
  return [...instances].sort((a, b) => (a.role === b.role ? started(a) - started(b) : a.role === 'manager' ? -1 : 1));
}

/** Who ran `swarm init`: exactly one instance, or the swarm is split. */
function initSummary(instances: readonly LabInstance[]): string {
  const inits = instances.filter((i) => bootStory(readLog(i)).some((line) => line.action === 'init'));
  const who = inits.map((i) => i.hostname).join(', ');
  if (inits.length === 1) return `swarm init ran once, on ${who} (the holder of init-lock); the ${instances.length - 1} others read the join token from SSM and joined.`;
  return `swarm init ran ${inits.length} times${who ? ` (${who})` : ''}: there must be exactly one.`;
}

/** Every boot finished (done or failed), or the timeout: then the ones still running say so. */
async function waitForBoots(instances: readonly LabInstance[]): Promise<Map<string, BootOutcome>> {
  const outcomes = (): Map<string, BootOutcome> => new Map(instances.map((i) => [i.instanceId, bootOutcome(readLog(i))]));
  try {
    return await pollUntil('every swarmnode boot to finish', async () => {
      const now = outcomes();
      return [...now.values()].every((o) => o.state !== 'running') ? now : undefined;
    }, { timeoutMs: BOOT_TIMEOUT_MS, everyMs: 500 });
  } catch (error) {
    if (!(error instanceof PollTimeoutError)) throw error;
    return outcomes();
  }
}

function tellBoot(instance: LabInstance, outcome: BootOutcome, t0: number): void {
  const result =
    outcome.state === 'done'
      ? `healthy member after ${seconds(outcome.at - t0)}`
      : outcome.state === 'failed'
        ? `FAILED after ${seconds(outcome.at - t0)}`
        : `still booting after ${seconds(BOOT_TIMEOUT_MS)}`;
  say(`${instance.role} ${instance.hostname} (${instance.instanceId}): ${result}`);
  for (const line of bootStory(readLog(instance))) {
    const tag = line.kind === 'note' ? (line.level === 'info' ? '' : line.level) : line.kind;
    say(`  +${((line.at - t0) / 1000).toFixed(1).padStart(5)} s  ${tag.padEnd(7)}  ${line.msg}`);
  }
  if (outcome.state === 'failed' && outcome.fix !== undefined) say(`  fix: ${outcome.fix}`);
  say();
}

function members(instances: readonly LabInstance[]): SwarmMember[] {
  return instances.map((i) => ({ hostname: i.hostname, role: i.role, docker: new Docker({ socketPath: i.dockerHost.replace(/^unix:\/\//, '') }) }));
}

/** The check runs until the swarm is as it should be or the timeout: a manager may still be catching up. */
async function settledShape(instances: readonly LabInstance[]): Promise<SwarmShape> {
  let last: SwarmShape = { problems: ['not checked yet'], swarmIds: [], leader: undefined };
  await pollUntil('the swarm to settle', async () => {
    last = await checkSwarm(members(instances));
    return last.problems.length === 0 ? true : undefined;
  }, { timeoutMs: SHAPE_TIMEOUT_MS, everyMs: 1_000 }).catch((error: unknown) => {
    if (!(error instanceof PollTimeoutError)) throw error;
  });
  return last;
}

/** A lab CLI command line to show the reader, naming the lab unless it is the default one. */
function labLine(name: string, command: string, docker = ''): string {
  return `npm run lab -- ${command}${name === 'lab' ? '' : ` --name ${name}`}${docker === '' ? '' : ` -- ${docker}`}`;
}

async function show(args: DemoArgs, t0: number): Promise<boolean> {
  const launched = (await callControl(new LabPaths(args.name).controlSocket, 'instances')) as LabInstance[];
  say(`${launched.length} instances launched; waiting for their swarmnode boots (each logs its facts and decisions as JSON; below are its messages, timed from the start of the lab)...\n`);
  const outcomes = await waitForBoots(launched);
  const instances = inTellingOrder(launched);
  for (const i of instances) tellBoot(i, outcomes.get(i.instanceId) ?? { state: 'running' }, t0);
  say(initSummary(instances));
  say();

  const manager = instances.find((i) => i.role === 'manager' && outcomes.get(i.instanceId)?.state === 'done') ?? instances[0];
  if (manager !== undefined) {
    say(`$ ${labLine(args.name, `exec ${manager.hostname}`, 'docker node ls')}`);
    const ls = await labCli(['exec', manager.hostname, '--name', args.name, '--', 'docker', 'node', 'ls']);
    say(ls.text.trimEnd());
    say();
  }
  const shape = await settledShape(instances);
  const failed = [...outcomes.values()].filter((o) => o.state !== 'done').length;
  const problems = [...shape.problems];
  if (failed > 0) problems.unshift(`${failed} boot(s) did not finish as healthy members`);
  if (instances.length !== MANAGERS + WORKERS) problems.unshift(`${instances.length} instances, expected ${MANAGERS + WORKERS}`);
  if (problems.length === 0) {
    say(`result: ONE swarm (${shape.swarmIds[0]}): ${instances.length}/${MANAGERS + WORKERS} nodes Ready, ${MANAGERS} managers reachable, leader ${shape.leader}`);
    return true;
  }
  say('result: the swarm did NOT form as it should:');
  for (const problem of problems) say(`  - ${problem}`);
  say(`  agent logs: ${labLine(args.name, 'logs <hostname>')}   engine logs: add --engine`);
  return false;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (process.getuid?.() !== 0) throw new LabUnavailableError('the demo runs a lab: network namespaces and Docker engines need root', 'run it as root, e.g. `sudo npm run demo`');
  await ensureBuilt(ROOT, say);
  say(`swarmnode demo: ${MANAGERS} managers and ${WORKERS} workers launched at the same moment, no AWS needed.`);
  say(`Each instance is a network namespace with its own dockerd; a fake AWS endpoint (Auto Scaling, EC2, SSM, KMS, IMDSv2) plays the cloud;`);
  say(`swarmnode runs in each one as systemd would (\`swarmnode boot\`, then \`swarmnode watch\`), starting within ${JITTER_MS / 1000} s of each other.\n`);
  const t0 = Date.now();
  const up = await labCli(['up', '--name', args.name, '--cluster', 'demo', '--managers', String(MANAGERS), '--workers', String(WORKERS), '--jitter', String(JITTER_MS)]);
  if (up.code !== 0) {
    say(up.text.trimEnd());
    return up.code;
  }
  let interrupted = false;
  const down = async (): Promise<void> => {
    say(`taking the lab down: ${labLine(args.name, 'down')}`);
    const result = await labCli(['down', '--name', args.name]);
    say(result.text.trimEnd());
  };
  const onSignal = (): void => {
    if (interrupted) return;
    interrupted = true;
    void (args.keep ? Promise.resolve() : down()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let formed = false;
  try {
    formed = await show(args, t0);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) {
      if (args.keep) {
        say(`\nthe lab '${args.name}' stays up. Try:`);
        for (const [command, docker, why] of [
          ['status', '', 'instances, lifecycle states, swarm states'],
          ['exec <hostname>', 'docker node ls', 'any docker command against that instance'],
          ['logs <hostname>', '', "swarmnode's JSON log in that instance"],
          ['scale workers 4', '', 'scale out; `terminate|crash|reboot <hostname>` too'],
          ['down', '', 'when done'],
        ] as const) {
          say(`  ${labLine(args.name, command, docker).padEnd(64)} ${why}`);
        }
      } else {
        say();
        await down();
      }
    }
  }
  return formed ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof SwarmnodeError) {
    process.stderr.write(`demo: ${error.message}\n  fix: ${error.action}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`demo: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
