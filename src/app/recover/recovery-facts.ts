import { majorityOf } from '../../core/cluster/quorum.js';
import { SWARM_PORT } from '../../core/boot/step.js';
import { decideQuorumRecovery, type RecoveryFacts, type RecoveryStep } from '../../core/recover/quorum-recovery.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { Fleet } from '../../ports/fleet.js';
import type { PortProbe } from '../../ports/port-probe.js';
import type { SecretStore } from '../../ports/secret-store.js';

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
 * `status` shows exactly what watch would do. undefined when this engine is no manager. A raft whose
 * majority answers costs only the local engine call and TCP probes: AWS is asked (the cluster record,
 * EC2's word on the recorded managers, the loss's lock) only once a majority is silent.
 */
export async function observeRecovery(deps: RecoveryDeps): Promise<RecoveryView | undefined> {
  const info = await deps.engine.info();
  if (info.localNodeState !== 'active' || !info.controlAvailable) return undefined;
  const members = info.remoteManagers.map((m) => ({ nodeId: m.nodeId, addr: host(m.addr) }));
  const others = members.filter((m) => m.addr !== deps.advertiseAddr);
  const open = await Promise.all(others.map((m) => deps.probe.isOpen(m.addr, SWARM_PORT, PROBE_TIMEOUT_MS)));
  const answering = others.filter((_, i) => open[i]).map((m) => m.addr);
  let facts: RecoveryFacts = {
    now: deps.clock.now(),
    instanceId: deps.instanceId,
    advertiseAddr: deps.advertiseAddr,
    swarmId: info.clusterId || undefined,
    members,
    answering,
    record: undefined,
    ec2: new Map(),
    autoRecover: deps.autoRecover,
    recoverAfterMs: deps.recoverAfterMs,
  };
  if (answering.length + 1 < majorityOf(members.length)) {
    const record = await deps.secrets.readCluster();
    const ids = (record?.managers ?? []).map((m) => m.instanceId).filter((id) => id !== '');
    facts = { ...facts, record, ec2: ids.length === 0 ? new Map() : await deps.fleet.ec2Facts(ids), now: deps.clock.now() };
  }
  let step = decideQuorumRecovery(facts);
  if (step.kind === 'need-lock') {
    const lock = await deps.secrets.readLock(step.lock);
    facts = { ...facts, lock: { name: step.lock, holder: lock?.holder, recovered: lock?.published !== undefined } };
    step = decideQuorumRecovery(facts);
  }
  return { facts, step };
}
