/**
 * Why this node is being taken out of the swarm. Triggers merge (one drain path): a spot notice
 * arriving during a hook drain shortens its deadlines; a hook arriving during a spot drain adds a
 * lifecycle action to answer.
 */
export interface DrainTrigger {
  /** A lifecycle action waits on this drain (terminating hook, scale-in into a warm pool): hold it, answer it. */
  hook: boolean;
  /** EC2 takes the instance at this time (spot interruption notice). */
  spotTime: string | undefined;
  /** Scale-in into a warm pool: the instance leaves the groups' member lists, so it asks the leader itself. */
  toWarmPool: boolean;
}

export const HOOK_DRAIN: DrainTrigger = { hook: true, spotTime: undefined, toWarmPool: false };

/** What the drain asks the leader through the instance's `swarmnode:drain` tag, when the ASG alone does not say it. */
export function drainRequestReason(trigger: DrainTrigger): 'spot' | 'scale-in' | undefined {
  if (trigger.spotTime !== undefined) return 'spot';
  return trigger.toWarmPool ? 'scale-in' : undefined;
}

/** The drain's kind for counting: a spot notice rules, then a scale-in into a warm pool, else the hook. */
export function drainKind(trigger: DrainTrigger): 'spot' | 'warm-pool' | 'hook' {
  if (trigger.spotTime !== undefined) return 'spot';
  return trigger.toWarmPool ? 'warm-pool' : 'hook';
}

/** What this node observes of itself during a drain; nothing is remembered across restarts. */
export interface DrainFacts {
  /** The spot deadline is in force: EC2 takes the instance, lifecycle action or not. */
  spot: boolean;
  /** The leader must be asked (tag) for this drain; undefined: it sees it from the ASG. */
  requestReason: 'spot' | 'scale-in' | undefined;
  /** The engine's LocalNodeState: '' | inactive | pending | active | error | locked. */
  localNodeState: string;
  /** The engine is a raft member (ControlAvailable): it must be demoted before it leaves. */
  isManager: boolean;
  /** This node's availability; only a manager can read it. */
  selfAvailability: 'active' | 'pause' | 'drain' | undefined;
  /** Swarm task containers still running on this engine. */
  localTasks: number;
  /** This drain has asked the leader (the `swarmnode:drain` tag on the instance) to drain and demote it. */
  drainRequested: boolean;
  /** No more waiting for tasks: drain timeout, spot deadline or stop grace passed. */
  tasksDeadlinePassed: boolean;
  /** The lifecycle action cannot be held any longer: its global timeout is near (or there is none to hold). */
  hardLimitPassed: boolean;
  /** SIGTERM: watch is stopping. */
  stopping: boolean;
}

export type DrainStep =
  | { kind: 'request-drain'; reason: string; tag: 'spot' | 'scale-in' }
  | { kind: 'drain-self'; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'leave'; force: boolean; reason: string }
  /**
   * Nothing more to do in the swarm. `complete`: answer the lifecycle action now (CONTINUE); false
   * leaves it pending, held by nobody, for the next watch (or its timeout). `alarm`: said at error level.
   */
  | { kind: 'finish'; complete: boolean; alarm: boolean; reason: string };

const finish = (reason: string, complete = true, alarm = false): DrainStep => ({ kind: 'finish', complete, alarm, reason });

/**
 * The next step of the drain, from observation only, so a restarted watcher picks up where the last
 * one stopped. Every manager leaves raft through the leader's quorum-checked demotion, whatever
 * triggered the drain and whatever deadline passed: a manager never leaves un-demoted, and its
 * lifecycle action is held (heartbeats) while the quorum rule holds the demotion, up to the action's
 * hard limit. A worker cannot update nodes: the leader drains it, and it sees its containers leave.
 */
export function nextDrainStep(facts: DrainFacts): DrainStep {
  const { localNodeState: state } = facts;
  if (state === '' || state === 'inactive') return finish('this engine is in no swarm');
  if (state === 'locked') return finish('the engine is locked: it takes no part in raft and cannot leave cleanly');
  if (state !== 'active') return { kind: 'leave', force: true, reason: `the engine is ${state}, not an active member` };
  if (facts.requestReason !== undefined && !facts.drainRequested) {
    return { kind: 'request-drain', tag: facts.requestReason, reason: `${facts.requestReason}: ask the leader to drain this node (and demote it, within quorum)` };
  }
  if (facts.isManager && facts.selfAvailability !== 'drain' && !facts.stopping) return { kind: 'drain-self', reason: 'a manager drains itself' };
  if (facts.localTasks > 0 && !facts.tasksDeadlinePassed && !facts.stopping) return { kind: 'wait', reason: `${facts.localTasks} task containers still running here` };
  if (!facts.isManager) {
    return {
      kind: 'leave',
      force: false,
      reason: facts.localTasks > 0 ? `no more waiting with ${facts.localTasks} task containers still running` : 'no task containers left here',
    };
  }
  if (facts.spot) {
    return facts.tasksDeadlinePassed || facts.stopping
      ? finish('spot interruption: not demoted in time, so this manager stays a raft member until EC2 takes the instance; the leader removes its node once it is terminated (removing an unreachable manager only helps quorum)', false)
      : { kind: 'wait', reason: 'spot interruption: waiting for the leader to demote this manager (quorum-checked)' };
  }
  if (facts.hardLimitPassed) {
    return finish('the lifecycle action cannot be held any longer (its global timeout is near, or there is none) while the quorum rule still holds this manager\'s demotion: completing un-demoted, as AWS would at its global timeout', true, true);
  }
  if (facts.stopping) return finish('watch is stopping while this manager waits for its demotion: the lifecycle action stays pending for the next watch (never completed un-demoted)', false);
  return { kind: 'wait', reason: 'waiting for the leader to demote this manager (quorum-checked); the lifecycle action is held with heartbeats meanwhile' };
}
