import type { BootRecord } from '../../ports/boot-record.js';
import { noJoinReason, warmPoolTarget } from './plan.js';

/** The engine as /info shows it, enough to recognise the node a previous boot made. */
export interface LocalEngine {
  localNodeState: string;
  nodeId: string;
}

/**
 * A reboot of a member a previous boot made: the engine is still the node the last boot left, and
 * active. Local facts are then enough: boot verifies the node's health with the engine alone and
 * needs no AWS call (none at all once its launch was answered), so an AWS outage cannot make it fail.
 */
export function isMemberReboot(previous: BootRecord | undefined, instanceId: string, engine: LocalEngine): previous is BootRecord {
  return previous !== undefined && previous.instanceId === instanceId && previous.nodeId !== '' && engine.localNodeState === 'active' && engine.nodeId === previous.nodeId;
}

/**
 * The engine holds swarm state: its raft log or its tasks may be what the cluster needs to survive.
 * A locked engine always does (its encrypted raft), though it shows no node id until unlocked.
 */
export function holdsSwarmState(engine: LocalEngine): boolean {
  return engine.localNodeState === 'locked' || (engine.nodeId !== '' && ['active', 'pending'].includes(engine.localNodeState));
}

/** Boot reads the engine (and its record) first, unless the target settles it without: terminating. */
export function readsEngineFirst(target: string | undefined): boolean {
  return noJoinReason(target) === undefined;
}

/** Where boot starts from, before any AWS call: `plan` shows the same, so both ask this one rule. */
export type StartingPoint =
  | { kind: 'no-join'; reason: string }
  /** Entering a warm pool: answer the launching action, never join. */
  | { kind: 'warm-pool'; reason: string }
  /** `launchPending`: the launching action is still to be answered (best effort: watch keeps trying). */
  | { kind: 'member-reboot'; launchPending: boolean; reason: string }
  | { kind: 'observe' };

export function startingPoint(target: string | undefined, previous: BootRecord | undefined, instanceId: string, engine: LocalEngine): StartingPoint {
  const noJoin = noJoinReason(target);
  if (noJoin !== undefined) return { kind: 'no-join', reason: noJoin };
  if (warmPoolTarget(target)) {
    // A member with a warm pool target is being scaled in to the pool (instance reuse): watch drains it.
    return holdsSwarmState(engine)
      ? { kind: 'no-join', reason: `target lifecycle state ${target} while a member: scaled in to the warm pool; watch drains it and answers its terminating hook` }
      : { kind: 'warm-pool', reason: `target lifecycle state ${target}: a warm pool instance answers its launching action and does not join` };
  }
  if (isMemberReboot(previous, instanceId, engine)) {
    return previous.launchCompleted
      ? { kind: 'member-reboot', launchPending: false, reason: `reboot of member ${engine.nodeId}: verified with local facts, no AWS call needed` }
      : { kind: 'member-reboot', launchPending: true, reason: `reboot of member ${engine.nodeId}, whose launching action is still unanswered: verified with local facts, then the action is answered` };
  }
  return { kind: 'observe' };
}
