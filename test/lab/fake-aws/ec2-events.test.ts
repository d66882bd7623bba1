import { CompleteLifecycleActionCommand, DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand, ResumeProcessesCommand, SuspendProcessesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeInstanceStatusCommand } from '@aws-sdk/client-ec2';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordingHost, startFixture, type Fixture } from './fixture.js';
import type { HookSpec, InstanceHost, TransitionEvent } from './types.js';

const drainHook: HookSpec = { name: 'drain', transition: 'terminating', heartbeatTimeoutSec: 600, defaultResult: 'CONTINUE' };
const WAIT_MS = 5000;
/** `21 Jan 2019 09:00:43 GMT`, as in the EC2 user guide's IMDS example. */
const IMDS_TIME = /^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

describe('fake EC2 events: Spot interruptions, rebalance recommendations, scheduled events', () => {
  let f: Fixture;
  let host: InstanceHost & { calls: string[] };
  let transitions: TransitionEvent[];
  let imds: MetadataService;

  // The first instance launched is 127.0.0.1: this process, as far as IMDS can tell.
  beforeEach(async () => {
    f = await startFixture({ firstOctet: 1 });
    host = recordingHost();
    f.cloud.setHost(host);
    transitions = [];
    f.cloud.events.on('transition', (e: TransitionEvent) => transitions.push(e));
    imds = new MetadataService({ endpoint: f.server.imdsUrl, ec2MetadataV1Disabled: true, retries: 0 });
  });
  afterEach(async () => {
    await f.close();
  });

  const statesOf = (id: string): string[] => transitions.filter((t) => t.instanceId === id).map((t) => t.to);
  const callsOf = (id: string): string[] => host.calls.filter((c) => c.includes(id)).map((c) => c.split(' ')[0] ?? '');
  const metadata = (path: string): Promise<string> => imds.request(`/latest/meta-data/${path}`, {});
  const statusOf = (path: string): Promise<number | undefined> =>
    metadata(path).then(
      () => 200,
      (error: { $metadata?: { httpStatusCode?: number } }) => error.$metadata?.httpStatusCode,
    );
  const waitFor = (what: () => boolean): Promise<void> => f.cloud.waitFor(what, WAIT_MS);

  it('a Spot interruption: instance-action and a rebalance recommendation in IMDS, then EC2 terminates the instance and the group replaces it', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'spot', tags: {}, desired: 1, spot: true, hooks: [drainHook] });
    expect(await statusOf('spot/instance-action')).toBe(404);
    expect(await statusOf('events/recommendations/rebalance')).toBe(404);

    const notice = f.cloud.interruptSpot(id, { inMs: 300 });
    expect(JSON.parse(await metadata('spot/instance-action'))).toEqual({ action: 'terminate', time: notice.time.toISOString().replace(/\.\d{3}Z$/, 'Z') });
    expect(JSON.parse(await metadata('events/recommendations/rebalance'))).toEqual({ noticeTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/) });
    expect(f.cloud.instance(id)?.ec2State).toBe('running');

    await waitFor(() => f.cloud.instance(id)?.ec2State === 'terminated' && f.cloud.group('spot')?.instanceIds.length === 1);
    // The terminating hook cannot hold a reclaimed Spot Instance: no Terminating:Wait.
    expect(statesOf(id)).toEqual(['Pending', 'InService', 'Terminating', 'Terminating:Proceed', 'Terminated']);
    expect(callsOf(id)).toEqual(['launch', 'terminate']);
    const [replacement = ''] = f.cloud.group('spot')?.instanceIds ?? [];
    expect(replacement).not.toBe(id);
    await waitFor(() => f.cloud.instance(replacement)?.lifecycleState === 'InService');
  });

  it('a Spot stop: EC2 stops the instance; the group finds it not running, marks it Unhealthy and replaces it through its terminating hook', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'spot', tags: {}, desired: 1, spot: true, hooks: [drainHook] });
    f.cloud.interruptSpot(id, { action: 'stop', inMs: 100 });
    expect(JSON.parse(await metadata('spot/instance-action'))).toMatchObject({ action: 'stop' });
    await waitFor(() => f.cloud.instance(id)?.ec2State === 'stopped');
    expect(f.cloud.instance(id)).toMatchObject({ lifecycleState: 'Terminating:Wait', health: 'Unhealthy' });
    expect(callsOf(id)).toEqual(['launch', 'stop']);
    await waitFor(() => f.cloud.group('spot')?.instanceIds.length === 2);
    await f.asg.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: 'spot', LifecycleHookName: 'drain', InstanceId: id, LifecycleActionResult: 'CONTINUE' }));
    await waitFor(() => f.cloud.instance(id)?.ec2State === 'terminated');
    expect(callsOf(id)).toEqual(['launch', 'stop', 'terminate']);
  });

  it('rebalance recommendations go to Spot Instances only', async () => {
    const [spot = ''] = await f.cloud.createGroup({ name: 'spot', tags: {}, desired: 1, spot: true });
    const [onDemand = ''] = await f.cloud.createGroup({ name: 'od', tags: {}, desired: 1 });
    expect(() => f.cloud.recommendRebalance(onDemand)).toThrow(/Spot Instances only/);
    const notice = f.cloud.recommendRebalance(spot);
    expect(JSON.parse(await metadata('events/recommendations/rebalance'))).toEqual({ noticeTime: notice.toISOString().replace(/\.\d{3}Z$/, 'Z') });
    expect(f.cloud.instance(spot)?.ec2State).toBe('running');
  });

  it('a scheduled reboot: listed in IMDS and DescribeInstanceStatus; at NotBefore the group replaces the instance, EC2 reboots it, the event stays listed completed', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1, hooks: [drainHook] });
    expect(JSON.parse(await metadata('events/maintenance/scheduled'))).toEqual([]);
    const event = f.cloud.scheduleEvent(id, 'system-reboot', { inMs: 400 });

    const [listed] = JSON.parse(await metadata('events/maintenance/scheduled')) as Record<string, string>[];
    expect(listed).toEqual({
      NotBefore: expect.stringMatching(IMDS_TIME),
      Code: 'system-reboot',
      Description: 'scheduled reboot',
      EventId: expect.stringMatching(/^instance-event-[0-9a-f]{17}$/),
      NotAfter: expect.stringMatching(IMDS_TIME),
      State: 'active',
    });
    expect(new Date(listed?.['NotBefore'] ?? '').getTime()).toBe(Math.floor(event.notBefore.getTime() / 1000) * 1000);
    expect(JSON.parse(await metadata('events/maintenance/history'))).toEqual([]);
    const status = await f.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    expect(status.InstanceStatuses?.[0]).toMatchObject({
      InstanceId: id,
      InstanceState: { Code: 16, Name: 'running' },
      SystemStatus: { Status: 'ok' },
      Events: [{ InstanceEventId: event.eventId, Code: 'system-reboot', Description: 'scheduled reboot', NotBefore: event.notBefore, NotAfter: event.notAfter, NotBeforeDeadline: event.notBeforeDeadline }],
    });
    // "Considers the instance to be unhealthy ... doesn't start terminating until the date and time specified".
    const [asgView] = (await f.asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }))).AutoScalingInstances ?? [];
    expect(asgView).toMatchObject({ LifecycleState: 'InService', HealthStatus: 'UNHEALTHY' });

    await waitFor(() => callsOf(id).includes('reboot'));
    expect(f.cloud.instance(id)?.lifecycleState).toBe('Terminating:Wait');
    expect(await metadata('autoscaling/target-lifecycle-state')).toBe('Terminated');
    await waitFor(() => event.state === 'completed');
    const [completed] = JSON.parse(await metadata('events/maintenance/scheduled')) as Record<string, string>[];
    expect(completed).toMatchObject({ State: 'completed', Description: '[Completed] scheduled reboot', EventId: event.eventId });
    expect(JSON.parse(await metadata('events/maintenance/history'))).toEqual([completed]);
    expect((await f.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }))).InstanceStatuses?.[0]?.Events?.[0]?.Description).toBe('[Completed] scheduled reboot');
    await waitFor(() => f.cloud.group('g')?.instanceIds.length === 2);
  });

  it('a scheduled reboot with HealthCheck and ReplaceUnhealthy suspended: EC2 reboots the instance, the group keeps it InService and healthy', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1, hooks: [drainHook] });
    await f.asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'g', ScalingProcesses: ['HealthCheck', 'ReplaceUnhealthy'] }));
    const [group] = (await f.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }))).AutoScalingGroups ?? [];
    expect(group?.SuspendedProcesses?.map((p) => p.ProcessName).sort()).toEqual(['HealthCheck', 'ReplaceUnhealthy']);
    expect(group?.SuspendedProcesses?.[0]?.SuspensionReason).toMatch(/^User suspended at \d{4}-/);
    await expect(f.asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'g', ScalingProcesses: ['Reboot'] }))).rejects.toMatchObject({ name: 'ValidationError' });

    const event = f.cloud.scheduleEvent(id, 'system-reboot', { inMs: 200 });
    await waitFor(() => event.state === 'completed');
    expect(callsOf(id)).toContain('reboot');
    expect(f.cloud.instance(id)).toMatchObject({ lifecycleState: 'InService', health: 'Healthy' });
    expect(statesOf(id)).not.toContain('Terminating');

    // Resumed: nothing was marked, so nothing is replaced.
    await f.asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: 'g' }));
    expect((await f.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['g'] }))).AutoScalingGroups?.[0]?.SuspendedProcesses).toEqual([]);
    expect(f.cloud.group('g')?.instanceIds).toEqual([id]);
  });

  it('with ReplaceUnhealthy alone suspended an Unhealthy instance is kept, marked, and replaced once the process is resumed', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1, hooks: [drainHook] });
    f.cloud.suspendProcesses('g', ['ReplaceUnhealthy']);
    f.cloud.scheduleEvent(id, 'instance-reboot', { inMs: 100 });
    await waitFor(() => callsOf(id).includes('reboot'));
    expect(f.cloud.instance(id)).toMatchObject({ lifecycleState: 'InService', health: 'Unhealthy' });
    f.cloud.resumeProcesses('g', ['ReplaceUnhealthy']);
    await waitFor(() => f.cloud.instance(id)?.lifecycleState === 'Terminating:Wait');
    await waitFor(() => f.cloud.group('g')?.instanceIds.length === 2);
  });

  it('a scheduled instance-stop has no window; at NotBefore EC2 stops the instance for good and the group replaces it', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1 });
    const event = f.cloud.scheduleEvent(id, 'instance-stop', { inMs: 100 });
    const [listed] = JSON.parse(await metadata('events/maintenance/scheduled')) as Record<string, string>[];
    expect(listed).toMatchObject({ Code: 'instance-stop', Description: 'The instance is running on degraded hardware', State: 'active' });
    expect(listed).not.toHaveProperty('NotAfter');
    expect(event.notBeforeDeadline).toBeUndefined();
    await waitFor(() => f.cloud.instance(id)?.ec2State === 'terminated' && event.state === 'completed');
    expect(callsOf(id)).toEqual(['launch', 'stop', 'terminate']);
    expect(statesOf(id)).toEqual(['Pending', 'InService', 'Terminating', 'Terminating:Proceed', 'Terminated']);
    await waitFor(() => f.cloud.group('g')?.instanceIds.length === 1 && f.cloud.group('g')?.instanceIds[0] !== id);
  });

  it('an instance-retirement stops a warm pool instance that is not in service without replacing it through the group', async () => {
    await f.cloud.createGroup({ name: 'g', tags: {}, desired: 0, warmPool: { minSize: 1, maxGroupPreparedCapacity: 1, poolState: 'Running' } });
    const [id = ''] = f.cloud.group('g')?.warmIds ?? [];
    await waitFor(() => f.cloud.instance(id)?.lifecycleState === 'Warmed:Running');
    const event = f.cloud.scheduleEvent(id, 'instance-retirement', { inMs: 50 });
    await waitFor(() => f.cloud.instance(id)?.ec2State === 'stopped' && event.state === 'completed');
    expect(f.cloud.instance(id)).toMatchObject({ lifecycleState: 'Warmed:Running', health: 'Healthy' });
  });

  it('system maintenance cuts the network for a while; a canceled event stays listed, canceled, and is not carried out', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1, hooks: [drainHook] });
    const maintenance = f.cloud.scheduleEvent(id, 'system-maintenance', { inMs: 50, maintenanceMs: 100 });
    await waitFor(() => maintenance.state === 'completed');
    expect(host.calls.filter((c) => c.includes(id))).toEqual([`launch ${id} g on-demand`, `partition ${id}`, `heal ${id}`]);

    const [other = ''] = f.cloud.group('g')?.instanceIds.filter((i) => i !== id) ?? [];
    await waitFor(() => f.cloud.instance(other)?.lifecycleState === 'InService');
    const reboot = f.cloud.scheduleEvent(other, 'instance-reboot', { inMs: 60_000 });
    expect(f.cloud.instance(other)?.health).toBe('Unhealthy');
    f.cloud.cancelEvent(other, reboot.eventId);
    expect(reboot).toMatchObject({ state: 'canceled', description: '[Canceled] The instance is scheduled for a reboot' });
    expect(f.cloud.instance(other)?.health).toBe('Healthy');
    expect(callsOf(other)).toEqual(['launch']);
  });

  it('StateTransitionReason: empty while running, "User initiated (<time> GMT)" once terminated, as DescribeInstances reference shows', async () => {
    const [id = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 1, hooks: [] });
    const reason = async (): Promise<string | undefined> => (await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0]?.StateTransitionReason;
    expect(await reason()).toBe('');
    f.cloud.crash(id);
    expect(await reason()).toMatch(/^User initiated \(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} GMT\)$/);
  });

  it('DescribeInstanceStatus: running instances by default, all with IncludeAllInstances, unknown ids rejected', async () => {
    const [kept = '', gone = ''] = await f.cloud.createGroup({ name: 'g', tags: {}, desired: 2 });
    f.cloud.crash(gone);
    const running = await f.ec2.send(new DescribeInstanceStatusCommand({}));
    expect(running.InstanceStatuses?.map((s) => s.InstanceId)).toEqual([kept]);
    const all = await f.ec2.send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true }));
    expect(all.InstanceStatuses?.map((s) => [s.InstanceId, s.InstanceState?.Name, s.InstanceStatus?.Status])).toEqual([
      [kept, 'running', 'ok'],
      [gone, 'terminated', 'not-applicable'],
    ]);
    await expect(f.ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ['i-0000000000000dead'] }))).rejects.toMatchObject({ name: 'InvalidInstanceID.NotFound' });
  });
});
