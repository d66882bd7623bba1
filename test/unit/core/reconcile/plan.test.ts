import { describe, expect, it } from 'vitest';
import { planReconcile, type ReconcileFacts } from '../../../../src/core/reconcile/plan.js';
import type { SwarmNode } from '../../../../src/ports/engine.js';
import type { FleetInstance } from '../../../../src/ports/fleet.js';
import { instance, labelsOf, node } from '../watch-fixtures.js';

const REAP_AFTER = 60_000;
const NOW = 1_000_000;

/** A labelled manager node and its instance, in service unless overridden. */
function managerPair(n: number, nodeOver: Parameters<typeof node>[1] = {}, instOver: Partial<FleetInstance> = {}): [SwarmNode, FleetInstance] {
  const inst = instance(`i-m${n}`, { asgName: 'lab-managers', role: 'manager', privateIp: `10.0.0.${n}`, ...instOver });
  return [node(`m${n}`, { role: 'manager', labels: labelsOf(inst), ...nodeOver }), inst];
}

function workerPair(n: number, nodeOver: Parameters<typeof node>[1] = {}, instOver: Partial<FleetInstance> = {}): [SwarmNode, FleetInstance] {
  const inst = instance(`i-w${n}`, { privateIp: `10.0.1.${n}`, ...instOver });
  return [node(`w${n}`, { addr: `10.0.1.${n}`, labels: labelsOf(inst), ...nodeOver }), inst];
}

function facts(pairs: [SwarmNode, FleetInstance | undefined][], over: Partial<ReconcileFacts> = {}): ReconcileFacts {
  return {
    now: NOW,
    nodes: pairs.map(([n]) => n),
    fleet: {
      groups: [{ name: 'lab-managers', role: 'manager' }, { name: 'lab-workers', role: 'worker' }],
      instances: pairs.flatMap(([, i]) => (i === undefined ? [] : [i])),
    },
    orphans: new Map(),
    downSince: new Map(),
    reapAfterMs: REAP_AFTER,
    secretDrift: [],
    refused: new Map(),
    ...over,
  };
}

const summary = (f: ReconcileFacts): string[] => planReconcile(f).actions.map((a) => (a.kind === 'publish-secret' ? `publish-secret ${a.secret}` : `${a.kind} ${a.nodeId}`));
const downLongAgo = (...ids: string[]): Map<string, number> => new Map(ids.map((id) => [id, NOW - REAP_AFTER - 1]));
const healthy = [managerPair(1, { leader: true }), managerPair(2), managerPair(3), workerPair(1)];

describe('planReconcile', () => {
  it.each<[string, ReconcileFacts, string[]]>([
    ['a healthy, labelled cluster: nothing', facts(healthy), []],
    ['worker instance Terminating:Wait: drain it', facts([...healthy.slice(0, 3), workerPair(1, {}, { lifecycleState: 'Terminating:Wait' })]), ['drain w1']],
    ['worker already drained: nothing', facts([...healthy.slice(0, 3), workerPair(1, { availability: 'drain' }, { lifecycleState: 'Terminating:Wait' })]), []],
    [
      'terminating manager of 3: demote (first) and drain',
      facts([managerPair(1, { leader: true }), managerPair(2), managerPair(3, {}, { lifecycleState: 'Terminating:Wait' })]),
      ['demote m3', 'drain m3'],
    ],
    [
      'terminating leader of 3 demotes itself (leadership moves)',
      facts([managerPair(1, { leader: true, availability: 'drain' }, { lifecycleState: 'Terminating:Wait' }), managerPair(2), managerPair(3)]),
      ['demote m1'],
    ],
    [
      'terminating manager while another is Down but alive: quorum rule holds it',
      facts([managerPair(1, { leader: true }), managerPair(2, { state: 'down', reachability: 'unreachable' }), managerPair(3, { availability: 'drain' }, { lifecycleState: 'Terminating:Wait' })]),
      [],
    ],
    [
      'two terminating managers of 5: one manager change per round',
      facts([
        managerPair(1, { leader: true }), managerPair(2), managerPair(3),
        managerPair(4, { availability: 'drain' }, { lifecycleState: 'Terminating:Wait' }),
        managerPair(5, { availability: 'drain' }, { lifecycleState: 'Terminating:Wait' }),
      ]),
      ['demote m4'],
    ],
    [
      'crashed manager and terminating manager: the crashed one goes first',
      facts(
        [
          managerPair(1, { leader: true }), managerPair(2), managerPair(3, { availability: 'drain' }, { lifecycleState: 'Terminating:Wait' }),
          managerPair(4, { state: 'down', reachability: 'unreachable' }, { ec2State: 'terminated', lifecycleState: 'Terminated' }),
          managerPair(5),
        ],
        { downSince: downLongAgo('m4') },
      ),
      ['demote m4'],
    ],
    ['crashed worker, Down less than REAP_AFTER: kept', facts([...healthy.slice(0, 3), workerPair(1, { state: 'down' }, { ec2State: 'terminated' })], { downSince: new Map([['w1', NOW - 1000]]) }), []],
    ['crashed worker, Down longer than REAP_AFTER: removed', facts([...healthy.slice(0, 3), [workerPair(1, { state: 'down' })[0], undefined]], { downSince: downLongAgo('w1') }), ['remove w1']],
    ['worker drained and left, instance terminated: removed at once', facts([...healthy.slice(0, 3), [workerPair(1, { state: 'down', availability: 'drain' })[0], undefined]]), ['remove w1']],
    ['worker drained and left, instance still Terminating:Wait: kept', facts([...healthy.slice(0, 3), workerPair(1, { state: 'down', availability: 'drain' }, { lifecycleState: 'Terminating:Wait' })]), []],
    ['partitioned worker, EC2 running, Down for ages: never reaped', facts([...healthy.slice(0, 3), workerPair(1, { state: 'down' })], { downSince: downLongAgo('w1') }), []],
    [
      'worker in no ASG but EC2 says running: never reaped',
      facts([...healthy.slice(0, 3), [workerPair(1, { state: 'down' })[0], undefined]], { downSince: downLongAgo('w1'), orphans: new Map([['i-w1', { state: 'running', drainRequest: undefined }]]) }),
      [],
    ],
    [
      'crashed manager of 3: demoted before removal',
      facts([managerPair(1, { leader: true }), managerPair(2), [managerPair(3, { state: 'down', reachability: 'unreachable' })[0], undefined]], { downSince: downLongAgo('m3') }),
      ['demote m3'],
    ],
    ['demoted crashed manager: removed', facts([managerPair(1, { leader: true }), managerPair(2), [workerPair(3, { state: 'down' })[0], undefined]], { downSince: downLongAgo('w3') }), ['remove w3']],
    [
      '2 of 3 managers crashed: nothing removed',
      facts(
        [managerPair(1, { leader: true }), [managerPair(2, { state: 'down', reachability: 'unreachable' })[0], undefined], [managerPair(3, { state: 'down', reachability: 'unreachable' })[0], undefined]],
        { downSince: downLongAgo('m2', 'm3') },
      ),
      [],
    ],
    [
      'unlabelled node matched by address: labelled',
      facts([...healthy.slice(0, 3), [node('w7', { addr: '10.0.1.7' }), instance('i-w7', { privateIp: '10.0.1.7' })]]),
      ['label w7'],
    ],
    [
      'rejoined instance: the old Down node with the same instance id is stale',
      facts([...healthy, [node('w1old', { state: 'down', labels: labelsOf(healthy[3]![1]) }), undefined]], { downSince: downLongAgo('w1old') }),
      ['remove w1old'],
    ],
    ['unknown node (no instance has its address), Down long: removed', facts([...healthy, [node('x9', { state: 'down', addr: '10.9.9.9' }), undefined]], { downSince: downLongAgo('x9') }), ['remove x9']],
    ['token rotated: publish', facts(healthy, { secretDrift: ['worker-token'] }), ['publish-secret worker-token']],
    ['autolock turned on or its key rotated: publish the key', facts(healthy, { secretDrift: ['unlock-key'] }), ['publish-secret unlock-key']],
    [
      'a Down node whose spec says manager but that is out of raft (no ManagerStatus): removed, not demoted',
      facts([managerPair(1, { leader: true }), managerPair(2), managerPair(3), [node('m4', { role: 'manager', state: 'down', manager: undefined }), undefined]], { downSince: downLongAgo('m4') }),
      ['remove m4'],
    ],
    [
      'quorum counts raft members (ManagerStatus), not spec roles: a member whose demotion is in flight still votes',
      facts([
        managerPair(1, { leader: true }),
        managerPair(2, {}, { lifecycleState: 'Terminating:Wait' }),
        managerPair(3, { role: 'worker', manager: { leader: false, reachability: 'reachable', addr: '' } }),
        [node('m4', { role: 'manager', state: 'down', manager: undefined }), instance('i-m4', { asgName: 'lab-managers', role: 'manager', privateIp: '10.0.0.4', ec2State: 'running' })],
      ]),
      ['demote m2', 'drain m2'],
    ],
    [
      'a demotion the engine refused waits its backoff, and the next manager change goes through meanwhile',
      facts(
        [
          managerPair(1, { leader: true }), managerPair(2), managerPair(3),
          [managerPair(4, { state: 'down', reachability: 'unreachable' })[0], undefined],
          [managerPair(5, { state: 'down', reachability: 'unreachable' })[0], undefined],
        ],
        { downSince: downLongAgo('m4', 'm5'), refused: new Map([['m4', { until: NOW + 30_000, reason: 'rpc error: can\'t remove member' }]]) },
      ),
      ['demote m5'],
    ],
    [
      'a refusal whose backoff passed is tried again',
      facts(
        [managerPair(1, { leader: true }), managerPair(2), managerPair(3), [managerPair(4, { state: 'down', reachability: 'unreachable' })[0], undefined]],
        { downSince: downLongAgo('m4'), refused: new Map([['m4', { until: NOW - 1, reason: 'x' }]]) },
      ),
      ['demote m4'],
    ],
    ['a worker that asked to be drained (spot, rebalance): drained, not removed', facts([...healthy.slice(0, 3), workerPair(1, {}, { drainRequest: 'spot' })]), ['drain w1']],
    [
      'a manager that asked to be drained: drained and demoted within quorum',
      facts([managerPair(1, { leader: true }), managerPair(2), managerPair(3, {}, { drainRequest: 'spot' })]),
      ['demote m3', 'drain m3'],
    ],
    [
      'two managers of 3 asking at once: one change per round, and the quorum rule for the second',
      facts([managerPair(1, { leader: true }), managerPair(2, { availability: 'drain' }, { drainRequest: 'spot' }), managerPair(3, { availability: 'drain' }, { drainRequest: 'spot' })]),
      ['demote m2'],
    ],
  ])('%s', (_name, f, expected) => {
    expect(summary(f)).toEqual(expected);
  });

  it('labels carry swarmnode\'s own labels only: the executor sets them over the node\'s labels of the moment', () => {
    const inst = instance('i-w7', { privateIp: '10.0.1.7', availabilityZone: 'eu-west-1b', lifecycle: 'spot' });
    const plan = planReconcile(facts([...healthy.slice(0, 3), [node('w7', { addr: '10.0.1.7', labels: { team: 'a', 'swarmnode.az': 'wrong' } }), inst]]));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'label', nodeId: 'w7', labels: labelsOf(inst) })]);
  });

  it('says why a step is held back', () => {
    const plan = planReconcile(
      facts([managerPair(1, { leader: true }), [managerPair(2, { state: 'down', reachability: 'unreachable' })[0], undefined], [managerPair(3, { state: 'down', reachability: 'unreachable' })[0], undefined]], {
        downSince: downLongAgo('m2', 'm3'),
      }),
    );
    expect(plan.quorum.hasQuorum).toBe(false);
    expect(plan.held.map((h) => h.reason)).toEqual([expect.stringMatching(/^quorum rule: quorum already lost/), expect.stringMatching(/^quorum rule: quorum already lost/)]);
    expect(plan.held.map((h) => h.cause)).toEqual(['quorum', 'quorum']);
  });

  it('holds a terminating manager whose demotion would cost quorum, naming the rule (the drain keeps its hook meanwhile)', () => {
    const plan = planReconcile(
      facts([managerPair(1, { leader: true }), managerPair(2, { state: 'down', reachability: 'unreachable' }), managerPair(3, { availability: 'drain' }, { lifecycleState: 'Terminating:Wait' })]),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.held).toEqual(expect.arrayContaining([expect.objectContaining({ nodeId: 'm3', wanted: 'demote', cause: 'quorum', reason: expect.stringMatching(/would have 1 reachable, 2 needed/) })]));
  });
});
