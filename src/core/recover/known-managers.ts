import type { ClusterRecord, RecordedManager } from '../../ports/secret-store.js';

/**
 * Every manager the cluster knows of: the record's list (the leader's view of the raft) and each
 * manager's own entry (written right after it joined, before the leader may have seen it). A node
 * listed by both counts once, with the instance its own entry names when the record could not name
 * one (a manager in no group of the cluster, detached: the leader finds no instance at its address).
 */
export function knownManagers(record: ClusterRecord | undefined, registered: readonly RecordedManager[]): RecordedManager[] {
  const known = (record?.managers ?? []).map((m) => (m.instanceId !== '' || m.nodeId === '' ? m : (registered.find((e) => e.nodeId === m.nodeId) ?? m)));
  for (const entry of registered) {
    if (!known.some((m) => m.instanceId === entry.instanceId && m.nodeId === entry.nodeId)) known.push(entry);
  }
  return known;
}
