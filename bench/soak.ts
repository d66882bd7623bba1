// `npm run soak -- boot [--trials N]`: N trials (default 20) each of 3 and of 5 managers launched at
// the same moment, agents starting with random jitter; counts the trials that end in one swarm with
// every manager reachable, and says why the others did not.
import { fileURLToPath } from 'node:url';
import { SwarmnodeError } from '../src/errors/swarmnode-error.js';
import { LabUsageError } from '../test/lab/lab-errors.js';
import type { Lab } from '../test/lab/lab.js';
import { bootOutcome, bootStory } from './boot-log.js';
import { ensureBuilt } from './ensure-build.js';
import { pollUntil, PollTimeoutError } from './poll.js';
import { checkSwarm } from './swarm-shape.js';
import { labMembers, withLab } from './with-lab.js';

const SIZES = [3, 5];
const DEFAULT_TRIALS = 20;
/** Each trial draws its jitter window in [0, this): from all agents at once to starts seconds apart. */
const MAX_JITTER_MS = 4_000;
/** Short enough that a stuck trial ends, long enough for any healthy boot on a loaded machine. */
const JOIN_TIMEOUT = '2m';
const BOOT_WAIT_MS = 150_000;
const SETTLE_MS = 30_000;

const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

interface TrialResult {
  ok: boolean;
  seconds: number;
  reasons: string[];
}

async function judge(lab: Lab, managers: number): Promise<string[]> {
  const ids = lab.instances().map((i) => i.instanceId);
  const codes = await Promise.all(ids.map((id) => lab.bootExit(id, BOOT_WAIT_MS).catch(() => undefined)));
  const reasons: string[] = [];
  for (const [n, i] of lab.instances().entries()) {
    const code = codes[n];
    if (code === 0) continue;
    const outcome = bootOutcome(lab.agentLog(i.instanceId));
    const why = outcome.state === 'failed' ? outcome.reason : (bootStory(lab.agentLog(i.instanceId)).at(-1)?.msg ?? 'no log line');
    reasons.push(`${i.hostname}: boot ${code === undefined ? `still running after ${BOOT_WAIT_MS / 1000} s` : `exit ${code}`}: ${why}`);
  }
  const inits = lab.instances().filter((i) => bootStory(lab.agentLog(i.instanceId)).some((l) => l.action === 'init')).length;
  if (inits !== 1) reasons.push(`swarm init ran ${inits} times`);
  let problems: string[] = [];
  await pollUntil('one swarm with every manager reachable', async () => {
    problems = (await checkSwarm(labMembers(lab))).problems;
    return problems.length === 0 ? true : undefined;
  }, { timeoutMs: SETTLE_MS, everyMs: 1_000 }).catch((error: unknown) => {
    if (!(error instanceof PollTimeoutError)) throw error;
  });
  if (lab.instances().length !== managers) reasons.push(`${lab.instances().length} instances, expected ${managers}`);
  return [...reasons, ...problems];
}

async function trial(managers: number, t: number): Promise<TrialResult & { jitterMs: number }> {
  const jitterMs = Math.floor(Math.random() * MAX_JITTER_MS);
  const started = Date.now();
  const opts = { name: `soak-${process.pid}-${managers}-${t}`, managers, startJitterMs: jitterMs, env: { SWARMNODE_JOIN_TIMEOUT: JOIN_TIMEOUT } };
  const reasons = await withLab(opts, (lab) => judge(lab, managers)).catch((error: unknown) => [
    `the lab failed: ${error instanceof Error ? error.message : String(error)}`,
  ]);
  return { ok: reasons.length === 0, seconds: (Date.now() - started) / 1000, reasons, jitterMs };
}

function trialsArg(argv: readonly string[]): number {
  const [what, flag, value, ...rest] = argv;
  if (what !== 'boot' || rest.length > 0 || (flag !== undefined && flag !== '--trials')) {
    throw new LabUsageError(`unknown soak '${argv.join(' ')}'`, 'usage: npm run soak -- boot [--trials N]   (N defaults to 20)');
  }
  if (flag === undefined) return DEFAULT_TRIALS;
  if (value === undefined || !/^[1-9]\d*$/.test(value)) throw new LabUsageError(`--trials needs a whole number >= 1, got '${value ?? ''}'`, 'e.g. --trials 5');
  return Number(value);
}

async function main(argv: readonly string[]): Promise<number> {
  const trials = trialsArg(argv);
  await ensureBuilt(fileURLToPath(new URL('..', import.meta.url)), say);
  const started = Date.now();
  const summary: string[] = [];
  const failures: string[] = [];
  for (const managers of SIZES) {
    let ok = 0;
    for (let t = 1; t <= trials; t++) {
      const r = await trial(managers, t);
      if (r.ok) ok++;
      else failures.push(...r.reasons.map((reason) => `${managers} managers, trial ${t}: ${reason}`));
      say(`${managers} managers, trial ${String(t).padStart(2)}/${trials}: ${r.ok ? 'ok  ' : 'FAIL'} ${r.seconds.toFixed(1).padStart(5)} s (start jitter window ${(r.jitterMs / 1000).toFixed(1)} s)`);
    }
    summary.push(`${managers} managers: ${ok}/${trials}`);
  }
  say(`\nsoak boot: every trial launches the managers at the same moment, each agent starting after a random delay in its trial's window;`);
  say(`success = every boot exits 0, swarm init ran once, and every manager sees one swarm: all nodes Ready, all managers reachable, one leader.`);
  for (const line of summary) say(line);
  say(failures.length === 0 ? 'failures: none' : `failures:\n${failures.map((f) => `  ${f}`).join('\n')}`);
  say(`(${((Date.now() - started) / 60_000).toFixed(1)} min)`);
  return failures.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(error instanceof SwarmnodeError ? `soak: ${error.message}\n  fix: ${error.action}\n` : `soak: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = error instanceof SwarmnodeError ? error.exitCode : 1;
}
