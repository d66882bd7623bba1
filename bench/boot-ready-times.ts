import { LabOperationError } from '../test/lab/lab-errors.js';
import type { Lab } from '../test/lab/lab.js';
import { pollUntil } from './poll.js';
import { ReadyWatch } from './ready-watch.js';
import { formatTable, median, seconds } from './table.js';
import { labMembers, withLab } from './with-lab.js';

const MANAGERS = 3;
const WORKERS = 2;
const TRIALS = 5;
const FORM_TIMEOUT_MS = 180_000;

type Setup = 'swarmnode' | 'by hand';

interface Trial {
  setup: Setup;
  /** Seconds from each instance's launch (EC2 launch time) to its node Ready, by role. */
  byRole: Record<string, number[]>;
  /** Seconds from the first launch to the last node Ready. */
  whole: number;
}

/** Launch to Ready for every instance of the lab, read off the ReadyWatch. */
function collect(lab: Lab, watch: ReadyWatch, setup: Setup): Trial {
  const byRole: Record<string, number[]> = {};
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const i of lab.instances()) {
    const launched = lab.cloud.instance(i.instanceId)?.launchTime.getTime() ?? Number.NaN;
    const ready = watch.at(i.hostname) ?? Number.NaN;
    (byRole[i.role] ??= []).push((ready - launched) / 1000);
    first = Math.min(first, launched);
    last = Math.max(last, ready);
  }
  return { setup, byRole, whole: (last - first) / 1000 };
}

async function allReady(lab: Lab, watch: ReadyWatch): Promise<void> {
  await pollUntil('every node Ready', async () => (watch.count === lab.instances().length ? true : undefined), { timeoutMs: FORM_TIMEOUT_MS });
}

/** swarmnode boots in every instance as systemd starts it, all launched at the same moment. */
async function withSwarmnode(name: string): Promise<Trial> {
  return withLab({ name, managers: MANAGERS, workers: WORKERS }, async (lab) => {
    const watch = new ReadyWatch(() => labMembers(lab));
    try {
      const codes = await Promise.all(lab.instances().map((i) => lab.bootExit(i.instanceId, FORM_TIMEOUT_MS)));
      if (codes.some((c) => c !== 0)) throw new LabOperationError(`swarmnode boot exit codes ${codes.join(', ')}`, 'run `npm run demo` to see why the boot fails');
      await allReady(lab, watch);
    } finally {
      await watch.stop();
    }
    return collect(lab, watch, 'swarmnode');
  });
}

/**
 * The floor: the same lab without the agent, and what a script with every answer known in advance
 * does through the engine API the moment the engines are up: init on one manager, then every other
 * instance joins at once with the right token. No discovery, no AWS, no election, no health wait.
 */
async function byHand(name: string): Promise<Trial> {
  return withLab({ name, managers: MANAGERS, workers: WORKERS, agent: false }, async (lab) => {
    const watch = new ReadyWatch(() => labMembers(lab));
    try {
      const [first, ...others] = lab.instances();
      if (first === undefined) throw new LabOperationError('the lab has no instance', 'start it with managers');
      const leader = lab.docker(first.instanceId);
      await leader.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: first.privateIp });
      const tokens = ((await leader.swarmInspect()) as { JoinTokens: { Manager: string; Worker: string } }).JoinTokens;
      await Promise.all(
        others.map((peer) =>
          lab.docker(peer.instanceId).swarmJoin({
            ListenAddr: '0.0.0.0:2377',
            AdvertiseAddr: peer.privateIp,
            RemoteAddrs: [`${first.privateIp}:2377`],
            JoinToken: peer.role === 'manager' ? tokens.Manager : tokens.Worker,
          }),
        ),
      );
      await allReady(lab, watch);
    } finally {
      await watch.stop();
    }
    return collect(lab, watch, 'by hand');
  });
}

function spread(values: number[]): string {
  return `${seconds(median(values) * 1000)} (${seconds(Math.min(...values) * 1000)}-${seconds(Math.max(...values) * 1000)})`;
}

/** Part 1 of `npm run bench -- boot`: launch to node Ready, swarmnode against joins by hand. */
export async function readyTimes(say: (text: string) => void): Promise<void> {
  const trials: Trial[] = [];
  for (let t = 0; t < TRIALS; t++) {
    trials.push(await withSwarmnode(`bb-agent-${process.pid}`));
    trials.push(await byHand(`bb-hand-${process.pid}`));
    say(`  trial ${t + 1}/${TRIALS} done`);
  }
  const pick = (setup: Setup, role?: string): number[] =>
    trials.filter((t) => t.setup === setup).flatMap((t) => (role === undefined ? [t.whole] : (t.byRole[role] ?? [])));
  const rows = [
    ...['manager', 'worker'].map((role) => ({ what: `${role} launch -> Ready`, agent: pick('swarmnode', role), hand: pick('by hand', role) })),
    { what: 'whole swarm (first launch -> last Ready)', agent: pick('swarmnode'), hand: pick('by hand') },
  ];
  say(
    formatTable(
      ['', 'swarmnode (s)', 'engine API by hand (s)', 'ratio'],
      rows.map((r) => [r.what, spread(r.agent), spread(r.hand), `${(median(r.agent) / median(r.hand)).toFixed(2)}x`]),
    ),
  );
  say(
    `  ${TRIALS} trials of ${MANAGERS} managers + ${WORKERS} workers launched at the same moment; median (min-max) over every node of every trial;\n` +
      '  launch = EC2 launch time of the instance (namespace + dockerd start included in both columns); Ready = first seen Ready in a manager\'s `docker node ls` (sampled every 100 ms).\n' +
      '  by hand = the same lab with agent:false: swarm init on one manager as soon as the engines answer, then every other instance joins at once with the right token.',
  );
}
