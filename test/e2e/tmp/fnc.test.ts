import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Lab } from '../../lab/lab.js';
import { idsOf, ipOf, waitForSwarm, WATCH_ENV } from '../watch-helpers.js';

describe('fnc experiment', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-fnc-${process.pid}`, managers: 3, workers: 1, env: { ...WATCH_ENV, SWARMNODE_REAP_AFTER: '10m' } });
    await waitForSwarm(lab, 4);
  });
  afterAll(async () => { await lab?.down(); });
  it('force new cluster', async () => {
    const [a, b, c] = idsOf(lab, 'manager') as [string, string, string];
    const cli = async (id: string, args: string[]) => { const r = await lab.dockerCli(id, args); console.log(`$ ${args.join(' ')} @${id}\n${r.stdout}${r.stderr}`); return r; };
    await cli(a, ['swarm', 'join-token', 'worker', '-q']);
    const info0 = await lab.docker(a).info();
    console.log('remote managers', JSON.stringify(info0.Swarm.RemoteManagers), info0.Swarm.Managers, info0.Swarm.Cluster?.ID);
    await lab.stopAgent(b); await lab.stopAgent(c); await lab.stopAgent(a);
    await lab.crash(b); await lab.crash(c);
    await sleep(8000);
    await cli(a, ['node', 'ls']);
    const info1 = await lab.docker(a).info();
    console.log('after crash: state', info1.Swarm.LocalNodeState, 'control', info1.Swarm.ControlAvailable, 'remote', JSON.stringify(info1.Swarm.RemoteManagers), info1.Swarm.Managers, info1.Swarm.Cluster?.ID);
    await lab.docker(a).listNodes().catch((e: any) => console.log('listNodes error', e.statusCode, e.json ?? e.message));
    const t0 = Date.now();
    const r = await lab.docker(a).swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: ipOf(lab, a), ForceNewCluster: true }).catch((e: any) => e);
    console.log('init', Date.now() - t0, 'ms', typeof r === 'string' ? r : JSON.stringify(r?.json ?? r));
    await sleep(3000);
    await cli(a, ['node', 'ls']);
    const nodes = await lab.docker(a).listNodes();
    for (const n of nodes as any[]) console.log(n.ID, n.Spec.Role, n.Status.State, JSON.stringify(n.ManagerStatus));
    const info2 = await lab.docker(a).info();
    console.log('after fnc', info2.Swarm.Cluster?.ID, 'remote', JSON.stringify(info2.Swarm.RemoteManagers), info2.Swarm.Managers);
    await cli(a, ['swarm', 'join-token', 'worker', '-q']);
    const w = idsOf(lab, 'worker')[0]!;
    const wi = await lab.docker(w).info();
    console.log('worker', wi.Swarm.LocalNodeState, JSON.stringify(wi.Swarm.RemoteManagers));
    // try demote dead managers
    for (const n of nodes as any[]) if (n.Spec.Role === 'manager' && n.Status.State === 'down') {
      await cli(a, ['node', 'demote', n.ID]);
      await cli(a, ['node', 'rm', n.ID]);
    }
    await cli(a, ['node', 'ls']);
  });
});
