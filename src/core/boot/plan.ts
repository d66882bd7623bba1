import type { BootFacts, LockLink } from './facts.js';
import { electionGeneration } from './generation.js';
import type { BootStep } from './step.js';
import { ELECTION_HEAD_START_MS, MAX_LOCK_CHAIN, PENDING_GRACE_MS, SWARM_PORT } from './step.js';
import { missingManagersGone } from '../recover/missing-managers.js';

const need = (fact: Extract<BootStep, { kind: 'need' }>['fact'], reason: string): BootStep => ({ kind: 'need', fact, reason });
const wait = (reason: string): BootStep => ({ kind: 'wait', reason });

function hostOf(addr: string): string {
  return addr.replace(/:\d+$/, '');
}

/** A step that commits (take-lock, init, leave) is decided on facts read now, none reused from an earlier round. */
function freshFacts(facts: BootFacts, reason: string): BootStep | undefined {
  return (facts.reusedFactsAgeMs ?? 0) > 0 ? need('freshFacts', reason) : undefined;
}

/** Another swarm: a manager knows its swarm id; a worker only sees which managers it talks to. */
function inAnotherSwarm(facts: BootFacts): boolean {
  const { engine } = facts;
  if (engine.clusterId !== undefined && facts.clusterSwarmId !== undefined) return engine.clusterId !== facts.clusterSwarmId;
  if (facts.role === 'worker' && facts.managerPeers.length > 0 && engine.remoteManagerAddrs.length > 0) {
    return !engine.remoteManagerAddrs.some((addr) => facts.managerPeers.includes(hostOf(addr)));
  }
  return false;
}

/**
 * The engine dials only the first of RemoteAddrs, so a manager that answers goes first, rotating
 * after each failed join in case that one is not (yet) a member of the right swarm.
 */
function joinOrder(reachable: string[], all: string[], failures: number): string[] {
  const shift = failures % reachable.length;
  const first = [...reachable.slice(shift), ...reachable.slice(0, shift)];
  return [...first, ...all.filter((ip) => !reachable.includes(ip))];
}

/** The right swarm can be joined: its token exists and one of its managers answers. */
function rightSwarmReachable(facts: BootFacts): BootStep | boolean {
  if (facts.tokenPresent === undefined) return need('tokenPresent', 'leaving is only safe once the right swarm can be joined');
  if (!facts.tokenPresent) return false;
  if (facts.reachablePeers === undefined) return need('reachablePeers', 'leaving is only safe once a manager of the right swarm answers');
  return facts.reachablePeers.length > 0;
}

function leaveOnceReachable(facts: BootFacts, why: string): BootStep {
  const reachable = rightSwarmReachable(facts);
  if (typeof reachable !== 'boolean') return reachable;
  const fresh = reachable ? freshFacts(facts, 'leaving is decided on facts read now') : undefined;
  if (fresh !== undefined) return fresh;
  return reachable
    ? { kind: 'leave', force: true, reason: `${why}; the right swarm is reachable, so leave and join it` }
    : wait(`${why}; staying until the cluster's token exists and one of its managers answers on ${SWARM_PORT}`);
}

const REPUBLISH_HINT = '`swarmnode republish` on one of its managers publishes its tokens again';

function recordedSwarmWait(facts: BootFacts): BootStep {
  return wait(
    `no token and no manager answers on ${SWARM_PORT}, but the cluster record says ${facts.clusterCreatedBy ?? '?'} initialised swarm ${facts.clusterSwarmId ?? '?'}: a published swarm is never initialised again; waiting for its token (${REPUBLISH_HINT})`,
  );
}

/**
 * Whether a swarm of this cluster was ever published: then nobody inits again, whatever was deleted
 * or cannot be reached since (tokens deleted, 2377 blocked, the creator long terminated). With no
 * cluster record, the other role's token or a marked lock still say so. Only a chain of holders
 * that all vanished before publishing anything leaves the election open.
 */
function publishedBefore(facts: BootFacts, locks: readonly LockLink[]): BootStep | undefined {
  if (facts.otherTokenPresent === undefined) return need('otherTokenPresent', 'no manager answers: was a swarm published before (any token)?');
  if (facts.otherTokenPresent) {
    return wait(`no ${facts.role} token and no manager answers on ${SWARM_PORT}, but the other role's token is published: a swarm exists; waiting for the ${facts.role} token (${REPUBLISH_HINT})`);
  }
  const marked = locks.find((l) => l.published !== undefined);
  if (marked !== undefined) {
    return wait(
      `${marked.holder ?? '?'} published swarm ${marked.published ?? '?'} (recorded on ${marked.name}), though its record and tokens are gone: a published swarm is never initialised again; waiting for its token (${REPUBLISH_HINT})`,
    );
  }
  return undefined;
}

/** The first swarm's election: never once anything of a swarm was published. */
function election(facts: BootFacts, locks: LockLink[]): BootStep {
  return lockStep(facts, locks, () => publishedBefore(facts, locks));
}

/**
 * Follow the lock chain to the link that decides: free, ours, held by a live peer, or too long.
 * `published` says whether anything of a swarm was published before, which only a step towards init
 * needs to know (it costs reads).
 */
function lockStep(facts: BootFacts, locks: LockLink[], published: () => BootStep | undefined = () => undefined): BootStep {
  const last = locks.at(-1);
  if (!last) return need('locks', 'no manager answers: the init lock decides who initialises');
  // A live holder other than this instance initialises (or published, which its token will show):
  // the answer is to wait whatever else was published, so nothing more is read.
  if (last.holder !== undefined && last.holder !== facts.instanceId && !last.holderGone) {
    return wait(
      last.published === undefined
        ? `${last.holder} holds ${last.name} and is initialising: waiting for its token`
        : `${last.holder} published swarm ${last.published} (recorded on ${last.name}): waiting for its token (${REPUBLISH_HINT})`,
    );
  }
  const rank = facts.electionRank ?? 0;
  if (last.holder === undefined && rank > 0 && (facts.bootElapsedMs ?? 0) < rank * ELECTION_HEAD_START_MS) {
    return wait(`${last.name} is free: ${rank} manager instance(s) ranked before this one by instance id try it first (${Math.round((rank * ELECTION_HEAD_START_MS) / 1000)} s head start)`);
  }
  const before = published();
  if (before !== undefined) return before;
  // The steps that commit to initialising are decided on facts of this observation: a manager
  // launched since an older fleet view may answer on 2377.
  const fresh = freshFacts(facts, 'initialising is decided on facts read now');
  if (fresh !== undefined && !last.holderGone) return fresh;
  if (last.holder === undefined) {
    return { kind: 'take-lock', lock: last.name, reason: `no token and no manager answers on ${SWARM_PORT}: try to take ${last.name} (Overwrite=false)` };
  }
  if (!last.holderGone) {
    const generation = electionGeneration(facts);
    return { kind: 'init', advertiseAddr: facts.localIpv4, lock: last.name, generation, reason: `this instance holds ${last.name} and no swarm answers: initialise generation ${generation}, then publish it` };
  }
  // The holder is gone for good (or is this instance, given up for gone while away) and published nothing.
  if (locks.length >= MAX_LOCK_CHAIN) return wait(`${locks.length} lock holders in a row vanished before publishing; waiting for a token`);
  return need('locks', `holder ${last.holder} of ${last.name} is terminated and published nothing: follow the successor lock`);
}

/**
 * Rebirth: a manager that finds no manager of the recorded swarm answering may start its next
 * generation only when every manager the record lists is gone for good (EC2: terminated, for
 * SWARMNODE_RECOVER_AFTER), through that generation's own election, the same lock discipline as the
 * first. Otherwise `otherwise` stands, with the reason no new generation starts.
 */
function rebirthOr(facts: BootFacts, otherwise: BootStep): BootStep {
  if (facts.role !== 'manager' || otherwise.kind !== 'wait') return otherwise;
  if (facts.clusterRecordRead !== true) return need('clusterRecord', `${otherwise.reason}; is a swarm recorded whose managers may all be gone?`);
  if (facts.clusterSwarmId === undefined) return otherwise;
  if (facts.recordedManagers === undefined) return need('recordedManagers', `${otherwise.reason}; is every manager of swarm ${facts.clusterSwarmId} gone for good?`);
  const { managers, ec2 } = facts.recordedManagers;
  if (managers.length === 0) return wait(`${otherwise.reason}; no manager of swarm ${facts.clusterSwarmId} is known (record, entries), so nothing proves it dead`);
  const verdict = missingManagersGone(managers.map((m) => ({ addr: m.addr, recorded: m })), ec2, facts.now, facts.recovery.afterMs);
  const generation = electionGeneration(facts);
  if (!verdict.gone) return wait(`${otherwise.reason}; no generation ${generation}: ${verdict.why}`);
  const dead = `every manager of swarm ${facts.clusterSwarmId} (generation ${generation - 1}) is gone for good: ${verdict.why}`;
  if (!facts.recovery.auto) return wait(`${dead}; generation ${generation} would be started here (SWARMNODE_AUTO_RECOVER=false)`);
  if (facts.locks === undefined) return need('locks', `${dead}: generation ${generation}'s election decides who starts it`);
  const marked = facts.locks.find((l) => l.published !== undefined);
  if (marked !== undefined) return wait(`${marked.holder ?? '?'} started generation ${generation} (swarm ${marked.published ?? '?'}, ${marked.name}): waiting for its token`);
  return lockStep(facts, facts.locks);
}

function inactive(facts: BootFacts): BootStep {
  // Probes first: they are free, while the token costs an SSM read and a Decrypt. A worker can
  // only join through a manager that answers, so it reads the token only once one does.
  if (facts.reachablePeers === undefined) return need('reachablePeers', 'not in a swarm: which managers answer on 2377?');
  const reachable = facts.reachablePeers;
  if (facts.role === 'worker' && reachable.length === 0) {
    return wait(facts.managerPeers.length === 0 ? 'no manager instance has an address yet' : `no manager answers on ${SWARM_PORT} yet: a worker joins only through one that answers`);
  }
  if (facts.tokenPresent === undefined) return need('tokenPresent', 'not in a swarm: is there a join token?');
  if (facts.tokenPresent) {
    if (facts.managerPeers.length === 0) return rebirthOr(facts, wait(`the ${facts.role} token exists but no manager instance has an address yet`));
    if (reachable.length === 0) return rebirthOr(facts, wait(`the ${facts.role} token exists but no manager answers on ${SWARM_PORT} yet`));
    return {
      kind: 'join',
      remoteAddrs: joinOrder(reachable, facts.managerPeers, facts.joinFailures ?? 0).map((ip) => `${ip}:${SWARM_PORT}`),
      advertiseAddr: facts.localIpv4,
      reason: `the ${facts.role} token exists: join through every known manager, one that answers first`,
    };
  }
  if (facts.role === 'worker') return wait('no worker token yet: waiting for a manager to initialise the swarm');
  if (reachable.length > 0) {
    return wait(`no manager token in SSM, but ${reachable.join(', ')} answer on ${SWARM_PORT}: a swarm exists, so never init; waiting for its token to be published`);
  }
  // The record names the generation whose election this is, so it is read before any lock.
  if (facts.clusterRecordRead !== true) return need('clusterRecord', 'no token and no manager answers: was a swarm published before (the cluster record)?');
  if (facts.clusterSwarmId !== undefined) return rebirthOr(facts, recordedSwarmWait(facts));
  return election(facts, facts.locks ?? []);
}

function active(facts: BootFacts): BootStep {
  const { engine } = facts;
  // Which swarm is this cluster's is the record's word; a manager compares (a leaderless one may
  // not even show its swarm's id) and keeps its own place in the record.
  if ((engine.clusterId !== undefined || facts.role === 'manager') && facts.clusterRecordRead !== true) {
    return need('clusterRecord', `member of swarm ${engine.clusterId ?? '?'}: is it the cluster's?`);
  }
  // Before the other-swarm check: the holder that initialised publishes its swarm, first marking
  // its lock (so that deleting the record and tokens later cannot reopen the election), then the
  // record and both tokens. A manager of the recorded swarm re-publishes missing tokens too.
  if (facts.role === 'manager' && engine.controlAvailable) {
    const ours = facts.clusterSwarmId === engine.clusterId;
    if (facts.tokenPresent === undefined) return need('tokenPresent', 'a manager checks that its swarm\'s tokens are published');
    // Not the recorded swarm: this instance may be the holder of an election that initialised it
    // (the first swarm, or a new generation whose predecessor's tokens are still in SSM).
    if (!ours && (!facts.tokenPresent || facts.clusterSwarmId !== undefined)) {
      if (facts.locks === undefined) return need('locks', 'this is not the recorded swarm: did this instance initialise it?');
      const lastLock = facts.locks.at(-1);
      const holder = lastLock?.holder === facts.instanceId && !lastLock.holderGone;
      if (holder && lastLock.published !== undefined && lastLock.published !== engine.clusterId) {
        return wait(`this instance published swarm ${lastLock.published} on ${lastLock.name} but is a manager of ${engine.clusterId ?? '?'}: never publish a second swarm`);
      }
      if (holder) {
        const generation = electionGeneration(facts);
        return {
          kind: 'publish',
          lock: lastLock.published === undefined ? lastLock.name : undefined,
          record: true,
          generation,
          reason: `this instance initialised the swarm (generation ${generation}): publish the cluster record and both tokens`,
        };
      }
    }
    if (ours && !facts.tokenPresent) {
      return { kind: 'publish', lock: undefined, record: false, generation: facts.clusterGeneration ?? 1, reason: 'the recorded swarm, of which this is a manager, has no tokens in SSM: publish both tokens' };
    }
  }
  if (inAnotherSwarm(facts)) return leaveOnceReachable(facts, 'this engine is a member of another swarm');
  // Recovery proves a missing manager gone only from the record: a manager that joined is in it
  // before it counts as a member, not only once the leader's next round has seen it.
  if (facts.role === 'manager' && engine.controlAvailable && facts.clusterSwarmId === engine.clusterId && !facts.recordedManager) {
    // Written without reading it first: the write costs what the read would, and is idempotent.
    if (facts.registered !== true) return { kind: 'register', reason: `manager ${engine.nodeId} is not in the record's list yet: write its own entry, so recovery can account for it` };
  }
  if (facts.health === undefined) return need('health', `member ${engine.nodeId}: is it healthy?`);
  if (!facts.health.healthy) return wait(`member ${engine.nodeId} is not healthy yet: ${facts.health.reason}`);
  return { kind: 'healthy', nodeId: engine.nodeId, reason: `node ${engine.nodeId} is a healthy ${facts.role}` };
}

/**
 * Targets where joining is wrong: an instance already on its way out (`Terminated`, or a warm pool
 * instance being terminated: boot re-run by a restart during a scale-in) would rejoin the swarm it is
 * leaving; `watch` completes its terminating hook instead.
 */
export function noJoinReason(targetLifecycleState: string | undefined): string | undefined {
  if (targetLifecycleState === 'Terminated' || targetLifecycleState === 'Warmed:Terminated') {
    return `target lifecycle state ${targetLifecycleState}: the instance is being terminated, so it does not join; watch completes the terminating hook`;
  }
  return undefined;
}

/**
 * A warm pool target (`Warmed:Stopped`, `Warmed:Running`, `Warmed:Hibernated`): the instance is being
 * prepared for the pool. It does not join (it would be stopped or frozen as a member), but its
 * launching action (Warmed:Pending:Wait) is answered, or the pool would abandon and replace it for ever.
 */
export function warmPoolTarget(targetLifecycleState: string | undefined): boolean {
  return targetLifecycleState !== undefined && targetLifecycleState.startsWith('Warmed:') && noJoinReason(targetLifecycleState) === undefined;
}

/**
 * The boot decision: observed facts -> the next step. Pure, so `plan` prints exactly what boot
 * would do, and the table test covers every state of DESIGN.md's "Boot, step by step". Targets that
 * must not join never get here: noJoinReason settles them before any AWS call.
 */
export function decideBoot(facts: BootFacts): BootStep {
  switch (facts.engine.state) {
    case 'locked':
      if (facts.unlockKeyPresent === undefined) return need('unlockKeyPresent', 'the engine is locked (autolock): is the unlock key in SSM?');
      return facts.unlockKeyPresent ? { kind: 'unlock', reason: 'the engine is locked: unlock it with the key from SSM' } : wait('the engine is locked and SSM holds no unlock-key');
    case 'pending':
      return facts.pendingForMs < PENDING_GRACE_MS
        ? wait('the engine is joining in the background (pending)')
        : { kind: 'leave', force: true, reason: `the engine has been pending for ${Math.round(facts.pendingForMs / 1000)}s: leave and join again` };
    case 'error':
      return leaveOnceReachable(facts, `the engine's swarm state is error (${facts.engine.error})`);
    case 'active':
      return active(facts);
    default:
      return inactive(facts);
  }
}
