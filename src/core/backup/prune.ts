import { newestFirst, type BackupEntry } from './key.js';

/** How much history is kept. */
export interface Retention {
  /** The newest backups, whatever their age. */
  keep: number;
  /** Beyond them, the newest backup of each UTC day, for this many days. */
  keepDays: number;
}

const DAY_MS = 86_400_000;

/**
 * Which backups stay and which go: the `keep` newest, the newest of each of the last `keepDays`
 * days, and the newest of every swarm the cluster ever had (so the last state of a dead swarm is
 * there for a new one to restore, however busy the new one is). The history is thus bounded by
 * keep + keepDays + the number of swarms.
 */
export function pruneHistory(entries: readonly BackupEntry[], retention: Retention, now: number): { keep: BackupEntry[]; remove: BackupEntry[] } {
  const sorted = newestFirst(entries);
  const kept = new Set<BackupEntry>(sorted.slice(0, retention.keep));
  const days = new Set<string>();
  const swarms = new Set<string>();
  for (const entry of sorted) {
    const day = new Date(entry.at).toISOString().slice(0, 10);
    if (now - entry.at < retention.keepDays * DAY_MS && !days.has(day)) kept.add(entry);
    if (!swarms.has(entry.swarmId)) kept.add(entry);
    days.add(day);
    swarms.add(entry.swarmId);
  }
  return { keep: sorted.filter((e) => kept.has(e)), remove: sorted.filter((e) => !kept.has(e)) };
}
