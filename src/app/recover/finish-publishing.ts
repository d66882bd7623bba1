import { electionGeneration, electionLock } from '../../core/boot/generation.js';
import type { Logger } from '../../log/logger.js';
import type { SwarmNode } from '../../ports/engine.js';
import type { SecretStore } from '../../ports/secret-store.js';

export interface FinishPublishingDeps {
  secrets: SecretStore;
  instanceId: string;
  log: Logger;
  /** Boot's procedure, run in place: it publishes what the lock's holder has not yet. */
  boot(): Promise<void>;
}

/**
 * The leader of a swarm the cluster record does not name. When it is its swarm's only manager and
 * holds the election lock of the generation the record calls for next, it initialised this swarm
 * and its boot ended before publishing it (a deadline, a stop): boot's procedure, run here, marks
 * the lock and publishes record and tokens. Any other unrecorded swarm is not this one's to publish.
 */
export async function finishPublishing(deps: FinishPublishingDeps, nodes: readonly SwarmNode[]): Promise<void> {
  if (nodes.filter((n) => n.manager !== undefined).length !== 1) return;
  const record = await deps.secrets.readCluster();
  const lock = electionLock(electionGeneration({ clusterSwarmId: record?.swarmId, clusterGeneration: record?.generation }));
  if ((await deps.secrets.readLock(lock))?.holder !== deps.instanceId) return;
  deps.log.warn({ lock, recordSwarmId: record?.swarmId }, `this instance holds ${lock} and initialised the swarm it leads, whose publishing was cut short: boot's procedure finishes it`);
  await deps.boot();
}
