import type { Config } from '../../config/config.js';
import { formatDuration } from '../../config/duration.js';
import type { BootFacts } from '../../core/boot/facts.js';
import type { BootStep } from '../../core/boot/step.js';
import { DependencyUnavailableError } from '../../errors/dependency-unavailable-error.js';
import { GaveUpError } from '../../errors/gave-up-error.js';
import { JoinRejectedError } from '../../errors/join-rejected-error.js';
import { SwarmnodeError } from '../../errors/swarmnode-error.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Fleet } from '../../ports/fleet.js';
import type { InstanceIdentity } from '../../ports/instance-metadata.js';
import type { SecretStore } from '../../ports/secret-store.js';
import type { BootObserver } from './observer.js';
import { startBoot, type BootStart } from './start.js';
import type { Services } from '../shared/compose.js';
import { retryUntil } from '../shared/retry-until.js';

/** Not done yet: boot waits (backoff with jitter) and observes again, until the join deadline. */
class NotYet extends Error {
  constructor(
    readonly reason: string,
    readonly rejectedToken = false,
  ) {
    super(reason);
  }
}

/** Actions per round before backing off; a boot needs at most take-lock, init, publish, then health. */
const MAX_STEPS_PER_ROUND = 6;
/** An engine that is not up yet gets this long (at most the join timeout) before exit 69. */
const ENGINE_WAIT_MS = 60_000;
/** Completing the launching hook gets a fresh budget of its own once the node is healthy. */
const COMPLETE_LAUNCH_BUDGET_MS = 30_000;
const REJECTED = /join token|invalid token|token.*(rotated|expired)/i;
/** Backoff between attempts; the jitter spreads instances that boot together. */
const BACKOFF = { minDelayMs: 1_000, maxDelayMs: 5_000, factor: 1.5 };

interface BootContext {
  config: Config;
  services: Services;
  log: Logger;
  signal: AbortSignal;
}

/**
 * `swarmnode boot`, as DESIGN.md "Boot, step by step": observe, decide (pure), act, until the node
 * is a healthy member or SWARMNODE_JOIN_TIMEOUT passes. Resolves to the exit code; named errors
 * leave with theirs.
 */
export async function boot({ config, services, log, signal }: BootContext): Promise<number> {
  const started = services.clock.now();
  const deadline = started + config.joinTimeoutMs;
  const start = await whereWeStand(config, services, log, signal, deadline);
  if (start.kind === 'no-join') {
    log.info({ identity: start.identity, targetLifecycleState: start.target, decision: 'exit-no-join' }, start.reason);
    return 0;
  }
  const { identity, target, own, role, fleet, secrets, observer } = start;
  log.info({ identity, ownGroup: own, role, targetLifecycleState: target, joinTimeout: formatDuration(config.joinTimeoutMs) }, 'boot starting');
  let lastLogged = '';

  const logDecision = (facts: BootFacts, step: BootStep) => {
    const key = `${step.kind}:${step.reason}`;
    (key === lastLogged ? log.debug.bind(log) : log.info.bind(log))({ facts, decision: step }, step.reason);
    lastLogged = key;
  };

  const round = async (): Promise<string> => {
    for (let i = 0; i < MAX_STEPS_PER_ROUND; i++) {
      const { facts, step } = await observer.observe();
      logDecision(facts, step);
      switch (step.kind) {
        case 'healthy':
          return step.nodeId;
        case 'wait':
        case 'need':
          throw new NotYet(step.reason);
        case 'unlock': {
          const key = await secrets.readUnlockKey();
          if (!key) throw new NotYet('the unlock key disappeared from SSM');
          await services.engine.unlock(key);
          log.info({ action: 'unlock' }, 'engine unlocked');
          break;
        }
        case 'leave':
          await services.engine.leave(step.force);
          log.info({ action: 'leave', force: step.force }, 'left the swarm');
          break;
        case 'join':
          await join(step, observer.token);
          break;
        case 'take-lock': {
          // A missing key or kms:Encrypt permission must show before this instance commits to init:
          // failing after it would leave a lock, or a swarm, without tokens.
          await secrets.verifyKeys();
          const won = await secrets.tryLock(step.lock, identity.instanceId);
          log.info({ action: 'take-lock', lock: step.lock, won }, won ? `took ${step.lock}` : `${step.lock} was taken first by another instance`);
          break;
        }
        case 'init': {
          // Checked again: a restarted holder reaches init without passing take-lock.
          await secrets.verifyKeys();
          const nodeId = await services.engine.init(step.advertiseAddr);
          log.info({ action: 'init', nodeId, advertiseAddr: step.advertiseAddr }, 'initialised the swarm');
          break;
        }
        case 'publish':
          await publish(identity, secrets);
          break;
      }
    }
    throw new NotYet('still acting after several steps in a row');
  };

  const join = async (step: Extract<BootStep, { kind: 'join' }>, token: BootObserver['token']) => {
    if (!token) throw new NotYet('the token vanished between reading and joining');
    try {
      await services.engine.join(step.remoteAddrs, token, step.advertiseAddr);
      log.info({ action: 'join', remoteAddrs: step.remoteAddrs, advertiseAddr: step.advertiseAddr }, 'joined the swarm');
    } catch (error) {
      if (error instanceof SwarmnodeError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      observer.joinFailed();
      log.warn({ action: 'join', remoteAddrs: step.remoteAddrs, error: message }, 'join failed; retrying');
      throw new NotYet(`join through ${step.remoteAddrs.join(', ')} failed: ${message}`, REJECTED.test(message));
    }
  };

  const publish = async (self: InstanceIdentity, store: SecretStore) => {
    const [swarmId, tokens, unlockKey] = await Promise.all([services.engine.swarmId(), services.engine.joinTokens(), services.engine.unlockKey()]);
    // The record first: a node that finds a token can then also find which swarm it belongs to.
    await store.writeCluster({ swarmId, createdAt: new Date(services.clock.now()).toISOString(), createdBy: self.instanceId, managers: [self.localIpv4] });
    await store.writeToken('worker', tokens.worker);
    await store.writeToken('manager', tokens.manager);
    if (unlockKey) await store.writeUnlockKey(unlockKey);
    log.info({ action: 'publish', swarmId, autolock: unlockKey !== undefined }, 'published the join tokens and the cluster record');
  };

  let nodeId: string;
  try {
    nodeId = await retryUntil(round, {
      ...BACKOFF,
      clock: services.clock,
      deadline,
      signal,
      shouldRetry: (error) => {
        if (error instanceof DependencyUnavailableError) return services.clock.now() - started < Math.min(ENGINE_WAIT_MS, config.joinTimeoutMs);
        return !(error instanceof SwarmnodeError);
      },
      onFailedAttempt: (error) => {
        if (!(error instanceof NotYet)) log.warn({ error: (error as Error).name, message: (error as Error).message }, 'attempt failed; retrying');
      },
    });
  } catch (error) {
    if (signal.aborted || error instanceof SwarmnodeError) throw error;
    throw await giveUp(error, { config, fleet, log, instanceId: identity.instanceId, role });
  }
  await completeLaunch(fleet, services.clock, identity.instanceId, log);
  log.info({ nodeId, role, seconds: Math.round((services.clock.now() - started) / 1000) }, `boot done: ${role} ${nodeId} is a healthy member`);
  return 0;
}

/**
 * The calls before the first decision (IMDS, DescribeAutoScalingInstances, instance credentials)
 * meet the same throttling and passing faults as the rest of boot: they are retried on the same
 * deadline instead of ending boot with exit 1. Named errors (IMDS down: 69, AccessDenied: 77) are
 * final. Without knowing its group there is nothing to report Unhealthy through: only exit 75.
 */
async function whereWeStand(config: Config, services: Services, log: Logger, signal: AbortSignal, deadline: number): Promise<BootStart> {
  try {
    return await retryUntil(() => startBoot(config, services), {
      ...BACKOFF,
      clock: services.clock,
      deadline,
      signal,
      shouldRetry: (error) => !(error instanceof SwarmnodeError),
      onFailedAttempt: (error) => log.warn({ error: (error as Error).name, message: (error as Error).message }, 'could not learn where this instance stands; retrying'),
    });
  } catch (error) {
    if (signal.aborted || error instanceof SwarmnodeError) throw error;
    throw new GaveUpError(
      `gave up after ${formatDuration(config.joinTimeoutMs)}: could not learn this instance's identity and Auto Scaling group: ${(error as Error).message}`,
      'check that the instance reaches the Auto Scaling API (endpoint, throttling) and its instance profile credentials',
      { cause: error },
    );
  }
}

/** The instance goes InService only now that it is a healthy member. */
async function completeLaunch(fleet: Fleet, clock: Clock, instanceId: string, log: Logger): Promise<void> {
  await retryUntil(
    async () => {
      const own = await fleet.ownGroup(instanceId);
      if (!own?.lifecycleState.startsWith('Pending')) {
        log.info({ lifecycleState: own?.lifecycleState }, 'no launching lifecycle action to complete');
        return;
      }
      const hook = await fleet.hook(own.asgName, 'launching');
      if (!hook) {
        log.info({ asg: own.asgName }, 'the ASG has no launching hook');
        return;
      }
      await fleet.completeLifecycleAction(hook, instanceId, 'CONTINUE');
      log.info({ action: 'complete-lifecycle-action', hook: hook.name, asg: own.asgName, result: 'CONTINUE' }, 'completed the launching lifecycle action');
    },
    {
      clock,
      deadline: clock.now() + COMPLETE_LAUNCH_BUDGET_MS,
      minDelayMs: 500,
      maxDelayMs: 8_000,
      factor: 2,
      shouldRetry: (error) => !(error instanceof SwarmnodeError),
      onFailedAttempt: (error) => log.warn({ err: error }, 'completing the launching lifecycle action failed'),
    },
  );
}

async function giveUp(
  error: unknown,
  context: { config: Config; fleet: Fleet; log: Logger; instanceId: string; role: string },
): Promise<GaveUpError> {
  const { config, fleet, log, instanceId, role } = context;
  const after = formatDuration(config.joinTimeoutMs);
  const gaveUp =
    error instanceof NotYet && error.rejectedToken
      ? new JoinRejectedError(role, `${config.ssmPrefix}/${role}-token`, { cause: error })
      : new GaveUpError(
          `gave up after ${after}: ${error instanceof Error ? error.message : String(error)}`,
          `check the manager instances and the parameters under ${config.ssmPrefix}; raise SWARMNODE_JOIN_TIMEOUT if the cluster is slow to form`,
          { cause: error },
        );
  if (config.reportUnhealthy) {
    try {
      await fleet.setUnhealthy(instanceId);
      log.warn({ action: 'set-instance-health', health: 'Unhealthy' }, 'reported this instance Unhealthy so the ASG replaces it');
    } catch (reportError) {
      log.error({ error: (reportError as Error).message }, 'could not report this instance Unhealthy');
    }
  }
  return gaveUp;
}
