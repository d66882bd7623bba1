import type { SwarmNode } from '../../ports/engine.js';
import type { ClusterRecord } from '../../ports/secret-store.js';
import type { RecoveryStep } from '../recover/quorum-recovery.js';
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
  /** The same differences by kind, in the same order. */
  driftKinds: DriftKind[];
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
  /** The cluster record's swarm and generation (1 for the cluster's first swarm). */
  swarmId: string | undefined;
  generation: number | undefined;
  /** With quorum lost: what watch's recovery does (or would do) here, and why. */
  recovery: RecoveryStep | undefined;
  advice: string[];
}

export interface StatusFacts {
  fleet: FleetView;
  /** undefined: the swarm answered that it has no leader. */
  nodes: readonly SwarmNode[] | undefined;
  /** Absent: not asked (backups off, as far as this report goes). */
  backup?: BackupFacts;
  record?: ClusterRecord;
  recovery?: RecoveryStep;
}

/**
 * What to do about lost quorum, from what recovery found: never a manual `--force-new-cluster` while
 * a missing manager may come back (that would make two rafts of one swarm).
 */
function quorumLostAdvice(recovery: RecoveryStep | undefined): string {
  switch (recovery?.kind) {
    case 'advise':
      return `quorum is lost and every missing manager is gone for good; ${recovery.reason}`;
    case 'refuse':
      return `quorum is lost; no recovery: ${recovery.reason}. Bring the missing managers back (start a stopped instance, heal the network); never force a new cluster while one of them may come back`;
    case 'wait':
    case 'take-lock':
    case 'force-new-cluster':
    case 'rejoin':
    case 'need-lock':
      return `quorum is lost; recovery under way: ${recovery.reason}`;
    default:
      return 'quorum is lost (the swarm has no leader): `swarmnode watch` recovers it by itself once every missing manager is terminated for SWARMNODE_RECOVER_AFTER; its log says what it waits for';
  }
}

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

/** Bounded names of the differences between the ASGs and the swarm, for counting and alerting. */
export const DRIFT_KINDS = [
  'node_down',
  'manager_unreachable',
  'no_instance',
  'role_mismatch',
  'spot_manager',
  'drained_on_request',
  'terminating_not_drained',
  'labels_out_of_date',
  'stale_node',
  'no_node',
  'node_list_unavailable',
] as const;
export type DriftKind = (typeof DRIFT_KINDS)[number];

interface Drift {
  kind: DriftKind;
  text: string;
}

function pairDrift(node: SwarmNode, instance: FleetInstance | undefined): Drift[] {
  const drift: Drift[] = [];
  if (node.state === 'down') drift.push({ kind: 'node_down', text: 'node Down' });
  if (node.manager !== undefined && node.manager.reachability !== 'reachable') drift.push({ kind: 'manager_unreachable', text: `manager ${node.manager.reachability}` });
  if (instance === undefined) {
    drift.push({ kind: 'no_instance', text: 'no instance in any cluster ASG' });
    return drift;
  }
  if (instance.role !== undefined && instance.role !== node.role) drift.push({ kind: 'role_mismatch', text: `ASG role ${instance.role}, node ${node.role}` });
  if (node.manager !== undefined && instance.lifecycle === 'spot') drift.push({ kind: 'spot_manager', text: 'manager on spot: two interruptions at once would cost quorum' });
  if (node.labels[DRAINED_FOR_LABEL] !== undefined) drift.push({ kind: 'drained_on_request', text: `drained on its own request (${node.labels[DRAINED_FOR_LABEL]})` });
  if (instance.lifecycleState.startsWith('Terminating') && node.availability !== 'drain') drift.push({ kind: 'terminating_not_drained', text: 'instance terminating, node not drained' });
  const labels = labelDrift(node.labels, desiredLabels(instance));
  if (labels.length > 0) drift.push({ kind: 'labels_out_of_date', text: `labels out of date: ${labels.join(', ')}` });
  return drift;
}

function row(instance: FleetInstance | undefined, node: SwarmNode | undefined, drift: Drift[]): StatusRow {
  return { instance: instance && instanceView(instance), node: node && nodeView(node), drift: drift.map((d) => d.text), driftKinds: drift.map((d) => d.kind) };
}

/** The cluster as the ASGs and the swarm see it, with every difference named. */
export function buildStatus(facts: StatusFacts): StatusReport {
  const rows: StatusRow[] = [];
  const seen = new Set<string>();
  if (facts.nodes !== undefined) {
    for (const match of matchNodesToInstances(facts.nodes, facts.fleet.instances)) {
      if (match.instance !== undefined) seen.add(match.instance.instanceId);
      const drift = pairDrift(match.node, match.instance);
      if (match.matchedBy === 'superseded') drift.push({ kind: 'stale_node', text: `stale: instance ${match.instanceId ?? '?'} is another node now` });
      rows.push(row(match.instance, match.node, drift));
    }
  }
  for (const instance of facts.fleet.instances.filter((i) => !seen.has(i.instanceId))) {
    const drift: Drift[] =
      facts.nodes === undefined
        ? [{ kind: 'node_list_unavailable', text: 'node list unavailable' }]
        : instance.lifecycleState === 'InService'
          ? [{ kind: 'no_node', text: 'in service but no swarm node' }]
          : [];
    rows.push(row(instance, undefined, drift));
  }
  const quorum = facts.nodes === undefined ? undefined : quorumState(managerMembers(facts.nodes));
  const held = facts.nodes === undefined ? [] : heldByQuorum(facts);
  const quorumLost = quorum === undefined || !quorum.hasQuorum;
  const advice = quorumLost ? [quorumLostAdvice(facts.recovery)] : [];
  if (quorum !== undefined && quorum.hasQuorum && quorum.faultTolerance === 0 && quorum.members > 1) {
    advice.push(`no fault tolerance: losing one more of the ${quorum.reachable} reachable managers loses quorum`);
  }
  for (const step of held) {
    advice.push(`${step.wanted} of ${step.hostname} held: ${step.reason}; its lifecycle action is kept alive until the demotion is allowed (at most until the hook's global timeout)`);
  }
  const backup = backupStatus(facts.backup ?? { state: 'off' });
  if (backup.state === 'stale') advice.push(`the newest backup of this swarm is ${Math.round(backup.ageSec / 3600)}h old: look for "backup failed" in the leader's log (journalctl -u swarmnode)`);
  if (backup.state === 'unknown') advice.push(`the backup history could not be listed (${backup.error}): check the role's s3:ListBucket permission on ${backup.location}`);
  return { rows, held, quorum, quorumLost, backup, swarmId: facts.record?.swarmId, generation: facts.record?.generation, recovery: facts.recovery, advice };
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
