import { AwsError } from './aws-error.js';
import type { FakeCloud } from './fake-cloud.js';
import { paginate } from './pagination.js';
import type { QueryParams } from './query-params.js';
import type { Ec2State, FakeInstance } from './types.js';
import type { QueryHandler } from './wire.js';
import type { XmlValue } from './xml.js';

const STATE_CODES: Record<Ec2State, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 };

interface Filter {
  name: string;
  patterns: RegExp[];
}

/** EC2 (ec2Query, 2016-11-15): DescribeInstances by ids and filters, paginated. */
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
      .filter((i) => filters.every((f) => attributeValues(cloud, i, f.name).some((v) => f.patterns.some((re) => re.test(v)))));
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
};

function filtersOf(p: QueryParams): Filter[] {
  return p.structs('Filter').map((f) => ({ name: f.required('Name'), patterns: f.list('Value').map(globToRegExp) }));
}

/** EC2 filter values accept `*` and `?` wildcards. */
function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

function tagsOf(cloud: FakeCloud, i: FakeInstance): Record<string, string> {
  // Instances carry their group's tags (PropagateAtLaunch) plus the one AWS adds itself.
  return { ...cloud.group(i.launchedBy)?.tags, 'aws:autoscaling:groupName': i.launchedBy };
}

function attributeValues(cloud: FakeCloud, i: FakeInstance, filter: string): string[] {
  const tags = tagsOf(cloud, i);
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

function instanceXml(cloud: FakeCloud, i: FakeInstance): Record<string, XmlValue> {
  return {
    instanceId: i.instanceId,
    imageId: 'ami-0000000000000lab0',
    instanceState: { code: STATE_CODES[i.ec2State], name: i.ec2State },
    privateDnsName: i.ec2State === 'terminated' ? '' : `ip-${i.privateIp.replaceAll('.', '-')}.${cloud.region}.compute.internal`,
    instanceType: i.instanceType,
    launchTime: i.launchTime,
    placement: { availabilityZone: i.availabilityZone, tenancy: 'default' },
    // A terminated instance has released its address, as on AWS.
    privateIpAddress: i.ec2State === 'terminated' ? undefined : i.privateIp,
    architecture: 'x86_64',
    instanceLifecycle: i.lifecycle === 'spot' ? 'spot' : undefined,
    tagSet: Object.entries(tagsOf(cloud, i)).map(([key, value]) => ({ key, value })),
  };
}
