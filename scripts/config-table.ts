// Rewrites the README's configuration table (between the config markers) from the config schema,
// the one table loadConfig, --help and the README read: `npx tsx scripts/config-table.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_SCHEMA } from '../src/config/config-schema.js';

const rows = CONFIG_SCHEMA.map((e) => `| \`${e.key}\` | \`${e.flag}\` | ${e.defaultText} | ${e.description} |`);
const table = ['<!-- config:start -->', '| Key | Flag | Default | Meaning |', '|---|---|---|---|', ...rows, '<!-- config:end -->'].join('\n');
const readme = readFileSync('README.md', 'utf8');
writeFileSync('README.md', readme.replace(/<!-- config:start -->[\s\S]*?<!-- config:end -->/, table));
