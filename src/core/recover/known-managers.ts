import type { ClusterRecord, RecordedManager } from '../../ports/secret-store.js';

/**
 * Every manager the cluster knows of: the record's list (the leader's view of the raft) and each
 * manager's own entry (written right after it joined, before the leader may have seen it). A node
 * listed by both counts once, with the instance its own entry names when the record could not name
 * one (a manager in no group of the cluster, detached: the leader finds no instance at its address).
 */
export function knownManagers(record: ClusterRecord | undefined, registered: readonly RecordedManager[], members: readonly string[] = []): RecordedManager[] {
  const known = (record?.managers ?? []).map((m) => (m.instanceId !== '' || m.nodeId === '' ? m : (registered.find((e) => e.nodeId === m.nodeId) ?? m)));
  for (const entry of registered) {
    if (!known.some((m) => m.instanceId === entry.instanceId && m.nodeId === entry.nodeId)) known.push(entry);
  }
  // One entry per instance. A manager that left and rejoined has a new node id, and whichever of its
  // entries names the old one is history: the one under a raft member's node id (`members`) counts,
  // else its own entry (it writes it with its engine's current id), else the record's.
  const current = (instanceId: string): RecordedManager | undefined => {
    const all = known.filter((m) => m.instanceId === instanceId);
    return all.find((m) => members.includes(m.nodeId)) ?? all.find((m) => registered.includes(m)) ?? all[0];
  };
  return known.filter((m) => m.instanceId === '' || current(m.instanceId) === m);
}
