import { describe, expect, it } from 'vitest';
import { formatFleet, formatStatus } from '../../../../src/app/status/format.js';
import { buildStatus } from '../../../../src/core/status/report.js';
import { instance, labelsOf, node } from '../../core/watch-fixtures.js';

const managers = ['a', 'b', 'c'].map((az, k) => instance(`i-m${k + 1}`, { asgName: 'lab-managers', role: 'manager', availabilityZone: `eu-west-1${az}`, privateIp: `10.0.0.${k + 1}` }));
const workers = ['a', 'a', 'b'].map((az, k) => instance(`i-w${k + 1}`, { availabilityZone: `eu-west-1${az}`, privateIp: `10.0.1.${k + 1}` }));

describe('swarmnode status: the fleet at a glance', () => {
  it('folds the fleet into AZ x role with node states, drift by kind and held steps', () => {
    const terminating = { ...managers[2]!, lifecycleState: 'Terminating:Wait' };
    const report = buildStatus({
      fleet: { groups: [], instances: [managers[0]!, managers[1]!, terminating, ...workers] },
      nodes: [
        node('m1', { role: 'manager', leader: true, labels: labelsOf(managers[0]!) }),
        node('m2', { role: 'manager', reachability: 'unreachable', labels: labelsOf(managers[1]!) }),
        node('m3', { role: 'manager', availability: 'drain', labels: labelsOf(terminating) }),
        node('w1', { labels: labelsOf(workers[0]!) }),
        node('w2', { state: 'down', labels: labelsOf(workers[1]!) }),
      ],
    });
    expect(formatFleet(report)).toEqual([
      'AZ          MANAGERS                    WORKERS',
      'eu-west-1a  1 ready                     1 ready, 1 down (1 drifting)',
      'eu-west-1b  1 unreachable (1 drifting)  1 no node (1 drifting)',
      'eu-west-1c  1 drain                     -',
      'drift: manager_unreachable 1, node_down 1, no_node 1',
      'held: demote of host-m3 (quorum)',
    ]);
    expect(formatStatus(report).startsWith(formatFleet(report).join('\n'))).toBe(true);
  });
});
