import { describe, expect, it } from 'vitest';
import { quorumState } from '../../../../src/core/cluster/quorum.js';
import { managerMembers, type HeldStep, type ReconcileAction } from '../../../../src/core/reconcile/plan.js';
import { nextRebalance, REBALANCE_INTERVAL_MS, REBALANCE_LABEL, type RebalanceFacts } from '../../../../src/core/reconcile/rebalance.js';
import type { SwarmNode, SwarmService, SwarmTask } from '../../../../src/ports/engine.js';
import { node } from '../watch-fixtures.js';

const NOW = 1_000_000;
const managers = [node('m1', { role: 'manager', leader: true }), node('m2', { role: 'manager' }), node('m3', { role: 'manager' })];
const workers = [node('w1'), node('w2')];

function service(id: string, over: Partial<SwarmService> = {}): SwarmService {
  return { id, name: id, version: 1, labels: { [REBALANCE_LABEL]: 'true' }, replicas: 6, update: { parallelism: 2, delayMs: 10_000, failureAction: 'rollback' }, updating: false, spec: {}, ...over };
}

/** Six tasks of each service, three on each of the two old workers. */
function tasksOf(...ids: string[]): SwarmTask[] {
  return ids.flatMap((serviceId) => ['w1', 'w1', 'w1', 'w2', 'w2', 'w2'].map((nodeId) => ({ serviceId, nodeId, state: 'running' })));
}

function facts(over: Partial<RebalanceFacts> & { extraNodes?: SwarmNode[]; held?: HeldStep[]; actions?: ReconcileAction[] } = {}): RebalanceFacts {
  const { extraNodes = [node('w3')], held = [], actions = [], ...rest } = over;
  const nodes = rest.nodes ?? [...managers, ...workers, ...extraNodes];
  return {
    now: NOW,
    nodes,
    baseline: new Set([...managers, ...workers].map((n) => n.id)),
    done: new Set(),
    services: [service('web'), service('db', { labels: {} })],
    tasks: tasksOf('web', 'db'),
    lastRebalanceAt: undefined,
    plan: { actions, held, quorum: quorumState(managerMembers(nodes)) },
    ...rest,
  };
}

const heldDemote = (cause: HeldStep['cause']): HeldStep => ({ nodeId: 'm3', hostname: 'host-m3', wanted: 'demote', cause, reason: '' });

describe('nextRebalance: which labelled service to spread onto new nodes, and when not', () => {
  it('a new Ready worker: the labelled service, following its own update_config; never the unlabelled one', () => {
    const step = nextRebalance(facts());
    expect(step).toMatchObject({ kind: 'rebalance', serviceId: 'web', newNodes: ['w3'] });
    expect(step.reason).toContain('parallelism 2, delay 10s, on failure rollback');
    expect(nextRebalance(facts({ services: [service('db', { labels: {} })] })).kind).toBe('done');
    expect(nextRebalance(facts({ services: [service('db', { labels: { [REBALANCE_LABEL]: 'yes' } })] })).kind).toBe('done');
  });

  it.each<[string, Partial<Parameters<typeof facts>[0]>, RegExp]>([
    ['a node is draining', { extraNodes: [node('w3'), node('w4', { availability: 'drain' })] }, /a drain is in progress/],
    ['a drain starts this round', { actions: [{ kind: 'drain', nodeId: 'w2', hostname: 'host-w2', drainedFor: undefined, reason: '' }] }, /a drain starts/],
    ['a demotion is held by quorum', { held: [heldDemote('quorum')] }, /manager change is held/],
    ['a demotion waits its turn', { held: [heldDemote('turn')] }, /manager change is held/],
    ['the engine refused a demotion', { held: [heldDemote('refused')] }, /manager change is held/],
    ['a manager is demoted this round', { actions: [{ kind: 'demote', nodeId: 'm3', hostname: 'host-m3', reason: '' }] }, /demoted this round/],
    ['a manager is unreachable', { nodes: [...managers.slice(0, 2), node('m3', { role: 'manager', reachability: 'unreachable' }), ...workers, node('w3')] }, /quorum problem/],
    ['another labelled service is still updating', { services: [service('web'), service('api', { updating: true })] }, /api is still updating/],
    ['the last rebalance was moments ago', { lastRebalanceAt: NOW - REBALANCE_INTERVAL_MS + 1 }, /at most one rebalance per 60s/],
  ])('holds while %s', (_why, over, reason) => {
    const step = nextRebalance(facts(over));
    expect(step.kind).toBe('hold');
    expect(step.reason).toMatch(reason);
  });

  it('a reap waiting for REAP_AFTER or a live Down node does not hold it: they move nothing', () => {
    const reap: HeldStep = { nodeId: 'w9', hostname: 'host-w9', wanted: 'reap', cause: 'timing', reason: '' };
    expect(nextRebalance(facts({ held: [reap, { ...reap, cause: 'alive' }] })).kind).toBe('rebalance');
  });

  it.each<[string, Partial<Parameters<typeof facts>[0]>]>([
    ['no node is new', { extraNodes: [] }],
    ['the new node is drained', { extraNodes: [node('w3', { availability: 'drain' })], services: [service('web')] }],
    ['the new node is Down', { extraNodes: [node('w3', { state: 'down' })] }],
    ['the service already runs a task on it', { tasks: [...tasksOf('web'), { serviceId: 'web', nodeId: 'w3', state: 'running' }] }],
    ['it was rebalanced in this wave', { done: new Set(['web']) }],
    ['it is global (no replicas to spread)', { services: [service('web', { replicas: undefined })] }],
    ['it has one replica', { services: [service('web', { replicas: 1 })], tasks: [{ serviceId: 'web', nodeId: 'w1', state: 'running' }] }],
    ['no node runs two of its tasks', { services: [service('web', { replicas: 2 })], tasks: [{ serviceId: 'web', nodeId: 'w1', state: 'running' }, { serviceId: 'web', nodeId: 'w2', state: 'running' }] }],
  ])('nothing to do when %s', (_why, over) => {
    expect(nextRebalance(facts(over)).kind).toBe('done');
  });

  it('one service at a time, in name order, once the interval has passed', () => {
    const services = [service('web'), service('api')];
    const tasks = tasksOf('web', 'api');
    expect(nextRebalance(facts({ services, tasks }))).toMatchObject({ kind: 'rebalance', serviceId: 'api' });
    expect(nextRebalance(facts({ services, tasks, done: new Set(['api']), lastRebalanceAt: NOW - REBALANCE_INTERVAL_MS }))).toMatchObject({ kind: 'rebalance', serviceId: 'web' });
  });
});
