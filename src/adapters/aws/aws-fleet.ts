import type { AutoScalingClient, AutoScalingGroup, LifecycleHook as AwsHook } from '@aws-sdk/client-auto-scaling';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import type { Role } from '../../config/config.js';
import { ROLES } from '../../config/config.js';
import type {
  Ec2Facts,
  Fleet,
  FleetInstance,
  FleetView,
  LifecycleHook,
  LifecycleResult,
  LifecycleTransition,
  OwnGroup,
} from '../../ports/fleet.js';
import { isGoneForGood } from '../../core/cluster/instance-gone.js';
import { fromAwsError } from '../../errors/from-aws-error.js';
import { AWS_CALL_BUDGET_MS, awsCall, awsErrorName } from './aws-call.js';
import type * as AwsSdk from './aws-sdk.js';
import type { LazyClient } from './lazy-client.js';

export type LazyAutoScaling = LazyClient<typeof AwsSdk, AutoScalingClient>;
export type LazyEc2 = LazyClient<typeof AwsSdk, EC2Client>;

export const CLUSTER_TAG = 'swarmnode:cluster';
export const ROLE_TAG = 'swarmnode:role';
/** Names the group's launching hook, so boot answers it without DescribeLifecycleHooks. */
export const LAUNCHING_HOOK_TAG = 'swarmnode:launching-hook';
/** Set by an instance on itself to ask the leader to drain its node (spot, rebalance, scheduled events). */
export const DRAIN_TAG = 'swarmnode:drain';
/** DescribeInstances accepts up to 1000 instance ids per request. */
const INSTANCE_IDS_PER_CALL = 1000;
const TRANSITIONS: Record<LifecycleTransition, string> = {
  launching: 'autoscaling:EC2_INSTANCE_LAUNCHING',
  terminating: 'autoscaling:EC2_INSTANCE_TERMINATING',
};

function tagOf(group: AutoScalingGroup, key: string): string | undefined {
  return group.Tags?.find((tag) => tag.Key === key)?.Value;
}

function roleOf(group: AutoScalingGroup): Role | undefined {
  const value = tagOf(group, ROLE_TAG);
  return ROLES.find((role) => role === value);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function drainRequestOf(instance: Instance): string | undefined {
  return instance.Tags?.find((tag) => tag.Key === DRAIN_TAG)?.Value;
}

/** Ids EC2 says it does not know, from an InvalidInstanceID.NotFound message. */
function unknownIds(error: unknown): string[] {
  return awsErrorName(error) === 'InvalidInstanceID.NotFound' ? ((error as Error).message.match(/i-[0-9a-z]+/g) ?? []) : [];
}

/**
 * Auto Scaling + EC2 behind the Fleet port. Discovery costs O(1) requests whatever the fleet size:
 * one DescribeAutoScalingGroups page per 100 groups and one DescribeInstances per 1000 instances.
 */
export class AwsFleet implements Fleet {
  constructor(
    private readonly autoscaling: LazyAutoScaling,
    private readonly ec2: LazyEc2,
  ) {}

  async ownGroup(instanceId: string): Promise<OwnGroup | undefined> {
    const autoscaling = await this.autoscaling();
    const found = await awsCall({ action: 'autoscaling:DescribeAutoScalingInstances' }, (abortSignal) =>
      autoscaling.client.send(new autoscaling.sdk.DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal }),
    );
    const own = found.AutoScalingInstances?.[0];
    if (!own?.AutoScalingGroupName) return undefined;
    const asgName = own.AutoScalingGroupName;
    const groups = await awsCall({ action: 'autoscaling:DescribeAutoScalingGroups' }, (abortSignal) =>
      autoscaling.client.send(new autoscaling.sdk.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }), { abortSignal }),
    );
    const group = groups.AutoScalingGroups?.[0];
    return { asgName, lifecycleState: own.LifecycleState ?? '', role: group ? roleOf(group) : undefined, launchingHook: group ? tagOf(group, LAUNCHING_HOOK_TAG) : undefined };
  }

  async view(cluster: string, ec2Of?: Role): Promise<FleetView> {
    const autoscaling = await this.autoscaling();
    const groups: AutoScalingGroup[] = [];
    let nextToken: string | undefined;
    // Bounded by the number of pages AWS reports; each page holds up to 100 groups.
    do {
      const page = await awsCall({ action: 'autoscaling:DescribeAutoScalingGroups' }, (abortSignal) =>
        autoscaling.client.send(
          new autoscaling.sdk.DescribeAutoScalingGroupsCommand({ Filters: [{ Name: `tag:${CLUSTER_TAG}`, Values: [cluster] }], MaxRecords: 100, NextToken: nextToken }),
          { abortSignal },
        ),
      );
      groups.push(...(page.AutoScalingGroups ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    const members = groups.flatMap((group) => (group.Instances ?? []).map((instance) => ({ group, instance })));
    const ec2 = await this.describe(members.filter((m) => ec2Of === undefined || roleOf(m.group) === ec2Of).map((m) => m.instance.InstanceId as string));
    const instances: FleetInstance[] = members.map(({ group, instance }) => {
      const described = ec2.get(instance.InstanceId as string);
      return {
        instanceId: instance.InstanceId as string,
        asgName: group.AutoScalingGroupName as string,
        role: roleOf(group),
        lifecycleState: instance.LifecycleState ?? '',
        healthStatus: instance.HealthStatus ?? '',
        availabilityZone: instance.AvailabilityZone ?? described?.Placement?.AvailabilityZone ?? '',
        privateIp: described?.PrivateIpAddress,
        instanceType: described?.InstanceType ?? instance.InstanceType,
        ec2State: described?.State?.Name,
        lifecycle: described?.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
        drainRequest: described === undefined ? undefined : drainRequestOf(described),
      };
    });
    return { groups: groups.map((g) => ({ name: g.AutoScalingGroupName as string, role: roleOf(g), launchingHook: tagOf(g, LAUNCHING_HOOK_TAG) })), instances };
  }

  async ec2Facts(instanceIds: string[]): Promise<Map<string, Ec2Facts>> {
    const described = await this.describe(instanceIds);
    return new Map(
      [...described].map(([id, instance]) => {
        const state = instance.State?.Name ?? 'unknown';
        return [id, { state, drainRequest: drainRequestOf(instance), goneAt: isGoneForGood(state) ? transitionTime(instance.StateTransitionReason) : undefined }];
      }),
    );
  }

  /** One DescribeInstances per 1000 ids; ids EC2 has forgotten are dropped and the chunk asked once more. */
  private async describe(instanceIds: string[]): Promise<Map<string, Instance>> {
    const out = new Map<string, Instance>();
    for (const chunk of chunks([...new Set(instanceIds)], INSTANCE_IDS_PER_CALL)) {
      let ids = chunk;
      for (let attempt = 0; attempt < 2 && ids.length > 0; attempt++) {
        try {
          await this.describePages(ids, out);
          break;
        } catch (error) {
          const gone = unknownIds(error);
          if (gone.length === 0 || attempt === 1) throw fromAwsError(error, { action: 'ec2:DescribeInstances' });
          ids = ids.filter((id) => !gone.includes(id));
        }
      }
    }
    return out;
  }

  private async describePages(ids: string[], out: Map<string, Instance>): Promise<void> {
    const ec2 = await this.ec2();
    let nextToken: string | undefined;
    do {
      const page = await ec2.client.send(new ec2.sdk.DescribeInstancesCommand({ InstanceIds: ids, NextToken: nextToken }), { abortSignal: AbortSignal.timeout(AWS_CALL_BUDGET_MS) });
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) out.set(instance.InstanceId as string, instance);
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }

  async hook(asgName: string, transition: LifecycleTransition): Promise<LifecycleHook | undefined> {
    const autoscaling = await this.autoscaling();
    const found = await awsCall({ action: 'autoscaling:DescribeLifecycleHooks' }, (abortSignal) =>
      autoscaling.client.send(new autoscaling.sdk.DescribeLifecycleHooksCommand({ AutoScalingGroupName: asgName }), { abortSignal }),
    );
    const hook: AwsHook | undefined = found.LifecycleHooks?.find((h) => h.LifecycleTransition === TRANSITIONS[transition]);
    if (!hook?.LifecycleHookName) return undefined;
    return {
      name: hook.LifecycleHookName,
      asgName,
      transition,
      heartbeatTimeoutMs: (hook.HeartbeatTimeout ?? 3600) * 1000,
      defaultResult: hook.DefaultResult === 'CONTINUE' ? 'CONTINUE' : 'ABANDON',
    };
  }

  async completeLifecycleAction(hook: LifecycleHook, instanceId: string, result: LifecycleResult): Promise<void> {
    const autoscaling = await this.autoscaling();
    await awsCall({ action: 'autoscaling:CompleteLifecycleAction' }, (abortSignal) =>
      autoscaling.client.send(
        new autoscaling.sdk.CompleteLifecycleActionCommand({
          AutoScalingGroupName: hook.asgName,
          LifecycleHookName: hook.name,
          InstanceId: instanceId,
          LifecycleActionResult: result,
        }),
        { abortSignal },
      ),
    );
  }

  async recordHeartbeat(hook: LifecycleHook, instanceId: string): Promise<void> {
    const autoscaling = await this.autoscaling();
    await awsCall({ action: 'autoscaling:RecordLifecycleActionHeartbeat' }, (abortSignal) =>
      autoscaling.client.send(
        new autoscaling.sdk.RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: hook.asgName, LifecycleHookName: hook.name, InstanceId: instanceId }),
        { abortSignal },
      ),
    );
  }

  async requestDrain(instanceId: string, reason: string): Promise<void> {
    const ec2 = await this.ec2();
    await awsCall({ action: 'ec2:CreateTags' }, (abortSignal) =>
      ec2.client.send(new ec2.sdk.CreateTagsCommand({ Resources: [instanceId], Tags: [{ Key: DRAIN_TAG, Value: reason }] }), { abortSignal }),
    );
  }

  async clearDrainRequest(instanceId: string): Promise<void> {
    const ec2 = await this.ec2();
    await awsCall({ action: 'ec2:DeleteTags' }, (abortSignal) =>
      ec2.client.send(new ec2.sdk.DeleteTagsCommand({ Resources: [instanceId], Tags: [{ Key: DRAIN_TAG }] }), { abortSignal }),
    );
  }

  async setUnhealthy(instanceId: string): Promise<void> {
    const autoscaling = await this.autoscaling();
    await awsCall({ action: 'autoscaling:SetInstanceHealth' }, (abortSignal) =>
      autoscaling.client.send(new autoscaling.sdk.SetInstanceHealthCommand({ InstanceId: instanceId, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }), { abortSignal }),
    );
  }
}

/**
 * The time in EC2's StateTransitionReason, e.g. `User initiated (2017-10-10 21:18:52 GMT)` (the
 * DescribeInstances reference: "the reason for the most recent state transition. This might be an
 * empty string"): when a terminated instance began to go. undefined when EC2 gives no time.
 */
export function transitionTime(reason: string | undefined): number | undefined {
  const match = /\((\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) GMT\)/.exec(reason ?? '');
  if (match === null) return undefined;
  const at = Date.parse(`${match[1]}T${match[2]}Z`);
  return Number.isNaN(at) ? undefined : at;
}
