import { newestFirst, type BackupEntry } from './key.js';
import { newestOfSwarm } from './latest.js';

/** What status knows of the backups: off, the history it listed, or why it could not list it. */
export type BackupFacts =
  | { state: 'off' }
  | { state: 'listed'; location: string; entries: readonly BackupEntry[]; swarmId: string | undefined; now: number; maxAgeMs: number }
  | { state: 'unlisted'; location: string; error: string };

/**
 * The newest backup of this swarm as `status` shows it (age, size, object); of the whole cluster
 * when this manager cannot tell its swarm (no leader: quorum lost), which is then what counts.
 */
export type BackupStatus =
  | { state: 'off' }
  | { state: 'none'; location: string }
  | { state: 'ok' | 'stale'; location: string; key: string; createdAt: string; ageSec: number; size: number }
  | { state: 'unknown'; location: string; error: string };

/** The leader writes at least every SWARMNODE_BACKUP_MAX_AGE; beyond that and this slack, something keeps it from writing. */
const STALE_SLACK_MS = 3_600_000;

export function backupStatus(facts: BackupFacts): BackupStatus {
  if (facts.state === 'off') return facts;
  if (facts.state === 'unlisted') return { state: 'unknown', location: facts.location, error: facts.error };
  const newest = facts.swarmId === undefined ? newestFirst(facts.entries)[0] : newestOfSwarm(facts.entries, facts.swarmId);
  if (newest === undefined) return { state: 'none', location: facts.location };
  const age = facts.now - newest.at;
  return {
    state: age > facts.maxAgeMs + STALE_SLACK_MS ? 'stale' : 'ok',
    location: facts.location,
    key: newest.key,
    createdAt: new Date(newest.at).toISOString(),
    ageSec: Math.round(age / 1000),
    size: newest.size,
  };
}
