import type { Engine } from '../../ports/engine.js';
import type { InstanceIdentity } from '../../ports/instance-metadata.js';
import type { ClusterRecord, SecretStore } from '../../ports/secret-store.js';

/** The record of a swarm this instance just initialised: itself its one manager. */
export function newClusterRecord(swarmId: string, generation: number, identity: InstanceIdentity, now: number, nodeId: string): ClusterRecord {
  return { swarmId, generation, createdAt: new Date(now).toISOString(), createdBy: identity.instanceId, managers: [{ instanceId: identity.instanceId, addr: identity.localIpv4, nodeId }] };
}

export interface PublishOptions {
  /** Mark this init lock, held by `holder`, with the swarm first: the election can never reopen after. */
  markLock?: { name: string; holder: string };
  /** Write the cluster record (when missing) before the tokens, from this swarm's id and this manager's node id. */
  record?: (swarmId: string, nodeId: string) => ClusterRecord;
}

/**
 * Publishes the swarm this manager belongs to: the lock mark, the record (a node that finds a token
 * can then also find which swarm it belongs to), the worker token, the manager token, and the unlock
 * key when autolock is on. Every value is read from the engine itself, never from memory.
 */
export async function publishSwarm(engine: Engine, secrets: SecretStore, options: PublishOptions): Promise<{ swarmId: string; autolock: boolean }> {
  const [swarmId, tokens, unlockKey, info] = await Promise.all([engine.swarmId(), engine.joinTokens(), engine.unlockKey(), engine.info()]);
  if (options.markLock !== undefined) await secrets.markLockPublished(options.markLock.name, options.markLock.holder, swarmId);
  if (options.record !== undefined) await secrets.writeCluster(options.record(swarmId, info.nodeId));
  await secrets.writeToken('worker', tokens.worker);
  await secrets.writeToken('manager', tokens.manager);
  if (unlockKey) await secrets.writeUnlockKey(unlockKey);
  return { swarmId, autolock: unlockKey !== undefined };
}
