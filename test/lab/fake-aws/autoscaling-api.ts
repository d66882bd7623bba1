import { randomUUID } from 'node:crypto';
import { AwsError } from './aws-error.js';
import type { FakeCloud } from './fake-cloud.js';
import { globalTimeoutSec } from './lifecycle.js';
import { paginate } from './pagination.js';
import type { QueryParams } from './query-params.js';
import { SCALING_PROCESSES, type FakeGroup, type FakeInstance, type LifecycleResult, type PoolState, type ScalingProcess, type WarmPool } from './types.js';
import type { QueryHandler } from './wire.js';
import type { XmlValue } from './xml.js';

const TRANSITIONS = { launching: 'autoscaling:EC2_INSTANCE_LAUNCHING', terminating: 'autoscaling:EC2_INSTANCE_TERMINATING' };

/** Auto Scaling (awsQuery, 2011-01-01): the actions swarmnode and the lab use. */
export const autoscalingApi: Record<string, QueryHandler> = {
  DescribeAutoScalingGroups(p, { cloud }) {
    const names = p.list('AutoScalingGroupNames.member');
    const filters = p.structs('Filters.member').map((f) => ({ name: f.required('Name'), values: f.list('Values.member') }));
    const groups = cloud
      .groups()
      .filter((g) => names.length === 0 || names.includes(g.name))
      .filter((g) => filters.every((f) => groupMatches(g, f.name, f.values)))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const { page, nextToken } = paginate(groups, {
      maxResults: p.int('MaxRecords'),
      nextToken: p.string('NextToken'),
      defaultSize: 50,
      maxSize: 100,
      sizeError: 'ValidationError',
      tokenError: 'InvalidNextToken',
    });
    return { AutoScalingGroups: page.map((g) => groupXml(cloud, g)), NextToken: nextToken };
  },

  DescribeAutoScalingInstances(p, { cloud }) {
    const ids = p.list('InstanceIds.member');
    const members = cloud.instances().filter((i) => i.asgName !== undefined && (ids.length === 0 || ids.includes(i.instanceId)));
    const { page, nextToken } = paginate(members, {
      maxResults: p.int('MaxRecords'),
      nextToken: p.string('NextToken'),
      defaultSize: 50,
      maxSize: 50,
      sizeError: 'ValidationError',
      tokenError: 'InvalidNextToken',
    });
    return { AutoScalingInstances: page.map((i) => ({ ...memberXml(i), AutoScalingGroupName: i.asgName, HealthStatus: i.health.toUpperCase() })), NextToken: nextToken };
  },

  DescribeLifecycleHooks(p, { cloud }) {
    const group = cloud.requireGroup(p.required('AutoScalingGroupName'));
    const names = p.list('LifecycleHookNames.member');
    const hooks = group.hooks.filter((h) => names.length === 0 || names.includes(h.name));
    return {
      LifecycleHooks: hooks.map((h) => ({
        LifecycleHookName: h.name,
        AutoScalingGroupName: group.name,
        LifecycleTransition: TRANSITIONS[h.transition],
        HeartbeatTimeout: h.heartbeatTimeoutSec,
        GlobalTimeout: globalTimeoutSec(h),
        DefaultResult: h.defaultResult,
      })),
    };
  },

  CompleteLifecycleAction(p, { cloud }) {
    const result = p.required('LifecycleActionResult') as LifecycleResult;
    cloud.completeLifecycleAction(p.required('AutoScalingGroupName'), actionRef(p), result);
    return {};
  },

  RecordLifecycleActionHeartbeat(p, { cloud }) {
    cloud.recordLifecycleActionHeartbeat(p.required('AutoScalingGroupName'), actionRef(p));
    return {};
  },

  SuspendProcesses(p, { cloud }) {
    cloud.suspendProcesses(p.required('AutoScalingGroupName'), scalingProcesses(p));
    return {};
  },

  ResumeProcesses(p, { cloud }) {
    cloud.resumeProcesses(p.required('AutoScalingGroupName'), scalingProcesses(p));
    return {};
  },

  SetInstanceHealth(p, { cloud }) {
    const health = p.required('HealthStatus');
    if (health !== 'Healthy' && health !== 'Unhealthy') {
      throw new AwsError('ValidationError', `Valid HealthStatus values are Healthy and Unhealthy, not ${health}`);
    }
    void cloud.setInstanceHealth(p.required('InstanceId'), health).catch(ignoreHostFailure);
    return {};
  },

  SetDesiredCapacity(p, { cloud }) {
    const desired = p.int('DesiredCapacity');
    if (desired === undefined) throw new AwsError('ValidationError', "Value null at 'desiredCapacity' failed to satisfy constraint: Member must not be null");
    void cloud.setDesiredCapacity(p.required('AutoScalingGroupName'), desired).catch(ignoreHostFailure);
    return {};
  },

  /** Creates or updates the group's warm pool; its instances launch in the background. */
  PutWarmPool(p, { cloud }) {
    const name = p.required('AutoScalingGroupName');
    void cloud
      .putWarmPool(name, {
        minSize: p.int('MinSize'),
        maxGroupPreparedCapacity: p.int('MaxGroupPreparedCapacity'),
        poolState: p.string('PoolState') as PoolState | undefined,
        reuseOnScaleIn: p.bool('InstanceReusePolicy.ReuseOnScaleIn'),
      })
      .catch(ignoreHostFailure);
    return {};
  },

  /** The pool's configuration (absent when the group has no pool) and its instances, paginated. */
  DescribeWarmPool(p, { cloud }) {
    const group = cloud.requireGroup(p.required('AutoScalingGroupName'));
    const instances = group.warmIds.flatMap((id) => cloud.instance(id) ?? []);
    const { page, nextToken } = paginate(instances, {
      maxResults: p.int('MaxRecords'),
      nextToken: p.string('NextToken'),
      defaultSize: 50,
      maxSize: 50,
      sizeError: 'ValidationError',
      tokenError: 'InvalidNextToken',
    });
    return { WarmPoolConfiguration: warmPoolXml(group.warmPool), Instances: page.map(memberXml), NextToken: nextToken };
  },

  DeleteWarmPool(p, { cloud }) {
    cloud.deleteWarmPool(p.required('AutoScalingGroupName'), { force: p.bool('ForceDelete') === true });
    return {};
  },

  TerminateInstanceInAutoScalingGroup(p, { cloud }) {
    const instanceId = p.required('InstanceId');
    const decrement = p.bool('ShouldDecrementDesiredCapacity');
    if (decrement === undefined) throw new AwsError('ValidationError', "Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null");
    const groupName = cloud.instance(instanceId)?.asgName;
    void cloud.terminateInstance(instanceId, { decrement }).catch(ignoreHostFailure);
    return {
      Activity: {
        ActivityId: randomUUID(),
        AutoScalingGroupName: groupName,
        Description: `Terminating EC2 instance: ${instanceId}`,
        Cause: `At ${new Date(cloud.now()).toISOString()} instance ${instanceId} was taken out of service in response to a user request${decrement ? ', shrinking the capacity' : ''}.`,
        StartTime: new Date(cloud.now()),
        StatusCode: 'InProgress',
        Progress: 0,
      },
    };
  },
};

/**
 * The cloud validates synchronously (a bad request throws before this point); what is left to fail
 * is the host's launch, which the lab sees as a 'host-error' event, not the API caller.
 */
function ignoreHostFailure(): void {}

function actionRef(p: QueryParams): { hookName: string; instanceId?: string; token?: string } {
  const hookName = p.required('LifecycleHookName');
  const token = p.string('LifecycleActionToken');
  const instanceId = p.string('InstanceId');
  if (token === undefined && instanceId === undefined) {
    throw new AwsError('ValidationError', 'Either LifecycleActionToken or InstanceId must be specified.');
  }
  return token !== undefined ? { hookName, token } : { hookName, instanceId: instanceId as string };
}

function groupMatches(group: FakeGroup, name: string, values: string[]): boolean {
  const tags = Object.entries(group.tags);
  if (name.startsWith('tag:')) {
    const value = group.tags[name.slice(4)];
    return value !== undefined && values.includes(value);
  }
  if (name === 'tag-key') return tags.some(([k]) => values.includes(k));
  if (name === 'tag-value') return tags.some(([, v]) => values.includes(v));
  throw new AwsError('ValidationError', `Filter name '${name}' is not valid: use tag:<key>, tag-key or tag-value.`);
}

// DescribeAutoScalingGroups says 'Healthy' where DescribeAutoScalingInstances says 'HEALTHY', as on AWS.
function memberXml(i: FakeInstance): Record<string, XmlValue> {
  return {
    InstanceId: i.instanceId,
    InstanceType: i.instanceType,
    AvailabilityZone: i.availabilityZone,
    LifecycleState: i.lifecycleState,
    HealthStatus: i.health,
    ProtectedFromScaleIn: false,
  };
}

function groupXml(cloud: FakeCloud, g: FakeGroup): Record<string, XmlValue> {
  const members = g.instanceIds.flatMap((id) => cloud.instance(id) ?? []);
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    MinSize: g.min,
    MaxSize: g.max,
    DesiredCapacity: g.desired,
    DefaultCooldown: 300,
    AvailabilityZones: g.availabilityZones,
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    Instances: members.map(memberXml),
    CreatedTime: g.createdTime,
    Tags: Object.entries(g.tags).map(([Key, Value]) => ({ ResourceId: g.name, ResourceType: 'auto-scaling-group', Key, Value, PropagateAtLaunch: true })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    SuspendedProcesses: [...g.suspended].map(([ProcessName, at]) => ({ ProcessName, SuspensionReason: `User suspended at ${at.toISOString()}` })),
    WarmPoolConfiguration: warmPoolXml(g.warmPool),
    WarmPoolSize: g.warmPool === undefined ? undefined : g.warmIds.length,
  };
}

/** ScalingProcesses.member.N; an unknown name is a ValidationError, as on AWS. */
function scalingProcesses(p: QueryParams): ScalingProcess[] {
  return p.list('ScalingProcesses.member').map((name) => {
    if (!(SCALING_PROCESSES as readonly string[]).includes(name)) throw new AwsError('ValidationError', `Unknown process name: ${name}`);
    return name as ScalingProcess;
  });
}

function warmPoolXml(pool: WarmPool | undefined): XmlValue {
  if (pool === undefined) return undefined;
  return {
    MaxGroupPreparedCapacity: pool.maxGroupPreparedCapacity,
    MinSize: pool.minSize,
    PoolState: pool.poolState,
    Status: pool.status,
    InstanceReusePolicy: { ReuseOnScaleIn: pool.reuseOnScaleIn },
  };
}
