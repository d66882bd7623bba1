import type { BootStep } from '../../core/boot/step.js';
import { SwarmnodeError } from '../../errors/swarmnode-error.js';
import type { Logger } from '../../log/logger.js';
import type { Secret } from '../../log/secret.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { InstanceIdentity } from '../../ports/instance-metadata.js';
import type { SecretStore } from '../../ports/secret-store.js';
import { newClusterRecord, publishSwarm } from '../shared/publish.js';

/** Not done yet: boot waits (backoff with jitter) and observes again, until the join deadline. */
export class NotYet extends Error {
  constructor(
    readonly reason: string,
    readonly rejectedToken = false,
  ) {
    super(reason);
    this.name = 'NotYet';
  }
}

const REJECTED = /join token|invalid token|token.*(rotated|expired)/i;

export interface ActContext {
  engine: Engine;
  secrets: SecretStore;
  clock: Clock;
  identity: InstanceIdentity;
  log: Logger;
  /** The token the observation that decided a join read. */
  token: Secret | undefined;
  joinFailed(): void;
  /** This manager's own entry was written. */
  registered(): void;
  /** Restores the newest backup of the cluster's previous swarm; undefined when backups are off. */
  restore: (() => Promise<unknown>) | undefined;
}

type Action = Exclude<BootStep, { kind: 'healthy' | 'wait' | 'need' }>;

/** Carries out one decided step; a step that cannot be carried out now throws NotYet. */
export async function act(step: Action, ctx: ActContext): Promise<void> {
  const { engine, secrets, log } = ctx;
  switch (step.kind) {
    case 'unlock': {
      const key = await secrets.readUnlockKey();
      if (!key) throw new NotYet('the unlock key disappeared from SSM');
      await engine.unlock(key);
      log.info({ action: 'unlock' }, 'engine unlocked');
      return;
    }
    case 'leave':
      await engine.leave(step.force);
      log.info({ action: 'leave', force: step.force }, 'left the swarm');
      return;
    case 'join':
      await join(step, ctx);
      return;
    case 'take-lock': {
      // A missing key or kms:Encrypt permission must show before this instance commits to init:
      // failing after it would leave a lock, or a swarm, without tokens.
      await secrets.verifyKeys();
      const won = await secrets.tryLock(step.lock, ctx.identity.instanceId);
      log.info({ action: 'take-lock', lock: step.lock, won }, won ? `took ${step.lock}` : `${step.lock} was taken first by another instance`);
      return;
    }
    case 'init': {
      // Checked again: a restarted holder reaches init without passing take-lock.
      await secrets.verifyKeys();
      const nodeId = await engine.init(step.advertiseAddr);
      log.info({ action: 'init', nodeId, advertiseAddr: step.advertiseAddr, generation: step.generation }, 'initialised the swarm');
      // Published in the same step: no deadline or stop can fall between the init and its lock mark.
      await publish({ kind: 'publish', lock: step.lock, record: true, generation: step.generation, reason: step.reason }, ctx);
      return;
    }
    case 'publish':
      await publish(step, ctx);
      return;
    case 'register':
      await register(ctx);
      return;
  }
}

/** Writes this manager's own entry: a parameter of its own, so no other manager's write can undo it. */
async function register(ctx: ActContext): Promise<void> {
  const info = await ctx.engine.info();
  const self = { instanceId: ctx.identity.instanceId, addr: ctx.identity.localIpv4, nodeId: info.nodeId };
  await ctx.secrets.registerManager(self);
  ctx.registered();
  ctx.log.info({ action: 'register', manager: self }, 'wrote this manager\'s entry (managers/<instance id>)');
}

async function join(step: Extract<BootStep, { kind: 'join' }>, ctx: ActContext): Promise<void> {
  if (!ctx.token) throw new NotYet('the token vanished between reading and joining');
  try {
    await ctx.engine.join(step.remoteAddrs, ctx.token, step.advertiseAddr);
    ctx.log.info({ action: 'join', remoteAddrs: step.remoteAddrs, advertiseAddr: step.advertiseAddr }, 'joined the swarm');
  } catch (error) {
    if (error instanceof SwarmnodeError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    ctx.joinFailed();
    ctx.log.warn({ action: 'join', remoteAddrs: step.remoteAddrs, error: message }, 'join failed; retrying');
    throw new NotYet(`join through ${step.remoteAddrs.join(', ')} failed: ${message}`, REJECTED.test(message));
  }
}

async function publish({ lock, record, generation }: Extract<BootStep, { kind: 'publish' }>, ctx: ActContext): Promise<void> {
  const { identity, log } = ctx;
  const published = await publishSwarm(ctx.engine, ctx.secrets, {
    markLock: lock === undefined ? undefined : { name: lock, holder: identity.instanceId },
    record: record ? (swarmId, nodeId) => newClusterRecord(swarmId, generation, identity, ctx.clock.now(), nodeId) : undefined,
  });
  log.info({ action: 'publish', ...published, lock, record, generation }, record ? `published the cluster record (generation ${generation}) and the join tokens` : 'published the join tokens');
  if (record && generation > 1) await restoreReborn(ctx, generation);
}

/**
 * A new generation gets the services, networks and configs of the one it replaces from the newest
 * backup. The swarm is published and healthy whatever the restore does: a failure is logged with
 * the by-hand command, never a reason to give up the generation.
 */
async function restoreReborn(ctx: ActContext, generation: number): Promise<void> {
  if (ctx.restore === undefined) {
    ctx.log.warn({ action: 'restore', generation }, `generation ${generation} starts empty: backups are off (SWARMNODE_BACKUP_BUCKET), so there is nothing to restore`);
    return;
  }
  try {
    await ctx.restore();
  } catch (error) {
    ctx.log.error({ action: 'restore', generation, err: error }, `generation ${generation} could not restore the previous swarm's backup: run \`swarmnode restore\` on a manager once the cause is fixed`);
  }
}
