import { LabOperationError } from '../test/lab/lab-errors.js';
import type { Lab } from '../test/lab/lab.js';
import { checkSwarm } from './swarm-shape.js';
import { formatTable } from './table.js';
import { labMembers, withLab } from './with-lab.js';

const FLEETS = [5, 50, 500];
const MANAGERS = 3;
const WORKERS = 2;

interface FleetCalls {
  fleet: number;
  /** Calls by API, summed over the real boots. */
  byApi: Record<string, number>;
  boots: number;
  /** The largest number of calls one boot made. */
  maxPerBoot: number;
}

/**
 * Boots the real instances of a fleet of `fleet` instances: 3 managers and 2 workers with engines,
 * the rest virtual workers (in EC2 and the ASGs, no engine). `swarmnode boot` is run in each real
 * instance directly (not through the supervisor) so that the counters hold boot's calls only, and
 * nothing of `watch`.
 */
async function measureFleet(fleet: number): Promise<FleetCalls> {
  // agent:false + hooks: the instances wait in Pending:Wait for a boot to complete their hook.
  return withLab({ name: `bb-calls-${process.pid}`, managers: MANAGERS, workers: WORKERS, agent: false, hooks: {} }, async (lab: Lab) => {
    const virtual = fleet - MANAGERS - WORKERS;
    if (virtual > 0) {
      await lab.cloud.createGroup({
        name: `${lab.cluster}-fleet`,
        tags: { 'swarmnode:cluster': lab.cluster, 'swarmnode:role': 'worker' },
        desired: virtual,
        max: virtual,
        virtual: true,
      });
    }
    const real = lab.instances().map((i) => i.instanceId);
    lab.cloud.resetCalls();
    const runs = await Promise.all(real.map((id) => lab.runAgent(id, ['boot'])));
    const failed = runs.findIndex((r) => r.code !== 0);
    if (failed !== -1) throw new LabOperationError(`swarmnode boot exited ${runs[failed]!.code} in a fleet of ${fleet}: ${runs[failed]!.stderr.trim()}`, 'run `npm run demo` to see the boot fail in the open');
    const { byCaller } = lab.cloud.calls();
    const { problems } = await checkSwarm(labMembers(lab));
    if (problems.length > 0) throw new LabOperationError(`the swarm of the fleet of ${fleet} is not right: ${problems.join('; ')}`, 'run `npm run demo` to see the boots in the open');
    const byApi: Record<string, number> = {};
    let maxPerBoot = 0;
    for (const id of real) {
      const mine = byCaller[id] ?? {};
      for (const [api, n] of Object.entries(mine)) byApi[api] = (byApi[api] ?? 0) + n;
      maxPerBoot = Math.max(maxPerBoot, Object.values(mine).reduce((a, b) => a + b, 0));
    }
    return { fleet, byApi, boots: real.length, maxPerBoot };
  });
}

/** Part 2 of `npm run bench -- boot`: AWS calls per boot by API, against the fleet size. */
export async function awsCallsPerBoot(say: (text: string) => void): Promise<void> {
  const results: FleetCalls[] = [];
  for (const fleet of FLEETS) results.push(await measureFleet(fleet));
  const apis = [...new Set(results.flatMap((r) => Object.keys(r.byApi)))].sort();
  const perBoot = (r: FleetCalls, n: number): string => (n / r.boots).toFixed(1);
  const rows = apis.map((api) => [api, ...results.map((r) => perBoot(r, r.byApi[api] ?? 0))]);
  rows.push(['all APIs', ...results.map((r) => perBoot(r, Object.values(r.byApi).reduce((a, b) => a + b, 0)))]);
  rows.push(['all APIs, most by one boot', ...results.map((r) => String(r.maxPerBoot))]);
  say(formatTable(['AWS calls per boot (mean)', ...results.map((r) => `fleet ${r.fleet}`)], rows));
  say(
    `  each fleet: ${MANAGERS} managers + ${WORKERS} workers with engines boot at the same moment (one init, four joins), the other instances are\n` +
      '  virtual workers of a third cluster ASG (in EC2 and Auto Scaling, no engine); counted per caller by the fake endpoint, boot only (watch not running);\n' +
      '  every fleet checked afterwards: one swarm, 5 nodes Ready, 3 managers reachable, one leader. Counts vary with how many wait rounds a boot needs, not with the fleet.',
  );
}
