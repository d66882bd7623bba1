import { LabOperationError } from '../test/lab/lab-errors.js';
import type { Lab } from '../test/lab/lab.js';
import { bootOutcome } from './boot-log.js';
import { pollUntil } from './poll.js';
import { ReadyWatch } from './ready-watch.js';
import { checkSwarm } from './swarm-shape.js';
import { formatTable, median, seconds } from './table.js';
import { labMembers, withLab } from './with-lab.js';

const MANAGERS = 3;
const WORKERS = 47;
/** One token bucket for every API and caller: well below what 50 concurrent boots send (~10 calls/s). */
const THROTTLE = { ratePerSec: 10, burst: 20 };
const INSTANCES = MANAGERS + WORKERS;
const CONVERGE_TIMEOUT_MS = 300_000;

interface Outcome {
  codes: Map<number, number>;
  convergeMs: number | undefined;
  bootMs: number[];
  /** Calls made by the boots alone: each instance's count when its boot exited (watch starts after). */
  bootCalls: number;
  total: number;
  rejected: number;
  problems: string[];
  failures: string[];
}

async function run(lab: Lab): Promise<Outcome> {
  lab.cloud.faults.throttle(THROTTLE);
  lab.cloud.resetCalls();
  const start = Date.now();
  const watch = new ReadyWatch(() => labMembers(lab), 250, start + CONVERGE_TIMEOUT_MS);
  try {
    // Both groups scale out at once, as a stack creation would: 50 launches at the same moment.
    await Promise.all([lab.scale(`${lab.cluster}-managers`, MANAGERS), lab.scale(`${lab.cluster}-workers`, WORKERS)]);
    const ids = lab.instances().map((i) => i.instanceId);
    const atExit = new Map<string, number>();
    const callsOf = (id: string): number => Object.values(lab.cloud.calls().byCaller[id] ?? {}).reduce((a, b) => a + b, 0);
    const codes = await Promise.all(
      ids.map((id) =>
        lab
          .bootExit(id, CONVERGE_TIMEOUT_MS)
          .catch(() => -1)
          .finally(() => atExit.set(id, callsOf(id))),
      ),
    );
    const bootMs = ids.map((id) => {
      const out = bootOutcome(lab.agentLog(id));
      return out.state === 'done' ? out.at - start : Number.NaN;
    });
    // A failed boot never makes its node Ready: then the swarm cannot converge, no need to wait for it.
    const converged = codes.every((c) => c === 0)
      ? await pollUntil(`all ${INSTANCES} nodes Ready`, async () => (watch.count === ids.length ? Date.now() : undefined), {
          timeoutMs: Math.max(1_000, start + CONVERGE_TIMEOUT_MS - Date.now()),
        }).catch(() => undefined)
      : undefined;
    const last = Math.max(...lab.instances().map((i) => watch.at(i.hostname) ?? Number.NaN));
    const { total, rejected } = lab.cloud.calls();
    const histogram = new Map<number, number>();
    for (const c of codes) histogram.set(c, (histogram.get(c) ?? 0) + 1);
    const failures = ids
      .map((id) => bootOutcome(lab.agentLog(id)))
      .flatMap((o) => (o.state === 'failed' ? [o.reason] : []));
    const { problems } = await checkSwarm(labMembers(lab));
    const bootCalls = [...atExit.values()].reduce((a, b) => a + b, 0);
    return { codes: histogram, convergeMs: converged === undefined ? undefined : last - start, bootMs, bootCalls, total, rejected, problems, failures };
  } finally {
    await watch.stop();
  }
}

/** Part 3 of `npm run bench -- boot`: 50 instances with engines boot at once against a throttled endpoint. */
export async function throttledBoots(say: (text: string) => void): Promise<void> {
  // A failed boot must not make the group launch replacements in the middle of the count: neither
  // through SetInstanceHealth nor through its launching hook timing out (ABANDON).
  const env = { SWARMNODE_REPORT_UNHEALTHY: 'false' };
  const hooks = { launching: { heartbeatTimeoutSec: 3_600 } };
  const o = await withLab({ name: `bb-throttle-${process.pid}`, managers: 0, workers: 0, env, hooks }, run);
  const ok = o.codes.get(0) ?? 0;
  const finished = o.bootMs.filter((ms) => !Number.isNaN(ms));
  say(
    formatTable(
      [`${INSTANCES} simultaneous boots, throttled endpoint`, ''],
      [
        ['boots that exited 0', `${ok}/${INSTANCES}`],
        ['launch -> every node Ready (converged)', o.convergeMs === undefined ? 'did not converge' : `${seconds(o.convergeMs)} s`],
        ['launch -> boot done, median / slowest', finished.length ? `${seconds(median(finished))} / ${seconds(Math.max(...finished))} s` : '-'],
        ['AWS calls by the boots (per boot)', `${o.bootCalls} (${(o.bootCalls / INSTANCES).toFixed(1)})`],
        ['AWS calls in all, boots + watch of nodes already up', String(o.total)],
        ['of which rejected by the throttle = calls retried', String(o.rejected)],
        ['swarm check', o.problems.length === 0 ? `one swarm, ${INSTANCES} Ready, ${MANAGERS} managers reachable, one leader` : `${o.problems.length} problem(s), below`],
      ],
    ),
  );
  for (const problem of o.problems.slice(0, 8)) say(`  swarm: ${problem}`);
  const other = [...o.codes].filter(([code]) => code !== 0).map(([code, n]) => `${n} x ${code === -1 ? 'still running' : `exit ${code}`}`);
  if (other.length > 0) say(`  failed boots: ${other.join(', ')}; reasons: ${[...new Set(o.failures)].slice(0, 5).join(' | ') || 'none logged'}`);
  say(
    `  ${MANAGERS} managers + ${WORKERS} workers, every one a namespace with its own dockerd, launched by two ASG scale-outs at the same moment;\n` +
      `  the fake endpoint throttles all APIs of all callers together (token bucket ${THROTTLE.ratePerSec}/s, burst ${THROTTLE.burst}), answering each service's throttling error;\n` +
      '  a rejected call is retried by the SDK (adaptive mode, up to 10 attempts) or by boot\'s own backoff; all calls counted until every boot exited and the swarm was checked.',
  );
  if (ok !== INSTANCES) throw new LabOperationError(`${INSTANCES - ok} of ${INSTANCES} boots did not succeed under throttling`, 'see the failure reasons above');
}
