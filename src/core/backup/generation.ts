import type { ClusterRecord } from '../../ports/secret-store.js';

export type GenerationVerdict = { ok: true; generation: number } | { ok: false; reason: string };

/**
 * Which generation a backup of this swarm is filed under: the cluster record's, when the record
 * names this swarm (1 for records written before generations existed, or no record at all, as for
 * a swarm made by hand). A swarm that is not the recorded one is not backed up: its backups would
 * mix with the recorded swarm's history and could be restored in its place.
 */
export function backupGeneration(record: ClusterRecord | undefined, swarmId: string): GenerationVerdict {
  if (record === undefined) return { ok: true, generation: 1 };
  if (record.swarmId !== swarmId) return { ok: false, reason: `the cluster record names swarm ${record.swarmId}, this manager belongs to swarm ${swarmId}` };
  return { ok: true, generation: record.generation ?? 1 };
}
