import { describe, expect, it } from 'vitest';
import type { BootFacts } from '../../../../src/core/boot/facts.js';
import { decideBoot, noJoinReason, warmPoolTarget } from '../../../../src/core/boot/plan.js';
import { PENDING_GRACE_MS } from '../../../../src/core/boot/step.js';

const SELF = 'i-self';
const base: BootFacts = {
  now: Date.parse('2030-01-01T00:00:00Z'),
  instanceId: SELF,
  localIpv4: '10.0.0.5',
  role: 'manager',
  targetLifecycleState: 'InService',
  engine: { state: 'inactive', nodeId: '', clusterId: undefined, controlAvailable: false, remoteManagerAddrs: [], error: '' },
  pendingForMs: 0,
  clusterRecordRead: true,
  clusterSwarmId: undefined,
  clusterCreatedBy: undefined,
  clusterGeneration: undefined,
  recordedManager: true,
  recovery: { auto: true, afterMs: 120_000 },
  managerPeers: ['10.0.0.6', '10.0.0.7'],
};
const engine = (patch: Partial<BootFacts['engine']>) => ({ ...base.engine, ...patch });
const manager = engine({ state: 'active', nodeId: 'n1', clusterId: 'swarm-a', controlAvailable: true });
const healthy = { healthy: true, role: 'manager' as const, reason: 'ok' };
const MINUTE = 60_000;
/** The record's two managers, as EC2 reports them (`goneAgoMs` before now when gone for good). */
const recorded = (state: string, goneAgoMs = 10 * MINUTE, managers = [{ instanceId: 'i-m1', addr: '10.0.0.8', nodeId: 'n1' }, { instanceId: 'i-m2', addr: '10.0.0.9', nodeId: 'n2' }]): BootFacts['recordedManagers'] => ({
  managers,
  ec2: new Map(managers.map((m) => [m.instanceId, { state, drainRequest: undefined, goneAt: ['terminated', 'shutting-down'].includes(state) ? base.now - goneAgoMs : undefined }])),
});
/** Gen 1 is dead: token still there, no manager answers, the record names swarm-old. */
const deadGen1: Partial<BootFacts> = { tokenPresent: true, reachablePeers: [], clusterSwarmId: 'swarm-old', clusterGeneration: 1 };
const gen2Lock = (holder: string | undefined, published?: string) => [{ name: 'init-lock-g2', holder, holderGone: false, published }];

/** [case, facts (patch over base), expected step kind, expected fields or reason fragment]. */
const table: [string, Partial<BootFacts>, string, Record<string, unknown>?, RegExp?][] = [
  ['inactive: first probe which managers answer (free), before any AWS call', {}, 'need', { fact: 'reachablePeers' }],
  ['a manager answers: is there a join token?', { reachablePeers: ['10.0.0.6'] }, 'need', { fact: 'tokenPresent' }],
  ['no manager answers, manager role: is there a join token?', { reachablePeers: [] }, 'need', { fact: 'tokenPresent' }],
  ['worker, no manager answers: wait without reading the token', { role: 'worker', reachablePeers: [] }, 'wait', undefined, /no manager answers on 2377 yet: a worker joins only through one that answers/],
  ['worker, no manager instance yet: wait without reading the token', { role: 'worker', managerPeers: [], reachablePeers: [] }, 'wait', undefined, /no manager instance has an address yet/],
  ['no manager answers, no token: the cluster record first (it names the generation whose lock decides)', { clusterRecordRead: undefined, tokenPresent: false, reachablePeers: [] }, 'need', { fact: 'clusterRecord' }],
  ['no record: the init lock next', { tokenPresent: false, reachablePeers: [] }, 'need', { fact: 'locks' }],
  ['lock held by a live peer: wait, without reading the other token', { tokenPresent: false, reachablePeers: [], locks: [{ name: 'init-lock', holder: 'i-other', holderGone: false, published: undefined }] }, 'wait', undefined, /i-other holds init-lock and is initialising/],
  ['lock free: was anything published before (the other token)?', { tokenPresent: false, reachablePeers: [], locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }] }, 'need', { fact: 'otherTokenPresent' }],
  ['active manager: which swarm is the cluster\'s? read the record', { engine: manager, clusterRecordRead: undefined }, 'need', { fact: 'clusterRecord' }],
  ['active worker: no record needed (it cannot see its swarm id)', { engine: engine({ state: 'active', nodeId: 'w1' }), role: 'worker', clusterRecordRead: undefined }, 'need', { fact: 'health' }],
  [
    'lock free, but some facts come from an earlier round: read everything anew before taking it',
    { reusedFactsAgeMs: 4_000, tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }] },
    'need',
    { fact: 'freshFacts' },
  ],
  [
    'lock ours, but some facts come from an earlier round: read everything anew before init',
    { reusedFactsAgeMs: 4_000, tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: SELF, holderGone: false, published: undefined }] },
    'need',
    { fact: 'freshFacts' },
  ],
  ['lock held by a live peer, facts reused: waiting needs nothing fresher', { reusedFactsAgeMs: 4_000, tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-other', holderGone: false, published: undefined }] }, 'wait'],
  ['token present: which managers answer?', { tokenPresent: true }, 'need', { fact: 'reachablePeers' }],
  ['token present: join through every manager, one that answers first', { tokenPresent: true, reachablePeers: ['10.0.0.7'] }, 'join', { remoteAddrs: ['10.0.0.7:2377', '10.0.0.6:2377'], advertiseAddr: '10.0.0.5' }],
  ['a join failed: start from the next answering manager', { tokenPresent: true, reachablePeers: ['10.0.0.6', '10.0.0.7'], joinFailures: 1 }, 'join', { remoteAddrs: ['10.0.0.7:2377', '10.0.0.6:2377'] }],
  ['token present, no manager answers yet: wait', { tokenPresent: true, reachablePeers: [] }, 'wait', undefined, /no manager answers/],
  ['token present, no manager address yet: wait', { tokenPresent: true, managerPeers: [], reachablePeers: [] }, 'wait', undefined, /no manager instance/],
  ['worker without token: wait, never init', { role: 'worker', reachablePeers: ['10.0.0.6'], tokenPresent: false }, 'wait', undefined, /no worker token/],
  ['manager without token: probe 2377 first', { tokenPresent: false }, 'need', { fact: 'reachablePeers' }],
  ['a peer answers 2377: a swarm exists, never init', { tokenPresent: false, reachablePeers: ['10.0.0.6'] }, 'wait', undefined, /never init/],
  ['nobody answers, lock free: was anything published (the other role\'s token)?', { tokenPresent: false, reachablePeers: [], locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }] }, 'need', { fact: 'otherTokenPresent' }],
  ['the other role\'s token exists: a swarm was published, never init', { tokenPresent: false, reachablePeers: [], otherTokenPresent: true, locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }] }, 'wait', undefined, /the other role's token is published/],
  ['nothing published: read the lock chain', { tokenPresent: false, reachablePeers: [], otherTokenPresent: false }, 'need', { fact: 'locks' }],
  ['lock free, second manager by instance id, early in its boot: the first tries it first', { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, electionRank: 1, bootElapsedMs: 2_000, locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }] }, 'wait', undefined, /1 manager instance\(s\) ranked before this one by instance id try it first/],
  ['lock free, second manager, its head start given: take it', { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, electionRank: 1, bootElapsedMs: 5_000, locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }] }, 'take-lock', { lock: 'init-lock' }],
  ['lock free, third manager: waits two head starts', { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, electionRank: 2, bootElapsedMs: 9_000, locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }] }, 'wait'],
  ['lock free: take it', { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }] }, 'take-lock', { lock: 'init-lock' }],
  ['lock is ours: init', { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: SELF, holderGone: false, published: undefined }] }, 'init', { advertiseAddr: '10.0.0.5' }],
  ['lock held by a live peer: wait for its token', { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-other', holderGone: false, published: undefined }] }, 'wait', undefined, /i-other holds init-lock/],
  [
    'this instance held the lock but a successor lock names it (it was away): never init, wait for the successor',
    { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: SELF, holderGone: true, published: undefined }, { name: `init-lock-${SELF}`, holder: 'i-successor', holderGone: false, published: undefined }] },
    'wait',
    undefined,
    /i-successor holds init-lock-/,
  ],
  [
    'a cluster record exists but nothing answers and no token (2377 blocked, tokens deleted): never init again',
    { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, clusterSwarmId: 'swarm-old', clusterCreatedBy: 'i-first', locks: [{ name: 'init-lock', holder: undefined, holderGone: false, published: undefined }], recordedManagers: recorded('running') },
    'wait',
    undefined,
    /i-first initialised swarm swarm-old: a published swarm is never initialised again.*no generation 2: manager i-m1 at 10.0.0.8 is running per EC2: it may come back/,
  ],
  [
    'a holder that wrote its record, then vanished, did publish: its successor never inits it again; generation 2 only after SWARMNODE_RECOVER_AFTER',
    { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, clusterSwarmId: 'swarm-dead', clusterCreatedBy: 'i-dead', locks: [{ name: 'init-lock', holder: 'i-dead', holderGone: true, published: undefined }, { name: 'init-lock-i-dead', holder: undefined, holderGone: false, published: undefined }], recordedManagers: recorded('terminated', 30_000, [{ instanceId: 'i-dead', addr: '10.0.0.8', nodeId: 'n0' }]) },
    'wait',
    undefined,
    /never initialised again.*waiting 90 s more \(SWARMNODE_RECOVER_AFTER\)/,
  ],
  [
    'record and tokens deleted, but the lock says its holder published: never init, whatever was deleted',
    { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-first', holderGone: true, published: 'swarm-old' }] },
    'wait',
    undefined,
    /i-first published swarm swarm-old \(recorded on init-lock\)/,
  ],
  [
    'a published mark further down the chain stops the election too',
    { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-dead', holderGone: true, published: undefined }, { name: 'init-lock-i-dead', holder: 'i-second', holderGone: true, published: 'swarm-2' }] },
    'wait',
    undefined,
    /i-second published swarm swarm-2/,
  ],
  ['holder gone: follow the successor lock', { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-dead', holderGone: true, published: undefined }] }, 'need', { fact: 'locks' }],
  [
    'successor lock free: take it',
    { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-dead', holderGone: true, published: undefined }, { name: 'init-lock-i-dead', holder: undefined, holderGone: false, published: undefined }] },
    'take-lock',
    { lock: 'init-lock-i-dead' },
  ],
  [
    'lock chain too long: wait',
    { tokenPresent: false, reachablePeers: [], otherTokenPresent: false, locks: Array.from({ length: 10 }, (_, i) => ({ name: `l${i}`, holder: `i-${i}`, holderGone: true, published: undefined })) },
    'wait',
    undefined,
    /vanished/,
  ],
  ['locked: is there an unlock key?', { engine: engine({ state: 'locked' }) }, 'need', { fact: 'unlockKeyPresent' }],
  ['locked with a key: unlock', { engine: engine({ state: 'locked' }), unlockKeyPresent: true }, 'unlock'],
  ['locked without a key: wait', { engine: engine({ state: 'locked' }), unlockKeyPresent: false }, 'wait', undefined, /no unlock-key/],
  ['pending: let the background join run', { engine: engine({ state: 'pending' }), pendingForMs: 1_000 }, 'wait', undefined, /background/],
  ['pending too long: leave and rejoin', { engine: engine({ state: 'pending' }), pendingForMs: PENDING_GRACE_MS }, 'leave', { force: true }],
  ['error: leave only once the right swarm is reachable', { engine: engine({ state: 'error', error: 'x' }), tokenPresent: true, reachablePeers: [] }, 'wait', undefined, /staying/],
  ['error, right swarm reachable: leave', { engine: engine({ state: 'error', error: 'x' }), tokenPresent: true, reachablePeers: ['10.0.0.6'] }, 'leave'],
  ['error, no token: wait', { engine: engine({ state: 'error', error: 'x' }), tokenPresent: false }, 'wait'],
  ['manager of another swarm: did this instance initialise it (a new generation)?', { engine: manager, clusterSwarmId: 'swarm-b', tokenPresent: true }, 'need', { fact: 'locks' }],
  ['manager of another swarm, right one unreachable: stay', { engine: manager, clusterSwarmId: 'swarm-b', tokenPresent: true, reachablePeers: [], locks: gen2Lock(undefined) }, 'wait'],
  ['manager of another swarm, right one reachable: leave', { engine: manager, clusterSwarmId: 'swarm-b', tokenPresent: true, reachablePeers: ['10.0.0.6'], locks: gen2Lock('i-other') }, 'leave'],
  // Rebirth: every recorded manager of generation 1 gone for good.
  ['dead generation: are its recorded managers gone for good?', deadGen1, 'need', { fact: 'recordedManagers' }],
  ['dead generation, every manager terminated long enough: generation 2\'s election', { ...deadGen1, recordedManagers: recorded('terminated') }, 'need', { fact: 'locks' }],
  ['generation 2\'s lock is free: take it', { ...deadGen1, recordedManagers: recorded('terminated'), locks: gen2Lock(undefined) }, 'take-lock', { lock: 'init-lock-g2' }],
  ['generation 2\'s lock is ours: init', { ...deadGen1, recordedManagers: recorded('terminated'), locks: gen2Lock(SELF) }, 'init', undefined, /initialise generation 2/],
  ['another holds generation 2\'s lock: wait', { ...deadGen1, recordedManagers: recorded('terminated'), locks: gen2Lock('i-other') }, 'wait', undefined, /i-other holds init-lock-g2/],
  ['another started generation 2 already: wait for its token', { ...deadGen1, recordedManagers: recorded('terminated'), locks: gen2Lock('i-other', 'swarm-new') }, 'wait', undefined, /i-other started generation 2/],
  ['a recorded manager is only stopped: never a new generation', { ...deadGen1, recordedManagers: recorded('stopped') }, 'wait', undefined, /no generation 2: manager i-m1 at 10.0.0.8 is stopped per EC2: it may come back/],
  ['terminated too recently: wait SWARMNODE_RECOVER_AFTER', { ...deadGen1, recordedManagers: recorded('terminated', MINUTE) }, 'wait', undefined, /waiting 60 s more/],
  ['a record without managers proves nothing', { ...deadGen1, recordedManagers: recorded('terminated', MINUTE, []) }, 'wait', undefined, /no manager of swarm swarm-old is known/],
  ['SWARMNODE_AUTO_RECOVER=false: only says what it would do', { ...deadGen1, recordedManagers: recorded('terminated'), recovery: { auto: false, afterMs: 2 * MINUTE } }, 'wait', undefined, /generation 2 would be started here/],
  ['a worker never starts a generation', { ...deadGen1, role: 'worker', recordedManagers: recorded('terminated') }, 'wait', undefined, /no manager answers/],
  [
    'the holder of generation 2 initialised: publish the record (generation 2) over the dead one\'s, marking its lock first',
    { engine: engine({ state: 'active', nodeId: 'n1', clusterId: 'swarm-new', controlAvailable: true }), ...deadGen1, locks: gen2Lock(SELF) },
    'publish',
    { lock: 'init-lock-g2', record: true, generation: 2 },
  ],
  [
    'generation 2\'s lock already marked (publishing cut short): the record and tokens, no second mark',
    { engine: engine({ state: 'active', nodeId: 'n1', clusterId: 'swarm-new', controlAvailable: true }), ...deadGen1, locks: gen2Lock(SELF, 'swarm-new') },
    'publish',
    { lock: undefined, record: true, generation: 2 },
  ],
  ['manager of another swarm, right one reachable, facts reused: read everything anew before leaving', { engine: manager, clusterSwarmId: 'swarm-b', tokenPresent: true, reachablePeers: ['10.0.0.6'], locks: gen2Lock('i-other'), reusedFactsAgeMs: 9_000 }, 'need', { fact: 'freshFacts' }],
  [
    'worker talking to foreign managers: another swarm',
    { role: 'worker', engine: engine({ state: 'active', nodeId: 'w1', remoteManagerAddrs: ['192.168.9.9:2377'] }), tokenPresent: true, reachablePeers: ['10.0.0.6'] },
    'leave',
  ],
  ['active manager (reboot): check tokens', { engine: manager, clusterSwarmId: 'swarm-a' }, 'need', { fact: 'tokenPresent' }],
  ['reboot of a manager: verify health, no re-join', { engine: manager, clusterSwarmId: 'swarm-a', tokenPresent: true, health: healthy }, 'healthy', { nodeId: 'n1' }],
  ['initialised, not yet published: publish, marking the lock first, and the record', { engine: manager, tokenPresent: false, locks: [{ name: 'init-lock', holder: SELF, holderGone: false, published: undefined }] }, 'publish', { lock: 'init-lock', record: true }],
  [
    'a successor that initialised publishes through its own lock',
    { engine: manager, tokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-dead', holderGone: true, published: undefined }, { name: 'init-lock-i-dead', holder: SELF, holderGone: false, published: undefined }] },
    'publish',
    { lock: 'init-lock-i-dead', record: true, generation: 1 },
  ],
  [
    'the lock already marked with this swarm (publishing was cut short): publish the rest, no second mark',
    { engine: manager, tokenPresent: false, locks: [{ name: 'init-lock', holder: SELF, holderGone: false, published: 'swarm-a' }] },
    'publish',
    { lock: undefined, record: true },
  ],
  [
    'the lock marked with another swarm than this engine\'s: never publish a second swarm',
    { engine: manager, tokenPresent: false, locks: [{ name: 'init-lock', holder: SELF, holderGone: false, published: 'swarm-z' }] },
    'wait',
    undefined,
    /never publish a second swarm/,
  ],
  ['record of another swarm, tokens missing: is this instance the initializer?', { engine: manager, clusterSwarmId: 'swarm-b', tokenPresent: false }, 'need', { fact: 'locks' }],
  [
    'record of another swarm, tokens missing, another holds the lock: stay, never publish',
    { engine: manager, clusterSwarmId: 'swarm-b', tokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-x', holderGone: false, published: undefined }] },
    'wait',
    undefined,
    /another swarm/,
  ],
  ['record of our swarm, tokens deleted: publish the tokens again, the record stays', { engine: manager, clusterSwarmId: 'swarm-a', tokenPresent: false }, 'publish', { lock: undefined, record: false }],
  ['tokens missing, not ours to publish: just check health', { engine: manager, tokenPresent: false, locks: [{ name: 'init-lock', holder: 'i-x', holderGone: false, published: undefined }] }, 'need', { fact: 'health' }],
  [
    'reboot of a worker: healthy',
    { role: 'worker', engine: engine({ state: 'active', nodeId: 'w1', remoteManagerAddrs: ['10.0.0.6:2377'] }), health: { healthy: true, role: 'worker', reason: 'ok' } },
    'healthy',
    { nodeId: 'w1' },
  ],
  ['a manager that joined, not in the record\'s list yet: write its own entry before it counts as healthy', { engine: manager, clusterSwarmId: 'swarm-a', tokenPresent: true, recordedManager: false }, 'register'],
  ['a manager that wrote its own entry: on to its health', { engine: manager, clusterSwarmId: 'swarm-a', tokenPresent: true, recordedManager: false, registered: true }, 'need', { fact: 'health' }],
  ['a worker is never in the record\'s managers', { role: 'worker', engine: engine({ state: 'active', nodeId: 'w1', remoteManagerAddrs: ['10.0.0.6:2377'] }), recordedManager: false, health: { healthy: true, role: 'worker', reason: 'ok' } }, 'healthy'],
  ['member not healthy yet: wait', { engine: manager, clusterSwarmId: 'swarm-a', tokenPresent: true, health: { healthy: false, role: 'manager', reason: 'no leader' } }, 'wait', undefined, /no leader/],
];

describe('decideBoot: observed facts -> next step', () => {
  it.each(table)('%s', (_name, patch, kind, fields, reason) => {
    const step = decideBoot({ ...base, ...patch });
    expect(step.kind).toBe(kind);
    if (fields) expect(step).toMatchObject(fields);
    if (reason) expect(step.reason).toMatch(reason);
    expect(step.reason.length).toBeGreaterThan(0);
  });

  it('never decides init while a token exists or a peer answers', () => {
    const locks = [{ name: 'init-lock', holder: SELF, holderGone: false, published: undefined }];
    expect(decideBoot({ ...base, tokenPresent: true, reachablePeers: ['10.0.0.6'], locks }).kind).toBe('join');
    expect(decideBoot({ ...base, tokenPresent: true, reachablePeers: [], locks }).kind).toBe('wait');
    expect(decideBoot({ ...base, tokenPresent: false, reachablePeers: ['10.0.0.7'], locks }).kind).toBe('wait');
  });
});

describe('noJoinReason: targets settled before any observation', () => {
  it('a warm pool target is no reason to stop before the engine is read: boot answers the pool\'s launching action', () => {
    expect(noJoinReason('Warmed:Stopped')).toBeUndefined();
    expect(warmPoolTarget('Warmed:Stopped')).toBe(true);
    expect(warmPoolTarget('Warmed:Terminated')).toBe(false);
    expect(noJoinReason('Warmed:Terminated')).toMatch(/watch completes the terminating hook/);
  });

  it('being scaled in (boot re-run mid-drain): never rejoin', () => {
    expect(noJoinReason('Terminated')).toMatch(/watch completes the terminating hook/);
  });

  it('in service, pending or outside an ASG: boot goes on', () => {
    for (const target of ['InService', 'Pending', undefined]) expect(noJoinReason(target)).toBeUndefined();
  });
});
