/** What this node observes of itself during a drain; nothing is remembered across restarts. */
export interface DrainFacts {
  /** `hook`: the ASG terminates us and waits for the hook; `spot`: two minutes' notice, no hook. */
  trigger: 'hook' | 'spot';
  /** The engine's LocalNodeState: '' | inactive | pending | active | error | locked. */
  localNodeState: string;
  /** The engine is a manager (ControlAvailable). */
  isManager: boolean;
  /** This node's availability; only a manager can read it. */
  selfAvailability: 'active' | 'pause' | 'drain' | undefined;
  /** Swarm task containers still running on this engine. */
  localTasks: number;
  /** The drain deadline (drain timeout, hook timeout or stop grace) has passed. */
  deadlinePassed: boolean;
}

export type DrainStep =
  | { kind: 'drain-self'; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'leave'; force: boolean; reason: string }
  /** Nothing more to do in the swarm: complete the lifecycle action. */
  | { kind: 'finish'; reason: string };

/**
 * The next step of the scale-in drain, from observation only, so a restarted watcher picks up where
 * the last one stopped. A worker cannot update nodes: the leader drains it, and it sees its task
 * containers leave. A manager drains itself, but must not leave before the leader demoted it (raft
 * would keep a dead member); at the deadline it stays and the reconciler reaps it once terminated.
 */
export function nextDrainStep(facts: DrainFacts): DrainStep {
  const { localNodeState: state } = facts;
  if (state === '' || state === 'inactive') return { kind: 'finish', reason: 'this engine is in no swarm' };
  if (state === 'locked') return { kind: 'finish', reason: 'the engine is locked: it cannot run tasks nor leave cleanly' };
  if (state !== 'active') return { kind: 'leave', force: true, reason: `the engine is ${state}, not an active member` };
  if (facts.isManager && facts.selfAvailability !== 'drain') return { kind: 'drain-self', reason: 'a manager drains itself' };
  if (facts.trigger === 'spot') {
    return { kind: 'leave', force: facts.isManager, reason: 'spot interruption: leave now so the tasks are rescheduled' };
  }
  if (facts.localTasks > 0 && !facts.deadlinePassed) return { kind: 'wait', reason: `${facts.localTasks} task containers still running here` };
  if (facts.isManager) {
    return facts.deadlinePassed
      ? { kind: 'finish', reason: 'deadline passed while still a manager: not leaving un-demoted; the reconciler reaps the node once terminated' }
      : { kind: 'wait', reason: 'waiting for the leader to demote this manager' };
  }
  return {
    kind: 'leave',
    force: false,
    reason: facts.localTasks > 0 ? `deadline passed with ${facts.localTasks} task containers still running` : 'no task containers left here',
  };
}
