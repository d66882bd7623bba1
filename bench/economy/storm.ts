import type { CallStats } from '../../test/lab/fake-aws/call-counter.js';
import type { Lab } from '../../test/lab/lab.js';
import { StandInFleet } from '../../test/lab/stand-in-fleet.js';
import { median } from '../table.js';
import { labMembers, withLab } from '../with-lab.js';
import { checkSwarm } from '../swarm-shape.js';
import type { StormFigures } from './storm-figures.js';

const MANAGERS = 3;
/** Boot's own deadline is SWARMNODE_JOIN_TIMEOUT (10 min): the storm gets that and a margin. */
const WINDOW_MS = 12 * 60_000;

interface Ends {
  /** Exit code of each instance's boot; -1 when it had not exited by the end of the window. */
  codes: number[];
  /** Epoch ms of each successful boot's end. */
  doneAt: number[];
  /** AWS calls of each boot. */
  perBoot: number[];
}

function figures(kind: StormFigures['kind'], n: number, start: number, ends: Ends, calls: CallStats, healthyNodes: number, throttleScale: number): StormFigures {
  const healthy = Math.min(healthyNodes, ends.codes.filter((c) => c === 0).length);
  return {
    kind,
    instances: n,
    healthy,
    gaveUp: ends.codes.filter((c) => c === 75).length,
    reportedUnhealthy: calls.byApi['autoscaling:SetInstanceHealth'] ?? 0,
    lastHealthySec: healthy === n ? (Math.max(...ends.doneAt) - start) / 1000 : undefined,
    calls: calls.total,
    throttled: calls.throttled,
    throttledByApi: calls.throttledByApi,
    callsPerBoot: { median: median(ends.perBoot), max: Math.max(...ends.perBoot) },
    throttleScale,
    windowSec: WINDOW_MS / 1000,
  };
}

function callsOf(calls: CallStats, id: string): number {
  return Object.values(calls.byCaller[id] ?? {}).reduce((a, b) => a + b, 0);
}

/**
 * N instances with real engines (each a namespace with its own dockerd) launched by two group
 * scale-outs at the same moment, the agents run as the shipped units run them (boot, then watch),
 * against the fake AWS throttled like AWS (token buckets per API family at `scale` times AWS's
 * defaults). Healthy = boot exited 0 and the node is Ready in the one swarm.
 */
export async function realEngineStorm(n: number, binary: string, scale: number): Promise<StormFigures> {
  return withLab({ name: `bes-${process.pid}`, managers: 0, workers: 0, binary, hooks: { launching: { heartbeatTimeoutSec: 3_600 } } }, async (lab: Lab) => {
    lab.cloud.throttleLikeAws({ scale });
    lab.cloud.resetCalls();
    const start = Date.now();
    await Promise.all([lab.scale(`${lab.cluster}-managers`, MANAGERS), lab.scale(`${lab.cluster}-workers`, n - MANAGERS)]);
    const ids = lab.instances().map((i) => i.instanceId);
    const perBoot = new Map<string, number>();
    const doneAt: number[] = [];
    const codes = await Promise.all(
      ids.map(async (id) => {
        const code = await lab.bootExit(id, Math.max(1_000, start + WINDOW_MS - Date.now())).catch(() => -1);
        perBoot.set(id, callsOf(lab.cloud.calls(), id));
        if (code === 0) doneAt.push(Date.now());
        return code;
      }),
    );
    const { problems } = await checkSwarm(labMembers(lab));
    const ready = problems.length === 0 ? n : n - problems.length;
    return figures('real-engines', n, start, { codes, doneAt, perBoot: [...perBoot.values()] }, lab.cloud.calls(), ready, scale);
  });
}

/**
 * N instances on engine stand-ins (test/lab/engine-stand-in.ts: not Docker), each running
 * swarmnode's real boot in this process over HTTP to the fake AWS, throttled like AWS at `scale`;
 * launched by two group scale-outs at the same moment. Healthy = boot exited 0 and its stand-in is
 * a member of the one swarm. No watch runs (boots only).
 */
export async function standInStorm(n: number, scale: number): Promise<StormFigures> {
  const fleet = await StandInFleet.start({ env: { SWARMNODE_LOG_LEVEL: 'warn' } });
  try {
    fleet.cloud.throttleLikeAws({ scale });
    fleet.cloud.resetCalls();
    const start = Date.now();
    const ids = await fleet.scale(MANAGERS, n - MANAGERS);
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), WINDOW_MS).unref());
    const ends = await Promise.all(ids.map((id) => Promise.race([fleet.host.bootEnd(id), timeout])));
    const calls = fleet.cloud.calls();
    const done = ends.flatMap((e) => (e === 'timeout' ? [] : [e]));
    const swarms = fleet.host.swarms.swarmIds();
    return figures(
      'stand-in-engines',
      n,
      start,
      { codes: ends.map((e) => (e === 'timeout' ? -1 : e.exitCode)), doneAt: done.filter((e) => e.exitCode === 0).map((e) => e.at), perBoot: ids.map((id) => callsOf(calls, id)) },
      calls,
      swarms.length === 1 ? n : 0,
      scale,
    );
  } finally {
    await fleet.close();
  }
}
