import { describe, expect, it } from 'vitest';
import { decideQuorumRecovery, recoveryLockName, type RecoveryFacts } from '../../../../src/core/recover/quorum-recovery.js';
import type { Ec2Facts } from '../../../../src/ports/fleet.js';
import type { ClusterRecord, RecordedManager } from '../../../../src/ports/secret-store.js';

const NOW = Date.parse('2030-01-01T12:00:00Z');
const MINUTE = 60_000;
const manager = (n: number): RecordedManager => ({ instanceId: `i-${n}`, addr: `10.0.0.${n}`, nodeId: `n${n}` });
const record: ClusterRecord = { swarmId: 'swarm-a', generation: 1, createdAt: '', createdBy: 'i-1', managers: [1, 2, 3].map(manager) };
const members = [1, 2, 3].map((n) => ({ nodeId: `n${n}`, addr: `10.0.0.${n}` }));
const gone = (goneAgoMs = 5 * MINUTE): Ec2Facts => ({ state: 'terminated', drainRequest: undefined, goneAt: NOW - goneAgoMs });
const running: Ec2Facts = { state: 'running', drainRequest: undefined };
/** i-1 survives (no leader), i-2 and i-3 are terminated: quorum lost, 1 of 3. */
const base: RecoveryFacts = {
  now: NOW,
  instanceId: 'i-1',
  advertiseAddr: '10.0.0.1',
  swarmId: 'swarm-a',
  members,
  answering: [],
  record,
  registered: [],
  ec2: new Map([['i-1', running], ['i-2', gone()], ['i-3', gone()]]),
  autoRecover: true,
  recoverAfterMs: 2 * MINUTE,
};
const LOCK = recoveryLockName(record, ['n2', 'n3']);
const lock = (holder: string | undefined, recovered = false, name = LOCK) => ({ lock: { name, holder, recovered } });
/** The lock a survivor reads when only `lost` of the missing members are not known alive. */
const lockOf = (lost: string[], holder?: string, recovered = false) => lock(holder, recovered, recoveryLockName(record, lost));

/** A record of other managers (all terminated): it says nothing of this raft. */
const elsewhere: Partial<RecoveryFacts> = { record: { ...record, managers: [7, 8, 9].map(manager) }, ec2: new Map([7, 8, 9].map((n) => [`i-${n}`, gone()])) };

const table: [string, Partial<RecoveryFacts>, string, RegExp | Record<string, unknown>][] = [
  ['no leader but a majority answers: an election, wait', { answering: ['10.0.0.2'], ec2: new Map([['i-1', running], ['i-2', running], ['i-3', gone()]]) }, 'wait', /2 of 3 raft members answer.*election/],
  [
    'a new instance answers at a dead member\'s reused address: still missing',
    { answering: ['10.0.0.2', '10.0.0.3'] },
    'need-lock',
    { lock: LOCK },
  ],
  ['minority, both missing managers terminated long enough: the lock decides who recovers', {}, 'need-lock', { lock: LOCK }],
  ['the lock is free: take it', lock(undefined), 'take-lock', { lock: LOCK }],
  ['this survivor holds the lock: force a new cluster, advertising itself', lock('i-1'), 'force-new-cluster', { lock: LOCK, advertiseAddr: '10.0.0.1' }],
  ['another survivor holds it, not recovered yet: wait', lock('i-4'), 'wait', /i-4 holds recover-/],
  ['a missing manager only stopped: it may come back, refuse', { ...lockOf(['n2']), ec2: new Map([['i-1', running], ['i-2', gone()], ['i-3', { state: 'stopped', drainRequest: undefined }]]) }, 'refuse', /i-3 at 10.0.0.3 is stopped per EC2: it may come back/],
  ['a missing manager still running (partitioned): refuse', { ...lockOf(['n3']), ec2: new Map([['i-1', running], ['i-2', running], ['i-3', gone()]]) }, 'refuse', /i-2 at 10.0.0.2 is running per EC2/],
  ['terminated too recently: wait SWARMNODE_RECOVER_AFTER', { ec2: new Map([['i-1', running], ['i-2', gone()], ['i-3', gone(30_000)]]) }, 'wait', /waiting 90 s more/],
  ['EC2 does not say since when: refuse', { ...lock(undefined), ec2: new Map([['i-1', running], ['i-2', gone()], ['i-3', { state: 'terminated', drainRequest: undefined }]]) }, 'refuse', /without saying since when/],
  ['EC2 has forgotten a missing manager: refuse', { ...lock(undefined), ec2: new Map([['i-1', running], ['i-2', gone()]]) }, 'refuse', /EC2 has no word on i-3/],
  ['a missing member not in the record: refuse', { ...lock(undefined), record: { ...record, managers: [1, 2].map(manager) } }, 'refuse', /10.0.0.3 is not in the cluster record/],
  ['a missing member not in the record: first, did another survivor recover this loss?', { record: { ...record, managers: [1, 2].map(manager) } }, 'need-lock', { lock: LOCK }],
  [
    'a survivor left this raft (alive, not answering here) and the recovered swarm\'s manager answers: rejoin it',
    { ...lockOf(['n3'], 'i-4', true), record: { ...record, managers: [1, 2, 3, 4].map(manager) }, ec2: new Map([['i-1', running], ['i-2', running], ['i-3', gone()], ['i-4', running]]), answering: ['10.0.0.4'] },
    'rejoin',
    { remoteAddrs: ['10.0.0.4:2377'] },
  ],
  ['a record written before node ids: members matched by address', { record: { ...record, managers: record.managers.map((m) => ({ ...m, nodeId: '' })) } }, 'need-lock', { lock: LOCK }],
  ['no record at all: refuse', { record: undefined }, 'refuse', /no cluster record/],
  ['the record names another swarm: refuse', { record: { ...record, swarmId: 'swarm-b' } }, 'refuse', /names swarm swarm-b, not this one/],
  [
    'the record lists a live manager this raft does not have, which does not answer: refuse',
    { record: { ...record, managers: [...record.managers, manager(9)] }, ec2: new Map([...base.ec2, ['i-9', running]]) },
    'refuse',
    /live managers this raft does not have \(i-9\).*none of them answers/,
  ],
  [
    'the swarm went on without this node (another survivor recovered and recorded its raft), and its managers answer: rejoin them',
    { swarmId: undefined, record: { ...record, managers: [manager(4), { ...manager(9), addr: '10.0.0.2' }] }, ec2: new Map([...base.ec2, ['i-4', running], ['i-9', running]]), answering: ['10.0.0.4', '10.0.0.2'] },
    'rejoin',
    { remoteAddrs: ['10.0.0.4:2377', '10.0.0.2:2377'] },
  ],
  ['an engine without a leader shows no swarm id: the record describes this raft when it lists this manager', { swarmId: undefined }, 'need-lock', { lock: LOCK }],
  ['no swarm id, this manager not in the record (it joined moments before the loss), its raft\'s members are: the loss is decided as any', { swarmId: undefined, instanceId: 'i-7', ...lock(undefined) }, 'take-lock', { lock: LOCK }],
  ['no swarm id, and the record lists neither this manager nor its raft: first, did another survivor recover this loss?', { swarmId: undefined, instanceId: 'i-6', ...elsewhere }, 'need-lock', { lock: LOCK }],
  ['no swarm id, the record lists neither this manager nor its raft, and no survivor recovered: refuse', { swarmId: undefined, instanceId: 'i-6', ...elsewhere, ...lock(undefined) }, 'refuse', /lists neither this manager nor any member of its raft/],
  ['SWARMNODE_AUTO_RECOVER=false: only advise, and only the way through the lock', { autoRecover: false }, 'advise', /would take recover-.* and run --force-new-cluster.*set it to true on the managers/],
];

describe('decideQuorumRecovery (the engine says there is no leader)', () => {
  it.each(table)('%s', (_name, patch, kind, expected) => {
    const step = decideQuorumRecovery({ ...base, ...patch });
    expect(step.kind).toBe(kind);
    if (expected instanceof RegExp) expect(step.reason).toMatch(expected);
    else expect(step).toMatchObject(expected);
  });

  it('two survivors of five: the one that lost the lock race waits, then rejoins the one that recovered', () => {
    const five: ClusterRecord = { ...record, managers: [1, 2, 3, 4, 5].map(manager) };
    const facts: RecoveryFacts = {
      ...base,
      record: five,
      members: [1, 2, 3, 4, 5].map((n) => ({ nodeId: `n${n}`, addr: `10.0.0.${n}` })),
      answering: ['10.0.0.4'],
      ec2: new Map([['i-1', running], ['i-2', gone()], ['i-3', gone()], ['i-4', running], ['i-5', gone()]]),
    };
    const name = recoveryLockName(five, ['n2', 'n3', 'n5']);
    expect(decideQuorumRecovery(facts)).toMatchObject({ kind: 'need-lock', lock: name });
    expect(decideQuorumRecovery({ ...facts, lock: { name, holder: 'i-4', recovered: false } })).toMatchObject({ kind: 'wait' });
    expect(decideQuorumRecovery({ ...facts, lock: { name, holder: 'i-4', recovered: true } })).toMatchObject({ kind: 'rejoin', remoteAddrs: ['10.0.0.4:2377'] });
  });

  it('the winner\'s leader rewrote the record (its new raft only): the other survivor, unlisted and shown no swarm id, follows the marked lock to it', () => {
    const members = [1, 2, 3, 4, 5].map((n) => ({ nodeId: `n${n}`, addr: `10.0.0.${n}` }));
    const rewritten: ClusterRecord = { ...record, managers: [manager(4)] };
    const facts: RecoveryFacts = { ...base, swarmId: undefined, record: rewritten, members, answering: ['10.0.0.4'], ec2: new Map([['i-4', running]]) };
    const name = recoveryLockName(rewritten, ['n2', 'n3', 'n5']);
    expect(decideQuorumRecovery(facts)).toMatchObject({ kind: 'need-lock', lock: name });
    expect(decideQuorumRecovery({ ...facts, lock: { name, holder: 'i-4', recovered: true } })).toMatchObject({ kind: 'rejoin', remoteAddrs: ['10.0.0.4:2377'] });
    // Never towards a holder that does not answer: this raft's copy is not thrown away for nothing.
    expect(decideQuorumRecovery({ ...facts, answering: [], lock: { name, holder: 'i-4', recovered: true } }).kind).toBe('refuse');
  });

  it('a survivor of this raft recovered it (the record says so, and this raft lists all it lost): follow it, never force, even after another member died since', () => {
    const five: ClusterRecord = { ...record, managers: [1, 2, 3, 4, 5].map(manager) };
    const members = [1, 2, 3, 4, 5].map((n) => ({ nodeId: `n${n}`, addr: `10.0.0.${n}` }));
    const recovered = { ...five, recovered: { lock: recoveryLockName(five, ['n2', 'n3']), holder: 'i-4', nodeId: 'n4', lost: ['n2', 'n3'] } };
    // n5 died after i-4 forced: this survivor's missing members (so its lock's name) differ from i-4's.
    const facts: RecoveryFacts = { ...base, record: recovered, members, answering: ['10.0.0.4'], ec2: new Map([['i-1', running], ['i-2', gone()], ['i-3', gone()], ['i-4', running], ['i-5', gone()]]) };
    expect(decideQuorumRecovery(facts)).toMatchObject({ kind: 'rejoin', remoteAddrs: ['10.0.0.4:2377'] });
    expect(decideQuorumRecovery({ ...facts, lock: { name: recoveryLockName(five, ['n2', 'n3', 'n5']), holder: 'i-1', recovered: false } }).kind).toBe('rejoin');
    expect(decideQuorumRecovery({ ...facts, answering: [] })).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/i-4 recovered this raft/) });
    // A later raft (the recovered one) no longer has the members that recovery lost: its own loss is decided as any.
    const later = { ...facts, members: [1, 4, 5].map((n) => ({ nodeId: `n${n}`, addr: `10.0.0.${n}` })), answering: [] };
    expect(decideQuorumRecovery(later).kind).not.toBe('rejoin');
  });

  it('survivors of one loss contend for one lock; a later loss, of other members, for another', () => {
    expect(recoveryLockName(record, ['n3', 'n2'])).toBe(LOCK);
    expect(LOCK).toMatch(/^recover-g1-swarm-a-[0-9a-f]{12}$/);
    expect(recoveryLockName(record, ['n2', 'n4'])).not.toBe(LOCK);
    expect(recoveryLockName({ ...record, generation: 2 }, ['n2', 'n3'])).not.toBe(LOCK);
  });

  it('never forces a new cluster while any missing manager is not terminated, whatever else holds', () => {
    for (const state of ['pending', 'running', 'stopping', 'stopped']) {
      const ec2 = new Map([['i-1', running], ['i-2', gone()], ['i-3', { state, drainRequest: undefined }]]);
      for (const held of [lock('i-1'), lockOf(['n2'], 'i-1')]) {
        const step = decideQuorumRecovery({ ...base, ec2, ...held });
        expect(step.kind).not.toBe('force-new-cluster');
        expect(['refuse', 'need-lock']).toContain(step.kind);
      }
    }
  });
});
