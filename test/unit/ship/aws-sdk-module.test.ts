import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * src/adapters/aws/aws-sdk.ts is the AWS SDK as the executable carries it (bundled apart, loaded
 * on first use; scripts/sea/bundle.mjs). What it exports is what the adapters send, and nothing
 * reaches the SDK around it: a value imported elsewhere would put the SDK back into every start.
 */
const files = readdirSync('src', { withFileTypes: true, recursive: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
  .map((entry) => join(entry.parentPath, entry.name));
const source = (file: string): string => readFileSync(file, 'utf8');
const sdkModule = join('src', 'adapters', 'aws', 'aws-sdk.ts');

describe('the AWS SDK module', () => {
  it('exports exactly the commands the adapters send', () => {
    const exported = new Set([...source(sdkModule).matchAll(/\b(\w+Command)\b/g)].map(([, name]) => name));
    const sent = new Set(files.flatMap((file) => [...source(file).matchAll(/\bnew\s+\w+\.sdk\.(\w+Command)\(/g)].map(([, name]) => name)));
    expect([...exported].sort()).toEqual([...sent].sort());
  });

  it('is the only way to an SDK client package: elsewhere types only, and itself only by type or import()', () => {
    const valueImports = files
      .filter((file) => file !== sdkModule)
      .flatMap((file) =>
        [...source(file).matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']*(?:@aws-sdk\/client-[\w-]+|aws-sdk\.js))';/gm)].map(([, from]) => `${file}: ${from}`),
      );
    expect(valueImports).toEqual([]);
    const dynamic = files.flatMap((file) => [...source(file).matchAll(/import\('([^']*aws-sdk\.js)'\)/g)].map(() => file));
    expect(dynamic).toEqual([join('src', 'app', 'shared', 'compose.ts')]);
  });
});
