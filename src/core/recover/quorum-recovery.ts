import { createHash } from 'node:crypto';
import { isGoneForGood } from '../cluster/instance-gone.js';
import { majorityOf } from '../cluster/quorum.js';
import type { Ec2Facts } from '../../ports/fleet.js';
import type { ClusterRecord } from '../../ports/secret-store.js';
import { missingManagersGone } from './missing-managers.js';

/** The recovery lock of one loss, as read from SSM. */
export interface RecoveryLock {
  name: string;
  /** undefined: nobody took it yet. */
  holder: string | undefined;
  /** The holder ran `--force-new-cluster` and marked the lock with the swarm it recovered. */
  recovered: boolean;
}

/** What a manager's watch sees when it asks whether its raft lost quorum for good. */
export interface RecoveryFacts {
  now: number;
  instanceId: string;
  advertiseAddr: string;
  /** The swarm this engine is a manager of; undefined when it cannot say (an engine without a leader shows no cluster). */
  swarmId: string | undefined;
  /** The raft members this engine knows (RemoteManagers), itself included; hosts without port. */
  members: { nodeId: string; addr: string }[];
  /** Member hosts answering on 2377; this engine's own always does. */
  answering: string[];
  record: ClusterRecord | undefined;
  /** EC2's word on the recorded managers' instances. */
  ec2: ReadonlyMap<string, Ec2Facts>;
  /** The lock of this loss: read once everything else allows recovery. */
  lock?: RecoveryLock;
  autoRecover: boolean;
  recoverAfterMs: number;
}

export type RecoveryStep =
  | { kind: 'healthy'; reason: string }
  | { kind: 'need-lock'; lock: string; reason: string }
  /** Recovery must not happen: a missing manager may come back, or nothing proves it gone. */
  | { kind: 'refuse'; reason: string }
  | { kind: 'wait'; reason: string }
  /** SWARMNODE_AUTO_RECOVER=false: what recovery would do, for the log and `status`. */
  | { kind: 'advise'; reason: string }
  | { kind: 'take-lock'; lock: string; reason: string }
  | { kind: 'force-new-cluster'; lock: string; advertiseAddr: string; reason: string }
  /** Another survivor recovered the swarm: leave this dead raft and join its as a manager. */
  | { kind: 'rejoin'; remoteAddrs: string[]; reason: string };

/**
 * The lock every survivor of one loss contends for: named after the swarm, its generation and the
 * members lost (a later loss has other members, so another lock). Survivors that see each other
 * see the same missing members, hence the same name.
 */
export function recoveryLockName(record: ClusterRecord, missingNodeIds: readonly string[]): string {
  const digest = createHash('sha256').update([...missingNodeIds].sort().join(',')).digest('hex').slice(0, 12);
  return `recover-g${record.generation}-${record.swarmId}-${digest}`;
}

/**
 * Quorum recovery, decided from facts alone. Acts only when the members that answer are a minority,
 * every member that does not answer is a manager of the cluster record whose instance EC2 reports
 * terminated for SWARMNODE_RECOVER_AFTER, and every recorded manager still alive answers: then one
 * survivor, the holder of the loss's lock, forces a new cluster and the others rejoin it.
 */
export function decideQuorumRecovery(facts: RecoveryFacts): RecoveryStep {
  const { members, record } = facts;
  const answering = members.filter((m) => m.addr === facts.advertiseAddr || facts.answering.includes(m.addr));
  const needed = majorityOf(members.length);
  if (answering.length >= needed) return { kind: 'healthy', reason: `${answering.length} of ${members.length} raft members answer (${needed} needed)` };
  const missing = members.filter((m) => !answering.includes(m));
  const lost = `quorum lost: ${answering.length} of ${members.length} raft members answer, ${needed} needed`;
  if (record === undefined) return { kind: 'refuse', reason: `${lost}; no cluster record says which instances the managers were` };
  if (facts.swarmId !== undefined && record.swarmId !== facts.swarmId) return { kind: 'refuse', reason: `${lost}; the cluster record names swarm ${record.swarmId}, not this one (${facts.swarmId})` };
  // Without a leader the engine shows no swarm id: the record then describes this raft only if it lists this manager.
  if (facts.swarmId === undefined && !record.managers.some((m) => m.instanceId === facts.instanceId)) {
    return { kind: 'refuse', reason: `${lost}; the cluster record (swarm ${record.swarmId}) does not list this manager, and its engine cannot say which swarm it is in` };
  }
  const strangers = record.managers.filter((m) => m.instanceId !== facts.instanceId && !members.some((member) => member.addr === m.addr) && !isGoneForGood(facts.ec2.get(m.instanceId)?.state));
  if (strangers.length > 0) {
    return { kind: 'refuse', reason: `${lost}; the record lists live managers this raft does not know (${strangers.map((m) => m.instanceId).join(', ')}): the swarm went on without this node` };
  }
  const verdict = missingManagersGone(missing.map((m) => m.addr), record.managers, facts.ec2, facts.now, facts.recoverAfterMs);
  if (!verdict.gone) return verdict.final ? { kind: 'refuse', reason: `${lost}; ${verdict.why}` } : { kind: 'wait', reason: `${lost}; ${verdict.why}` };
  const name = recoveryLockName(record, missing.map((m) => m.nodeId));
  const proven = `${lost}; every missing manager is gone for good: ${verdict.why}`;
  if (!facts.autoRecover) return { kind: 'advise', reason: `${proven}: one survivor would run --force-new-cluster (SWARMNODE_AUTO_RECOVER=false; set it to true, or run \`docker swarm init --force-new-cluster\` on one manager only)` };
  const lock = facts.lock;
  if (lock === undefined || lock.name !== name) return { kind: 'need-lock', lock: name, reason: `${proven}: who recovers is decided by ${name}` };
  if (lock.holder === undefined) return { kind: 'take-lock', lock: name, reason: `${proven}: take ${name} (Overwrite=false)` };
  if (lock.holder === facts.instanceId) return { kind: 'force-new-cluster', lock: name, advertiseAddr: facts.advertiseAddr, reason: `${proven}: this instance holds ${name}, force a new cluster` };
  const holder = record.managers.find((m) => m.instanceId === lock.holder);
  if (!lock.recovered || holder === undefined) return { kind: 'wait', reason: `${proven}: ${lock.holder} holds ${name} and is recovering` };
  return { kind: 'rejoin', remoteAddrs: [`${holder.addr}:2377`], reason: `${lock.holder} recovered the swarm (${name}): leave this raft and join it as a manager` };
}
