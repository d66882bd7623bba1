import type { Config } from '../../config/config.js';
import type { Logger } from '../../log/logger.js';
import { BackupKeeper } from '../backup/keeper.js';
import { boot } from '../boot/boot.js';
import { runDrain } from '../drain/drain.js';
import { Drainer } from '../drain/drainer.js';
import { Rebalancer } from '../reconcile/rebalancer.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { RecordSync } from '../reconcile/record-sync.js';
import { SecretSync } from '../reconcile/secret-sync.js';
import { finishPublishing } from '../recover/finish-publishing.js';
import { OrphanCheck } from '../recover/orphan-check.js';
import { QuorumMonitor } from '../recover/quorum-monitor.js';
import type { Services } from '../shared/compose.js';
import { everyPoll } from '../shared/every-poll.js';
import { DrainRequestKeeper } from './drain-request.js';
import { finishLaunch } from './finish-launch.js';
import { watchLifecycle } from './lifecycle-watcher.js';
import { serveMetricsUntil } from './metrics-endpoint.js';

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
export async function watch(context: WatchContext): Promise<number> {
  const { config, services, log, signal } = context;
  const identity = await services.metadata.identity();
  const { fleet, secrets, backups } = services.cloud(identity);
  const { engine, clock, metrics } = services;
  const backup = backups === undefined ? undefined : new BackupKeeper({
    engine,
    objects: services.objects,
    secrets,
    store: backups,
    clock,
    log: log.child({ step: 'backup' }),
    cluster: config.cluster,
    prefix: config.backupPrefix,
    retention: { keep: config.backupKeep, keepDays: config.backupKeepDays },
    instanceId: identity.instanceId,
    minIntervalMs: config.backupMinIntervalMs,
    maxAgeMs: config.backupMaxAgeMs,
  });
  log.info(
    { instanceId: identity.instanceId, pollIntervalMs: config.pollIntervalMs, drainTimeoutMs: config.drainTimeoutMs, reapAfterMs: config.reapAfterMs, backups: backups === undefined ? 'off' : `${backups.location}/${config.backupPrefix}${config.cluster}/` },
    'watch started',
  );

  const drainDeps = { engine, fleet, clock, log, metrics, instanceId: identity.instanceId, drainTimeoutMs: config.drainTimeoutMs, pollIntervalMs: config.pollIntervalMs };
  const drainer = new Drainer((trigger, stop) => runDrain(drainDeps, trigger, stop), signal, log);
  const drainRequests = new DrainRequestKeeper(fleet, services.drainRequests, identity.instanceId, clock, log);
  const bootLog = log.child({ cmd: 'boot' });
  // Same procedure and exit semantics as `swarmnode boot`: a pool instance joins, then answers its
  // launching action; a manager or worker left in a dead raft or swarm joins the live one.
  // One at a time: a caller that asks while it runs waits for the run under way.
  let booting: Promise<void> | undefined;
  const runBoot = (joinVia?: string[]): Promise<void> =>
    (booting ??= boot({ ...context, log: bootLog, lookAgain: true, joinVia })
      .catch((error: unknown) => {
        bootLog.error({ err: error }, 'boot procedure in watch failed');
        return 1;
      })
      .then((code) => bootLog.info({ exitCode: code }, 'boot procedure in watch ended'))
      .finally(() => {
        booting = undefined;
      }));
  const rebalancer = new Rebalancer({ engine, clock, log, metrics });
  const reconciler = new Reconciler({
    engine,
    fleet,
    secrets: new SecretSync(engine, secrets, clock, log),
    record: new RecordSync(secrets, fleet, clock, log),
    backup,
    clock,
    log,
    cluster: config.cluster,
    reapAfterMs: config.reapAfterMs,
    rebalancer,
    metrics,
    finishPublishing: (nodes) => finishPublishing({ secrets, instanceId: identity.instanceId, log, boot: runBoot }, nodes),
  });
  const endpoint = await serveMetricsUntil(services, config.metricsAddr, log);
  const recovery = { engine, fleet, secrets, probe: services.probe, clock, instanceId: identity.instanceId, advertiseAddr: identity.localIpv4, autoRecover: config.autoRecover, recoverAfterMs: config.recoverAfterMs };
  const quorum = new QuorumMonitor(recovery, log.child({ procedure: 'recovery' }), runBoot);
  const orphan = new OrphanCheck({ engine, probe: services.probe, clock, log, silenceMs: config.recoverAfterMs, boot: runBoot });
  await Promise.all([
    finishLaunch({ services, fleet, log, instanceId: identity.instanceId, pollIntervalMs: config.pollIntervalMs }, signal),
    watchLifecycle(
      {
        metadata: services.metadata,
        clock,
        log,
        pollIntervalMs: config.pollIntervalMs,
        eventLeadMs: config.eventLeadMs,
        drainer,
        drainRequests,
        metrics,
        lastBoot: () => services.bootRecords.read(),
        boot: runBoot,
      },
      signal,
    ),
    everyPoll('reconcile', () => reconciler.round(), clock, log, config.pollIntervalMs, signal),
    everyPoll('recovery', async () => {
      await quorum.round();
      await orphan.round();
    }, clock, log, config.pollIntervalMs, signal),
  ]);
  await endpoint.close(drainer.drained);
  log.info({}, 'watch stopped');
  return 0;
}
