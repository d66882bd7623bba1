import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Fleet, LifecycleResult } from '../../ports/fleet.js';
import { SwarmnodeError } from '../../errors/swarmnode-error.js';
import { retryUntil } from '../shared/retry.js';

/** Answering the launching hook gets a fresh budget of its own, whatever happened before it. */
export const ANSWER_LAUNCH_BUDGET_MS = 30_000;

/**
 * Answers this instance's launching lifecycle action, by instance id: CONTINUE once it is a
 * healthy member (the instance goes InService only then), ABANDON when boot gave up (the ASG
 * replaces it at once instead of after the hook's timeout). Resolves true once no launching action
 * is left pending; false when it could not be answered within the budget.
 */
export async function answerLaunch(fleet: Fleet, clock: Clock, instanceId: string, result: LifecycleResult, log: Logger, budgetMs = ANSWER_LAUNCH_BUDGET_MS): Promise<boolean> {
  try {
    await retryUntil(
      async () => {
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
