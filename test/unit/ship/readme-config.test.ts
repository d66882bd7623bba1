import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA } from '../../../src/config/config-schema.js';

const start = '<!-- config:start -->';
const end = '<!-- config:end -->';

interface Row {
  key: string;
  flag: string;
  default: string;
  meaning: string;
}

/** The rows of README.md's configuration table: | `KEY` | `--flag` | default | meaning |. */
function readmeRows(): Row[] {
  const readme = readFileSync('README.md', 'utf8');
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no configuration table between ${start} and ${end}`);
  const lines = readme
    .slice(from + start.length, to)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|'));
  // First line: header; second: the |---| separator.
  return lines.slice(2).map((line) => {
    const cells = line.slice(1, -1).split(' | ').map((cell) => cell.trim());
    const [key = '', flag = '', defaultText = '', meaning = ''] = cells;
    return { key: key.replace(/^`|`$/g, ''), flag: flag.replace(/^`|`$/g, ''), default: defaultText, meaning };
  });
}

describe('README configuration reference', () => {
  const rows = readmeRows();

  it('lists every key of the config schema, in the schema order, and nothing else', () => {
    expect(rows.map((row) => row.key)).toEqual(CONFIG_SCHEMA.map((entry) => entry.key));
  });

  it.each(CONFIG_SCHEMA.map((entry) => [entry.key, entry] as const))('%s: flag and default as the code has them', (key, entry) => {
    const row = rows.find((candidate) => candidate.key === key);
    expect(row, `README.md has no row for ${key}`).toBeDefined();
    expect(row!.flag).toBe(entry.flag);
    expect(row!.default).toBe(entry.defaultText);
    expect(row!.meaning).not.toBe('');
  });
});
