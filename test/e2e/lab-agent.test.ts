import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_STATE_DIR, readEnvFile } from '../lab/agent-unit.js';
import { Lab, type LabInstance } from '../lab/lab.js';
import { listProcesses } from '../lab/processes.js';

const name = `e2e-agent-${process.pid}`;
const binary = resolve('dist/swarmnode');

/** The environment of the instance's running `swarmnode watch`, read from /proc. */
async function watchEnvironment(instance: LabInstance): Promise<Record<string, string>> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    for (const p of listProcesses().filter((p) => p.cmdline === `${binary} watch`)) {
      const env = Object.fromEntries(
        readFileSync(`/proc/${p.pid}/environ`, 'utf8')
          .split('\0')
          .filter((kv) => kv.includes('='))
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      if (env['DOCKER_HOST'] === instance.dockerHost) return env;
    }
    await sleep(200);
  }
  throw new Error(`no swarmnode watch running in ${instance.instanceId}`);
}

describe('lab: swarmnode runs in each instance as systemd would run it', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({ name, managers: 1, workers: 1, agent: true, startJitterMs: 500, env: { SWARMNODE_LOG_LEVEL: 'debug' } });
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('runs boot, then watch, with only the env file, pointed at the lab by the standard variables', async () => {
    const [manager] = lab.instances().filter((i) => i.role === 'manager');
    if (manager === undefined) throw new Error('no manager');
    expect(await lab.bootExit(manager.instanceId, 120_000)).toBe(0);
    const fileVars = readEnvFile(manager.envFile);
    expect(fileVars).toMatchObject({
      SWARMNODE_CLUSTER: 'lab',
      SWARMNODE_LOG_LEVEL: 'debug',
      AWS_ENDPOINT_URL: lab.awsUrl,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: lab.imdsUrl,
      DOCKER_HOST: manager.dockerHost,
    });
    const env = await watchEnvironment(manager);
    // The env file, and what systemd itself gives the unit: its StateDirectory= as $STATE_DIRECTORY.
    expect(Object.keys(env).sort()).toEqual([...Object.keys(fileVars), 'HOME', 'PATH', 'STATE_DIRECTORY'].sort());
    expect(env.STATE_DIRECTORY).toBe(join(manager.dir, LAB_STATE_DIR));
    expect(Object.keys(env).filter((k) => k.startsWith('AWS_ACCESS') || k.startsWith('AWS_SECRET'))).toEqual([]);
    expect(lab.agentLog(manager.instanceId).length).toBeGreaterThan(0);
    const version = await lab.runAgent(manager.instanceId, ['--version']);
    expect(version.code).toBe(0);
  });

  it('boots again after a reboot, on the same engine data', async () => {
    const [manager] = lab.instances().filter((i) => i.role === 'manager');
    if (manager === undefined) throw new Error('no manager');
    const nodeId = ((await lab.docker(manager.instanceId).info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    await lab.reboot(manager.instanceId);
    expect(await lab.bootExit(manager.instanceId, 120_000)).toBe(0);
    const after = (await lab.docker(manager.instanceId).info()) as { Name: string; Swarm: { NodeID: string; LocalNodeState: string } };
    expect(after.Swarm).toMatchObject({ NodeID: nodeId, LocalNodeState: 'active' });
    expect(after.Name).toBe(manager.hostname);
  });

  it('crash kills the agent with the engine; down leaves nothing behind', async () => {
    const [worker] = lab.instances().filter((i) => i.role === 'worker');
    if (worker === undefined) throw new Error('no worker');
    await lab.crash(worker.instanceId);
    expect(lab.cloud.instance(worker.instanceId)?.ec2State).toBe('terminated');
    expect(listProcesses().filter((p) => p.cmdline.includes(worker.dir))).toEqual([]);
    await lab.down();
    expect(await Lab.leftovers(name)).toEqual([]);
  });
});
