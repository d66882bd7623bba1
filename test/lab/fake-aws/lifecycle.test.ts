import { RecordLifecycleActionHeartbeatCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordingHost, startFixture, type Fixture } from './fixture.js';
import type { HookSpec, TransitionEvent } from './types.js';

describe('fake Auto Scaling lifecycle', () => {
  let f: Fixture;
  let transitions: TransitionEvent[];
  beforeEach(async () => {
    f = await startFixture();
    transitions = [];
    f.cloud.events.on('transition', (e: TransitionEvent) => transitions.push(e));
  });
  afterEach(async () => {
    await f.close();
  });

  const statesOf = (id: string): string[] => transitions.filter((t) => t.instanceId === id).map((t) => t.to);

  it('walks launch and termination through the hooks, calling the host at the right moments', async () => {
    const host = recordingHost();
    f.cloud.setHost(host);
    const hooks: HookSpec[] = [
      { name: 'up', transition: 'launching', heartbeatTimeoutSec: 600, defaultResult: 'ABANDON' },
      { name: 'down', transition: 'terminating', heartbeatTimeoutSec: 600, defaultResult: 'CONTINUE' },
    ];
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1, hooks });
    expect(host.calls).toEqual([`launch ${id} g on-demand`]);
    f.cloud.completeLifecycleAction('g', { hookName: 'up', instanceId: id }, 'CONTINUE');
    await f.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: true }));
    expect(host.calls).toHaveLength(1);
    f.cloud.completeLifecycleAction('g', { hookName: 'down', instanceId: id }, 'CONTINUE');
    await f.cloud.waitFor((c) => c.instance(id)?.lifecycleState === 'Terminated', 5000);
    expect(statesOf(id)).toEqual(['Pending', 'Pending:Wait', 'Pending:Proceed', 'InService', 'Terminating', 'Terminating:Wait', 'Terminating:Proceed', 'Terminated']);
    expect(host.calls).toEqual([`launch ${id} g on-demand`, `terminate ${id}`]);
    expect(f.cloud.instance(id)).toMatchObject({ ec2State: 'terminated', asgName: undefined });
  });

  it('does not call the host for virtual instances', async () => {
    const host = recordingHost();
    f.cloud.setHost(host);
    const ids = await f.cloud.createGroup({ name: 'v', tags: {}, desired: 3, virtual: true });
    await f.cloud.setDesiredCapacity('v', 0);
    await f.cloud.waitFor((c) => ids.every((id) => c.instance(id)?.ec2State === 'terminated'), 5000);
    expect(host.calls).toEqual([]);
  });

  it('keeps a terminating action alive while heartbeats come, then applies DefaultResult on timeout', async () => {
    const hooks: HookSpec[] = [{ name: 'down', transition: 'terminating', heartbeatTimeoutSec: 2, defaultResult: 'CONTINUE' }];
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1, hooks });
    await f.cloud.terminateInstance(id, { decrement: true });
    // Six heartbeats 500 ms apart span 3 s, past the 2 s HeartbeatTimeout, with margin for a busy machine.
    for (let beat = 0; beat < 6; beat += 1) {
      await sleep(500);
      await f.asg.send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: 'g', LifecycleHookName: 'down', InstanceId: id }));
      expect(f.cloud.instance(id)?.lifecycleState).toBe('Terminating:Wait');
    }
    await f.cloud.waitFor((c) => c.instance(id)?.lifecycleState === 'Terminated', 5000);
    expect(statesOf(id).slice(-3)).toEqual(['Terminating:Wait', 'Terminating:Proceed', 'Terminated']);
  }, 15_000);

  it('applies a launching hook DefaultResult on timeout: ABANDON terminates and replaces, CONTINUE goes InService', async () => {
    const hook = (defaultResult: 'ABANDON' | 'CONTINUE'): HookSpec[] => [{ name: 'up', transition: 'launching', heartbeatTimeoutSec: 1, defaultResult }];
    const [abandoned = ''] = await f.cloud.createGroup({ name: 'abandon', tags: {}, desired: 1, hooks: hook('ABANDON') });
    const [continued = ''] = await f.cloud.createGroup({ name: 'continue', tags: {}, desired: 1, hooks: hook('CONTINUE') });
    await f.cloud.waitFor((c) => c.instance(abandoned)?.lifecycleState === 'Terminated' && c.instance(continued)?.lifecycleState === 'InService', 5000);
    expect(statesOf(abandoned)).toEqual(['Pending', 'Pending:Wait', 'Terminating', 'Terminating:Proceed', 'Terminated']);
    expect(statesOf(continued)).toEqual(['Pending', 'Pending:Wait', 'Pending:Proceed', 'InService']);
    const replacement = f.cloud.group('abandon')?.instanceIds ?? [];
    expect(replacement).toHaveLength(1);
    expect(replacement[0]).not.toBe(abandoned);
  });

  it('crash: terminated at once, out of the group, no hook, no replacement, host untouched', async () => {
    const host = recordingHost();
    f.cloud.setHost(host);
    const hooks: HookSpec[] = [{ name: 'down', transition: 'terminating', heartbeatTimeoutSec: 600, defaultResult: 'CONTINUE' }];
    const [victim = '', survivor = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 2, hooks });
    f.cloud.crash(victim);
    expect(f.cloud.instance(victim)).toMatchObject({ ec2State: 'terminated', lifecycleState: 'Terminated', asgName: undefined });
    expect(statesOf(victim)).toEqual(['Pending', 'InService', 'Terminated']);
    expect(f.cloud.group('g')).toMatchObject({ desired: 1, instanceIds: [survivor] });
    expect(host.calls.filter((c) => c.startsWith('terminate'))).toEqual([]);
  });
});
