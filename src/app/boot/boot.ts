import type { Config, Role } from '../../config/config.js';
import { formatDuration } from '../../config/duration.js';
import { roundBackoff } from '../../core/boot/pacing.js';
import { holdsSwarmState, readsEngineFirst, startingPoint } from '../../core/boot/reboot.js';
import { DependencyUnavailableError } from '../../errors/dependency-unavailable-error.js';
import { ExitCode } from '../../errors/exit-codes.js';
import { GaveUpError } from '../../errors/gave-up-error.js';
import { JoinRejectedError } from '../../errors/join-rejected-error.js';
import { SwarmnodeError } from '../../errors/swarmnode-error.js';
import type { Logger } from '../../log/logger.js';
import type { BootRecord } from '../../ports/boot-record.js';
import type { EngineInfo } from '../../ports/engine.js';
import type { InstanceIdentity } from '../../ports/instance-metadata.js';
import { checkHealth } from '../health/check.js';
import type { Services } from '../shared/compose.js';
import { retryUntil } from '../shared/retry.js';
import { restoreLatest } from '../backup/restore.js';
import { act, NotYet } from './act.js';
import { answerLaunch } from './launch.js';
import { discover, whereabouts, type Discovery, type Whereabouts } from './start.js';

/** Actions per round before backing off; a boot needs at most take-lock, init, publish, then health. */
const MAX_STEPS_PER_ROUND = 6;
/** An engine that is not up yet gets this long (at most the join timeout) before exit 69. */
const ENGINE_WAIT_MS = 60_000;
/** Backoff between the attempts before discovery; the jitter spreads instances that boot together. */
const BACKOFF = { minDelayMs: 1_000, maxDelayMs: 5_000, factor: 1.5 };

export interface BootContext {
  config: Config;
  services: Services;
  log: Logger;
  signal: AbortSignal;
  /**
   * Run by watch because the cluster changed under this node (its managers gone, its swarm not yet
   * published, a pool instance handed out): the reboot shortcut, which trusts local facts, is skipped.
   */
  lookAgain?: boolean;
  /**
   * Managers to join through before the fleet's, when quorum recovery rejoins a recovered raft: its
   * survivor (named by the loss's lock) or the live managers the record lists outside this node's
   * dead raft; either may be in no group (detached), so no fleet view lists it.
   */
  joinVia?: string[];
}

/** How a boot ended, as the record keeps it. */
type BootEnd = Pick<BootRecord, 'outcome' | 'launchCompleted'> & { exitCode: number; role: Role | undefined };

/**
 * `swarmnode boot`, as DESIGN.md "Boot, step by step": observe, decide (pure), act, until the node
 * is a healthy member or SWARMNODE_JOIN_TIMEOUT passes. Resolves to the exit code; named errors
 * leave with theirs. Every boot leaves a record (ids, outcome, timings) for the next boot and for
 * `watch`.
 */
export async function boot(context: BootContext): Promise<number> {
  const { services, log } = context;
  const started = services.clock.now();
  let where: Whereabouts | undefined;
  let end: BootEnd = { exitCode: ExitCode.failure, outcome: 'failed', launchCompleted: false, role: context.config.role };
  try {
    where = await retryStart(context, () => whereabouts(services), started + context.config.joinTimeoutMs, 'could not read this instance\'s identity from IMDS');
    end = await bootAt(context, where, started);
    return end.exitCode;
  } catch (error) {
    end = { ...end, exitCode: error instanceof SwarmnodeError ? error.exitCode : ExitCode.failure, outcome: error instanceof GaveUpError ? 'gave-up' : 'failed' };
    throw error;
  } finally {
    if (where !== undefined) await keepRecord(context, where.identity, end, services.clock.now() - started);
  }
}

async function bootAt(context: BootContext, where: Whereabouts, started: number): Promise<BootEnd> {
  const { config, services, log } = context;
  const { identity, target } = where;
  const deadline = started + config.joinTimeoutMs;
  const info = readsEngineFirst(target) ? await engineInfo(context, Math.min(started + ENGINE_WAIT_MS, deadline)) : undefined;
  const previous = info === undefined ? undefined : await services.bootRecords.read();
  const start = startingPoint(target, context.lookAgain === true ? undefined : previous, identity.instanceId, info ?? { localNodeState: '', nodeId: '' });
  if (start.kind === 'no-join') {
    log.info({ identity, targetLifecycleState: target, decision: 'exit-no-join' }, start.reason);
    return { exitCode: 0, outcome: 'no-join', launchCompleted: true, role: config.role };
  }
  if (start.kind === 'warm-pool') {
    log.info({ identity, targetLifecycleState: target, decision: 'warm-pool' }, start.reason);
    const answered = await answerLaunch(services.cloud(identity).fleet, services.clock, identity.instanceId, 'CONTINUE', log, Math.max(deadline - services.clock.now(), 0));
    if (!answered) {
      throw new GaveUpError(
        `gave up after ${formatDuration(config.joinTimeoutMs)}: could not answer the warm pool launching action`,
        'check that the instance reaches the Auto Scaling API; the hook\'s timeout replaces this pool instance meanwhile',
      );
    }
    return { exitCode: 0, outcome: 'no-join', launchCompleted: true, role: config.role };
  }
  if (start.kind === 'member-reboot') {
    // Local facts only: an AWS outage, throttling or denial cannot turn this member into a failure.
    const health = await checkHealth(services.engine).catch((error: unknown) => ({ healthy: false, reason: `health check failed: ${(error as Error).message}` }));
    const facts = { identity, engine: { state: info?.localNodeState, nodeId: info?.nodeId }, previousBoot: previous, health };
    log[health.healthy ? 'info' : 'warn']({ facts, decision: 'member-reboot' }, `${start.reason} (${health.reason})`);
    warnSpotManager(log, identity, previous?.role);
    const launchCompleted = !start.launchPending || (await answerLaunch(services.cloud(identity).fleet, services.clock, identity.instanceId, 'CONTINUE', log));
    return { exitCode: 0, outcome: 'healthy', launchCompleted, role: previous?.role };
  }
  let found: Discovery;
  try {
    found = await retryStart(context, () => discover(config, services, where, previous?.instanceId === identity.instanceId ? previous.role : undefined, context.joinVia), deadline, 'could not learn this instance\'s Auto Scaling group');
  } catch (error) {
    if (context.signal.aborted) throw error;
    return giveUp(context, identity, undefined, error);
  }
  log.info({ identity, ownGroup: found.own, role: found.role, targetLifecycleState: target, engine: info?.localNodeState, joinTimeout: formatDuration(config.joinTimeoutMs) }, 'boot starting');
  warnSpotManager(log, identity, found.role);
  let nodeId: string;
  const acting: Acting = { current: undefined };
  try {
    nodeId = await retryUntil((signal) => round(context, identity, found, acting, signal), {
      // Rounds that wait are what a whole fleet booting at once repeats: their pace is sized to
      // the fleet, and full jitter spreads instances launched at the same moment.
      ...roundBackoff(found.fleetSize),
      fullJitter: true,
      clock: services.clock,
      deadline,
      signal: context.signal,
      shouldRetry: (error) => !(error instanceof SwarmnodeError) || error instanceof DependencyUnavailableError,
      onFailedAttempt: (error) => {
        if (!(error instanceof NotYet)) log.warn({ error: (error as Error).name, message: (error as Error).message }, 'attempt failed; retrying');
      },
    });
  } catch (error) {
    if (context.signal.aborted) throw error;
    // A step started before the deadline (a join, an init) may still land: decide once it settled,
    // and let its own failure (a rejected token) say why boot gave up.
    const late = await acting.current?.then(
      () => undefined,
      (failure: unknown) => failure,
    );
    return giveUp(context, identity, found, late ?? error);
  }
  const launchCompleted = await answerLaunch(found.fleet, services.clock, identity.instanceId, 'CONTINUE', log, undefined, found.own);
  log.info({ nodeId, role: found.role, launchCompleted, seconds: Math.round((services.clock.now() - started) / 1000) }, `boot done: ${found.role} ${nodeId} is a healthy member`);
  return { exitCode: 0, outcome: 'healthy', launchCompleted, role: found.role };
}

/** The step being carried out, if any: giving up waits for it (each engine and AWS call is bounded). */
interface Acting {
  current: Promise<void> | undefined;
}

/** Observe, decide, act until the node is healthy (resolves its id) or a step must wait (NotYet). */
async function round(context: BootContext, identity: InstanceIdentity, found: Discovery, acting: Acting, signal: AbortSignal): Promise<string> {
  const { services, log } = context;
  const { observer } = found;
  for (let i = 0; i < MAX_STEPS_PER_ROUND; i++) {
    const { facts, step, token } = await observer.observe();
    log.info({ facts, decision: step }, step.reason);
    switch (step.kind) {
      case 'healthy':
        return step.nodeId;
      case 'wait':
      case 'need':
        throw new NotYet(step.reason);
      default:
        // Nothing new starts once the deadline passed: giving up must see the last step's effect.
        signal.throwIfAborted();
        acting.current = act(step, { engine: services.engine, secrets: found.secrets, clock: services.clock, identity, log, token, joinFailed: () => observer.joinFailed(), registered: () => observer.registered(), restore: restorer(context, found) });
        try {
          await acting.current;
        } finally {
          observer.acted(step.kind);
        }
    }
  }
  throw new NotYet('still acting after several steps in a row');
}

/**
 * The calls before the first decision (IMDS, DescribeAutoScalingInstances, instance credentials)
 * meet the same throttling and passing faults as the rest of boot: they are retried on the same
 * deadline instead of ending boot with exit 1. Named errors (IMDS down: 69, AccessDenied: 77) are
 * final. Without knowing its group there is nothing to report Unhealthy through: only exit 75.
 */
async function retryStart<T>(context: BootContext, attempt: () => Promise<T>, deadline: number, what: string): Promise<T> {
  const { config, services, log, signal } = context;
  try {
    return await retryUntil(attempt, {
      ...BACKOFF,
      clock: services.clock,
      deadline,
      signal,
      shouldRetry: (error) => !(error instanceof SwarmnodeError),
      onFailedAttempt: (error) => log.warn({ error: (error as Error).name, message: (error as Error).message }, `${what}; retrying`),
    });
  } catch (error) {
    if (signal.aborted || error instanceof SwarmnodeError) throw error;
    throw new GaveUpError(
      `gave up after ${formatDuration(config.joinTimeoutMs)}: ${what}: ${(error as Error).message}`,
      'check that the instance reaches the Auto Scaling API (endpoint, throttling) and its instance profile credentials',
      { cause: error },
    );
  }
}

/** The engine's /info, waiting a bounded time for a Docker engine that is still starting or busy. */
async function engineInfo(context: BootContext, until: number): Promise<EngineInfo> {
  const { services, log, signal } = context;
  return retryUntil(() => services.engine.info(), {
    ...BACKOFF,
    clock: services.clock,
    deadline: until,
    signal,
    shouldRetry: (error) => !(error instanceof SwarmnodeError) || error instanceof DependencyUnavailableError,
    onFailedAttempt: (error) => log.warn({ error: (error as Error).name, message: (error as Error).message }, 'the Docker engine does not answer yet; retrying'),
  });
}

/**
 * Boot cannot go on: the deadline passed, or AWS refused something. A node that holds swarm state
 * is never reported Unhealthy nor abandoned: its raft log or tasks may be what the cluster needs
 * (after a quorum loss it may hold the only copy), and a healthy one even exits 0, leaving the
 * launching action to `watch`. Only an instance that never became a member is handed back to the
 * ASG: Unhealthy, then its launching action ABANDONed, so it is replaced at once instead of after
 * the hook's timeout. A named error (AccessDenied, a bad key) keeps its own exit code.
 */
async function giveUp(context: BootContext, identity: InstanceIdentity, found: Discovery | undefined, error: unknown): Promise<BootEnd> {
  const { config, services, log } = context;
  const why = error instanceof Error ? error.message : String(error);
  const info = await services.engine.info().catch(() => undefined);
  if (info !== undefined && holdsSwarmState(info)) {
    const health = info.localNodeState === 'active' ? await checkHealth(services.engine).catch(() => undefined) : undefined;
    if (health?.healthy) {
      log.error({ nodeId: info.nodeId, reason: why, error: (error as Error).name }, `boot could not finish its AWS steps (${why}), but node ${info.nodeId} is a healthy member: exit 0; watch answers the launching action`);
      return { exitCode: 0, outcome: 'healthy', launchCompleted: false, role: found?.role ?? config.role };
    }
  }
  if (error instanceof SwarmnodeError && !(error instanceof DependencyUnavailableError) && !(error instanceof GaveUpError)) throw error;
  if (info === undefined || holdsSwarmState(info)) {
    // An engine that holds swarm state, or does not answer and may, is never reported nor abandoned.
    throw new GaveUpError(
      `gave up after ${formatDuration(config.joinTimeoutMs)}: ${why}; ${info === undefined ? 'the Docker engine does not answer' : `the engine holds swarm state (${info.localNodeState}, node ${info.nodeId})`}, so this instance is not reported Unhealthy`,
      'look at the swarm from a manager (`swarmnode status`) and at this engine (`systemctl status docker`); watch keeps handling this node',
      { cause: error },
    );
  }
  const role = found?.role ?? config.role ?? 'worker';
  const gaveUp =
    error instanceof NotYet && error.rejectedToken
      ? new JoinRejectedError(role, `${config.ssmPrefix}/${role}-token`, { cause: error })
      : error instanceof GaveUpError
        ? error
        : new GaveUpError(
            `gave up after ${formatDuration(config.joinTimeoutMs)}: ${why}`,
            `check the manager instances and the parameters under ${config.ssmPrefix}; raise SWARMNODE_JOIN_TIMEOUT if the cluster is slow to form`,
            { cause: error },
          );
  if (config.reportUnhealthy && found !== undefined) {
    try {
      await found.fleet.setUnhealthy(identity.instanceId);
      log.warn({ action: 'set-instance-health', health: 'Unhealthy' }, 'reported this instance Unhealthy so the ASG replaces it');
    } catch (reportError) {
      log.error({ error: (reportError as Error).message }, 'could not report this instance Unhealthy');
    }
    await answerLaunch(found.fleet, services.clock, identity.instanceId, 'ABANDON', log, undefined, found.own);
  }
  throw gaveUp;
}

/** Two spot managers interrupted together would cost quorum: never run managers on spot silently. */
function warnSpotManager(log: Logger, identity: InstanceIdentity, role: Role | undefined): void {
  if (role === 'manager' && identity.lifecycle === 'spot') {
    log.warn({ instanceId: identity.instanceId, lifecycle: 'spot' }, 'this manager runs on a spot instance: two interruptions at once would cost quorum; run managers on demand');
  }
}

/** Kept for the next boot and for watch; a record that cannot be written is logged, never fatal. */
async function keepRecord(context: BootContext, identity: InstanceIdentity, end: BootEnd, durationMs: number): Promise<void> {
  const { services, log } = context;
  const info = await services.engine.info().catch(() => undefined);
  const record: BootRecord = {
    instanceId: identity.instanceId,
    nodeId: info?.nodeId ?? '',
    role: end.role,
    member: info?.localNodeState === 'active' && info.nodeId !== '',
    launchCompleted: end.launchCompleted,
    outcome: end.outcome,
    exitCode: end.exitCode,
    durationMs,
    finishedAt: new Date(services.clock.now()).toISOString(),
  };
  try {
    await services.bootRecords.write(record);
  } catch (error) {
    log.warn({ err: error }, 'could not keep the boot record');
  }
}

/** The newest backup of the cluster's previous swarm, into this one: a reborn generation's first act. */
function restorer(context: BootContext, found: Discovery): (() => Promise<unknown>) | undefined {
  const { services, config, log } = context;
  const { backups } = found;
  if (backups === undefined) return undefined;
  return () => restoreLatest({ engine: services.engine, objects: services.objects, backups, clock: services.clock, log }, { cluster: config.cluster, prefix: config.backupPrefix });
}
