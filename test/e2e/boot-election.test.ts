import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { expectNoSecrets, ProcSampler } from './boot-secrets.js';
import { until } from './watch-helpers.js';
import { parseLockValue } from '../../src/core/boot/lock-value.js';

/**
 * The init election when things go wrong, in one lab, case after case: the initializer dies between
 * `swarm init` and publishing its tokens; later the token parameters vanish while the swarm runs.
 * Throughout, a sampler watches the swarmnode processes for secrets.
 */
const BOOT_MS = 120_000;
/**
 * Every kms:Encrypt is this slow during the first case: the initializer then sits between taking
 * the lock and its `swarm init` (it checks the keys first) long enough to be cut off from SSM there.
 */
const HOLD_MS = 4_000;

type LogLine = { msg?: string; action?: string; lock?: string; won?: boolean };

let lab: Lab;
let prefix: string;
const sampler = new ProcSampler();
/** Every join token that existed in this lab, the dead swarm's included. */
const secrets: string[] = [];
let swarmId: string;
let successor: string;

const logOf = (id: string) => lab.agentLog(id) as LogLine[];
const running = () => lab.instances().filter((i) => i.running);
const inits = (ids: string[]) => ids.flatMap((id) => logOf(id).filter((l) => l.action === 'init').map(() => id));
const parameterNames = () => lab.cloud.parameters.byPath(prefix, true).map((p) => p.name);

function publishByHand(tokens: { Manager: string; Worker: string }): void {
  for (const [role, token] of [['manager', tokens.Manager], ['worker', tokens.Worker]] as const) {
    const context = { 'swarmnode:cluster': lab.cluster, 'swarmnode:role': role };
    const sealed = lab.cloud.kms.encrypt(`alias/${lab.cluster}-${role}`, Buffer.from(token), context).blob.toString('base64');
    lab.cloud.parameters.put({ name: `${prefix}/${role}-token`, value: sealed, type: 'String', overwrite: true });
  }
}

/** One swarm among the running instances; returns its id. */
async function expectOneSwarm(): Promise<string> {
  const ids = new Set<string>();
  for (const i of running()) {
    const info = await lab.docker(i.instanceId).info();
    expect(info.Swarm.LocalNodeState, i.instanceId).toBe('active');
    if (i.role === 'manager') ids.add(info.Swarm.Cluster.ID);
  }
  expect([...ids]).toHaveLength(1);
  const [id] = [...ids];
  const nodes = await lab.docker(successor).listNodes();
  expect(nodes).toHaveLength(running().length);
  for (const n of nodes.filter((node) => node.Spec?.Role === 'manager')) expect(n.ManagerStatus?.Reachability).toBe('reachable');
  return id as string;
}

beforeAll(async () => {
  // One worker from the start: it waits through the whole election, then joins the one swarm.
  lab = await Lab.start({ name: `bel${Math.floor(Math.random() * 1000)}`, managers: 0, workers: 1, env: { SWARMNODE_JOIN_TIMEOUT: '150s' } });
  prefix = `/swarmnode/${lab.cluster}`;
  sampler.start();
});

afterAll(async () => {
  sampler.stop();
  await lab?.down();
});

describe('boot: the init election survives its failures', () => {
  it('the initializer crashes after init-lock and swarm init, before publishing anything: a successor forms the only swarm', async () => {
    // Every kms:Encrypt is slow, so the holder sits between taking the lock and its swarm init long
    // enough for SSM to start refusing its writes: it then inits but can publish nothing, not even
    // the mark on its lock, and is crashed there.
    lab.cloud.faults.latency({ api: 'kms:Encrypt', ms: HOLD_MS });
    await lab.scale(`${lab.cluster}-managers`, 3);
    await lab.cloud.waitFor((c) => c.parameter(`${prefix}/init-lock`) !== undefined, 60_000);
    const holder = parseLockValue(lab.cloud.parameter(`${prefix}/init-lock`)?.value as string).holder;
    lab.cloud.faults.deny({ api: 'ssm:PutParameter', instanceId: holder });
    await until('the holder\'s swarm init', async () => ((await lab.docker(holder).info()).Swarm.LocalNodeState === 'active' ? true : undefined), 60_000, 100);
    const deadSwarm = await lab.docker(holder).swarmInspect();
    await lab.crash(holder);
    lab.cloud.faults.clear();
    secrets.push(deadSwarm.JoinTokens.Manager, deadSwarm.JoinTokens.Worker);
    // It died holding the lock, with a swarm of its own, before anything of it was published.
    expect(logOf(holder).filter((l) => l.action === 'init')).toHaveLength(1);
    expect(parseLockValue(lab.cloud.parameter(`${prefix}/init-lock`)?.value as string)).toEqual({ holder, published: undefined });
    expect(lab.cloud.parameter(`${prefix}/cluster`)).toBeUndefined();
    expect(lab.cloud.parameter(`${prefix}/manager-token`)).toBeUndefined();
    expect(lab.cloud.parameter(`${prefix}/worker-token`)).toBeUndefined();
    const dead = lab.instances().find((i) => i.instanceId === holder);
    expect(dead?.running).toBe(false);
    expect(existsSync(join(dead?.dir as string, 'data'))).toBe(false);

    const survivors = running().map((i) => i.instanceId);
    expect(survivors).toHaveLength(3);
    expect(await Promise.all(survivors.map((id) => lab.bootExit(id, BOOT_MS)))).toEqual([0, 0, 0]);
    const successorLock = parseLockValue(lab.cloud.parameter(`${prefix}/init-lock-${holder}`)?.value as string);
    successor = successorLock.holder;
    expect(survivors).toContain(successor);
    expect(logOf(successor).some((l) => l.action === 'take-lock' && l.lock === `init-lock-${holder}` && l.won === true)).toBe(true);
    expect(inits(survivors)).toEqual([successor]);

    swarmId = await expectOneSwarm();
    expect(swarmId).not.toBe(deadSwarm.ID);
    const record = JSON.parse(lab.cloud.parameter(`${prefix}/cluster`)?.value as string) as { swarmId: string; createdBy: string };
    expect(record).toMatchObject({ swarmId, createdBy: successor });
    // The successor marked its lock with the swarm before publishing anything else.
    expect(successorLock.published).toBe(swarmId);
  });

  it('token parameters deleted while the swarm runs: a new manager never inits, says why, and joins once they are back', async () => {
    // The leader's watch keeps the tokens published; this case needs SSM to stay as the test leaves it.
    const managers = running().filter((i) => i.role === 'manager').map((i) => i.instanceId);
    await Promise.all(managers.map((id) => lab.stopAgent(id)));
    lab.cloud.parameters.delete(`${prefix}/manager-token`);
    lab.cloud.parameters.delete(`${prefix}/worker-token`);
    const before = parameterNames();

    const late = await lab.launchInstance(`${lab.cluster}-managers`);
    await lab.cloud.waitFor(() => logOf(late).some((l) => /a swarm exists, so never init; waiting for its token/.test(l.msg ?? '')), 60_000);
    expect((await lab.docker(late).info()).Swarm.LocalNodeState).toBe('inactive');
    expect(logOf(late).some((l) => l.action === 'take-lock' || l.action === 'init')).toBe(false);
    expect(parameterNames()).toEqual(before);

    const swarm = await lab.docker(successor).swarmInspect();
    secrets.push(swarm.JoinTokens.Manager, swarm.JoinTokens.Worker);
    publishByHand(swarm.JoinTokens);
    expect(await lab.bootExit(late, BOOT_MS)).toBe(0);
    const info = await lab.docker(late).info();
    expect(info.Swarm.ControlAvailable).toBe(true);
    expect(await expectOneSwarm()).toBe(swarmId);
    expect(inits(running().map((i) => i.instanceId))).toEqual([successor]);
  });

  it('no join token in any log line, agent file, nor the cmdline or environment of swarmnode and its children', () => {
    expectNoSecrets(lab, secrets, sampler.stop());
  });
});
