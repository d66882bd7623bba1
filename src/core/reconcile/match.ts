import type { SwarmNode } from '../../ports/engine.js';
import type { FleetInstance } from '../../ports/fleet.js';

export const INSTANCE_ID_LABEL = 'swarmnode.instance-id';

/**
 * Which instance a node stands for. `superseded`: another, live node already stands for the same
 * instance (the instance left and re-joined as a new node), so this one is a stale leftover.
 */
export interface NodeMatch {
  node: SwarmNode;
  /** The instance as the cluster ASGs list it; undefined when it is in none of them. */
  instance: FleetInstance | undefined;
  /** Known from the label even when the instance is in no cluster ASG. */
  instanceId: string | undefined;
  matchedBy: 'label' | 'address' | 'none' | 'superseded';
}

/** The node's own address: managers may report 0.0.0.0 as node address, never as raft address. */
function nodeAddress(node: SwarmNode): string | undefined {
  if (node.addr !== '' && node.addr !== '0.0.0.0') return node.addr;
  const raftAddr = node.manager?.addr;
  return raftAddr === undefined || raftAddr === '' ? undefined : raftAddr.replace(/:\d+$/, '');
}

function claimOrder(node: SwarmNode): number {
  return node.state === 'down' ? 1 : 0;
}

/**
 * Matches by the `swarmnode.instance-id` label when present, else by node address == private IP.
 * An instance is claimed by one node only; when several claim it, a node that is not Down wins.
 */
export function matchNodesToInstances(nodes: readonly SwarmNode[], instances: readonly FleetInstance[]): NodeMatch[] {
  const byId = new Map(instances.map((i) => [i.instanceId, i]));
  const byIp = new Map(instances.filter((i) => i.privateIp !== undefined).map((i) => [i.privateIp as string, i]));
  const claimed = new Set<string>();
  const ordered = [...nodes].sort((a, b) => claimOrder(a) - claimOrder(b));
  const matches = new Map<string, NodeMatch>();
  for (const node of ordered) {
    const labelled = node.labels[INSTANCE_ID_LABEL];
    const instance = labelled !== undefined ? byId.get(labelled) : byIpOf(node, byIp);
    const instanceId = labelled ?? instance?.instanceId;
    if (instanceId !== undefined && claimed.has(instanceId)) {
      matches.set(node.id, { node, instance: undefined, instanceId, matchedBy: 'superseded' });
      continue;
    }
    if (instanceId !== undefined) claimed.add(instanceId);
    const matchedBy = labelled !== undefined ? 'label' : instance !== undefined ? 'address' : 'none';
    matches.set(node.id, { node, instance, instanceId, matchedBy });
  }
  return nodes.map((n) => matches.get(n.id) as NodeMatch);
}

function byIpOf(node: SwarmNode, byIp: ReadonlyMap<string, FleetInstance>): FleetInstance | undefined {
  const address = nodeAddress(node);
  return address === undefined ? undefined : byIp.get(address);
}
