import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Fleet, LifecycleResult, OwnGroup } from '../../ports/fleet.js';
import { SwarmnodeError } from '../../errors/swarmnode-error.js';
import { isNoActiveAction } from '../shared/no-active-action.js';
import { retryUntil } from '../shared/retry.js';

/**
 * Answers from what boot's fleet view said of its group: in service at boot (no launching action),
 * or waiting on a hook whose name the group's tag gives: one CompleteLifecycleAction. false when
 * the view cannot settle it (no tag, or AWS has no such pending action): the lookup by instance id
 * decides then.
 */
async function answerKnown(fleet: Fleet, own: OwnGroup, instanceId: string, result: LifecycleResult, log: Logger): Promise<boolean> {
  if (own.lifecycleState === 'InService') {
    log.info({ lifecycleState: own.lifecycleState, result }, 'in service since before this boot: no launching lifecycle action to answer');
    return true;
  }
  if (own.launchingHook === undefined || !/^(Warmed:)?Pending:Wait$/.test(own.lifecycleState)) return false;
  const hook = { name: own.launchingHook, asgName: own.asgName, transition: 'launching' as const, heartbeatTimeoutMs: 0, defaultResult: 'ABANDON' as const };
  try {
    await fleet.completeLifecycleAction(hook, instanceId, result);
  } catch (error) {
    if (isNoActiveAction(error)) return false;
    throw error;
  }
  log.info({ action: 'complete-lifecycle-action', hook: hook.name, asg: own.asgName, result }, `answered the launching lifecycle action: ${result}`);
  return true;
}

/** Answering the launching hook gets a fresh budget of its own, whatever happened before it. */
export const ANSWER_LAUNCH_BUDGET_MS = 30_000;

/**
 * Answers this instance's launching lifecycle action, by instance id: CONTINUE once it is a
 * healthy member (the instance goes InService only then), ABANDON when boot gave up (the ASG
 * replaces it at once instead of after the hook's timeout). Resolves true once no launching action
 * is left pending; false when it could not be answered within the budget. `known`: this instance's
 * group as boot's fleet view showed it, which spares the lookup when it settles the answer.
 */
export async function answerLaunch(fleet: Fleet, clock: Clock, instanceId: string, result: LifecycleResult, log: Logger, budgetMs = ANSWER_LAUNCH_BUDGET_MS, known?: OwnGroup): Promise<boolean> {
  let direct = known;
  try {
    await retryUntil(
      async () => {
        if (direct !== undefined) {
          const answered = await answerKnown(fleet, direct, instanceId, result, log);
          direct = undefined;
          if (answered) return;
        }
        const own = await fleet.ownGroup(instanceId);
        // Pending:Wait, or Warmed:Pending:Wait for an instance entering a warm pool.
        if (own === undefined || !/^(Warmed:)?Pending/.test(own.lifecycleState)) {
          log.info({ lifecycleState: own?.lifecycleState, result }, 'no launching lifecycle action to answer');
          return;
        }
        const hook = await fleet.hook(own.asgName, 'launching');
        if (!hook) {
          log.info({ asg: own.asgName }, 'the ASG has no launching hook');
          return;
        }
        await fleet.completeLifecycleAction(hook, instanceId, result);
        log.info({ action: 'complete-lifecycle-action', hook: hook.name, asg: own.asgName, result }, `answered the launching lifecycle action: ${result}`);
      },
      {
        clock,
        deadline: clock.now() + budgetMs,
        minDelayMs: 500,
        maxDelayMs: 8_000,
        factor: 2,
        shouldRetry: (error) => !(error instanceof SwarmnodeError),
        onFailedAttempt: (error) => log.warn({ err: error, result }, 'answering the launching lifecycle action failed; retrying'),
      },
    );
    return true;
  } catch (error) {
    log.error({ err: error, result }, 'could not answer the launching lifecycle action');
    return false;
  }
}
