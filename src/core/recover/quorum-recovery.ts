import { createHash } from 'node:crypto';
import { isGoneForGood } from '../cluster/instance-gone.js';
import { majorityOf } from '../cluster/quorum.js';
import type { Ec2Facts } from '../../ports/fleet.js';
import type { ClusterRecord, RecordedManager } from '../../ports/secret-store.js';
import { knownManagers } from './known-managers.js';
import { missingManagersGone } from './missing-managers.js';

/** The recovery lock of one loss, as read from SSM. */
export interface RecoveryLock {
  name: string;
  /** undefined: nobody took it yet. */
  holder: string | undefined;
  /** The holder ran `--force-new-cluster` and marked the lock with the swarm it recovered. */
  recovered: boolean;
}

/** What a manager's watch sees once its engine says the swarm has no leader. */
export interface RecoveryFacts {
  now: number;
  instanceId: string;
  advertiseAddr: string;
  /** The swarm this engine is a manager of; undefined when it cannot say (an engine without a leader shows no cluster). */
  swarmId: string | undefined;
  /** The raft members this engine knows (RemoteManagers), itself included; hosts without port. */
  members: { nodeId: string; addr: string }[];
  /** Hosts answering on 2377 (of the members and of the recorded managers); this engine's own always does. */
  answering: string[];
  record: ClusterRecord | undefined;
  /** The managers' own entries (`managers/*`), counted with the record's list. */
  registered: RecordedManager[];
  /** EC2's word on the recorded managers' instances. */
  ec2: ReadonlyMap<string, Ec2Facts>;
  /** The lock of this loss: read once everything else allows recovery, or before a final refusal (another survivor may have recovered it). */
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
  /** `lost`: the node ids of the missing members, all gone for good (recorded with the recovery). */
  | { kind: 'force-new-cluster'; lock: string; advertiseAddr: string; lost: string[]; reason: string }
  /** The swarm's raft lives elsewhere (another survivor recovered it): leave this dead raft and join it as a manager. */
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

/** The record's entry for a raft member: by node id, else (records without node ids) by address. */
function recordedAs(record: ClusterRecord, member: { nodeId: string; addr: string }): RecordedManager | undefined {
  return record.managers.find((m) => m.nodeId === member.nodeId) ?? record.managers.find((m) => m.nodeId === '' && m.addr === member.addr);
}

/**
 * Quorum recovery, decided from facts alone, once the engine says there is no leader. A member
 * counts as answering when its address answers on 2377 and nothing says another instance holds that
 * address now (EC2 reuses private addresses: a new instance may answer at a dead member's). Acts
 * only when the answering members are a minority and every other member is a manager of the record
 * whose instance EC2 reports terminated for SWARMNODE_RECOVER_AFTER: then one survivor, the holder
 * of the loss's lock, forces a new cluster and the others rejoin it. When the record shows the swarm
 * went on without this node (live managers this raft does not have), it rejoins them.
 */
export function decideQuorumRecovery(facts: RecoveryFacts): RecoveryStep {
  const { members } = facts;
  const record = facts.record === undefined ? undefined : { ...facts.record, managers: knownManagers(facts.record, facts.registered, facts.members.map((m) => m.nodeId)) };
  const gone = (m: RecordedManager | undefined): boolean => m !== undefined && isGoneForGood(facts.ec2.get(m.instanceId)?.state);
  // EC2 reuses private addresses: what answers at a member's address may be a new instance, told by
  // the member's own instance being gone, or by the record naming another node at that address.
  const impostor = (m: { nodeId: string; addr: string }): boolean =>
    record !== undefined && (gone(recordedAs(record, m)) || record.managers.some((r) => r.addr === m.addr && r.nodeId !== '' && r.nodeId !== m.nodeId));
  const answers = (m: { nodeId: string; addr: string }): boolean => m.addr === facts.advertiseAddr || (facts.answering.includes(m.addr) && !impostor(m));
  const answering = members.filter(answers);
  const needed = majorityOf(members.length);
  if (answering.length >= needed) return { kind: 'wait', reason: `no leader, but ${answering.length} of ${members.length} raft members answer (${needed} needed): an election is under way` };
  const missing = members.filter((m) => !answering.includes(m));
  const lost = `quorum lost: ${answering.length} of ${members.length} raft members answer, ${needed} needed`;
  if (record === undefined) return { kind: 'refuse', reason: `${lost}; no cluster record says which instances the managers were` };
  if (facts.swarmId !== undefined && record.swarmId !== facts.swarmId) return { kind: 'refuse', reason: `${lost}; the cluster record names swarm ${record.swarmId}, not this one (${facts.swarmId})` };
  // A survivor of this very raft recovered it already: this raft still lists every member that
  // recovery lost, so it is the dead one. Follow the survivor; never force a second raft, whatever
  // this raft's missing members are now (another may have died since) or its lock would be named.
  const recovery = record.recovered;
  if (recovery !== undefined && recovery.holder !== facts.instanceId && recovery.lost.length > 0 && recovery.lost.every((id) => members.some((m) => m.nodeId === id))) {
    const survivor = members.find((m) => m.nodeId === recovery.nodeId);
    const why = `${lost}; ${recovery.holder} recovered this raft (${recovery.lock}), which still lists the members it lost`;
    if (survivor !== undefined && facts.answering.includes(survivor.addr)) return { kind: 'rejoin', remoteAddrs: [`${survivor.addr}:2377`], reason: `${why}: leave it and join ${recovery.holder} as a manager` };
    return { kind: 'wait', reason: `${why}: waiting for ${recovery.holder} to answer` };
  }
  const strangers = record.managers.filter((m) => m.instanceId !== facts.instanceId && !members.some((member) => recordedAs(record, member) === m) && !gone(m));
  if (strangers.length > 0) {
    const live = strangers.filter((m) => facts.answering.includes(m.addr));
    const went = `${lost}; the record lists live managers this raft does not have (${strangers.map((m) => m.instanceId).join(', ')}): the swarm went on without this node`;
    // This raft cannot commit anything without quorum: leaving it loses nothing the recorded swarm lacks.
    if (live.length > 0) return { kind: 'rejoin', remoteAddrs: live.map((m) => `${m.addr}:2377`), reason: `${went}; they answer: leave this dead raft and join them` };
    return { kind: 'refuse', reason: `${went}, and none of them answers` };
  }
  // The lock names the members lost, which every survivor of one loss sees alike: the missing
  // members not known alive. A member the recovered raft's leader dropped from the record still
  // counts; a survivor that left this raft to rejoin the recovered one does not: once it rejoined,
  // the record or its own entry names it (under its new node id) at its address, and EC2 says its
  // instance runs.
  const alive = (m: RecordedManager): boolean => {
    const state = facts.ec2.get(m.instanceId)?.state;
    return state !== undefined && !isGoneForGood(state);
  };
  const lostMembers = missing.filter((m) => {
    const recorded = recordedAs(record, m);
    return recorded === undefined ? !record.managers.some((r) => r.addr === m.addr && alive(r)) : !alive(recorded);
  });
  const name = recoveryLockName(record, lostMembers.map((m) => m.nodeId));
  const lock = facts.lock?.name === name ? facts.lock : undefined;
  const holder = lock?.holder === undefined ? undefined : record.managers.find((m) => m.instanceId === lock.holder);
  /**
   * Another survivor may have recovered this very loss already (its lock is marked): its leader then
   * wrote the new raft into the record, which no longer lists this manager nor the members this dead
   * raft still waits for. Asked before the refusals that follow, and followed only to a holder that
   * answers.
   */
  const refuseUnlessRecovered = (why: string): RecoveryStep => {
    if (lock === undefined) return { kind: 'need-lock', lock: name, reason: `${why}: did another survivor recover this loss (${name})?` };
    if (lock.recovered && holder !== undefined && lock.holder !== facts.instanceId && facts.answering.includes(holder.addr)) {
      return { kind: 'rejoin', remoteAddrs: [`${holder.addr}:2377`], reason: `${lock.holder} recovered the swarm (${name}): leave this raft and join it as a manager` };
    }
    return { kind: 'refuse', reason: why };
  };
  // Without a leader the engine shows no swarm id: the record then describes this raft only if it
  // lists this manager or one of this raft's members (node ids are drawn at random, never shared
  // between swarms); a manager that joined moments before the loss may be in neither.
  if (facts.swarmId === undefined && !record.managers.some((m) => m.instanceId === facts.instanceId || (m.nodeId !== '' && members.some((member) => member.nodeId === m.nodeId)))) {
    return refuseUnlessRecovered(`${lost}; the cluster record (swarm ${record.swarmId}) lists neither this manager nor any member of its raft, and its engine cannot say which swarm it is in`);
  }
  const verdict = missingManagersGone(missing.map((m) => ({ addr: m.addr, recorded: recordedAs(record, m) })), facts.ec2, facts.now, facts.recoverAfterMs);
  if (!verdict.gone) return verdict.final ? refuseUnlessRecovered(`${lost}; ${verdict.why}`) : { kind: 'wait', reason: `${lost}; ${verdict.why}` };
  const proven = `${lost}; every missing manager is gone for good: ${verdict.why}`;
  // No manual --force-new-cluster is offered: it takes no lock, so a survivor that recovers later
  // (SWARMNODE_AUTO_RECOVER turned on) would find the lock free and force a second raft of the swarm.
  if (!facts.autoRecover) return { kind: 'advise', reason: `${proven}: one survivor would take ${name} and run --force-new-cluster, the others rejoin it (SWARMNODE_AUTO_RECOVER=false; set it to true on the managers for that to happen)` };
  if (lock === undefined) return { kind: 'need-lock', lock: name, reason: `${proven}: who recovers is decided by ${name}` };
  if (lock.holder === undefined) return { kind: 'take-lock', lock: name, reason: `${proven}: take ${name} (Overwrite=false)` };
  if (lock.holder === facts.instanceId) return { kind: 'force-new-cluster', lock: name, advertiseAddr: facts.advertiseAddr, lost: missing.map((m) => m.nodeId), reason: `${proven}: this instance holds ${name}, force a new cluster` };
  if (!lock.recovered || holder === undefined || !facts.answering.includes(holder.addr)) return { kind: 'wait', reason: `${proven}: ${lock.holder} holds ${name} and is recovering` };
  return { kind: 'rejoin', remoteAddrs: [`${holder.addr}:2377`], reason: `${lock.holder} recovered the swarm (${name}): leave this raft and join it as a manager` };
}
