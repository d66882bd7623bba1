import type { BootFacts, LockLink } from './facts.js';
import type { BootStep } from './step.js';
import { MAX_LOCK_CHAIN, PENDING_GRACE_MS, SWARM_PORT } from './step.js';

const need = (fact: Extract<BootStep, { kind: 'need' }>['fact'], reason: string): BootStep => ({ kind: 'need', fact, reason });
const wait = (reason: string): BootStep => ({ kind: 'wait', reason });

function hostOf(addr: string): string {
  return addr.replace(/:\d+$/, '');
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
  return reachable
    ? { kind: 'leave', force: true, reason: `${why}; the right swarm is reachable, so leave and join it` }
    : wait(`${why}; staying until the cluster's token exists and one of its managers answers on ${SWARM_PORT}`);
}

/** Follow the lock chain to the link that decides: free, ours, held by a live peer, or too long. */
function election(facts: BootFacts, locks: LockLink[]): BootStep {
  const last = locks.at(-1);
  if (!last) return need('locks', 'no manager answers: the init lock decides who initialises');
  // The `cluster` record outlives tokens and locks: a swarm was made before. Only the record of a
  // holder that vanished before publishing (its swarm died with it) lets the election go on; any
  // other means init happened, even if no manager answers here (2377 blocked, tokens deleted).
  const creator = facts.clusterCreatedBy;
  if (creator !== undefined && !locks.some((l) => l.holderGone && l.holder === creator)) {
    return wait(
      `no token and no manager answers on ${SWARM_PORT}, but the cluster record says ${creator} initialised swarm ${facts.clusterSwarmId ?? '?'}: never init twice; waiting for its token (to start over, delete the cluster record, the init locks and both tokens)`,
    );
  }
  if (last.holder === undefined) {
    return { kind: 'take-lock', lock: last.name, reason: `no token and no manager answers on ${SWARM_PORT}: try to take ${last.name} (Overwrite=false)` };
  }
  if (last.holder === facts.instanceId && !last.holderGone) {
    return { kind: 'init', advertiseAddr: facts.localIpv4, reason: `this instance holds ${last.name} and no swarm answers: initialise it` };
  }
  if (last.holderGone && locks.length >= MAX_LOCK_CHAIN) {
    return wait(`${locks.length} lock holders in a row vanished before publishing; waiting for a token`);
  }
  if (last.holderGone) return need('locks', `holder ${last.holder} of ${last.name} is gone before it published: follow the successor lock`);
  return wait(`${last.holder} holds ${last.name} and is initialising: waiting for its token`);
}

function inactive(facts: BootFacts): BootStep {
  if (facts.tokenPresent === undefined) return need('tokenPresent', 'not in a swarm: is there a join token?');
  if (facts.tokenPresent) {
    if (facts.managerPeers.length === 0) return wait(`the ${facts.role} token exists but no manager instance has an address yet`);
    if (facts.reachablePeers === undefined) return need('reachablePeers', 'the engine joins through the first address: which managers answer?');
    if (facts.reachablePeers.length === 0) return wait(`the ${facts.role} token exists but no manager answers on ${SWARM_PORT} yet`);
    return {
      kind: 'join',
      remoteAddrs: joinOrder(facts.reachablePeers, facts.managerPeers, facts.joinFailures ?? 0).map((ip) => `${ip}:${SWARM_PORT}`),
      advertiseAddr: facts.localIpv4,
      reason: `the ${facts.role} token exists: join through every known manager, one that answers first`,
    };
  }
  if (facts.role === 'worker') return wait('no worker token yet: waiting for a manager to initialise the swarm');
  if (facts.reachablePeers === undefined) return need('reachablePeers', 'no token: does a swarm already exist?');
  if (facts.reachablePeers.length > 0) {
    return wait(`no manager token in SSM, but ${facts.reachablePeers.join(', ')} answer on ${SWARM_PORT}: a swarm exists, so never init; waiting for its token to be published`);
  }
  return election(facts, facts.locks ?? []);
}

function active(facts: BootFacts): BootStep {
  const { engine } = facts;
  // Before the other-swarm check: a holder that vanished after writing the `cluster` record but
  // before its tokens leaves a record naming its dead swarm; the successor that initialised must
  // overwrite it, not wait for that swarm's tokens for ever.
  if (facts.role === 'manager' && engine.controlAvailable) {
    if (facts.tokenPresent === undefined) return need('tokenPresent', 'a manager checks that its swarm\'s tokens are published');
    if (!facts.tokenPresent) {
      const ours = facts.clusterSwarmId === engine.clusterId;
      if (!ours && facts.locks === undefined) return need('locks', 'tokens are missing: did this instance initialise the swarm?');
      const lastLock = facts.locks?.at(-1);
      if (ours || (lastLock?.holder === facts.instanceId && !lastLock.holderGone)) {
        return { kind: 'publish', reason: 'this manager\'s swarm has no tokens in SSM: publish both tokens and the cluster record' };
      }
    }
  }
  if (inAnotherSwarm(facts)) return leaveOnceReachable(facts, 'this engine is a member of another swarm');
  if (facts.health === undefined) return need('health', `member ${engine.nodeId}: is it healthy?`);
  if (!facts.health.healthy) return wait(`member ${engine.nodeId} is not healthy yet: ${facts.health.reason}`);
  return { kind: 'healthy', nodeId: engine.nodeId, reason: `node ${engine.nodeId} is a healthy ${facts.role}` };
}

/**
 * Targets where joining is wrong: a warm-pool instance (`Warmed:*`) is stopped or hibernated after
 * boot, and an instance already on its way out (`Terminated`: boot re-run by a restart during a
 * scale-in) would rejoin the swarm it is leaving; `watch` completes its terminating hook instead.
 */
export function noJoinReason(targetLifecycleState: string | undefined): string | undefined {
  if (targetLifecycleState?.startsWith('Warmed:')) return `target lifecycle state ${targetLifecycleState}: a warm pool instance does not join`;
  if (targetLifecycleState === 'Terminated') return 'target lifecycle state Terminated: the instance is being scaled in, so it does not join; watch completes the terminating hook';
  return undefined;
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
