/** A raft member as the manager list shows it. */
export interface ManagerMember {
  nodeId: string;
  reachable: boolean;
}

export interface QuorumState {
  members: number;
  reachable: number;
  /** Votes raft needs to commit anything: a strict majority of the members. */
  needed: number;
  hasQuorum: boolean;
  /** How many more reachable managers can be lost before quorum is. */
  faultTolerance: number;
}

export function majorityOf(members: number): number {
  return Math.floor(members / 2) + 1;
}

export function quorumState(managers: readonly ManagerMember[]): QuorumState {
  const members = managers.length;
  const reachable = managers.filter((m) => m.reachable).length;
  const needed = majorityOf(members);
  return { members, reachable, needed, hasQuorum: members > 0 && reachable >= needed, faultTolerance: Math.max(0, reachable - needed) };
}

export type QuorumVerdict = { allowed: true; after: QuorumState } | { allowed: false; reason: string; after: QuorumState };

/**
 * The one rule for every manager change (demote or remove): the managers left after the change must
 * still hold quorum on their own. Demoting a reachable manager takes a vote away; removing an
 * unreachable one shrinks the majority needed. The last manager is never taken away.
 */
export function canTakeOutManager(managers: readonly ManagerMember[], nodeId: string): QuorumVerdict {
  const before = quorumState(managers);
  const after = quorumState(managers.filter((m) => m.nodeId !== nodeId));
  if (!managers.some((m) => m.nodeId === nodeId)) {
    return { allowed: false, reason: `node ${nodeId} is not a manager`, after };
  }
  if (!before.hasQuorum) {
    return { allowed: false, reason: `quorum already lost (${before.reachable} of ${before.members} managers reachable, ${before.needed} needed)`, after };
  }
  if (after.members === 0) {
    return { allowed: false, reason: 'it is the last manager', after };
  }
  if (!after.hasQuorum) {
    return {
      allowed: false,
      reason: `the ${after.members} managers left would have ${after.reachable} reachable, ${after.needed} needed for quorum`,
      after,
    };
  }
  return { allowed: true, after };
}
