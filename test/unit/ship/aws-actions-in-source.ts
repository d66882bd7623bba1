import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** IAM service prefix of each AWS SDK v3 client package swarmnode may use. */
const iamPrefixByClient: Record<string, string> = {
  'client-auto-scaling': 'autoscaling',
  'client-ec2': 'ec2',
  'client-kms': 'kms',
  'client-ssm': 'ssm',
  'client-s3': 's3',
};

/** SDK operations whose IAM action has another name: ListObjectsV2 is authorised as s3:ListBucket. */
const iamNameOf: Record<string, string> = { 's3:ListObjectsV2': 's3:ListBucket' };

const sdkImport = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@aws-sdk\/(client-[a-z0-9-]+)'/g;
/**
 * A command made from a lazily loaded SDK package (adapters/aws/lazy-client.ts): `new ssm.sdk.GetParameterCommand(`,
 * the variable named after the service's IAM prefix.
 */
const lazyCommand = /\bnew\s+(\w+)\.sdk\.(\w+)Command\(/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Every IAM action the code can call, derived from the SDK command classes (and paginators) it
 * imports as values or makes from a lazily loaded package: `GetParameterCommand` from client-ssm is
 * `ssm:GetParameter`.
 */
export function awsActionsInSource(dir: string): Set<string> {
  const actions = new Set<string>();
  for (const file of sourceFiles(dir)) {
    for (const [, typeOnly, names, client] of readFileSync(file, 'utf8').matchAll(sdkImport)) {
      if (typeOnly) continue;
      const prefix = iamPrefixByClient[client!];
      if (!prefix) throw new Error(`${file} imports @aws-sdk/${client}: add its IAM prefix to ${import.meta.filename}`);
      for (const specifier of names!.split(',').map((name) => name.trim())) {
        if (specifier.startsWith('type ')) continue;
        const name = specifier.split(/\s+as\s+/)[0]!;
        const operation = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (operation) actions.add(iamNameOf[`${prefix}:${operation}`] ?? `${prefix}:${operation}`);
      }
    }
    for (const [, service, operation] of readFileSync(file, 'utf8').matchAll(lazyCommand)) {
      if (!Object.values(iamPrefixByClient).includes(service!)) throw new Error(`${file} makes a command of '${service}': name the client variable after its IAM prefix (${Object.values(iamPrefixByClient).join(', ')})`);
      actions.add(iamNameOf[`${service}:${operation}`] ?? `${service}:${operation}`);
    }
  }
  return actions;
}

/** The `action: 'svc:Name'` labels the adapters give their calls (named in AccessDenied errors). */
export function labelledActionsInSource(dir: string): Set<string> {
  const labels = new Set<string>();
  for (const file of sourceFiles(dir)) {
    for (const [, action] of readFileSync(file, 'utf8').matchAll(/\baction:\s*'([a-z0-9-]+:[A-Za-z]+)'/g)) {
      labels.add(action!);
    }
  }
  return labels;
}
