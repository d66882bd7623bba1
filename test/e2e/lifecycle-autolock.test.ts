import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { expectNoSecrets, ProcSampler } from './boot-secrets.js';
import { idsOf, logLines, nodeOf, nodes, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

/**
 * Issue 9, autolock end to end on a live swarm: the leader's reconciler keeps the `unlock-key`
 * parameter equal to the swarm's key (turned on later, rotated, turned off), sealed with its own
 * encryption context; a manager rebooted after the rotation comes back locked and boot unlocks it
 * with the rotated key. The key is never in a log, file, argv or environment.
 */
describe('lifecycle: autolock turned on, rotated and off on a live swarm', () => {
  let lab: Lab;
  let parameter: string;
  const sampler = new ProcSampler();
  const keys: string[] = [];

  beforeAll(async () => {
    lab = await Lab.start({ name: `e2e-lal-${process.pid}`, managers: 3, workers: 0, env: WATCH_ENV });
    parameter = `/swarmnode/${lab.cluster}/unlock-key`;
    await waitForSwarm(lab, 3);
    sampler.start();
  });

  afterAll(async () => {
    sampler.stop();
    await lab?.down();
  });

  const leader = async (): Promise<string> => {
    const managers = idsOf(lab, 'manager');
    const rows = await until('a leader', async () => nodes(lab, managers[0]!), 60_000);
    return managers.find((id) => nodeOf(rows, lab, id)?.ManagerStatus?.Leader === true)!;
  };
  const swarmKey = async (on: string): Promise<string> => (await lab.dockerCli(on, ['swarm', 'unlock-key', '-q'])).stdout.trim();
  /** The parameter's plaintext, opened as boot opens it: the manager key and the unlock key's own context. */
  const published = (): string | undefined => {
    const stored = lab.cloud.parameter(parameter);
    if (stored === undefined) return undefined;
    const context = { 'swarmnode:cluster': lab.cluster, 'swarmnode:role': 'manager', 'swarmnode:secret': 'unlock-key' };
    return lab.cloud.kms.decrypt(Buffer.from(stored.value, 'base64'), context).plaintext.toString();
  };
  const publishedEquals = (key: string | undefined): Promise<true> =>
    until(`the unlock-key parameter ${key === undefined ? 'deleted' : 'equal to the swarm key'}`, async () => (published() === key ? true : undefined), 60_000);

  it('turned on later: the leader publishes the key within a reconcile period', async () => {
    const on = await leader();
    expect(published()).toBeUndefined();
    expect((await lab.dockerCli(on, ['swarm', 'update', '--autolock=true'])).code).toBe(0);
    const key = await swarmKey(on);
    expect(key).toMatch(/^SWMKEY-1-/);
    keys.push(key);
    await publishedEquals(key);
  });

  it('rotated: the parameter follows; a manager rebooted after the rotation unlocks with the rotated key, same node', async () => {
    const on = await leader();
    expect((await lab.dockerCli(on, ['swarm', 'unlock-key', '--rotate'])).code).toBe(0);
    const rotated = await swarmKey(on);
    expect(rotated).not.toBe(keys[0]);
    keys.push(rotated);
    await publishedEquals(rotated);

    const rebooted = idsOf(lab, 'manager').find((id) => id !== on)!;
    const nodeId = nodeOf(await nodes(lab, on), lab, rebooted)!.ID;
    const bootsBefore = lab.agentBoots(rebooted);
    const rebootedAt = new Date().toISOString();
    await lab.reboot(rebooted);
    await until(`${rebooted} booted again`, async () => (lab.agentBoots(rebooted) > bootsBefore ? true : undefined), 60_000);
    expect(await lab.bootExit(rebooted, 120_000)).toBe(0);
    const info = await until(`${rebooted} a manager again`, async () => {
      const now = await lab.docker(rebooted).info();
      return now.Swarm.LocalNodeState === 'active' && now.Swarm.ControlAvailable === true ? now : undefined;
    }, 120_000);
    expect(info.Swarm.NodeID).toBe(nodeId);
    // What this boot did (ISO times sort as strings): unlock, nothing else.
    const actions = logLines(lab, rebooted).filter((l) => l.cmd === 'boot' && String(l.time) >= rebootedAt && typeof l.action === 'string').map((l) => l.action);
    expect(actions).toEqual(['unlock']);
  });

  it('turned off: the parameter is deleted', async () => {
    const on = await leader();
    expect((await lab.dockerCli(on, ['swarm', 'update', '--autolock=false'])).code).toBe(0);
    await publishedEquals(undefined);
  });

  it('neither key is in any agent log line or file, nor in the argv or environment of swarmnode and its children', () => {
    expectNoSecrets(lab, keys, sampler.stop());
  });
});
