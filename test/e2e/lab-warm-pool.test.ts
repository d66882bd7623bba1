import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupPids, isFrozen } from '../lab/cgroups.js';
import { LAB_IMAGE } from '../lab/instance-engine.js';
import { Lab, type LabInstance } from '../lab/lab.js';
import { LabPaths } from '../lab/lab-paths.js';
import { isAlive } from '../lab/processes.js';

const name = `e2e-warm-${process.pid}`;
const paths = new LabPaths(name);
const WAIT_MS = 60_000;

/** The lab's launching hook: what a user-data script would complete once the instance is prepared. */
const LAUNCH_HOOK = 'swarmnode-launching';

/**
 * The lab's own mechanics of pool states, without swarmnode (its warm pool behaviour is in
 * lifecycle-warm-pool.test.ts): the test completes the launching hook, as a user-data script would.
 */
describe('lab: warm pool instances really stop, start, hibernate and resume', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({ name, managers: 0, workers: 0, agent: false, hooks: {} });
  });

  afterAll(async () => {
    await lab?.down();
  });

  const instance = (id: string): LabInstance => {
    const found = lab.instances().find((i) => i.instanceId === id);
    if (found === undefined) throw new Error(`no lab instance ${id}`);
    return found;
  };
  const dockerdPid = (id: string): number => Number(readFileSync(join(instance(id).dir, 'dockerd.pid'), 'utf8').trim());
  const cgroupOf = (id: string): string => `${paths.cgroupParent}/${id}`;
  const stateOf = (id: string): string | undefined => lab.cloud.instance(id)?.lifecycleState;
  const completeLaunch = (group: string, id: string): void => lab.cloud.completeLifecycleAction(group, { hookName: LAUNCH_HOOK, instanceId: id }, 'CONTINUE');
  /** Whether the engine answers within a second (a frozen one never does). */
  const answers = (docker: Docker): Promise<boolean> => Promise.race([docker.ping().then(() => true, () => false), sleep(1_000).then(() => false)]);
  it('Stopped: the pool instance shuts down (agent, then engine) keeping namespace and data, and boots again on scale-out', async () => {
    const workers = `${lab.cluster}-workers`;
    const [id = ''] = await lab.putWarmPool(workers, { minSize: 1, maxGroupPreparedCapacity: 1, poolState: 'Stopped' });
    expect(stateOf(id)).toBe('Warmed:Pending:Wait');
    await lab.docker(id).createContainer({ name: 'kept-across-stop', Image: LAB_IMAGE, Cmd: ['true'] });
    const before = dockerdPid(id);

    completeLaunch(workers, id);
    await lab.cloud.waitFor(() => stateOf(id) === 'Warmed:Stopped', WAIT_MS);
    expect(lab.cloud.instance(id)?.ec2State).toBe('stopped');
    expect(instance(id)).toMatchObject({ power: 'stopped', running: false });
    expect(isAlive(before)).toBe(false);
    expect(cgroupPids(cgroupOf(id))).toEqual([]);
    expect(existsSync(`/run/netns/${paths.instanceNs(instance(id).privateIp)}`)).toBe(true);
    expect(existsSync(join(instance(id).dir, 'data'))).toBe(true);
    expect(lab.warmPool(workers).instances).toEqual([{ instanceId: id, lifecycleState: 'Warmed:Stopped', ec2State: 'stopped', power: 'stopped' }]);

    await lab.scale(workers, 1);
    expect(lab.cloud.group(workers)?.instanceIds).toEqual([id]);
    expect(instance(id)).toMatchObject({ power: 'running', running: true });
    expect(lab.cloud.instance(id)?.ec2State).toBe('running');
    expect(dockerdPid(id)).not.toBe(before);
    const kept = await lab.docker(id).listContainers({ all: true, filters: { name: ['kept-across-stop'] } });
    expect(kept).toHaveLength(1);
    // A start is a boot (the launching hook holds the instance in Pending:Wait meanwhile).
    expect(stateOf(id)).toBe('Pending:Wait');
  });

  it('Hibernated: every process of the instance (engine, containers) is frozen, then thawed on scale-out without a restart', async () => {
    const managers = `${lab.cluster}-managers`;
    const [id = ''] = await lab.putWarmPool(managers, { minSize: 1, maxGroupPreparedCapacity: 1, poolState: 'Hibernated' });
    // Taken while the instance runs: the lab hands out engines of running instances only.
    const docker = lab.docker(id);
    const container = await docker.createContainer({ Image: LAB_IMAGE, Cmd: ['sleep', '100000'] });
    await container.start();
    const sleeper = ((await container.inspect()) as { State: { Pid: number } }).State.Pid;
    const engine = dockerdPid(id);
    expect(cgroupPids(cgroupOf(id))).toEqual(expect.arrayContaining([engine, sleeper]));

    completeLaunch(managers, id);
    await lab.cloud.waitFor(() => stateOf(id) === 'Warmed:Hibernated', WAIT_MS);
    expect(lab.cloud.instance(id)?.ec2State).toBe('stopped');
    expect(instance(id)).toMatchObject({ power: 'hibernated', running: false });
    expect(isFrozen(cgroupOf(id))).toBe(true);
    // RAM kept: the very same processes are there, frozen; the engine does not answer.
    for (const pid of [engine, sleeper]) expect(isAlive(pid)).toBe(true);
    expect(cgroupPids(cgroupOf(id))).toEqual(expect.arrayContaining([engine, sleeper]));
    expect(await answers(docker)).toBe(false);

    await lab.scale(managers, 1);
    expect(isFrozen(cgroupOf(id))).toBe(false);
    expect(instance(id)).toMatchObject({ power: 'running', running: true });
    expect(await answers(docker)).toBe(true);
    expect(dockerdPid(id)).toBe(engine);
    expect(((await container.inspect()) as { State: { Pid: number; Running: boolean } }).State).toMatchObject({ Pid: sleeper, Running: true });
    expect(stateOf(id)).toBe('Pending:Wait');
  });
});
