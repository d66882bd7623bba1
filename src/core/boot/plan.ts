import type { BootFacts, LockLink } from './facts.js';
import type { BootStep } from './step.js';
import { ELECTION_HEAD_START_MS, MAX_LOCK_CHAIN, PENDING_GRACE_MS, SWARM_PORT } from './step.js';

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

/**
 * Whether a swarm of this cluster was ever published: then nobody inits again, whatever was deleted
 * or cannot be reached since (tokens deleted, 2377 blocked, the creator long terminated). Only a
 * chain of holders that all vanished before publishing anything leaves the election open.
 */
function publishedBefore(facts: BootFacts, locks: readonly LockLink[]): BootStep | undefined {
  if (facts.clusterRecordRead !== true) return need('clusterRecord', 'no manager answers: was a swarm published before (the cluster record)?');
  if (facts.clusterSwarmId !== undefined) {
    return wait(
      `no token and no manager answers on ${SWARM_PORT}, but the cluster record says ${facts.clusterCreatedBy ?? '?'} initialised swarm ${facts.clusterSwarmId}: a published swarm is never initialised again; waiting for its token (${REPUBLISH_HINT})`,
    );
  }
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

/** Follow the lock chain to the link that decides: free, ours, held by a live peer, or too long. */
function election(facts: BootFacts, locks: LockLink[]): BootStep {
  const last = locks.at(-1);
  if (!last) return need('locks', 'no manager answers: the init lock decides who initialises');
  // A live holder that marked nothing is initialising: the answer is to wait whatever else was
  // published, so nothing more is read (only a step towards init needs the whole picture).
  if (last.holder !== undefined && last.holder !== facts.instanceId && !last.holderGone && locks.every((l) => l.published === undefined)) {
    return wait(`${last.holder} holds ${last.name} and is initialising: waiting for its token`);
  }
  const rank = facts.electionRank ?? 0;
  if (last.holder === undefined && rank > 0 && (facts.bootElapsedMs ?? 0) < rank * ELECTION_HEAD_START_MS) {
    return wait(`${last.name} is free: ${rank} manager instance(s) ranked before this one by instance id try it first (${Math.round((rank * ELECTION_HEAD_START_MS) / 1000)} s head start)`);
  }
  const published = publishedBefore(facts, locks);
  if (published !== undefined) return published;
  // The steps that commit to initialising are decided on facts of this observation: a manager
  // launched since an older fleet view may answer on 2377.
  const fresh = freshFacts(facts, 'initialising is decided on facts read now');
  if (fresh !== undefined && (last.holder === undefined || (last.holder === facts.instanceId && !last.holderGone))) return fresh;
  if (last.holder === undefined) {
    return { kind: 'take-lock', lock: last.name, reason: `no token and no manager answers on ${SWARM_PORT}: try to take ${last.name} (Overwrite=false)` };
  }
  if (last.holder === facts.instanceId && !last.holderGone) {
    return { kind: 'init', advertiseAddr: facts.localIpv4, reason: `this instance holds ${last.name} and no swarm answers: initialise it` };
  }
  if (last.holderGone && locks.length >= MAX_LOCK_CHAIN) {
    return wait(`${locks.length} lock holders in a row vanished before publishing; waiting for a token`);
  }
  if (last.holderGone) return need('locks', `holder ${last.holder} of ${last.name} is terminated and published nothing: follow the successor lock`);
  return wait(`${last.holder} holds ${last.name} and is initialising: waiting for its token`);
}

function inactive(facts: BootFacts): BootStep {
  // Probes first: they are free, while the token costs a GetParameter and a Decrypt. A worker can
  // only join through a manager that answers, so it reads the token only once one does.
  if (facts.reachablePeers === undefined) return need('reachablePeers', 'not in a swarm: which managers answer on 2377?');
  const reachable = facts.reachablePeers;
  if (facts.role === 'worker' && reachable.length === 0) {
    return wait(facts.managerPeers.length === 0 ? 'no manager instance has an address yet' : `no manager answers on ${SWARM_PORT} yet: a worker joins only through one that answers`);
  }
  if (facts.tokenPresent === undefined) return need('tokenPresent', 'not in a swarm: is there a join token?');
  if (facts.tokenPresent) {
    if (facts.managerPeers.length === 0) return wait(`the ${facts.role} token exists but no manager instance has an address yet`);
    if (reachable.length === 0) return wait(`the ${facts.role} token exists but no manager answers on ${SWARM_PORT} yet`);
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
  return election(facts, facts.locks ?? []);
}

function active(facts: BootFacts): BootStep {
  const { engine } = facts;
  // A manager knows its swarm's id: which swarm is this cluster's is the record's word.
  if (engine.clusterId !== undefined && facts.clusterRecordRead !== true) return need('clusterRecord', `member of swarm ${engine.clusterId}: is it the cluster's?`);
  // Before the other-swarm check: the holder that initialised publishes its swarm, first marking
  // its lock (so that deleting the record and tokens later cannot reopen the election), then the
  // record and both tokens. A manager of the recorded swarm re-publishes missing tokens too.
  if (facts.role === 'manager' && engine.controlAvailable) {
    if (facts.tokenPresent === undefined) return need('tokenPresent', 'a manager checks that its swarm\'s tokens are published');
    if (!facts.tokenPresent) {
      const ours = facts.clusterSwarmId === engine.clusterId;
      if (!ours && facts.locks === undefined) return need('locks', 'tokens are missing: did this instance initialise the swarm?');
      const lastLock = facts.locks?.at(-1);
      const holder = lastLock?.holder === facts.instanceId && !lastLock.holderGone;
      if (holder && lastLock.published !== undefined && lastLock.published !== engine.clusterId) {
        return wait(`this instance published swarm ${lastLock.published} on ${lastLock.name} but is a manager of ${engine.clusterId ?? '?'}: never publish a second swarm`);
      }
      if (ours || holder) {
        return {
          kind: 'publish',
          lock: holder && lastLock.published === undefined ? lastLock.name : undefined,
          record: !ours,
          reason: ours
            ? 'the recorded swarm, of which this is a manager, has no tokens in SSM: publish both tokens'
            : 'this instance initialised the swarm: publish the cluster record and both tokens',
        };
      }
    }
  }
  if (inAnotherSwarm(facts)) return leaveOnceReachable(facts, 'this engine is a member of another swarm');
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
