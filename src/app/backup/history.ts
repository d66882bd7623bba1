import { historyPrefix, newestFirst, parseBackupKey, type BackupEntry } from '../../core/backup/key.js';
import type { BackupStore } from '../../ports/backup-store.js';

/** The cluster's backups, newest first (objects under the prefix that are no backup are left out). */
export async function readHistory(store: BackupStore, prefix: string, cluster: string): Promise<BackupEntry[]> {
  const history = historyPrefix(prefix, cluster);
  const objects = await store.list(history);
  return newestFirst(objects.flatMap((object) => parseBackupKey(history, object) ?? []));
}
