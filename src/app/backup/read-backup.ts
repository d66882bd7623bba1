import { contentHash } from '../../core/backup/content-hash.js';
import { BACKUP_SCHEMA, type BackupDocument } from '../../core/backup/document.js';
import { BackupUnreadableError } from '../../errors/backup-unreadable-error.js';
import type { BackupStore } from '../../ports/backup-store.js';

const LISTS = ['networks', 'configs', 'secrets', 'services', 'nodes'] as const;

/**
 * Reads one backup and checks it before anything is restored from it: the format, the cluster,
 * and that its content still matches the hash it was written with.
 */
export async function readBackup(store: BackupStore, key: string, cluster: string): Promise<BackupDocument> {
  const text = await store.get(key);
  let document: BackupDocument;
  try {
    document = JSON.parse(text) as BackupDocument;
  } catch (error) {
    throw new BackupUnreadableError(key, 'it is not JSON', { cause: error });
  }
  if (document?.schema !== BACKUP_SCHEMA) throw new BackupUnreadableError(key, `its format is ${JSON.stringify(document?.schema)}, this swarmnode reads ${BACKUP_SCHEMA}`);
  if (document.cluster !== cluster) throw new BackupUnreadableError(key, `it is a backup of cluster ${document.cluster}, this is cluster ${cluster}`);
  const content = document.content as Partial<BackupDocument['content']> | undefined;
  if (content === undefined || LISTS.some((list) => !Array.isArray(content[list]))) throw new BackupUnreadableError(key, 'its content is incomplete');
  if (contentHash(document.content) !== document.contentHash) throw new BackupUnreadableError(key, 'its content does not match its hash (damaged or edited)');
  return document;
}
