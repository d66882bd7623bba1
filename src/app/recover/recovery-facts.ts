import { SWARM_PORT } from '../../core/boot/step.js';
import { knownManagers } from '../../core/recover/known-managers.js';
import { decideQuorumRecovery, type RecoveryFacts, type RecoveryStep } from '../../core/recover/quorum-recovery.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { Fleet } from '../../ports/fleet.js';
import type { PortProbe } from '../../ports/port-probe.js';
import type { SecretStore } from '../../ports/secret-store.js';
import { nodesOrNoLeader } from '../shared/nodes-or-no-leader.js';

/** A raft peer in the same VPC answers in milliseconds; probes run in parallel. */
const PROBE_TIMEOUT_MS = 3_000;

export interface RecoveryDeps {
  engine: Engine;
  fleet: Fleet;
  secrets: SecretStore;
  probe: PortProbe;
  clock: Clock;
  instanceId: string;
  advertiseAddr: string;
  autoRecover: boolean;
  recoverAfterMs: number;
}

export interface RecoveryView {
  facts: RecoveryFacts;
  step: RecoveryStep;
}

const host = (addr: string): string => addr.replace(/:\d+$/, '');

/**
 * What this manager can tell about its raft, and the recovery decision on it; changes nothing, so
 * `status` shows exactly what watch would do. undefined when this engine is no manager. A swarm
 * with a leader costs one engine call: AWS is asked (the cluster record, EC2's word on the recorded
 * managers, the loss's lock) only once the engine says there is no leader.
 */
export async function observeRecovery(deps: RecoveryDeps): Promise<RecoveryView | undefined> {
  const info = await deps.engine.info();
  if (info.localNodeState !== 'active' || !info.controlAvailable) return undefined;
  const members = info.remoteManagers.map((m) => ({ nodeId: m.nodeId, addr: host(m.addr) }));
  let facts: RecoveryFacts = {
    now: deps.clock.now(),
    instanceId: deps.instanceId,
    advertiseAddr: deps.advertiseAddr,
    swarmId: info.clusterId,
    members,
    answering: [],
    record: undefined,
    registered: [],
    ec2: new Map(),
    autoRecover: deps.autoRecover,
    recoverAfterMs: deps.recoverAfterMs,
  };
  if ((await nodesOrNoLeader(deps.engine)) !== undefined) return { facts, step: { kind: 'healthy', reason: 'the swarm has a leader' } };
  const [record, registered] = await Promise.all([deps.secrets.readCluster(), deps.secrets.registeredManagers()]);
  const known = knownManagers(record, registered, members.map((m) => m.nodeId));
  const ids = [...new Set(known.map((m) => m.instanceId).filter((id) => id !== ''))];
  // Every address that may answer: this raft's members, and known managers outside it.
  const hosts = [...new Set([...members.map((m) => m.addr), ...known.map((m) => m.addr)])].filter((h) => h !== deps.advertiseAddr);
  const [ec2, open] = await Promise.all([
    ids.length === 0 ? new Map() : deps.fleet.ec2Facts(ids),
    Promise.all(hosts.map((h) => deps.probe.isOpen(h, SWARM_PORT, PROBE_TIMEOUT_MS))),
  ]);
  facts = { ...facts, record, registered, ec2, answering: hosts.filter((_, i) => open[i]), now: deps.clock.now() };
  let step = decideQuorumRecovery(facts);
  if (step.kind === 'need-lock') {
    const lock = await deps.secrets.readLock(step.lock);
    facts = { ...facts, lock: { name: step.lock, holder: lock?.holder, recovered: lock?.published !== undefined } };
    step = decideQuorumRecovery(facts);
  }
  return { facts, step };
}
