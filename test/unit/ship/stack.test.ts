import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLUSTER_TAG, ROLE_TAG } from '../../../src/adapters/aws/aws-fleet.js';
import { CONFIG_SCHEMA } from '../../../src/config/config-schema.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { parseCloudFormation } from './parse-cloudformation.js';

const template = parseCloudFormation(readFileSync('stack/swarmnode.yaml', 'utf8'));
const resources = template.Resources;
const userData = readFileSync('cloud-init/user-data.yaml', 'utf8');
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const groups = ofType('AWS::AutoScaling::AutoScalingGroup');
const defaultOf = (key: string, cluster: string): unknown =>
  CONFIG_SCHEMA.find((entry) => entry.key === key)!.defaultValue!({ cluster } as never, {});

/** Every value in the template, with the path to it, for the reference checks. */
function* walk(value: unknown, path = ''): Generator<[string, unknown]> {
  yield [path, value];
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) yield* walk(child, `${path}/${key}`);
  }
}

const names = new Set([...Object.keys(template.Parameters), ...Object.keys(resources)]);
const isPseudo = (name: string) => name.startsWith('AWS::');

/** The placeholders of the IAM policies and their meaning in this stack. */
const iamBindings: Record<string, unknown> = {
  Cluster: { Ref: 'ClusterName' },
  ManagerKeyArn: { 'Fn::GetAtt': ['ManagerKey', 'Arn'] },
  WorkerKeyArn: { 'Fn::GetAtt': ['WorkerKey', 'Arn'] },
  BackupBucket: { Ref: 'BackupBucket' },
};

/** The pseudo parameters of the stack that stand for a placeholder of the IAM policies. */
const iamPseudoParameters: Record<string, string> = { 'AWS::Partition': 'Partition', 'AWS::Region': 'Region', 'AWS::URLSuffix': 'UrlSuffix' };

/**
 * Replaces each `!Sub [text, vars]` by its text, checking its vars mean what iam/*.json means, and
 * writing its pseudo parameters as the policies' placeholders (`${AWS::Partition}` is `${Partition}`).
 */
function withPlaceholders(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withPlaceholders);
  if (!value || typeof value !== 'object') return value;
  const sub = (value as Record<string, unknown>)['Fn::Sub'];
  if (sub !== undefined) {
    const [text, vars = {}] = Array.isArray(sub) ? sub : [sub];
    for (const [name, binding] of Object.entries(vars as object)) expect(binding, name).toEqual(iamBindings[name]);
    return (text as string).replace(/\$\{(AWS::\w+)\}/g, (whole, pseudo: string) =>
      iamPseudoParameters[pseudo] === undefined ? whole : `\${${iamPseudoParameters[pseudo]}}`,
    );
  }
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, withPlaceholders(child)]));
}

function roleOfGroup(properties: Record<string, any>): string {
  return properties.Tags.find((tag: { Key: string }) => tag.Key === ROLE_TAG).Value;
}

describe('example CloudFormation stack', () => {
  it('resolves every Ref, GetAtt and Sub variable', () => {
    const unresolved: string[] = [];
    for (const [path, value] of walk(template)) {
      if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
      const node = value as Record<string, any>;
      if (typeof node.Ref === 'string' && !names.has(node.Ref) && !isPseudo(node.Ref)) unresolved.push(`${path}: Ref ${node.Ref}`);
      if (node['Fn::GetAtt'] && !(node['Fn::GetAtt'][0] in resources)) unresolved.push(`${path}: GetAtt ${node['Fn::GetAtt']}`);
      if (node['Fn::Sub'] !== undefined) {
        const [text, vars = {}] = Array.isArray(node['Fn::Sub']) ? node['Fn::Sub'] : [node['Fn::Sub']];
        for (const [, variable] of (text as string).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const known = variable! in vars || names.has(variable!) || isPseudo(variable!) || variable!.split('.')[0]! in resources;
          if (!known) unresolved.push(`${path}: Sub \${${variable}}`);
        }
      }
    }
    expect(unresolved).toEqual([]);
  });

  it('gives each role exactly its policy from iam/', () => {
    for (const role of ['manager', 'worker']) {
      const resource = resources[`${role[0]!.toUpperCase()}${role.slice(1)}Role`]!;
      const [policy] = resource.Properties.Policies;
      expect(policy.PolicyName).toBe(`swarmnode-${role}`);
      expect(withPlaceholders(policy.PolicyDocument)).toEqual(JSON.parse(readFileSync(`iam/${role}-policy.json`, 'utf8')));
    }
  });

  it('lets each role answer the lifecycle of its own groups only: the role tag its group carries', () => {
    for (const [, group] of groups) {
      const role = roleOfGroup(group.Properties);
      const profile = resources[resources[group.Properties.LaunchTemplate.LaunchTemplateId.Ref]!.Properties.LaunchTemplateData.IamInstanceProfile.Arn['Fn::GetAtt'][0]]!;
      const roleResource = resources[profile.Properties.Roles[0].Ref]!;
      const statements = roleResource.Properties.Policies[0].PolicyDocument.Statement as Record<string, any>[];
      const lifecycle = statements.filter((statement) => statement.Action.includes('autoscaling:CompleteLifecycleAction'));
      expect(lifecycle).toHaveLength(1);
      expect(lifecycle[0]!.Condition.StringEquals[`autoscaling:ResourceTag/${ROLE_TAG}`]).toBe(role);
    }
  });

  it('tags both groups the way swarmnode discovers them, propagated to the instances', () => {
    expect(groups.map(([, group]) => roleOfGroup(group.Properties)).sort()).toEqual(['manager', 'worker']);
    for (const [, group] of groups) {
      const tags = group.Properties.Tags as { Key: string; Value: unknown; PropagateAtLaunch: boolean }[];
      for (const key of [CLUSTER_TAG, ROLE_TAG]) {
        expect(tags.find((tag) => tag.Key === key)?.PropagateAtLaunch, key).toBe(true);
      }
      expect(tags.find((tag) => tag.Key === CLUSTER_TAG)?.Value).toEqual({ Ref: 'ClusterName' });
    }
  });

  it('has a launching hook outlasting the join timeout and a terminating hook on each group', () => {
    const joinTimeoutSec = (defaultOf('SWARMNODE_JOIN_TIMEOUT', 'c') as number) / 1000;
    for (const [, group] of groups) {
      const hooks = group.Properties.LifecycleHookSpecificationList as Record<string, any>[];
      expect(hooks.map((hook) => hook.LifecycleTransition).sort()).toEqual([
        'autoscaling:EC2_INSTANCE_LAUNCHING',
        'autoscaling:EC2_INSTANCE_TERMINATING',
      ]);
      const launching = hooks.find((hook) => hook.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING')!;
      expect(launching.HeartbeatTimeout).toBeGreaterThan(joinTimeoutSec);
    }
  });

  it('launches each group with the shipped user-data, IMDSv2 required and the instance profile of its role', () => {
    for (const [, group] of groups) {
      const role = roleOfGroup(group.Properties);
      const launchTemplate = resources[group.Properties.LaunchTemplate.LaunchTemplateId.Ref]!.Properties.LaunchTemplateData;
      expect(launchTemplate.MetadataOptions.HttpTokens).toBe('required');
      const [text, vars] = launchTemplate.UserData['Fn::Base64']['Fn::Sub'];
      expect(text).toBe(userData);
      expect(vars.Cluster).toEqual({ Ref: 'ClusterName' });
      expect(Object.keys(vars).sort()).toEqual([...new Set([...userData.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]))].sort());
      const profile = resources[launchTemplate.IamInstanceProfile.Arn['Fn::GetAtt'][0]]!;
      expect(profile.Properties.Roles).toEqual([{ Ref: `${role[0]!.toUpperCase()}${role.slice(1)}Role` }]);
    }
  });

  it('names the manager key alias and SSM prefix as swarmnode defaults them', () => {
    expect(resources.ManagerKeyAlias!.Properties.AliasName).toEqual({
      'Fn::Sub': defaultOf('SWARMNODE_MANAGER_KMS_KEY', '${ClusterName}'),
    });
    expect(template.Outputs.SsmPrefix!.Value).toEqual({ 'Fn::Sub': defaultOf('SWARMNODE_SSM_PREFIX', '${ClusterName}') });
  });

  it('opens exactly the swarm ports and swarmnode\'s metrics port between members of the security group', () => {
    const rules = ofType('AWS::EC2::SecurityGroupIngress').map(([, rule]) => rule.Properties);
    const metricsPort = loadConfig({ SWARMNODE_CLUSTER: 'x' }).metricsAddr?.port;
    expect(rules.map((rule) => `${rule.FromPort}-${rule.ToPort}/${rule.IpProtocol}`).sort()).toEqual([
      '2377-2377/tcp',
      '4789-4789/udp',
      '7946-7946/tcp',
      '7946-7946/udp',
      `${metricsPort}-${metricsPort}/tcp`,
    ]);
    for (const rule of rules) {
      expect(rule.GroupId).toEqual({ Ref: 'SwarmSecurityGroup' });
      expect(rule.SourceSecurityGroupId).toEqual({ Ref: 'SwarmSecurityGroup' });
    }
  });

  it('offers an optional warm pool for the workers that takes scaled-in instances back, hibernation configured only when asked', () => {
    expect(template.Parameters.WarmPoolState).toMatchObject({ Default: 'none', AllowedValues: ['none', 'Stopped', 'Running', 'Hibernated'] });
    const [, pool] = ofType('AWS::AutoScaling::WarmPool')[0]!;
    expect((pool as { Condition?: string }).Condition).toBe('HasWarmPool');
    expect(pool.Properties).toMatchObject({ AutoScalingGroupName: { Ref: 'WorkerGroup' }, PoolState: { Ref: 'WarmPoolState' }, InstanceReusePolicy: { ReuseOnScaleIn: true } });
    const worker = resources.WorkerLaunchTemplate!.Properties.LaunchTemplateData as Record<string, unknown>;
    expect(worker.HibernationOptions).toEqual({ 'Fn::If': ['Hibernates', { Configured: true }, { Ref: 'AWS::NoValue' }] });
    expect(JSON.stringify(worker.BlockDeviceMappings)).toContain('"Encrypted":true');
  });

  it('keeps backups in a versioned, SSE-KMS, private bucket that outlives the stack, named in the user-data', () => {
    const bucket = resources.BackupBucket!;
    expect((bucket as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
    const p = bucket.Properties;
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['ManagerKey', 'Arn'] } }, BucketKeyEnabled: false },
    ]);
    expect(p.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(p.LifecycleConfiguration.Rules[0]).toMatchObject({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: { Ref: 'BackupNoncurrentDays' } } });
    const denyPlainHttp = resources.BackupBucketPolicy!.Properties.PolicyDocument.Statement[0];
    expect(denyPlainHttp).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': false } } });
    expect(userData).toContain('SWARMNODE_BACKUP_BUCKET=${BackupBucket}');
  });

  it('lets only the manager role near the backups, under the prefix swarmnode uses by default', () => {
    const prefix = defaultOf('SWARMNODE_BACKUP_PREFIX', 'c');
    const s3Resources = (role: string): string[] =>
      JSON.stringify(resources[role]!.Properties.Policies[0].PolicyDocument).match(/s3:::[^"']*/g) ?? [];
    expect(s3Resources('WorkerRole')).toEqual([]);
    expect(s3Resources('ManagerRole')).toEqual(['s3:::${BackupBucket}', 's3:::${BackupBucket}/swarmnode/${Cluster}/*']);
    expect(prefix).toBe('swarmnode/');
  });
});
