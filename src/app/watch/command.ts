import type { CommandContext } from '../../cli/command.js';
import { compose } from '../shared/compose.js';
import { runDrain } from '../drain/drain.js';
import { watchLifecycle } from './lifecycle-watcher.js';
import { reconcileUntil } from '../reconcile/loop.js';
import { TokenSync } from '../reconcile/tokens.js';
import { Reconciler } from '../reconcile/reconciler.js';

/**
 * `swarmnode watch`: the lifecycle watcher on every node and the reconciler (acting only on the
 * leader) side by side until SIGTERM. Both stop at once on the signal, except a drain in progress,
 * which finishes or completes its hook within its stop grace.
 */
export async function run(context: CommandContext): Promise<number> {
  const { config, log, signal } = context;
  const services = compose(config);
  const identity = await services.metadata.identity();
  const { fleet, secrets } = services.cloud(identity);
  const { engine, clock } = services;
  log.info({ instanceId: identity.instanceId, pollIntervalMs: config.pollIntervalMs, drainTimeoutMs: config.drainTimeoutMs, reapAfterMs: config.reapAfterMs }, 'watch started');

  const drainDeps = { engine, fleet, clock, log, instanceId: identity.instanceId, drainTimeoutMs: config.drainTimeoutMs, pollIntervalMs: config.pollIntervalMs };
  const reconciler = new Reconciler({ engine, fleet, tokens: new TokenSync(engine, secrets, clock, log), clock, log, cluster: config.cluster, reapAfterMs: config.reapAfterMs });
  await Promise.all([
    watchLifecycle({ metadata: services.metadata, clock, log, pollIntervalMs: config.pollIntervalMs, drain: (trigger, stop) => runDrain(drainDeps, trigger, stop) }, signal),
    reconcileUntil(reconciler, clock, log, config.pollIntervalMs, signal),
  ]);
  log.info({}, 'watch stopped');
  return 0;
}
