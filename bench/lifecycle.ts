// `npm run bench -- lifecycle`: how long each lifecycle swarmnode handles takes in the lab, with the
// lab's short timings (1 s poll): warm pool scale-out (Stopped, Running) against a cold launch,
// instance-reuse scale-in, a launch give-up, a rebalance recommendation and a spot notice.
// The README's lifecycle table quotes these figures.
import type { Lab } from '../test/lab/lab.js';
import { createService, idsOf, nodeOf, nodes, runningTasks, waitForSwarm } from '../test/e2e/watch-helpers.js';
import { pollUntil } from './poll.js';
import { formatTable, seconds } from './table.js';
import { withLab } from './with-lab.js';

const ENV = { SWARMNODE_POLL_INTERVAL: '1s', SWARMNODE_REAP_AFTER: '10s', SWARMNODE_DRAIN_TIMEOUT: '2m', SWARMNODE_JOIN_TIMEOUT: '30s' };
const WAIT = { timeoutMs: 240_000, everyMs: 200 };
const POOL = { minSize: 1, maxGroupPreparedCapacity: 1, reuseOnScaleIn: true } as const;
const WEB = 4;

interface Row {
  lifecycle: string;
  measured: string;
  ms: number;
  result: string;
}

const stateOf = (lab: Lab, id: string): string | undefined => lab.cloud.instance(id)?.lifecycleState;
const untilState = (lab: Lab, id: string, state: string): Promise<true> =>
  pollUntil(`${id} ${state}`, async () => (stateOf(lab, id) === state ? true : undefined), WAIT);
const lastOutcome = (lab: Lab, id: string): string => {
  const last = lab.cloud.lifecycleOutcomes(id).at(-1);
  return last === undefined ? 'none' : `${last.transition} ${last.result} (${last.by})`;
};

/** Scale the workers out by one and time the new member from the request to InService. */
async function scaleOut(lab: Lab, workers: string, id: string | undefined, label: string): Promise<Row> {
  const start = Date.now();
  const launched = id ?? (await lab.launchInstance(workers));
  if (id !== undefined) await lab.scale(workers, lab.cloud.group(workers)!.desired + 1);
  await untilState(lab, launched, 'InService');
  return { lifecycle: label, measured: 'scale-out request -> InService (joined, launching action CONTINUE)', ms: Date.now() - start, result: lastOutcome(lab, launched) };
}

async function warmPools(): Promise<Row[]> {
  return withLab({ name: `bench-lc-pool-${process.pid}`, managers: 1, workers: 1, env: ENV, warmPools: { workers: { ...POOL, poolState: 'Stopped' } } }, async (lab) => {
    const workers = `${lab.cluster}-workers`;
    await waitForSwarm(lab, 2);
    const pooled = () => pollUntil('a settled pool instance', async () => lab.warmPool(workers).instances.find((i) => /^Warmed:(Stopped|Running)$/.test(i.lifecycleState))?.instanceId, WAIT);
    const rows: Row[] = [];
    rows.push(await scaleOut(lab, workers, await pooled(), 'warm pool, Stopped'));

    const newest = lab.cloud.group(workers)!.instanceIds.at(-1)!;
    const start = Date.now();
    await lab.scale(workers, lab.cloud.group(workers)!.desired - 1);
    await untilState(lab, newest, 'Warmed:Stopped');
    rows.push({ lifecycle: 'scale-in, instance reuse', measured: 'scale-in request -> drained, left, back in the pool stopped', ms: Date.now() - start, result: lastOutcome(lab, newest) });

    lab.deleteWarmPool(workers, { force: true });
    await lab.putWarmPool(workers, { ...POOL, poolState: 'Running' });
    rows.push(await scaleOut(lab, workers, await pooled(), 'warm pool, Running'));

    lab.deleteWarmPool(workers, { force: true });
    rows.push(await scaleOut(lab, workers, undefined, 'cold launch (no pool)'));

    await lab.blockPortForNewInstances(2377);
    const doomedAt = Date.now();
    const doomed = await lab.launchInstance(workers);
    await pollUntil(`${doomed} abandoned`, async () => (lab.cloud.lifecycleOutcomes(doomed).length > 0 ? true : undefined), WAIT);
    await lab.blockPortForNewInstances(2377, false);
    rows.push({ lifecycle: 'launch give-up', measured: `launch -> ABANDON (SWARMNODE_JOIN_TIMEOUT ${ENV.SWARMNODE_JOIN_TIMEOUT})`, ms: Date.now() - doomedAt, result: lastOutcome(lab, doomed) });
    return rows;
  });
}

async function spot(): Promise<Row[]> {
  return withLab({ name: `bench-lc-spot-${process.pid}`, managers: 1, workers: 2, spot: { workers: true }, env: ENV }, async (lab) => {
    await waitForSwarm(lab, 3);
    const [manager = ''] = idsOf(lab, 'manager');
    await createService(lab, manager, 'web', WEB, 1, ['node.role==worker']);
    await pollUntil('web running', async () => ((await runningTasks(lab, manager, 'web')).length === WEB ? true : undefined), WAIT);
    const rows = await nodes(lab, manager);
    const tasks = await runningTasks(lab, manager, 'web');
    const victim = idsOf(lab, 'worker').find((id) => tasks.some((t) => t.NodeID === nodeOf(rows, lab, id)?.ID))!;
    const victimNode = nodeOf(rows, lab, victim)!.ID;

    const start = Date.now();
    lab.rebalance(victim);
    await pollUntil('tasks moved', async () => {
      const now = await runningTasks(lab, manager, 'web');
      return now.length === WEB && now.every((t) => t.NodeID !== victimNode) ? true : undefined;
    }, WAIT);
    const moved = Date.now() - start;

    const notice = lab.interruptSpot(victim);
    const noticeAt = Date.now();
    await pollUntil(`${victim} out of the swarm`, async () => ((await lab.docker(victim).info()).Swarm.LocalNodeState === 'inactive' ? true : undefined), WAIT);
    const left = Date.now();
    return [
      { lifecycle: 'spot rebalance recommendation', measured: `recommendation -> ${WEB} tasks moved off, node drained (still a member)`, ms: moved, result: 'no action to answer' },
      { lifecycle: 'spot interruption notice', measured: 'notice -> out of the swarm', ms: left - noticeAt, result: `left ${seconds(notice.time.getTime() - left)} s before EC2 takes the instance` },
    ];
  });
}

export async function main(): Promise<void> {
  const rows = [...(await warmPools()), ...(await spot())];
  process.stdout.write(`${formatTable(['lifecycle', 'measured', 'seconds', 'hook result'], rows.map((r) => [r.lifecycle, r.measured, seconds(r.ms), r.result]))}\n`);
}
