import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../../src/cli/command.js';
import { parseArgv } from '../../../src/cli/parse-argv.js';
import { UsageError } from '../../../src/errors/usage-error.js';

const spec: CommandSpec = { summary: 's', options: [{ name: 'json', description: 'j' }], reports: true, load: () => Promise.reject(new Error('unused')) };
const restore: CommandSpec = { ...spec, options: [{ name: 'from', description: 'f', value: 'KEY' }, { name: 'dry-run', description: 'd' }] };
const commands = { plan: spec, restore };

describe('parseArgv', () => {
  it('maps config flags to their variables and command options to booleans', () => {
    expect(parseArgv(['plan', '--cluster', 'c', '--join-timeout=90s', '--no-report-unhealthy', '--json'], commands)).toEqual({
      kind: 'run',
      command: 'plan',
      flags: { SWARMNODE_CLUSTER: 'c', SWARMNODE_JOIN_TIMEOUT: '90s', SWARMNODE_REPORT_UNHEALTHY: 'false' },
      options: { json: true },
    });
  });

  it('takes the value of a command option that has one, after it or after =', () => {
    expect(parseArgv(['restore', '--from', 'swarmnode/c/1/x.json', '--dry-run'], commands)).toMatchObject({ options: { from: 'swarmnode/c/1/x.json', 'dry-run': true } });
    expect(parseArgv(['restore', '--from=k.json'], commands)).toMatchObject({ options: { from: 'k.json' } });
  });

  it.each([[['restore', '--from']], [['restore', '--from', '--dry-run']], [['restore', '--from=']], [['restore', '--dry-run=yes']]])('rejects %j: a value option without its value, a switch with one', (argv) => {
    expect(() => parseArgv(argv, commands)).toThrow(UsageError);
  });

  it('answers --version and --help before anything else', () => {
    expect(parseArgv(['--version'], commands)).toEqual({ kind: 'version' });
    expect(parseArgv(['plan', '--help'], commands)).toEqual({ kind: 'help', command: 'plan' });
    expect(parseArgv([], commands)).toEqual({ kind: 'help', command: undefined });
  });

  it.each([[['nope']], [['plan', '--bogus']], [['plan', '--cluster']], [['plan', 'extra']], [['plan', '--no-report-unhealthy=1']]])('rejects %j with a usage error', (argv) => {
    expect(() => parseArgv(argv, commands)).toThrow(UsageError);
  });
});
