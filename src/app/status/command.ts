import type { CommandContext } from '../../cli/command.js';
import type { BackupFacts } from '../../core/backup/status.js';
import { buildStatus } from '../../core/status/report.js';
import type { Config } from '../../config/config.js';
import type { BackupStore } from '../../ports/backup-store.js';
import type { Engine, SwarmNode } from '../../ports/engine.js';
import { readHistory } from '../backup/history.js';
import { compose } from '../shared/compose.js';
import { requireManager } from '../shared/require-manager.js';
import { formatStatus } from './format.js';

/** A manager without quorum refuses the node list with this; status then reports the loss instead. */
const NO_LEADER = /does not have a leader|too few managers are online|rpc error: code = (Unavailable|DeadlineExceeded)/i;

async function nodesOrLostQuorum(engine: Engine): Promise<SwarmNode[] | undefined> {
  try {
    return await engine.nodes();
  } catch (error) {
    if (NO_LEADER.test(error instanceof Error ? error.message : String(error))) return undefined;
    throw error;
  }
}

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

/** `swarmnode status`: exit 0, or 1 when quorum is lost (the report says what to do). */
export async function run(context: CommandContext): Promise<number> {
  const services = compose(context.config);
  const info = await requireManager(services.engine, 'status');
  const identity = await services.metadata.identity();
  const { fleet, backups } = services.cloud(identity);
  const [view, nodes, backup] = await Promise.all([
    fleet.view(context.config.cluster),
    nodesOrLostQuorum(services.engine),
    backupFacts(backups, context.config, info.clusterId, services.clock.now()),
  ]);
  const report = buildStatus({ fleet: view, nodes, selfAddress: identity.localIpv4, backup });
  context.log.info({ rows: report.rows.length, quorum: report.quorum, quorumLost: report.quorumLost }, 'status gathered');
  context.out(context.options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  return report.quorumLost ? 1 : 0;
}
