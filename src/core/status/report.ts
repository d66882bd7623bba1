import type { SwarmNode } from '../../ports/engine.js';
import { backupStatus, type BackupFacts, type BackupStatus } from '../backup/status.js';
import type { FleetInstance, FleetView } from '../../ports/fleet.js';
import { quorumState, type QuorumState } from '../cluster/quorum.js';
import { desiredLabels, labelDrift } from '../reconcile/labels.js';
import { matchNodesToInstances } from '../reconcile/match.js';
import { DRAINED_FOR_LABEL, managerMembers, planReconcile, type HeldStep } from '../reconcile/plan.js';

/** One instance and the node that stands for it, side by side; either side may be missing. */
export interface StatusRow {
  instance: Pick<FleetInstance, 'instanceId' | 'asgName' | 'role' | 'lifecycleState' | 'ec2State' | 'privateIp' | 'availabilityZone'> | undefined;
  node:
    | { id: string; hostname: string; state: string; availability: string; role: string; reachability: string | undefined; leader: boolean; labels: Record<string, string> }
    | undefined;
  drift: string[];
}

export interface StatusReport {
  rows: StatusRow[];
  /** Manager changes the quorum rule holds now (a leaving manager keeps its lifecycle action meanwhile). */
  held: HeldStep[];
  /** undefined when the node list could not be read (no leader). */
  quorum: QuorumState | undefined;
  quorumLost: boolean;
  /** The newest backup of this swarm. */
  backup: BackupStatus;
  advice: string[];
}

export interface StatusFacts {
  fleet: FleetView;
  /** undefined: the swarm answered that it has no leader. */
  nodes: readonly SwarmNode[] | undefined;
  /** This manager's own address, for the recovery command. */
  selfAddress: string;
  backup: BackupFacts;
}

const QUORUM_LOST_ADVICE = (address: string): string =>
  `quorum is lost: on one surviving manager run \`docker swarm init --force-new-cluster --advertise-addr ${address}\`, ` +
  'then scale the manager ASG back up; `swarmnode watch` demotes and removes the dead managers';

function nodeView(node: SwarmNode): NonNullable<StatusRow['node']> {
  return {
    id: node.id,
    hostname: node.hostname,
    state: node.state,
    availability: node.availability,
    role: node.role,
    reachability: node.manager?.reachability,
    leader: node.manager?.leader ?? false,
    labels: node.labels,
  };
}

function instanceView(i: FleetInstance): NonNullable<StatusRow['instance']> {
  const { instanceId, asgName, role, lifecycleState, ec2State, privateIp, availabilityZone } = i;
  return { instanceId, asgName, role, lifecycleState, ec2State, privateIp, availabilityZone };
}

function pairDrift(node: SwarmNode, instance: FleetInstance | undefined): string[] {
  const drift: string[] = [];
  if (node.state === 'down') drift.push('node Down');
  if (node.manager !== undefined && node.manager.reachability !== 'reachable') drift.push(`manager ${node.manager.reachability}`);
  if (instance === undefined) {
    drift.push('no instance in any cluster ASG');
    return drift;
  }
  if (instance.role !== undefined && instance.role !== node.role) drift.push(`ASG role ${instance.role}, node ${node.role}`);
  if (node.manager !== undefined && instance.lifecycle === 'spot') drift.push('manager on spot: two interruptions at once would cost quorum');
  if (node.labels[DRAINED_FOR_LABEL] !== undefined) drift.push(`drained on its own request (${node.labels[DRAINED_FOR_LABEL]})`);
  if (instance.lifecycleState.startsWith('Terminating') && node.availability !== 'drain') drift.push('instance terminating, node not drained');
  const labels = labelDrift(node.labels, desiredLabels(instance));
  if (labels.length > 0) drift.push(`labels out of date: ${labels.join(', ')}`);
  return drift;
}

/** The cluster as the ASGs and the swarm see it, with every difference named. */
export function buildStatus(facts: StatusFacts): StatusReport {
  const rows: StatusRow[] = [];
  const seen = new Set<string>();
  if (facts.nodes !== undefined) {
    for (const match of matchNodesToInstances(facts.nodes, facts.fleet.instances)) {
      if (match.instance !== undefined) seen.add(match.instance.instanceId);
      const drift = pairDrift(match.node, match.instance);
      if (match.matchedBy === 'superseded') drift.push(`stale: instance ${match.instanceId ?? '?'} is another node now`);
      rows.push({ instance: match.instance && instanceView(match.instance), node: nodeView(match.node), drift });
    }
  }
  for (const instance of facts.fleet.instances.filter((i) => !seen.has(i.instanceId))) {
    const drift = facts.nodes === undefined ? ['node list unavailable'] : instance.lifecycleState === 'InService' ? ['in service but no swarm node'] : [];
    rows.push({ instance: instanceView(instance), node: undefined, drift });
  }
  const quorum = facts.nodes === undefined ? undefined : quorumState(managerMembers(facts.nodes));
  const held = facts.nodes === undefined ? [] : heldByQuorum(facts);
  const quorumLost = quorum === undefined || !quorum.hasQuorum;
  const advice = quorumLost ? [QUORUM_LOST_ADVICE(facts.selfAddress)] : [];
  if (quorum !== undefined && quorum.hasQuorum && quorum.faultTolerance === 0 && quorum.members > 1) {
    advice.push(`no fault tolerance: losing one more of the ${quorum.reachable} reachable managers loses quorum`);
  }
  for (const step of held) {
    advice.push(`${step.wanted} of ${step.hostname} held: ${step.reason}; its lifecycle action is kept alive until the demotion is allowed (at most until the hook's global timeout)`);
  }
  const backup = backupStatus(facts.backup);
  if (backup.state === 'stale') advice.push(`the newest backup of this swarm is ${Math.round(backup.ageSec / 3600)}h old: look for "backup failed" in the leader's log (journalctl -u swarmnode)`);
  if (backup.state === 'unknown') advice.push(`the backup history could not be listed (${backup.error}): check the role's s3:ListBucket permission on ${backup.location}`);
  return { rows, held, quorum, quorumLost, backup, advice };
}

/** What the leader's next round would hold back for quorum: the same rule, asked from here. */
function heldByQuorum(facts: StatusFacts): HeldStep[] {
  const plan = planReconcile({
    now: 0,
    nodes: facts.nodes ?? [],
    fleet: facts.fleet,
    orphans: new Map(),
    downSince: new Map(),
    reapAfterMs: Number.POSITIVE_INFINITY,
    secretDrift: [],
    refused: new Map(),
  });
  return plan.held.filter((step) => step.cause === 'quorum');
}
