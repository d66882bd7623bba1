import type { CommandContext } from '../../cli/command.js';
import { BackupsDisabledError } from '../../errors/backups-disabled-error.js';
import { compose } from '../shared/compose.js';
import { requireManager } from '../shared/require-manager.js';
import { formatRestore } from './format.js';
import { restoreComplete, restoreFrom, restoreLatest } from './restore.js';

/**
 * `swarmnode restore [--from KEY] [--dry-run]`: on a manager, bring a backup's networks, configs,
 * node labels and services into this swarm, leaving whatever exists alone. Exit 0 when everything
 * of the backup is (or, dry, would be) in the swarm; 1 when something failed or waits for a secret.
 */
export async function run({ config, options, log, out }: CommandContext): Promise<number> {
  // Before anything is asked of IMDS, the engine or AWS.
  if (config.backupBucket === undefined) throw new BackupsDisabledError();
  const services = compose(config);
  await requireManager(services.engine, 'restore');
  const identity = await services.metadata.identity();
  const { backups } = services.cloud(identity);
  if (backups === undefined) throw new BackupsDisabledError();
  const deps = { engine: services.engine, objects: services.objects, backups, clock: services.clock, log };
  const target = { cluster: config.cluster, prefix: config.backupPrefix, dryRun: options['dry-run'] === true };
  const report = typeof options.from === 'string' ? await restoreFrom(deps, options.from, target) : await restoreLatest(deps, target);
  out(options.json === true ? `${JSON.stringify({ location: backups.location, complete: restoreComplete(report), ...report }, null, 2)}\n` : formatRestore(backups.location, report));
  return restoreComplete(report) ? 0 : 1;
}
