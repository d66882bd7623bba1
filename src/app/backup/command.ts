import type { CommandContext } from '../../cli/command.js';
import { BackupsDisabledError } from '../../errors/backups-disabled-error.js';
import { compose } from '../shared/compose.js';
import { requireManager } from '../shared/require-manager.js';
import { formatHistory, formatWritten } from './format.js';
import { readHistory } from './history.js';
import { backupSummary, pruneBackups, snapshot, storeBackup } from './take-backup.js';

/** `swarmnode backup`: write a backup of the swarm now (on a manager); `--list`: the cluster's history. */
export async function run({ config, options, log, out }: CommandContext): Promise<number> {
  // Before anything is asked of IMDS, the engine or AWS.
  if (config.backupBucket === undefined) throw new BackupsDisabledError();
  const services = compose(config);
  const identity = await services.metadata.identity();
  const { secrets, backups } = services.cloud(identity);
  if (backups === undefined) throw new BackupsDisabledError();
  if (options.list === true) {
    const history = await readHistory(backups, config.backupPrefix, config.cluster);
    out(options.json === true ? `${JSON.stringify({ location: backups.location, backups: history }, null, 2)}\n` : formatHistory(backups.location, history, services.clock.now()));
    return 0;
  }
  await requireManager(services.engine, 'backup', 'run `swarmnode backup` on a manager node (`--list` works anywhere the role may read the bucket)');
  const deps = {
    engine: services.engine,
    objects: services.objects,
    secrets,
    store: backups,
    clock: services.clock,
    log,
    cluster: config.cluster,
    prefix: config.backupPrefix,
    retention: { keep: config.backupKeep, keepDays: config.backupKeepDays },
    instanceId: identity.instanceId,
  };
  const document = await snapshot(deps);
  const stored = await storeBackup(deps, document);
  log.info({ object: stored.key, bytes: stored.size, written: stored.written, ...backupSummary(document) }, `backup written to ${backups.location}/${stored.key}`);
  // The backup is safe once written: a failed pruning only leaves the history longer until the next one.
  const pruned = await pruneBackups(deps).catch((error: unknown) => {
    log.warn({ err: error }, 'pruning the backup history failed; the next backup tries again');
    return undefined;
  });
  if (options.json === true) {
    const { content: _, ...about } = document;
    out(`${JSON.stringify({ location: backups.location, ...stored, ...about, summary: backupSummary(document), pruned }, null, 2)}\n`);
  } else {
    out(formatWritten(backups.location, stored.key, stored.size, stored.written, document));
  }
  return 0;
}
