import { drainDeadlines, STOP_GRACE_MS, type DrainDeadlines } from '../../core/drain/deadline.js';
import { drainKind, drainRequestReason, nextDrainStep, type DrainFacts, type DrainStep, type DrainTrigger } from '../../core/drain/step.js';
import { SwarmnodeError } from '../../errors/swarmnode-error.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { Fleet } from '../../ports/fleet.js';
import type { LifecycleMetrics } from '../../ports/metrics.js';
import { pause } from '../shared/pause.js';
import { retryUntil } from '../shared/retry.js';
import { LifecycleAction } from './lifecycle-action.js';

/** Steps that keep failing past the last deadline (a leave the engine refuses) stop after this much more. */
const OVERRUN_MS = 15_000;
const MAX_STEP_MS = 2_000;
/** A manager whose demotion is held says so at warn level this often, besides `status`. */
const HELD_REMINDER_MS = 5 * 60_000;
const LOOKUP_RETRY = { minDelayMs: 1_000, maxDelayMs: 15_000, factor: 2 };
/** AWS's largest HeartbeatTimeout: no terminating action outlives a lookup that kept trying this long. */
const LOOKUP_BOUND_MS = 2 * 3_600_000;

export interface DrainDeps {
  engine: Engine;
  fleet: Fleet;
  clock: Clock;
  log: Logger;
  instanceId: string;
  drainTimeoutMs: number;
  pollIntervalMs: number;
  metrics: LifecycleMetrics;
}

/** The terminating action, once the lookup (which runs beside the drain, once a hook asks for it) settled. */
interface Found {
  action: LifecycleAction | undefined;
  started?: boolean;
  done: boolean;
  lookup: Promise<LifecycleAction | undefined>;
}

interface Progress {
  /** The reason this drain last tagged the instance with. */
  drainRequested: string | false;
  stopAt: number | undefined;
  /** A deadline (tasks, spot, stop grace, hold limit) passed before the drain ended. */
  deadlineHit: boolean;
}

/**
 * Drains this node for termination. Every step is chosen from what is observed now (nextDrainStep),
 * so running it again after a restart resumes the procedure. `trigger` may grow while the drain
 * runs (a spot notice during a hook drain, a hook during a spot drain): it is read at every step.
 * The lifecycle action (hook drains) is kept alive by heartbeats and answered CONTINUE at the end,
 * on a fresh budget, even after a failure; except when a manager is still a raft member, whose
 * action is held, never answered un-demoted before its hard limit (not even on SIGTERM: the next
 * watch resumes it).
 */
export async function runDrain(deps: DrainDeps, trigger: DrainTrigger, stop: AbortSignal): Promise<void> {
  const { clock, log } = deps;
  const started = clock.now();
  const progress: Progress = { drainRequested: false, stopAt: undefined, deadlineHit: false };
  // The lookup may outlive a stop by the grace period: a worker that leaves must still answer its hook.
  const lookupEnd = new AbortController();
  const onStop = (): void => {
    progress.stopAt = clock.now() + STOP_GRACE_MS;
    void clock.sleep(STOP_GRACE_MS, lookupEnd.signal).then(() => lookupEnd.abort(new Error('stopped')), () => undefined);
    log.info({ graceMs: STOP_GRACE_MS }, 'stop requested mid-drain: finishing within the grace period');
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  // The drain does not wait for the action: an Auto Scaling outage must not hold the node's tasks;
  // heartbeats start as soon as the lookup gets through.
  const found: Found = { action: undefined, done: true, lookup: Promise.resolve(undefined) };
  const beats = new AbortController();
  let heartbeats: Promise<void> = Promise.resolve();
  const lookUpOnce = (): void => {
    if (!trigger.hook || found.started) return;
    found.started = true;
    found.done = false;
    found.lookup = findAction(deps, lookupEnd.signal);
    heartbeats = found.lookup.then((action) => {
      found.action = action;
      found.done = true;
      return action?.heartbeatUntil(beats.signal);
    });
  };
  const deadlines = (): DrainDeadlines => {
    lookUpOnce();
    const computed = drainDeadlines(trigger, started, deps.drainTimeoutMs, found.action?.hook.heartbeatTimeoutMs);
    // No action to hold (no hook, or it could not be found): a manager waits for its demotion only as long as for tasks.
    return trigger.hook && found.done && found.action === undefined ? { ...computed, holdUntil: computed.tasksBy } : computed;
  };
  log.info({ trigger, drainTimeoutMs: deps.drainTimeoutMs }, 'drain started');
  let complete = true;
  const seconds = (): number => (clock.now() - started) / 1000;
  try {
    complete = await drainSteps(deps, trigger, deadlines, progress, found);
  } finally {
    deps.metrics.drainFinished(drainKind(trigger), seconds());
    const action = complete ? await found.lookup : found.action;
    lookupEnd.abort(new Error('drain over'));
    beats.abort();
    await heartbeats;
    stop.removeEventListener('abort', onStop);
    const completed = action !== undefined && complete ? await action.complete() : false;
    if (action !== undefined && complete) deps.metrics.hookCompleted('terminating', completed ? 'CONTINUE' : 'failed', progress.deadlineHit, seconds());
    log.info({ trigger, completed, held: action !== undefined && !complete, seconds: Math.round(seconds()) }, 'drain finished');
  }
}

/** Steps until `finish`; resolves whether the lifecycle action is to be answered. */
async function drainSteps(deps: DrainDeps, trigger: DrainTrigger, deadlines: () => DrainDeadlines, progress: Progress, found: Found): Promise<boolean> {
  const { clock, log } = deps;
  const interval = Math.min(deps.pollIntervalMs, MAX_STEP_MS);
  // While the action is still being looked up, the drain is bounded by the lookup's own bound.
  const lastBound = (): number => {
    if (!found.done) return clock.now() + OVERRUN_MS;
    const { tasksBy, holdUntil } = deadlines();
    return Math.max(tasksBy, holdUntil ?? 0, progress.stopAt ?? 0) + OVERRUN_MS;
  };
  let last = '';
  let remindedAt = clock.now();
  while (clock.now() < lastBound()) {
    try {
      const facts = await observe(deps, trigger, deadlines(), progress, found.action);
      const step = nextDrainStep(facts);
      progress.deadlineHit ||= facts.tasksDeadlinePassed || facts.hardLimitPassed;
      const said = `${step.kind}: ${step.reason}`;
      if (said !== last) log.info({ step: step.kind, reason: step.reason, facts }, 'drain step');
      else if (step.kind === 'wait' && facts.isManager && clock.now() - remindedAt >= HELD_REMINDER_MS) {
        const { holdUntil } = deadlines();
        log.warn({ facts, holdUntil: holdUntil && iso(holdUntil) }, `still held: ${step.reason}`);
        remindedAt = clock.now();
      }
      last = said;
      if (step.kind === 'finish') {
        (step.alarm ? log.error.bind(log) : log.info.bind(log))({ facts, complete: step.complete }, step.reason);
        return step.complete;
      }
      await act(deps, step, progress);
    } catch (error) {
      log.warn({ err: error }, 'drain step failed; retrying');
    }
    await pause(clock, interval);
  }
  log.error({ overrunMs: OVERRUN_MS }, 'drain steps still failing past the last deadline: ending the drain');
  const info = await deps.engine.info().catch(() => undefined);
  // Never answer for a node that may still be a raft member: its action is left to the next watch or AWS.
  return info === undefined ? false : !info.controlAvailable;
}

async function observe(deps: DrainDeps, trigger: DrainTrigger, deadlines: DrainDeadlines, progress: Progress, action: LifecycleAction | undefined): Promise<DrainFacts> {
  const requestReason = drainRequestReason(trigger);
  const now = deps.clock.now();
  const info = await deps.engine.info();
  const isManager = info.controlAvailable;
  const self = isManager ? (await deps.engine.nodes()).find((n) => n.id === info.nodeId) : undefined;
  const localTasks = info.localNodeState === 'active' ? await deps.engine.localTaskCount() : 0;
  // A worker (or demoted manager) whose heartbeats keep failing stops before the action expires, so
  // CONTINUE is ours; a manager's action is held, whatever the heartbeats.
  const expiring = action !== undefined && now >= action.expiresAt - action.heartbeatIntervalMs;
  return {
    spot: trigger.spotTime !== undefined,
    requestReason,
    localNodeState: info.localNodeState,
    isManager,
    selfAvailability: self?.availability,
    localTasks,
    // A reason that changed (scale-in, then a spot notice) is asked again.
    drainRequested: progress.drainRequested === requestReason,
    tasksDeadlinePassed: now >= deadlines.tasksBy || (progress.stopAt !== undefined && now >= progress.stopAt) || (!isManager && expiring),
    hardLimitPassed: deadlines.holdUntil !== undefined && now >= deadlines.holdUntil,
    stopping: progress.stopAt !== undefined,
  };
}

async function act(deps: DrainDeps, step: Exclude<DrainStep, { kind: 'finish' }>, progress: Progress): Promise<void> {
  const { engine } = deps;
  switch (step.kind) {
    case 'request-drain':
      await deps.fleet.requestDrain(deps.instanceId, step.tag);
      progress.drainRequested = step.tag;
      deps.log.info({ tag: `swarmnode:drain=${step.tag}` }, 'asked the leader to drain this node');
      return;
    case 'drain-self': {
      const info = await engine.info();
      const self = (await engine.nodes()).find((n) => n.id === info.nodeId);
      if (self !== undefined) await engine.updateNode(self, { availability: 'drain' });
      return;
    }
    case 'leave':
      await engine.leave(step.force);
      deps.log.info({ force: step.force }, 'left the swarm');
      return;
    case 'wait':
      return;
  }
}

/**
 * This instance's terminating lifecycle action, looked up with retries (throttling, an outage, even a
 * denial: a policy may be fixed meanwhile) for as long as such an action can live: giving up early
 * would leave it to expire unanswered.
 */
async function findAction(deps: DrainDeps, stop: AbortSignal): Promise<LifecycleAction | undefined> {
  const { fleet, instanceId, clock, log } = deps;
  try {
    return await retryUntil(
      async () => {
        const group = await fleet.ownGroup(instanceId);
        const hook = group === undefined ? undefined : await fleet.hook(group.asgName, 'terminating');
        if (hook === undefined) log.info({ asg: group?.asgName }, 'no terminating hook: draining without heartbeats or completion');
        return hook === undefined ? undefined : new LifecycleAction(fleet, hook, instanceId, clock, log, deps.metrics);
      },
      {
        ...LOOKUP_RETRY,
        clock,
        deadline: clock.now() + LOOKUP_BOUND_MS,
        signal: stop,
        shouldRetry: () => true,
        onFailedAttempt: (error) => (error instanceof SwarmnodeError ? log.error.bind(log) : log.warn.bind(log))({ err: error }, 'looking up the terminating hook failed; retrying'),
      },
    );
  } catch (error) {
    log.error({ err: error }, 'could not look up the terminating hook: draining without heartbeats; the ASG proceeds at its timeout');
    return undefined;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
