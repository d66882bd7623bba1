import type { StoredObject } from '../../ports/backup-store.js';

/** One backup of the history, as its key names it: no object needs reading to list or choose. */
export interface BackupEntry {
  key: string;
  generation: number;
  swarmId: string;
  /** Epoch ms, to the second. */
  at: number;
  /** First 8 hex digits of the content hash. */
  hash8: string;
  size: number;
}

/** Every backup of a cluster lives under this prefix, whatever its generation. */
export function historyPrefix(prefix: string, cluster: string): string {
  return `${prefix}${cluster}/`;
}

/** `20240501T093000Z`: sorts as it reads, and needs no escaping in a URL or a shell. */
function stamp(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

const KEY = /^(\d+)\/(\d{8}T\d{6}Z)-([A-Za-z0-9]+)-([0-9a-f]{8})\.json$/;

/**
 * `<history prefix><generation>/<time>-<swarm id>-<hash8>.json`. Unique per swarm, second and
 * content, so a write never needs to overwrite; the swarm id tells the swarms of a cluster apart
 * (a restore takes the newest backup of another swarm than its own).
 */
export function backupKey(history: string, entry: Omit<BackupEntry, 'key' | 'size'>): string {
  return `${history}${entry.generation}/${stamp(entry.at)}-${entry.swarmId}-${entry.hash8}.json`;
}

/** undefined for an object under the prefix that is no backup of swarmnode's (left alone). */
export function parseBackupKey(history: string, object: StoredObject): BackupEntry | undefined {
  if (!object.key.startsWith(history)) return undefined;
  const match = KEY.exec(object.key.slice(history.length));
  if (match === null) return undefined;
  const [, generation, time, swarmId, hash8] = match as unknown as [string, string, string, string, string];
  const iso = `${time.slice(0, 4)}-${time.slice(4, 6)}-${time.slice(6, 8)}T${time.slice(9, 11)}:${time.slice(11, 13)}:${time.slice(13, 15)}Z`;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return undefined;
  return { key: object.key, generation: Number(generation), swarmId, at, hash8, size: object.size };
}

/** Newest first; the same second falls back to the key, so the order is total. */
export function newestFirst(entries: readonly BackupEntry[]): BackupEntry[] {
  return [...entries].sort((a, b) => b.at - a.at || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
}
