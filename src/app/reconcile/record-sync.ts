import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import { isGoneForGood } from '../../core/cluster/instance-gone.js';
import type { Fleet } from '../../ports/fleet.js';
import type { RecordedManager, SecretStore } from '../../ports/secret-store.js';

/** How long the record known to list the raft's members is trusted without reading it again. */
export const RECORD_RECHECK_MS = 5 * 60_000;

/** Whose swarm the cluster record names, as the leader last read it. */
export type RecordOwner = 'ours' | 'other' | 'missing';

/**
 * Keeps the cluster record's `managers` equal to the raft members (instance id and raft address):
 * what quorum recovery and rebirth must find to prove a missing manager gone. The record is read
 * only when the members changed or the last check is older than RECORD_RECHECK_MS, and written only
 * when it differs; a record naming another swarm is never touched (that is `republish`'s refusal).
 * Says whose the record is: only the leader of the recorded swarm may publish its secrets.
 */
export class RecordSync {
  #known: { swarmId: string; managers: string; checkedAt: number } | undefined;

  constructor(
    private readonly secrets: SecretStore,
    private readonly fleet: Pick<Fleet, 'ec2Facts'>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async keep(swarmId: string, members: readonly RecordedManager[]): Promise<RecordOwner> {
    const key = JSON.stringify(sortedManagers(members));
    const now = this.clock.now();
    if (this.#known?.swarmId === swarmId && this.#known.managers === key && now - this.#known.checkedAt < RECORD_RECHECK_MS) return 'ours';
    this.#known = undefined;
    const [record, entries] = await Promise.all([this.secrets.readCluster(), this.secrets.registeredManagers()]);
    // A member in no group of the cluster (detached) has no instance in the fleet view: its own entry names it.
    const managers = sortedManagers(members.map((m) => (m.instanceId !== '' ? m : { ...m, instanceId: entries.find((e) => e.nodeId === m.nodeId)?.instanceId ?? '' })));
    if (record === undefined || record.swarmId !== swarmId) {
      this.log.warn({ recordSwarmId: record?.swarmId, swarmId }, record === undefined ? 'cluster record missing: `swarmnode republish` on a manager writes it' : 'the cluster record names another swarm: its managers and this swarm\'s tokens are left as they are');
      return record === undefined ? 'missing' : 'other';
    }
    if (JSON.stringify(sortedManagers(record.managers)) !== JSON.stringify(managers)) {
      await this.secrets.writeCluster({ ...record, managers });
      this.log.info({ before: record.managers, after: managers }, 'cluster record: managers updated to the raft members');
    }
    await this.dropGoneEntries(managers, entries);
    this.#known = { swarmId, managers: key, checkedAt: now };
    return 'ours';
  }

  /**
   * Managers' own entries outlive them: one whose instance is out of the raft and terminated (or
   * forgotten by EC2, which keeps terminated instances about an hour) goes, before recovery would
   * meet an instance EC2 no longer knows and refuse for it.
   */
  private async dropGoneEntries(members: readonly RecordedManager[], entries: readonly RecordedManager[]): Promise<void> {
    // A member that left and rejoined has a new node id: an entry under its old one is history, and
    // would make its live node look like an impostor at its own address. The record now names it.
    for (const entry of entries.filter((e) => members.some((m) => m.instanceId === e.instanceId && m.nodeId !== '' && m.nodeId !== e.nodeId))) {
      await this.secrets.unregisterManager(entry.instanceId);
      this.log.info({ manager: entry }, 'dropped the entry of a manager under a node id it no longer has');
    }
    const outside = entries.filter((entry) => !members.some((m) => m.instanceId === entry.instanceId || (m.nodeId !== '' && m.nodeId === entry.nodeId)));
    if (outside.length === 0) return;
    const ec2 = await this.fleet.ec2Facts(outside.map((entry) => entry.instanceId));
    for (const entry of outside) {
      const state = ec2.get(entry.instanceId)?.state;
      if (state !== undefined && !isGoneForGood(state)) continue;
      await this.secrets.unregisterManager(entry.instanceId);
      this.log.info({ manager: entry, ec2State: state ?? 'unknown to EC2' }, 'dropped the entry of a manager gone for good');
    }
  }
}

function sortedManagers(managers: readonly RecordedManager[]): RecordedManager[] {
  return [...managers].map(({ instanceId, addr, nodeId }) => ({ instanceId, addr, nodeId })).sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}
