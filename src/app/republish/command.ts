import type { CommandContext } from '../../cli/command.js';
import { OtherSwarmError } from '../../errors/other-swarm-error.js';
import { UsageError } from '../../errors/usage-error.js';
import { compose } from '../shared/compose.js';
import { newClusterRecord, publishSwarm } from '../shared/publish.js';

/**
 * `swarmnode republish`: on a manager, publish the swarm's current tokens (and unlock key) again:
 * the safe answer to a token parameter that cannot be read, deleted or stale. The cluster record is
 * written when missing; a record naming another swarm is never overwritten.
 */
export async function run({ config, log, out }: CommandContext): Promise<number> {
  const services = compose(config);
  const info = await services.engine.info();
  if (info.localNodeState !== 'active' || !info.controlAvailable || info.clusterId === undefined) {
    throw new UsageError(`republish needs a manager: this engine is ${info.localNodeState || 'in no swarm'}${info.controlAvailable ? '' : ', not a manager'}`, 'run `swarmnode republish` on a manager node');
  }
  const identity = await services.metadata.identity();
  const { secrets } = services.cloud(identity);
  const record = await secrets.readCluster();
  if (record !== undefined && record.swarmId !== info.clusterId) throw new OtherSwarmError(record.swarmId, info.clusterId);
  const published = await publishSwarm(services.engine, secrets, {
    record: record === undefined ? (swarmId, nodeId) => newClusterRecord(swarmId, 1, identity, services.clock.now(), nodeId) : undefined,
  });
  log.info({ action: 'republish', ...published, recordWritten: record === undefined }, 'published the swarm\'s current tokens');
  out(`published the join tokens of swarm ${published.swarmId}${published.autolock ? ' and its unlock key' : ''}${record === undefined ? ', and the missing cluster record' : ''} under ${config.ssmPrefix}\n`);
  return 0;
}
