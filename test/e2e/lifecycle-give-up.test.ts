import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../lab/lab.js';
import { callsBy, idsOf, until, waitForSwarm, WATCH_ENV } from './watch-helpers.js';

const LAUNCH_HEARTBEAT_SEC = 900;

/**
 * Issue 9, launch give-up: a worker that cannot reach the swarm gives up at SWARMNODE_JOIN_TIMEOUT,
 * reports itself Unhealthy and ABANDONs its launching action at once, so the ASG replaces it now,
 * not at the end of the hook's 15 minute heartbeat timeout.
 */
describe('lifecycle: a boot that gives up ABANDONs its launching action at once', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await Lab.start({
      name: `e2e-lgu-${process.pid}`,
      managers: 1,
      workers: 0,
      env: { ...WATCH_ENV, SWARMNODE_JOIN_TIMEOUT: '20s' },
      hooks: { launching: { heartbeatTimeoutSec: LAUNCH_HEARTBEAT_SEC } },
    });
    await waitForSwarm(lab, 1);
  });

  afterAll(async () => {
    await lab?.down();
  });

  it('Unhealthy, then ABANDON by instance id; the ASG replaces the instance and the replacement joins', async () => {
    const workers = `${lab.cluster}-workers`;
    // A NACL that keeps new instances off the swarm port.
    await lab.blockPortForNewInstances(2377);
    const doomed = await lab.launchInstance(workers);
    expect(await lab.bootExit(doomed, 120_000)).toBe(75);
    await lab.blockPortForNewInstances(2377, false);

    await until(`${doomed} replaced`, async () => (lab.cloud.instance(doomed)?.lifecycleState === 'Terminated' ? true : undefined), 120_000);
    expect(lab.cloud.lifecycleOutcomes(doomed)).toEqual([expect.objectContaining({ transition: 'launching', result: 'ABANDON', by: 'completion' })]);
    expect(callsBy(lab, doomed, 'autoscaling:SetInstanceHealth')).toBe(1);
    expect(callsBy(lab, doomed, 'autoscaling:CompleteLifecycleAction')).toBe(1);

    await waitForSwarm(lab, 2);
    const [replacement] = idsOf(lab, 'worker').filter((id) => id !== doomed);
    expect(lab.cloud.lifecycleOutcomes(replacement)).toEqual([expect.objectContaining({ transition: 'launching', result: 'CONTINUE', by: 'completion' })]);
  });
});
