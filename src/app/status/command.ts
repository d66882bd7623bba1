import type { CommandContext } from '../../cli/command.js';
import type { BackupFacts } from '../../core/backup/status.js';
import { buildStatus, type StatusReport } from '../../core/status/report.js';
import type { Config } from '../../config/config.js';
import { UsageError } from '../../errors/usage-error.js';
import type { BackupStore } from '../../ports/backup-store.js';
import { readHistory } from '../backup/history.js';
import { observeRecovery } from '../recover/recovery-facts.js';
import { compose, type Services } from '../shared/compose.js';
import { nodesOrNoLeader } from '../shared/nodes-or-no-leader.js';
import { pause } from '../shared/pause.js';
import { requireManager } from '../shared/require-manager.js';
import { formatStatus } from './format.js';

/** The backup history, or why it could not be read: status reports on, it does not fail for it. */
async function backupFacts(store: BackupStore | undefined, config: Config, swarmId: string | undefined, now: number): Promise<BackupFacts> {
  if (store === undefined) return { state: 'off' };
  try {
    const entries = await readHistory(store, config.backupPrefix, config.cluster);
    return { state: 'listed', location: store.location, entries, swarmId, now, maxAgeMs: config.backupMaxAgeMs };
  } catch (error) {
    return { state: 'unlisted', location: store.location, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Home and clear screen: a terminal redraws the tables in place. */
const REDRAW = '\x1b[H\x1b[2J';

async function gather(context: CommandContext, services: Services): Promise<StatusReport> {
  const { config } = context;
  const info = await requireManager(services.engine, 'status');
  const identity = await services.metadata.identity();
  const { fleet, secrets, backups } = services.cloud(identity);
  const [view, nodes, backup, record] = await Promise.all([
    fleet.view(config.cluster),
    nodesOrNoLeader(services.engine),
    backupFacts(backups, config, info.clusterId, services.clock.now()),
    secrets.readCluster(),
  ]);
  // With quorum lost, what watch's recovery would do here, and why (the same observation, no action).
  const recovery =
    nodes === undefined
      ? await observeRecovery({ engine: services.engine, fleet, secrets, probe: services.probe, clock: services.clock, instanceId: identity.instanceId, advertiseAddr: identity.localIpv4, autoRecover: config.autoRecover, recoverAfterMs: config.recoverAfterMs })
      : undefined;
  const report = buildStatus({ fleet: view, nodes, backup, record, recovery: recovery?.step });
  context.log.info({ rows: report.rows.length, quorum: report.quorum, quorumLost: report.quorumLost, recovery: recovery?.step }, 'status gathered');
  return report;
}

function render(context: CommandContext, report: StatusReport): string {
  return context.options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report);
}

/**
 * `swarmnode status`: exit 0, or 1 when quorum is lost (the report says what to do). `--watch`
 * redraws every poll interval until SIGINT/SIGTERM (exit 0); a round that fails shows why and the
 * next one tries again.
 */
export async function run(context: CommandContext): Promise<number> {
  const services = compose(context.config);
  if (context.options.watch !== true) {
    const report = await gather(context, services);
    context.out(render(context, report));
    return report.quorumLost ? 1 : 0;
  }
  while (!context.signal.aborted) {
    const frame = await gather(context, services).then(
      (report) => render(context, report),
      (error: unknown) => {
        if (error instanceof UsageError) throw error;
        return `status unavailable: ${error instanceof Error ? error.message : String(error)}\n`;
      },
    );
    context.out(`${REDRAW}${new Date(services.clock.now()).toISOString()}  (every ${context.config.pollIntervalMs / 1000}s, Ctrl-C to stop)\n\n${frame}`);
    await pause(services.clock, context.config.pollIntervalMs, context.signal);
  }
  return 0;
}
