// `npm run bench -- recovery`: disaster recovery timings in the lab (3 managers, 2 workers, a 6-replica
// service on an overlay network), swarmnode against Docker's documented procedure carried out by a
// script in the same kind of lab (the floor of a person doing it: no paging, no reading, no typing).
//   1. two managers terminated: time to a working leader, and to the service at its replicas;
//   2. every manager terminated: time to the service running again (a new swarm).
// swarmnode waits SWARMNODE_RECOVER_AFTER first (15 s here, 2 m by default): the table says so.
import { LAB_IMAGE } from '../test/lab/instance-engine.js';
import type { Lab } from '../test/lab/lab.js';
import { idsOf, ipOf, nodes, runningTasks } from '../test/e2e/watch-helpers.js';
import { formByHand } from './form-by-hand.js';
import { pollUntil } from './poll.js';
import { formatTable, seconds } from './table.js';
import { withLab } from './with-lab.js';

const RECOVER_AFTER = '15s';
const BUCKET = 'bench-backups';
const REPLICAS = 6;
const WAIT = { timeoutMs: 600_000, everyMs: 250 };
const BASE_ENV = { SWARMNODE_POLL_INTERVAL: '1s', SWARMNODE_REAP_AFTER: '10s', SWARMNODE_RECOVER_AFTER: RECOVER_AFTER, SWARMNODE_BACKUP_BUCKET: BUCKET, SWARMNODE_BACKUP_MIN_INTERVAL: '2s' };

interface Row {
  scenario: string;
  who: string;
  leaderMs: number;
  serviceMs: number;
}

async function deploy(lab: Lab, on: string): Promise<void> {
  await lab.dockerCli(on, ['network', 'create', '--driver', 'overlay', 'app']);
  await lab.docker(on).createService({
    Name: 'web',
    TaskTemplate: { ContainerSpec: { Image: LAB_IMAGE, Command: ['sleep', '1d'] }, Networks: [{ Target: 'app' }], Placement: { Constraints: ['node.role==worker'] } },
    Mode: { Replicated: { Replicas: REPLICAS } },
  });
  await pollUntil('web at its replicas', async () => ((await runningTasks(lab, on, 'web')).length === REPLICAS ? true : undefined), WAIT);
}

/**
 * A lab with the service deployed; with swarmnode, its managers recorded and a backup of it
 * written. Without (`agent: false`), the swarm is formed by hand first.
 */
async function ready(lab: Lab, agent: boolean): Promise<void> {
  lab.cloud.createBucket(BUCKET, { versioning: true });
  if (!agent) await formByHand(lab);
  await pollUntil('5 nodes', async () => {
    for (const id of idsOf(lab, 'manager')) {
      const list = await nodes(lab, id).catch(() => undefined);
      if (list?.filter((n) => n.Status.State === 'ready').length === 5) return true;
    }
    return undefined;
  }, WAIT);
  await deploy(lab, idsOf(lab, 'manager')[0]!);
  if (!agent) return;
  await pollUntil('managers recorded and a backup written', async () => {
    const record = JSON.parse(lab.cloud.parameter(`/swarmnode/${lab.cluster}/cluster`)?.value ?? '{}') as { managers?: unknown[] };
    return record.managers?.length === 3 && lab.cloud.bucketObjects(BUCKET).length > 0 ? true : undefined;
  }, WAIT);
}

/**
 * The raft noticed the loss: no manager that runs answers with a leader. Right after the crash a
 * survivor still names the old leader for a few seconds: a leader seen then is not a recovery.
 */
const leaderGone = (lab: Lab): Promise<true> => pollUntil('the raft without a leader', async () => ((await managerWithLeader(lab)) === undefined ? true : undefined), WAIT);

/** The first manager that answers with a node list that has a leader. */
const leaderUp = (lab: Lab): Promise<string> => pollUntil('a leader', () => managerWithLeader(lab), WAIT);

/** A manager whose node list names a leader now; undefined when none does. */
async function managerWithLeader(lab: Lab): Promise<string | undefined> {
  for (const id of idsOf(lab, 'manager')) {
    const list = await nodes(lab, id).catch(() => undefined);
    if (list?.some((n) => n.ManagerStatus?.Leader === true)) return id;
  }
  return undefined;
}

const serviceUp = (lab: Lab): Promise<true> =>
  pollUntil('web at its replicas', async () => {
    for (const id of idsOf(lab, 'manager')) {
      const tasks = await runningTasks(lab, id, 'web').catch(() => undefined);
      if (tasks?.length === REPLICAS) return true;
    }
    return undefined;
  }, WAIT);

async function measure(lab: Lab, scenario: string, who: string, lose: (lab: Lab) => Promise<void>, byHand?: (lab: Lab) => Promise<void>): Promise<Row> {
  await ready(lab, byHand === undefined);
  const start = Date.now();
  await lose(lab);
  // The script acts at once; swarmnode acts once the raft has lost its leader (then waits SWARMNODE_RECOVER_AFTER).
  await (byHand === undefined ? leaderGone(lab) : byHand(lab));
  await leaderUp(lab);
  const leaderMs = Date.now() - start;
  await serviceUp(lab);
  return { scenario, who, leaderMs, serviceMs: Date.now() - start };
}

/** Two of three managers terminated; the ASG launches replacements. */
async function loseMajority(lab: Lab): Promise<void> {
  for (const id of idsOf(lab, 'manager').slice(1)) await lab.crash(id);
  await lab.scale(`${lab.cluster}-managers`, 3);
}

async function loseAll(lab: Lab): Promise<void> {
  for (const id of idsOf(lab, 'manager')) await lab.crash(id);
  await lab.scale(`${lab.cluster}-managers`, 3);
}

/**
 * Docker's "Recover from losing the quorum": `docker swarm init --force-new-cluster` on the
 * survivor, then the new managers join with the manager token (the dead ones are removed later).
 */
async function forceNewClusterByHand(lab: Lab): Promise<void> {
  const survivor = idsOf(lab, 'manager')[0]!;
  await lab.dockerCli(survivor, ['swarm', 'init', '--force-new-cluster', '--advertise-addr', ipOf(lab, survivor)]);
  const token = (await lab.dockerCli(survivor, ['swarm', 'join-token', '-q', 'manager'])).stdout.trim();
  for (const id of idsOf(lab, 'manager').filter((m) => m !== survivor)) {
    await pollUntil(`${id} engine up`, async () => ((await lab.docker(id).info().catch(() => undefined)) === undefined ? undefined : true), WAIT);
    await lab.dockerCli(id, ['swarm', 'join', '--token', token, '--advertise-addr', ipOf(lab, id), `${ipOf(lab, survivor)}:2377`]);
  }
}

/** No manager left: a new swarm on a new manager, the service and network made again, every worker re-joined. */
async function newSwarmByHand(lab: Lab): Promise<void> {
  const [first, ...others] = idsOf(lab, 'manager') as [string, ...string[]];
  await pollUntil('new managers\' engines up', async () => ((await Promise.all(idsOf(lab, 'manager').map((id) => lab.docker(id).info().then(() => true, () => false)))).every(Boolean) ? true : undefined), WAIT);
  await lab.dockerCli(first, ['swarm', 'init', '--advertise-addr', ipOf(lab, first)]);
  const managerToken = (await lab.dockerCli(first, ['swarm', 'join-token', '-q', 'manager'])).stdout.trim();
  const workerToken = (await lab.dockerCli(first, ['swarm', 'join-token', '-q', 'worker'])).stdout.trim();
  for (const id of others) await lab.dockerCli(id, ['swarm', 'join', '--token', managerToken, '--advertise-addr', ipOf(lab, id), `${ipOf(lab, first)}:2377`]);
  for (const id of idsOf(lab, 'worker')) {
    await lab.dockerCli(id, ['swarm', 'leave', '--force']);
    await lab.dockerCli(id, ['swarm', 'join', '--token', workerToken, '--advertise-addr', ipOf(lab, id), `${ipOf(lab, first)}:2377`]);
  }
  await deploy(lab, first);
}

export async function main(): Promise<void> {
  const name = (what: string): string => `bench-rec-${what}-${process.pid}`;
  const lab = { managers: 3, workers: 2 };
  // The scripted procedures run on labs without swarmnode (agent: false): its agents would rightly
  // take a swarm initialised by hand beside the recorded one for another swarm, and leave it.
  const rows = [
    await withLab({ ...lab, name: name('q'), env: BASE_ENV }, (l) => measure(l, 'two of three managers terminated', 'swarmnode (no hands)', loseMajority)),
    await withLab({ ...lab, name: name('qh'), agent: false }, (l) => measure(l, 'two of three managers terminated', 'Docker\'s procedure, scripted', loseMajority, forceNewClusterByHand)),
    await withLab({ ...lab, name: name('r'), env: BASE_ENV }, (l) => measure(l, 'every manager terminated', 'swarmnode (no hands)', loseAll)),
    await withLab({ ...lab, name: name('rh'), agent: false }, (l) => measure(l, 'every manager terminated', 'by hand, scripted (init, re-join, redeploy)', loseAll, newSwarmByHand)),
  ];
  process.stdout.write(`${formatTable(['scenario', 'who', 'to a leader (s)', 'to web 6/6 (s)'], rows.map((r) => [r.scenario, r.who, seconds(r.leaderMs), seconds(r.serviceMs)]))}\n`);
  process.stdout.write(`swarmnode waits SWARMNODE_RECOVER_AFTER=${RECOVER_AFTER} (default 2m) before it acts; the scripted procedure starts at once and has no detection, paging or typing time.\n`);
}
