import { setTimeout as sleep } from 'node:timers/promises';
import { LabOperationError } from '../../test/lab/lab-errors.js';
import type { Lab } from '../../test/lab/lab.js';
import { pollUntil } from '../poll.js';
import { checkSwarm } from '../swarm-shape.js';
import { median } from '../table.js';
import { labMembers, withLab } from '../with-lab.js';
import { evictFromPageCache, watchResident, type Resident } from './watch-rss.js';

const MANAGERS = 3;
const WORKERS = 2;
const BOOT_TIMEOUT_MS = 300_000;

/** What one fleet size costs, measured on one lab. */
export interface FleetFigures {
  fleet: number;
  /** AWS calls of each of the simultaneous launches that formed the swarm (3 managers + 2 workers). */
  formation: { median: number; max: number; byApi: Record<string, number> };
  /** AWS calls of one worker launched into the formed swarm. */
  join: { calls: number; byApi: Record<string, number> };
  /** AWS calls of the boot after a reboot of a healthy worker. */
  reboot: { calls: number; byApi: Record<string, number> };
  /** AWS calls per minute of the whole fleet once nothing changes, and the window they were counted over. */
  steady: { perMinute: number; windowSec: number; byApi: Record<string, number> };
  /** Resident memory of `swarmnode watch` after it ran `soakSec`: RSS (kB), and its own part (anonymous, kB; not in baselines recorded before it was). */
  rss: { workerKb: number | undefined; leaderKb: number | undefined; workerAnonKb?: number; leaderAnonKb?: number; soakSec: number };
}

export interface FleetOptions {
  binary: string;
  /** How long steady state is counted, and how long watch runs before its RSS is read. */
  steadyMs: number;
  soakMs: number;
  say: (text: string) => void;
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function minus(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [api, n] of Object.entries(after)) if (n - (before[api] ?? 0) > 0) out[api] = n - (before[api] ?? 0);
  return out;
}

function merge(into: Record<string, number>, counts: Record<string, number>): void {
  for (const [api, n] of Object.entries(counts)) into[api] = (into[api] ?? 0) + n;
}

/**
 * One fleet of `fleet` instances: 3 managers and 2 workers with real engines and the agent as the
 * shipped units run it (boot, then watch), the rest virtual workers of a third cluster ASG (in EC2
 * and Auto Scaling, no engine, no agent). The five launch at the same moment (formation), then one
 * more worker joins, then a worker reboots; then nothing changes for `steadyMs` while the fleet's
 * calls are counted, and watch's RSS is read once it has run `soakMs`.
 */
export async function measureFleet(fleet: number, opts: FleetOptions): Promise<FleetFigures> {
  const name = `be-${fleet}-${process.pid}`;
  evictFromPageCache(opts.binary);
  return withLab({ name, managers: 0, workers: 0, binary: opts.binary, env: { SWARMNODE_REPORT_UNHEALTHY: 'false' } }, async (lab: Lab) => {
    const virtual = fleet - MANAGERS - WORKERS - 1;
    if (virtual > 0) {
      await lab.cloud.createGroup({ name: `${lab.cluster}-fleet`, tags: { 'swarmnode:cluster': lab.cluster, 'swarmnode:role': 'worker' }, desired: virtual, max: virtual, virtual: true });
    }
    const callsOf = (id: string): Record<string, number> => ({ ...(lab.cloud.calls().byCaller[id] ?? {}) });
    lab.cloud.resetCalls();
    await Promise.all([lab.scale(`${lab.cluster}-managers`, MANAGERS), lab.scale(`${lab.cluster}-workers`, WORKERS)]);
    const formed = lab.instances().map((i) => i.instanceId);
    const atExit = await Promise.all(formed.map(async (id) => ({ id, code: await lab.bootExit(id, BOOT_TIMEOUT_MS), calls: callsOf(id) })));
    const failed = atExit.find((b) => b.code !== 0);
    if (failed !== undefined) throw new LabOperationError(`boot of ${failed.id} exited ${failed.code} in the fleet of ${fleet}`, 'run `npm run demo` to see the boot fail in the open');
    const formationByApi: Record<string, number> = {};
    for (const b of atExit) merge(formationByApi, b.calls);
    const perBoot = atExit.map((b) => sum(b.calls));
    opts.say(`  fleet ${fleet}: formed (${perBoot.join(', ')} calls)`);

    const joiner = await lab.launchInstance(`${lab.cluster}-workers`);
    if ((await lab.bootExit(joiner, BOOT_TIMEOUT_MS)) !== 0) throw new LabOperationError(`the joining worker's boot failed in the fleet of ${fleet}`, 'see its log');
    const join = callsOf(joiner);

    const rebooted = formed.find((id) => lab.instances().find((i) => i.instanceId === id)?.role === 'worker') as string;
    await waitForWatch(lab, opts.binary, rebooted);
    const beforeReboot = callsOf(rebooted);
    await lab.reboot(rebooted);
    if ((await lab.bootExit(rebooted, BOOT_TIMEOUT_MS)) !== 0) throw new LabOperationError(`the rebooted worker's boot failed in the fleet of ${fleet}`, 'see its log');
    const reboot = minus(callsOf(rebooted), beforeReboot);
    const { problems } = await checkSwarm(labMembers(lab));
    if (problems.length > 0) throw new LabOperationError(`the swarm of the fleet of ${fleet} is not right: ${problems.join('; ')}`, 'run `npm run demo` to see it in the open');
    opts.say(`  fleet ${fleet}: joined (${sum(join)} calls), rebooted (${sum(reboot)} calls); counting steady state for ${Math.round(opts.steadyMs / 1000)} s`);

    // Let the launches settle (hooks answered, the leader's first rounds) before counting.
    await sleep(15_000);
    lab.cloud.resetCalls();
    const watchStarted = Date.now() - 15_000;
    await sleep(opts.steadyMs);
    const steadyCalls = lab.cloud.calls();
    const soakLeft = Math.max(0, watchStarted + opts.soakMs - Date.now());
    if (soakLeft > 0) opts.say(`  fleet ${fleet}: soaking watch ${Math.round(soakLeft / 60_000)} min more before reading its RSS`);
    await sleep(soakLeft);
    const leader = await leaderInstance(lab);
    const ns = (id: string): string => lab.instances().find((i) => i.instanceId === id)?.netns as string;
    const worker = watchResident(opts.binary, ns(joiner));
    const atLeader: Resident | undefined = leader === undefined ? undefined : watchResident(opts.binary, ns(leader));
    return {
      fleet,
      formation: { median: median(perBoot), max: Math.max(...perBoot), byApi: formationByApi },
      join: { calls: sum(join), byApi: join },
      reboot: { calls: sum(reboot), byApi: reboot },
      steady: { perMinute: (steadyCalls.total * 60_000) / opts.steadyMs, windowSec: opts.steadyMs / 1000, byApi: steadyCalls.byApi },
      rss: { workerKb: worker?.rssKb, leaderKb: atLeader?.rssKb, workerAnonKb: worker?.anonKb, leaderAnonKb: atLeader?.anonKb, soakSec: Math.round((Date.now() - watchStarted) / 1000) },
    };
  });
}

/** The reboot must find watch running, as on an instance up for a while. */
async function waitForWatch(lab: Lab, binary: string, id: string): Promise<void> {
  const ns = lab.instances().find((i) => i.instanceId === id)?.netns as string;
  await pollUntil(`watch running in ${id}`, async () => (watchResident(binary, ns) === undefined ? undefined : true), { timeoutMs: 60_000 });
}

/** The instance whose engine is the swarm's leader. */
async function leaderInstance(lab: Lab): Promise<string | undefined> {
  for (const i of lab.instances().filter((x) => x.role === 'manager' && x.running)) {
    const info = (await lab.docker(i.instanceId).info().catch(() => undefined)) as { Swarm?: { NodeID?: string } } | undefined;
    const nodes = (await lab.docker(i.instanceId).listNodes().catch(() => [])) as { ID: string; ManagerStatus?: { Leader?: boolean } }[];
    const self = nodes.find((n) => n.ID === info?.Swarm?.NodeID);
    if (self?.ManagerStatus?.Leader === true) return i.instanceId;
  }
  return undefined;
}
