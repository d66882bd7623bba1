import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { LabUsageError } from './lab-errors.js';

describe('lab CLI arguments', () => {
  it.each([
    [['up', '--managers', '3', '--workers', '2'], { cmd: 'up', name: 'lab', managers: 3, workers: 2, agent: true, cluster: 'lab', startJitterMs: 0 }],
    [['up', '--no-agent', '--name', 'x1', '--jitter', '500'], { cmd: 'up', name: 'x1', managers: 3, workers: 0, agent: false, cluster: 'lab', startJitterMs: 500 }],
    [['scale', 'workers', '0'], { cmd: 'scale', name: 'lab', group: 'workers', n: 0 }],
    [['terminate', 'i-1', '--decrement'], { cmd: 'terminate', name: 'lab', instance: 'i-1', decrement: true }],
    [['partition', 'ip-10-213-1-11'], { cmd: 'partition', name: 'lab', instance: 'ip-10-213-1-11' }],
    [['exec', 'i-1', '--', 'docker', 'node', 'ls'], { cmd: 'exec', name: 'lab', instance: 'i-1', docker: ['node', 'ls'] }],
    [['exec', 'i-1', '--name', 'b', '--', 'ps', '--name', 'x'], { cmd: 'exec', name: 'b', instance: 'i-1', docker: ['ps', '--name', 'x'] }],
    [['logs', 'i-1', '--engine'], { cmd: 'logs', name: 'lab', instance: 'i-1', engine: true }],
    [['status', '--json'], { cmd: 'status', name: 'lab', json: true }],
    [['down', '--name', 'b'], { cmd: 'down', name: 'b' }],
  ])('parses %j', (argv, expected) => {
    expect(parseCliArgs(argv)).toEqual(expected);
  });

  it.each([
    [['scale', 'workers', '-1'], /whole number >= 0, got '-1'/],
    [['scale', 'workers', '1.5'], /whole number/],
    [['up', '--managers'], /--managers needs a value/],
    [['up', '--bogus'], /unknown option --bogus/],
    [['crash'], /'crash' takes <instance>/],
    [['exec', 'i-1'], /needs a docker command/],
    [['status', '--name', 'UPPER'], /bad lab name/],
    [['launch'], /unknown command 'launch'/],
    [[], /no command given/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(LabUsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
