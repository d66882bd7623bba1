import { backupContent } from '../../core/backup/content.js';
import { buildBackup, type BackupDocument } from '../../core/backup/document.js';
import { backupGeneration } from '../../core/backup/generation.js';
import { backupKey, historyPrefix } from '../../core/backup/key.js';
import { pruneHistory, type Retention } from '../../core/backup/prune.js';
import { UnrecordedSwarmError } from '../../errors/unrecorded-swarm-error.js';
import type { Logger } from '../../log/logger.js';
import type { BackupStore } from '../../ports/backup-store.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { SecretStore } from '../../ports/secret-store.js';
import type { SwarmObjects } from '../../ports/swarm-objects.js';
import { readHistory } from './history.js';
import { readSwarmFacts } from './read-swarm.js';

export interface BackupDeps {
  engine: Engine;
  objects: SwarmObjects;
  /** The cluster record: which generation the swarm is. */
  secrets: Pick<SecretStore, 'readCluster'>;
  store: BackupStore;
  clock: Clock;
  log: Logger;
  cluster: string;
  prefix: string;
  retention: Retention;
  /** This instance: the document says who wrote it. */
  instanceId: string;
}

/** A backup of the swarm as it is now (not yet written); refused for a swarm that is not the recorded one. */
export async function snapshot(deps: BackupDeps): Promise<BackupDocument> {
  const [facts, record] = await Promise.all([readSwarmFacts(deps.objects, deps.engine), deps.secrets.readCluster()]);
  const verdict = backupGeneration(record, facts.swarm.id);
  if (!verdict.ok) throw new UnrecordedSwarmError(verdict.reason);
  const origin = { cluster: deps.cluster, swarmId: facts.swarm.id, generation: verdict.generation, createdAt: deps.clock.now(), createdBy: deps.instanceId };
  return buildBackup(origin, backupContent(facts));
}

/** Writes the document under its own new key; `written` is false when that exact backup was already there. */
export async function storeBackup(deps: Pick<BackupDeps, 'store' | 'prefix'>, document: BackupDocument): Promise<{ key: string; size: number; written: boolean }> {
  const key = backupKey(historyPrefix(deps.prefix, document.cluster), {
    generation: document.generation,
    swarmId: document.swarmId,
    at: Date.parse(document.createdAt),
    hash8: document.contentHash.slice(0, 8),
  });
  const body = `${JSON.stringify(document, null, 2)}\n`;
  const written = await deps.store.put(key, body);
  return { key, size: Buffer.byteLength(body), written };
}

/** Deletes what the retention policy lets go (in a versioned bucket, a delete leaves a noncurrent version the lifecycle rule expires). */
export async function pruneBackups(deps: Pick<BackupDeps, 'store' | 'prefix' | 'cluster' | 'retention' | 'clock' | 'log'>): Promise<string[]> {
  const history = await readHistory(deps.store, deps.prefix, deps.cluster);
  const { remove } = pruneHistory(history, deps.retention, deps.clock.now());
  for (const entry of remove) await deps.store.delete(entry.key);
  if (remove.length > 0) deps.log.info({ removed: remove.map((e) => e.key), kept: history.length - remove.length }, 'backup history pruned');
  return remove.map((e) => e.key);
}

/** What a backup holds, in numbers, for logs and reports (never its data). */
export function backupSummary(document: BackupDocument): Record<string, number> {
  const { content } = document;
  return { services: content.services.length, networks: content.networks.length, configs: content.configs.length, secrets: content.secrets.length, labelledNodes: content.nodes.length };
}
