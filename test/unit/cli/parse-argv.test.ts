import { describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../../src/cli/command.js';
import { parseArgv } from '../../../src/cli/parse-argv.js';
import { UsageError } from '../../../src/errors/usage-error.js';

const spec: CommandSpec = { summary: 's', options: [{ name: 'json', description: 'j' }], reports: true, load: () => Promise.reject(new Error('unused')) };
const commands = { plan: spec };

describe('parseArgv', () => {
  it('maps config flags to their variables and command options to booleans', () => {
    expect(parseArgv(['plan', '--cluster', 'c', '--join-timeout=90s', '--no-report-unhealthy', '--json'], commands)).toEqual({
      kind: 'run',
      command: 'plan',
      flags: { SWARMNODE_CLUSTER: 'c', SWARMNODE_JOIN_TIMEOUT: '90s', SWARMNODE_REPORT_UNHEALTHY: 'false' },
      options: { json: true },
    });
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
