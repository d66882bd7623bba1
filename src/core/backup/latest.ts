import { newestFirst, type BackupEntry } from './key.js';

/** The newest backup of this swarm: what protects the swarm as it is now. */
export function newestOfSwarm(entries: readonly BackupEntry[], swarmId: string): BackupEntry | undefined {
  return newestFirst(entries).find((e) => e.swarmId === swarmId);
}

/**
 * What `restore` takes when no backup is named: the newest backup of another swarm than the one
 * being restored into. A new swarm may already have written backups of its own (empty, or half
 * restored); those must never hide the last state of the swarm that came before.
 */
export function newestOfOtherSwarm(entries: readonly BackupEntry[], swarmId: string): BackupEntry | undefined {
  return newestFirst(entries).find((e) => e.swarmId !== swarmId);
}
