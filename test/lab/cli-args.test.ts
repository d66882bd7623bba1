import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';
import { LabUsageError } from './lab-errors.js';

describe('lab CLI arguments', () => {
  it.each([
    [['up', '--managers', '3', '--workers', '2'], { cmd: 'up', name: 'lab', managers: 3, workers: 2, agent: true, cluster: 'lab', startJitterMs: 0, spotWorkers: false }],
    [['up', '--no-agent', '--name', 'x1', '--jitter', '500'], { cmd: 'up', name: 'x1', managers: 3, workers: 0, agent: false, cluster: 'lab', startJitterMs: 500, spotWorkers: false }],
    [['up', '--spot-workers'], { cmd: 'up', name: 'lab', managers: 3, workers: 0, agent: true, cluster: 'lab', startJitterMs: 0, spotWorkers: true }],
    [['scale', 'workers', '0'], { cmd: 'scale', name: 'lab', group: 'workers', n: 0 }],
    [['terminate', 'i-1', '--decrement'], { cmd: 'terminate', name: 'lab', instance: 'i-1', decrement: true }],
    [['partition', 'ip-10-213-1-11'], { cmd: 'partition', name: 'lab', instance: 'ip-10-213-1-11' }],
    [['exec', 'i-1', '--', 'docker', 'node', 'ls'], { cmd: 'exec', name: 'lab', instance: 'i-1', docker: ['node', 'ls'] }],
    [['exec', 'i-1', '--name', 'b', '--', 'ps', '--name', 'x'], { cmd: 'exec', name: 'b', instance: 'i-1', docker: ['ps', '--name', 'x'] }],
    [['logs', 'i-1', '--engine'], { cmd: 'logs', name: 'lab', instance: 'i-1', engine: true }],
    [['status', '--json'], { cmd: 'status', name: 'lab', json: true }],
    [['down', '--name', 'b'], { cmd: 'down', name: 'b' }],
    [
      ['warm-pool', 'workers', '--size', '2', '--state', 'Hibernated', '--reuse'],
      { cmd: 'warm-pool', name: 'lab', group: 'workers', pool: { minSize: 2, maxGroupPreparedCapacity: 2, poolState: 'Hibernated', reuseOnScaleIn: true } },
    ],
    [['warm-pool', 'managers', '--min', '1'], { cmd: 'warm-pool', name: 'lab', group: 'managers', pool: { minSize: 1, poolState: 'Stopped', reuseOnScaleIn: false } }],
    [
      ['warm-pool', 'managers', '--min', '1', '--max-prepared', '4', '--state', 'Running'],
      { cmd: 'warm-pool', name: 'lab', group: 'managers', pool: { minSize: 1, maxGroupPreparedCapacity: 4, poolState: 'Running', reuseOnScaleIn: false } },
    ],
    [['warm-pool', 'workers', '--delete', '--force'], { cmd: 'warm-pool-delete', name: 'lab', group: 'workers', force: true }],
    [['event', 'i-1', 'system-reboot'], { cmd: 'event', name: 'lab', instance: 'i-1', code: 'system-reboot', inMs: 30_000 }],
    [['event', 'i-1', 'instance-stop', '--in', '500ms'], { cmd: 'event', name: 'lab', instance: 'i-1', code: 'instance-stop', inMs: 500 }],
    [['spot', 'i-1'], { cmd: 'spot', name: 'lab', instance: 'i-1', action: 'terminate', inMs: 120_000 }],
    [['spot', 'i-1', '--action', 'hibernate', '--in', '10s'], { cmd: 'spot', name: 'lab', instance: 'i-1', action: 'hibernate', inMs: 10_000 }],
    [['rebalance', 'ip-10-213-1-11'], { cmd: 'rebalance', name: 'lab', instance: 'ip-10-213-1-11' }],
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
    [['warm-pool', 'workers'], /needs --size <n>/],
    [['warm-pool', 'workers', '--size', '2', '--min', '1'], /not both/],
    [['warm-pool', 'workers', '--size', '2', '--state', 'Frozen'], /--state must be one of Stopped, Running, Hibernated/],
    [['event', 'i-1', 'host-reboot'], /unknown event code 'host-reboot'/],
    [['event', 'i-1', 'system-reboot', '--in', 'soon'], /not a time/],
    [['spot', 'i-1', '--action', 'reboot'], /--action must be one of terminate, stop, hibernate/],
    [[], /no command given/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(LabUsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
