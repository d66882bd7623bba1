import { AwsError } from './aws-error.js';
import type { FakeCloud } from './fake-cloud.js';
import { paginate } from './pagination.js';
import type { QueryParams } from './query-params.js';
import type { Ec2State, FakeInstance } from './types.js';
import type { QueryHandler } from './wire.js';
import type { XmlValue } from './xml.js';

const STATE_CODES: Record<Ec2State, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

interface Filter {
  name: string;
  patterns: RegExp[];
}

/** EC2 (ec2Query, 2016-11-15): DescribeInstances, DescribeInstanceStatus, CreateTags and DeleteTags on instances. */
export const ec2Api: Record<string, QueryHandler> = {
  DescribeInstances(p, { cloud }) {
    const ids = p.list('InstanceId');
    const unknown = ids.filter((id) => cloud.instance(id) === undefined);
    if (unknown.length > 0) {
      const many = unknown.length > 1;
      throw new AwsError('InvalidInstanceID.NotFound', `The instance ID${many ? 's' : ''} '${unknown.join(', ')}' ${many ? 'do' : 'does'} not exist`);
    }
    const filters = filtersOf(p);
    const matching = cloud
      .instances()
      .filter((i) => ids.length === 0 || ids.includes(i.instanceId))
      .filter((i) => filters.every((f) => attributeValues(i, f.name).some((v) => f.patterns.some((re) => re.test(v)))));
    const { page, nextToken } = paginate(matching, {
      maxResults: p.int('MaxResults'),
      nextToken: p.string('NextToken'),
      defaultSize: 1000,
      maxSize: 1000,
      sizeError: 'InvalidParameterValue',
      tokenError: 'InvalidParameterValue',
    });
    return {
      reservationSet: page.map((i) => ({
        reservationId: `r-${i.instanceId.slice(2)}`,
        ownerId: cloud.accountId,
        groupSet: [],
        instancesSet: [instanceXml(cloud, i)],
      })),
      nextToken,
    };
  },

  /**
   * Status checks and scheduled events. Without IncludeAllInstances only running instances are
   * described; a completed or canceled event stays listed, its description starting with
   * [Completed] or [Canceled] (scheduled events guide).
   */
  DescribeInstanceStatus(p, { cloud }) {
    const ids = p.list('InstanceId');
    const unknown = ids.filter((id) => cloud.instance(id) === undefined);
    if (unknown.length > 0) {
      const many = unknown.length > 1;
      throw new AwsError('InvalidInstanceID.NotFound', `The instance ID${many ? 's' : ''} '${unknown.join(', ')}' ${many ? 'do' : 'does'} not exist`);
    }
    if (p.structs('Filter').length > 0) throw new AwsError('InvalidParameterValue', 'The lab does not implement filters for DescribeInstanceStatus');
    const all = p.bool('IncludeAllInstances') === true;
    const matching = cloud
      .instances()
      .filter((i) => ids.length === 0 || ids.includes(i.instanceId))
      .filter((i) => all || i.ec2State === 'running');
    const { page, nextToken } = paginate(matching, {
      maxResults: p.int('MaxResults'),
      nextToken: p.string('NextToken'),
      defaultSize: 1000,
      maxSize: 1000,
      sizeError: 'InvalidParameterValue',
      tokenError: 'InvalidParameterValue',
    });
    return { instanceStatusSet: page.map(statusXml), nextToken };
  },

  /** Adds or overwrites tags; ResourceId.N must all exist, or nothing is tagged. */
  CreateTags(p, { cloud }) {
    const ids = requiredIds(p);
    const tags = p.structs('Tag');
    if (tags.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter tag');
    cloud.createTags(ids, Object.fromEntries(tags.map((t) => [t.string('Key') ?? '', t.string('Value') ?? ''])));
    return { return: true };
  },

  DeleteTags(p, { cloud }) {
    const ids = requiredIds(p);
    const tags = p.structs('Tag').map((t) => ({ key: t.string('Key') ?? '', value: t.string('Value') }));
    cloud.deleteTags(ids, tags.length === 0 ? undefined : tags);
    return { return: true };
  },
};

function requiredIds(p: QueryParams): string[] {
  const ids = p.list('ResourceId');
  if (ids.length === 0) throw new AwsError('MissingParameter', 'The request must contain the parameter resourceId');
  return ids;
}

function statusXml(i: FakeInstance): Record<string, XmlValue> {
  const summary = (): XmlValue =>
    i.ec2State === 'running' ? { status: 'ok', details: [{ name: 'reachability', status: 'passed' }] } : { status: 'not-applicable' };
  return {
    instanceId: i.instanceId,
    availabilityZone: i.availabilityZone,
    eventsSet: i.events.map((e) => ({
      instanceEventId: e.eventId,
      code: e.code,
      description: e.description,
      notBefore: e.notBefore,
      notAfter: e.notAfter,
      notBeforeDeadline: e.notBeforeDeadline,
    })),
    instanceState: { code: STATE_CODES[i.ec2State], name: i.ec2State },
    systemStatus: summary(),
    instanceStatus: summary(),
  };
}

function filtersOf(p: QueryParams): Filter[] {
  return p.structs('Filter').map((f) => ({ name: f.required('Name'), patterns: f.list('Value').map(globToRegExp) }));
}

/** EC2 filter values accept `*` and `?` wildcards. */
function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

function attributeValues(i: FakeInstance, filter: string): string[] {
  const tags = i.tags;
  if (filter.startsWith('tag:')) {
    const value = tags[filter.slice(4)];
    return value === undefined ? [] : [value];
  }
  switch (filter) {
    case 'instance-state-name':
      return [i.ec2State];
    case 'instance-state-code':
      return [String(STATE_CODES[i.ec2State])];
    case 'instance-id':
      return [i.instanceId];
    case 'private-ip-address':
      return [i.privateIp];
    case 'availability-zone':
      return [i.availabilityZone];
    case 'instance-type':
      return [i.instanceType];
    case 'instance-lifecycle':
      return i.lifecycle === 'spot' ? ['spot'] : [];
    case 'tag-key':
      return Object.keys(tags);
    case 'tag-value':
      return Object.values(tags);
    default:
      throw new AwsError('InvalidParameterValue', `The filter '${filter}' is invalid`);
  }
}

/**
 * "The reason for the most recent state transition. This might be an empty string" (DescribeInstances
 * reference); for a stop or a termination EC2 writes e.g. `User initiated (2017-10-10 21:18:52 GMT)`.
 */
function transitionReason(i: FakeInstance): string {
  if (i.transitionAt === undefined || i.ec2State === 'running' || i.ec2State === 'pending') return '';
  return `User initiated (${i.transitionAt.toISOString().slice(0, 19).replace('T', ' ')} GMT)`;
}

function instanceXml(cloud: FakeCloud, i: FakeInstance): Record<string, XmlValue> {
  return {
    instanceId: i.instanceId,
    imageId: 'ami-0000000000000lab0',
    instanceState: { code: STATE_CODES[i.ec2State], name: i.ec2State },
    // StateTransitionReason travels as <reason> in EC2's XML.
    reason: transitionReason(i),
    privateDnsName: i.ec2State === 'terminated' ? '' : `ip-${i.privateIp.replaceAll('.', '-')}.${cloud.region}.compute.internal`,
    instanceType: i.instanceType,
    launchTime: i.launchTime,
    placement: { availabilityZone: i.availabilityZone, tenancy: 'default' },
    // A terminated instance has released its address, as on AWS.
    privateIpAddress: i.ec2State === 'terminated' ? undefined : i.privateIp,
    architecture: 'x86_64',
    instanceLifecycle: i.lifecycle === 'spot' ? 'spot' : undefined,
    tagSet: Object.entries(i.tags).map(([key, value]) => ({ key, value })),
  };
}
