import { nextDrainStep, type DrainFacts, type DrainStep } from '../../core/drain/step.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { Fleet } from '../../ports/fleet.js';
import { globalTimeoutMs, LifecycleAction } from './lifecycle-action.js';
import { pause } from '../shared/pause.js';

/**
 * After SIGTERM a drain gets this long to finish before the action is completed anyway; the watch
 * unit's TimeoutStopSec must exceed it plus COMPLETE_BUDGET_MS.
 */
export const STOP_GRACE_MS = 45_000;
/** Spot gives two minutes' notice; the swarm part must be over well before. */
const SPOT_DEADLINE_MS = 60_000;
/** Steps that keep failing after the deadline (a leave the engine refuses) stop after this much more. */
const OVERRUN_MS = 15_000;
const MAX_STEP_MS = 2_000;

export interface DrainDeps {
  engine: Engine;
  fleet: Fleet;
  clock: Clock;
  log: Logger;
  instanceId: string;
  drainTimeoutMs: number;
  pollIntervalMs: number;
}

export type DrainTrigger = 'hook' | 'spot';

/**
 * Drains this node for termination and always answers the lifecycle hook. Every step is chosen from
 * what is observed now (nextDrainStep), so running it again after a restart resumes the procedure.
 * `stop` (SIGTERM) shortens the deadline to STOP_GRACE_MS: the hook is still completed, never left
 * to time out.
 */
export async function runDrain(deps: DrainDeps, trigger: DrainTrigger, stop: AbortSignal): Promise<void> {
  const { clock, log } = deps;
  const action = trigger === 'hook' ? await findAction(deps) : undefined;
  const started = clock.now();
  const budget = trigger === 'spot' ? SPOT_DEADLINE_MS : Math.min(deps.drainTimeoutMs, action ? globalTimeoutMs(action.hook) - action.hook.heartbeatTimeoutMs : deps.drainTimeoutMs);
  let stopAt = Number.POSITIVE_INFINITY;
  const onStop = (): void => {
    stopAt = clock.now() + STOP_GRACE_MS;
    log.info({ graceMs: STOP_GRACE_MS }, 'stop requested mid-drain: finishing within the grace period, then completing the hook');
  };
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  // Ends the drain before the action could expire (a failing heartbeat stops extending it), so CONTINUE is ours.
  const deadline = (): number => Math.min(started + budget, stopAt, action ? action.expiresAt - action.heartbeatIntervalMs : Number.POSITIVE_INFINITY);
  log.info({ trigger, hook: action?.hook.name, heartbeatTimeoutMs: action?.hook.heartbeatTimeoutMs, deadline: new Date(started + budget).toISOString() }, 'drain started');

  const beats = new AbortController();
  const heartbeats = action?.heartbeatUntil(beats.signal);
  try {
    await drainSteps(deps, trigger, deadline);
  } finally {
    beats.abort();
    await heartbeats;
    stop.removeEventListener('abort', onStop);
    const completed = action ? await action.complete() : true;
    log.info({ trigger, completed, seconds: Math.round((clock.now() - started) / 1000) }, 'drain finished');
  }
}

async function drainSteps(deps: DrainDeps, trigger: DrainTrigger, deadline: () => number): Promise<void> {
  const { clock, log } = deps;
  const interval = Math.min(deps.pollIntervalMs, MAX_STEP_MS);
  let last = '';
  while (clock.now() < deadline() + OVERRUN_MS) {
    let step: DrainStep;
    try {
      const facts = await observe(deps, trigger, clock.now() >= deadline());
      step = nextDrainStep(facts);
      const said = `${step.kind}: ${step.reason}`;
      if (said !== last) log.info({ step: step.kind, reason: step.reason, facts }, 'drain step');
      last = said;
      if (step.kind === 'finish') return;
      await act(deps, step);
    } catch (error) {
      log.warn({ err: error }, 'drain step failed; retrying');
    }
    await pause(clock, interval);
  }
  log.error({ overrunMs: OVERRUN_MS }, 'drain steps still failing past the deadline: completing the hook anyway');
}

async function observe(deps: DrainDeps, trigger: DrainTrigger, deadlinePassed: boolean): Promise<DrainFacts> {
  const info = await deps.engine.info();
  const isManager = info.controlAvailable;
  const self = isManager ? (await deps.engine.nodes()).find((n) => n.id === info.nodeId) : undefined;
  const localTasks = info.localNodeState === 'active' ? await deps.engine.localTaskCount() : 0;
  return { trigger, localNodeState: info.localNodeState, isManager, selfAvailability: self?.availability, localTasks, deadlinePassed };
}

async function act(deps: DrainDeps, step: Exclude<DrainStep, { kind: 'finish' }>): Promise<void> {
  const { engine } = deps;
  if (step.kind === 'drain-self') {
    const info = await engine.info();
    const self = (await engine.nodes()).find((n) => n.id === info.nodeId);
    if (self !== undefined) await engine.updateNode(self, { availability: 'drain' });
  } else if (step.kind === 'leave') {
    await engine.leave(step.force);
    deps.log.info({ force: step.force }, 'left the swarm');
  }
}

async function findAction(deps: DrainDeps): Promise<LifecycleAction | undefined> {
  const { fleet, instanceId, clock, log } = deps;
  const deadline = clock.now() + 30_000;
  while (clock.now() < deadline) {
    try {
      const group = await fleet.ownGroup(instanceId);
      const hook = group === undefined ? undefined : await fleet.hook(group.asgName, 'terminating');
      if (hook === undefined) log.info({ asg: group?.asgName }, 'no terminating hook: draining without heartbeats or completion');
      return hook === undefined ? undefined : new LifecycleAction(fleet, hook, instanceId, clock, log);
    } catch (error) {
      log.warn({ err: error }, 'looking up the terminating hook failed; retrying');
      await pause(clock, 2_000);
    }
  }
  log.error({}, 'could not look up the terminating hook: the ASG will proceed when it times out');
  return undefined;
}
