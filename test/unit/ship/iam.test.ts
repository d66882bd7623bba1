import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsActionsInSource, labelledActionsInSource } from './aws-actions-in-source.js';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);
const statements = (role: string): Statement[] =>
  JSON.parse(readFileSync(`iam/${role}-policy.json`, 'utf8')).Statement;
const allowed = (role: string): Set<string> =>
  new Set(statements(role).filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)));

const called = awsActionsInSource('src');
/** S3 calls KMS on the caller's behalf to encrypt an SSE-KMS object (backups): the caller needs the permission, the code makes no such call. */
const onBehalf = new Set(['kms:GenerateDataKey']);
// Publishing tokens, the cluster record and the init lock, sealing secrets, and removing the unlock
// key when autolock is turned off happen only in the manager paths (init, the leader's reconciler);
// so do backups and restores (the leader's backup step, `swarmnode backup` and `restore` on a
// manager). A manager's boot reads its token with the cluster record in one call (GetParameters);
// a worker only reads and opens its own token.
const managerOnly = new Set(['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'kms:Encrypt', 's3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:DeleteObject', ...onBehalf]);
const workerCalls = new Set([...called].filter((action) => !managerOnly.has(action)));
const clusterCondition = {
  kms: 'kms:EncryptionContext:swarmnode:cluster',
  autoscaling: 'autoscaling:ResourceTag/swarmnode:cluster',
};
const roleTagCondition = 'autoscaling:ResourceTag/swarmnode:role';
/** The calls that act on one instance's lifecycle or health: only ever on groups of the caller's own role. */
const lifecycleActions = ['autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat', 'autoscaling:SetInstanceHealth'];
/** A hard-coded partition (aws, aws-cn, aws-us-gov): the policies and the stack must work in any. */
const literalPartition = /arn:aws[a-z-]*:/;

describe('IAM policies', () => {
  it('derives a plausible set of actions from the SDK commands imported in src/', () => {
    expect(called.has('ssm:GetParameter')).toBe(true);
    expect(called.has('autoscaling:CompleteLifecycleAction')).toBe(true);
  });

  it('names in the adapters\' awsCall labels only actions the imported commands can make', () => {
    expect([...labelledActionsInSource('src')].filter((label) => !called.has(label))).toEqual([]);
  });

  it('lets the manager role call exactly what the code calls (and what S3 calls on its behalf)', () => {
    expect([...allowed('manager')].sort()).toEqual([...called, ...onBehalf].sort());
    expect([...managerOnly].filter((action) => !called.has(action) && !onBehalf.has(action))).toEqual([]);
  });

  it('lets the worker role call exactly the worker paths, fewer actions than a manager', () => {
    expect([...allowed('worker')].sort()).toEqual([...workerCalls].sort());
    expect(workerCalls.size).toBeLessThan(called.size);
  });

  it.each(['manager', 'worker'])('%s: no wildcard actions, and "*" resources only for Describe calls', (role) => {
    for (const statement of statements(role)) {
      expect(list(statement.Action).filter((action) => action.includes('*'))).toEqual([]);
      if (list(statement.Resource).includes('*')) {
        expect(list(statement.Action).filter((action) => !/^[a-z0-9]+:Describe/.test(action))).toEqual([]);
      }
    }
  });

  it.each(['manager', 'worker'])('%s: parameters, keys and groups are scoped to the cluster', (role) => {
    for (const statement of statements(role).filter((s) => !list(s.Resource).includes('*'))) {
      const services = new Set(list(statement.Action).map((action) => action.split(':')[0]));
      expect(services.size, `one service per statement: ${list(statement.Action)}`).toBe(1);
      const [service] = services;
      if (service === 'ssm') {
        for (const resource of list(statement.Resource)) {
          expect(resource.startsWith('arn:${Partition}:ssm:*:*:parameter/swarmnode/${Cluster}/')).toBe(true);
        }
      }
      if (service === 'kms') {
        expect(list(statement.Resource).every((resource) => /^\$\{(Manager|Worker)KeyArn\}$/.test(resource))).toBe(true);
      }
      if (service === 's3') {
        // Only the cluster's own prefix of the backup bucket, whichever the action.
        const objects = list(statement.Action).some((action) => action !== 's3:ListBucket');
        if (objects) expect(list(statement.Resource)).toEqual(['arn:${Partition}:s3:::${BackupBucket}/swarmnode/${Cluster}/*']);
        else expect(statement.Condition?.StringLike?.['s3:prefix']).toEqual(['swarmnode/${Cluster}/*']);
      }
      if (service === 'kms' || service === 'autoscaling') {
        expect(statement.Condition?.StringEquals?.[clusterCondition[service]]).toBe('${Cluster}');
      }
      if (service === 'autoscaling') {
        for (const resource of list(statement.Resource)) {
          expect(resource).toBe('arn:${Partition}:autoscaling:*:*:autoScalingGroup:*:autoScalingGroupName/*');
        }
      }
    }
  });

  it.each(['manager', 'worker'])('%s: lifecycle and health calls only on groups tagged with its own role', (role) => {
    const granting = statements(role).filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => lifecycleActions.includes(a)));
    expect(granting.flatMap((s) => list(s.Action)).filter((a) => lifecycleActions.includes(a)).sort()).toEqual(lifecycleActions);
    for (const statement of granting) {
      expect(list(statement.Resource)).not.toContain('*');
      expect(statement.Condition?.StringEquals?.[clusterCondition.autoscaling]).toBe('${Cluster}');
      expect(statement.Condition?.StringEquals?.[roleTagCondition], list(statement.Action).join(', ')).toBe(role);
    }
  });

  it('names no partition: every ARN in iam/ and stack/ takes it from ${Partition} or ${AWS::Partition}', () => {
    const files = ['iam', 'stack'].flatMap((dir) => readdirSync(dir).map((name) => join(dir, name)));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const hardCoded = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, index) => `${file}:${index + 1}: ${line.trim()}`)
        .filter((line) => literalPartition.test(line)),
    );
    expect(hardCoded).toEqual([]);
    for (const role of ['manager', 'worker']) {
      const arns = statements(role).flatMap((s) => list(s.Resource)).filter((resource) => resource.startsWith('arn:'));
      expect(arns.length).toBeGreaterThan(0);
      expect(arns.filter((arn) => !arn.startsWith('arn:${Partition}:'))).toEqual([]);
    }
  });

  it('lets S3, and only S3, make the backups\' data keys, under the cluster\'s context', () => {
    const generating = statements('manager').filter((s) => list(s.Action).includes('kms:GenerateDataKey'));
    expect(generating).toHaveLength(1);
    expect(generating[0]?.Condition?.StringEquals).toEqual({ 'kms:EncryptionContext:swarmnode:cluster': '${Cluster}', 'kms:ViaService': 's3.${Region}.${UrlSuffix}' });
    expect(statements('worker').flatMap((s) => list(s.Action)).filter((a) => a.startsWith('s3:') || a === 'kms:GenerateDataKey')).toEqual([]);
  });

  it('keeps the worker away from the manager token and key', () => {
    const resources = statements('worker').flatMap((statement) => list(statement.Resource));
    const secretResources = resources.filter((resource) => /^arn:[^:]+:ssm:/.test(resource) || resource.includes('KeyArn'));
    expect(secretResources.filter((resource) => /manager|ManagerKey|\/\*$/.test(resource))).toEqual([]);
    const kms = statements('worker').find((statement) => list(statement.Action).includes('kms:Decrypt'));
    expect(kms?.Condition?.StringEquals?.['kms:EncryptionContext:swarmnode:role']).toBe('worker');
  });
});
