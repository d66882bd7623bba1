import type { Engine, SwarmNode } from '../../ports/engine.js';

/** A manager without quorum refuses the node list with this. */
const NO_LEADER = /does not have a leader|too few managers are online|rpc error: code = (Unavailable|DeadlineExceeded)/i;

/** The node list, or undefined when the swarm answers that it has no leader (quorum lost, or an election under way). */
export async function nodesOrNoLeader(engine: Engine): Promise<SwarmNode[] | undefined> {
  try {
    return await engine.nodes();
  } catch (error) {
    if (NO_LEADER.test(error instanceof Error ? error.message : String(error))) return undefined;
    throw error;
  }
}
