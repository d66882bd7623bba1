/** What decides whether the leader writes a backup now. */
export interface BackupDueFacts {
  now: number;
  /** Of the swarm's content as it is now. */
  contentHash: string;
  /** The newest backup of this swarm (written by this leader or found in the history); undefined: none. */
  last: { at: number; hash8: string } | undefined;
  /** Never two backups closer than this: a burst of deploys makes one backup, not one per change. */
  minIntervalMs: number;
  /** A backup at least this often even when nothing changed, so the history shows the swarm alive. */
  maxAgeMs: number;
}

export type BackupDecision = { due: boolean; reason: string };

/** A backup when the content changed or the last is too old, never more often than the minimum interval. */
export function backupDue(facts: BackupDueFacts): BackupDecision {
  const { last, now } = facts;
  if (last === undefined) return { due: true, reason: 'no backup of this swarm yet' };
  const age = now - last.at;
  if (age < facts.minIntervalMs) return { due: false, reason: `the last backup is ${Math.round(age / 1000)}s old, under the minimum interval` };
  if (!facts.contentHash.startsWith(last.hash8)) return { due: true, reason: 'the swarm changed since the last backup' };
  if (age >= facts.maxAgeMs) return { due: true, reason: `nothing changed, but the last backup is ${Math.round(age / 3_600_000)}h old` };
  return { due: false, reason: 'nothing changed since the last backup' };
}
