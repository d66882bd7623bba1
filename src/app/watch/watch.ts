import type { Config } from '../../config/config.js';
import type { Logger } from '../../log/logger.js';
import { runDrain } from '../drain/drain.js';
import { reconcileUntil } from '../reconcile/loop.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { TokenSync } from '../reconcile/tokens.js';
import type { Services } from '../shared/compose.js';
import { finishLaunch } from './finish-launch.js';
import { watchLifecycle } from './lifecycle-watcher.js';

export interface WatchContext {
  config: Config;
  services: Services;
  log: Logger;
  signal: AbortSignal;
}

/**
 * The lifecycle watcher on every node and the reconciler (acting only on the leader) side by side
 * until `signal`. Both stop at once on the signal, except a drain in progress, which finishes or
 * completes its hook within its stop grace.
 */
export async function watch({ config, services, log, signal }: WatchContext): Promise<number> {
  const identity = await services.metadata.identity();
  const { fleet, secrets } = services.cloud(identity);
  const { engine, clock } = services;
  log.info({ instanceId: identity.instanceId, pollIntervalMs: config.pollIntervalMs, drainTimeoutMs: config.drainTimeoutMs, reapAfterMs: config.reapAfterMs }, 'watch started');

  const drainDeps = { engine, fleet, clock, log, instanceId: identity.instanceId, drainTimeoutMs: config.drainTimeoutMs, pollIntervalMs: config.pollIntervalMs };
  const reconciler = new Reconciler({ engine, fleet, tokens: new TokenSync(engine, secrets, clock, log), clock, log, cluster: config.cluster, reapAfterMs: config.reapAfterMs });
  await Promise.all([
    finishLaunch({ services, fleet, log, instanceId: identity.instanceId, pollIntervalMs: config.pollIntervalMs }, signal),
    watchLifecycle({ metadata: services.metadata, clock, log, pollIntervalMs: config.pollIntervalMs, drain: (trigger, stop) => runDrain(drainDeps, trigger, stop) }, signal),
    reconcileUntil(reconciler, clock, log, config.pollIntervalMs, signal),
  ]);
  log.info({}, 'watch stopped');
  return 0;
}
