/** What the local engine says about its membership, enough to judge health. */
export interface HealthObservation {
  state: string;
  nodeId: string;
  controlAvailable: boolean;
  remoteManagers: number;
  /** Manager only: this node's state in the node list ('ready', 'down', ...). */
  selfState: string | undefined;
  leaderExists: boolean;
}

export interface HealthVerdict {
  healthy: boolean;
  role: 'manager' | 'worker' | 'none';
  reason: string;
}

/**
 * The `docker node ls` check: a manager sees itself Ready and a leader; a worker, which cannot list
 * nodes, is active with a node id and managers to talk to.
 */
export function judgeHealth(o: HealthObservation): HealthVerdict {
  if (o.state !== 'active' || o.nodeId === '') return { healthy: false, role: 'none', reason: `swarm state is ${o.state || 'inactive'}` };
  if (o.controlAvailable) {
    if (o.selfState !== 'ready') return { healthy: false, role: 'manager', reason: `node ${o.nodeId} is ${o.selfState ?? 'not listed'}, not ready` };
    if (!o.leaderExists) return { healthy: false, role: 'manager', reason: 'the swarm has no leader (quorum lost?)' };
    return { healthy: true, role: 'manager', reason: `manager ${o.nodeId} is ready and a leader exists` };
  }
  if (o.remoteManagers === 0) return { healthy: false, role: 'worker', reason: `worker ${o.nodeId} knows no manager` };
  return { healthy: true, role: 'worker', reason: `worker ${o.nodeId} is active with ${o.remoteManagers} manager(s)` };
}
