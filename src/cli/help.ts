import { CONFIG_SCHEMA } from '../config/config-schema.js';
import type { CommandSpec } from './command.js';
import { VERSION } from './version.js';

function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

function configSection(): string {
  const rows = CONFIG_SCHEMA.map((e) => [`${e.flag}${e.boolean ? '[=true|false]' : ' <value>'}`, `${e.key}: ${e.description} (default: ${e.defaultText.replaceAll('`', '')})`] as const);
  return `Configuration (environment, usually /etc/swarmnode/swarmnode.env; a flag wins over its variable;\ndurations like 500ms, 90s, 5m, 1h):\n${columns(rows)}`;
}

const EXIT_CODES = `Exit codes: 0 ok; 1 failure (restore: incomplete, the report says what is missing); 64 bad configuration
or usage; 69 IMDS or Docker engine unavailable; 75 gave up after SWARMNODE_JOIN_TIMEOUT; 77 AWS denied an
action (the message names it).`;

export function globalHelp(commands: Readonly<Record<string, CommandSpec>>): string {
  const rows = Object.entries(commands).map(([name, spec]) => [name, spec.summary] as const);
  return `swarmnode ${VERSION}: makes EC2 instances of Auto Scaling groups a self-managing Docker Swarm.

Usage: swarmnode <command> [options]
       swarmnode <command> --help | --version

Commands:
${columns(rows)}

${configSection()}

${EXIT_CODES}
Logs are JSON lines on stdout.
`;
}

export function commandHelp(name: string, spec: CommandSpec): string {
  const options = spec.options.length === 0 ? '' : `\nOptions:\n${columns(spec.options.map((o) => [`--${o.name}${o.value === undefined ? '' : ` ${o.value}`}`, o.description] as const))}\n`;
  return `Usage: swarmnode ${name} [options]

${spec.summary}.
${options}
${configSection()}

${EXIT_CODES}
`;
}
