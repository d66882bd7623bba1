import type { ClusterRecord, RecordedManager } from '../../ports/secret-store.js';

/**
 * Every manager the cluster knows of: the record's list (the leader's view of the raft) and each
 * manager's own entry (written right after it joined, before the leader may have seen it). A
 * manager listed by both under the same node id counts once.
 */
export function knownManagers(record: ClusterRecord | undefined, registered: readonly RecordedManager[]): RecordedManager[] {
  const known = [...(record?.managers ?? [])];
  for (const entry of registered) {
    if (!known.some((m) => m.instanceId === entry.instanceId && m.nodeId === entry.nodeId)) known.push(entry);
  }
  return known;
}
