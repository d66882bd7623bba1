import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { parseAgentLog } from '../lab/agent-log.js';
import { expectNoSecrets, ProcSampler } from './boot-secrets.js';

/**
 * `plan`, a rejected token and a locked engine, in one lab without the agent: the test runs every
 * swarmnode command itself, so nothing (no boot, no watch republishing tokens) happens unless a
 * case does it.
 */
let lab: Lab;
let manager: string;
let worker: string;
let prefix: string;
const sampler = new ProcSampler();
const secrets: string[] = [];
/** Everything swarmnode printed in this file, checked for secrets at the end. */
const captured: string[] = [];

/** APIs that only read: `plan` may call these and nothing else. */
const READS = /^(autoscaling:Describe|ec2:Describe|ssm:GetParameter|kms:Decrypt)/;

async function agent(id: string, args: string[], env: Record<string, string> = {}) {
  const result = await lab.runAgent(id, args, env);
  captured.push(result.stdout, result.stderr);
  return result;
}

async function planJson(id: string): Promise<{ facts: Record<string, unknown>; decision: { kind: string; reason: string; lock?: string } }> {
  const result = await agent(id, ['plan', '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as { facts: Record<string, unknown>; decision: { kind: string; reason: string; lock?: string } };
}

const state = async (id: string) => (await lab.docker(id).info()).Swarm.LocalNodeState as string;
const parameters = () => lab.cloud.parameters.byPath(prefix, true).map((p) => `${p.name}@${p.version}`);
const writesBy = (id: string) => Object.keys(lab.cloud.calls().byCaller[id] ?? {}).filter((api) => !READS.test(api));

beforeAll(async () => {
  // Hooks as on EC2 (the agent would get them by default): boot completes the launching one.
  lab = await Lab.start({ name: `btok${Math.floor(Math.random() * 1000)}`, agent: false, managers: 1, workers: 1, hooks: {} });
  manager = lab.instances().find((i) => i.role === 'manager')?.instanceId as string;
  worker = lab.instances().find((i) => i.role === 'worker')?.instanceId as string;
  prefix = `/swarmnode/${lab.cluster}`;
  sampler.start();
});

afterAll(async () => {
  sampler.stop();
  await lab?.down();
});

describe('boot: plan, a token the swarm rejects, a locked engine', () => {
  it('plan prints the facts and the decision, --json parses, and it changes nothing', async () => {
    const text = await agent(manager, ['plan']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Facts:');
    expect(text.stdout).toContain(`instanceId: "${manager}"`);
    expect(text.stdout).toMatch(/Decision: take-lock\n {2}why: no token and no manager answers on 2377/);

    const fresh = await planJson(manager);
    expect(fresh.facts).toMatchObject({ instanceId: manager, role: 'manager', tokenPresent: false, reachablePeers: [], locks: [{ name: 'init-lock' }] });
    expect(fresh.decision).toMatchObject({ kind: 'take-lock', lock: 'init-lock' });
    // A worker reads the token only once a manager answers on 2377.
    expect((await planJson(worker)).decision).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/no manager answers on 2377 yet/) });
    // What boot would have taken, plan did not: no lock, no parameter at all, engines untouched.
    expect(parameters()).toEqual([]);
    expect([await state(manager), await state(worker)]).toEqual(['inactive', 'inactive']);
    expect([...writesBy(manager), ...writesBy(worker)]).toEqual([]);
    expect(lab.cloud.instance(manager)?.lifecycleState).toBe('Pending:Wait');

    expect((await agent(manager, ['boot'])).code).toBe(0);
    const formed = parameters();
    lab.cloud.resetCalls();
    // A formed manager: plan shows what its boot would do on a reboot, from local facts only.
    expect((await planJson(manager)).decision.kind).toBe('member-reboot');
    const joining = await planJson(worker);
    expect(joining.decision.kind).toBe('join');
    expect(joining.facts).toMatchObject({ tokenPresent: true, reachablePeers: [lab.instances().find((i) => i.instanceId === manager)?.privateIp] });
    expect(parameters()).toEqual(formed);
    expect(await state(worker)).toBe('inactive');
    expect([...writesBy(manager), ...writesBy(worker)]).toEqual([]);
  });

  it('a rotated token nobody republished: exit 75 naming cause and fix, Unhealthy reported, member of no swarm', async () => {
    const before = await lab.docker(manager).swarmInspect();
    secrets.push(before.JoinTokens.Manager, before.JoinTokens.Worker);
    const rotated = await lab.dockerCli(manager, ['swarm', 'join-token', '--rotate', '-q', 'worker']);
    expect(rotated.code).toBe(0);
    secrets.push(rotated.stdout.trim());

    const r = await agent(worker, ['boot'], { SWARMNODE_JOIN_TIMEOUT: '8s' });
    expect(r.code).toBe(75);
    expect(r.stderr).toBe(
      `swarmnode: gave up: the swarm rejects the worker join token stored in ${prefix}/worker-token (rotated?)\n` +
        `  fix: publish the current token: the leader's \`swarmnode watch\` does it within one poll interval, or run \`swarmnode republish\` on a manager\n`,
    );
    const log = parseAgentLog(r.stdout) as { level?: number; msg?: string; action?: string; health?: string }[];
    expect(log.filter((l) => l.action === 'join').length).toBeGreaterThan(0);
    expect(log.some((l) => l.action === 'set-instance-health' && l.health === 'Unhealthy')).toBe(true);
    expect(log.at(-1)?.msg).toMatch(/rejects the worker join token/);

    expect(lab.cloud.instance(worker)?.health).toBe('Unhealthy');
    expect(lab.cloud.calls().byCaller[worker]?.['autoscaling:SetInstanceHealth']).toBe(1);
    // Reported Unhealthy while InService, the ASG takes it out of service (as on AWS): a member of no swarm.
    expect(lab.cloud.instance(worker)?.lifecycleState).toMatch(/^Terminat/);
    expect((await lab.docker(manager).listNodes()).map((n) => n.ID)).toEqual([(await lab.docker(manager).info()).Swarm.NodeID]);
  });

  it('a locked engine (autolock) after a reboot: boot unlocks it with the key from SSM, same node, no re-join', async () => {
    expect((await lab.dockerCli(manager, ['swarm', 'update', '--autolock=true'])).code).toBe(0);
    const key = (await lab.dockerCli(manager, ['swarm', 'unlock-key', '-q'])).stdout.trim();
    expect(key).toMatch(/^SWMKEY-/);
    secrets.push(key);
    // Sealed as the initializer publishes it: the manager key, its own context entry.
    const context = { 'swarmnode:cluster': lab.cluster, 'swarmnode:role': 'manager', 'swarmnode:secret': 'unlock-key' };
    const sealed = lab.cloud.kms.encrypt(`alias/${lab.cluster}-manager`, Buffer.from(key), context).blob.toString('base64');
    lab.cloud.parameters.put({ name: `${prefix}/unlock-key`, value: sealed, type: 'String', overwrite: true });
    const nodeId = (await lab.docker(manager).info()).Swarm.NodeID as string;

    await lab.reboot(manager);
    expect(await state(manager)).toBe('locked');
    const r = await agent(manager, ['boot']);
    expect(r.code).toBe(0);
    const actions = (parseAgentLog(r.stdout) as { action?: string }[]).map((l) => l.action).filter((a) => a !== undefined);
    expect(actions).toEqual(['unlock']);
    const info = await lab.docker(manager).info();
    expect([info.Swarm.LocalNodeState, info.Swarm.NodeID]).toEqual(['active', nodeId]);
  });

  it('no join token nor unlock key in any output, log line, agent file, nor the cmdline or environment of swarmnode and its children', () => {
    expectNoSecrets(lab, secrets, sampler.stop(), { captured, agentLogs: false });
  });
});
