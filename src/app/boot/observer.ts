import type { Role } from '../../config/config.js';
import type { BootFacts, LockLink, NeededFact } from '../../core/boot/facts.js';
import type { BootStep } from '../../core/boot/step.js';
import { MAX_LOCK_CHAIN, SWARM_PORT } from '../../core/boot/step.js';
import { electionGeneration, electionLock } from '../../core/boot/generation.js';
import { decideBoot } from '../../core/boot/plan.js';
import { knownManagers } from '../../core/recover/known-managers.js';
import { isGoneForGood } from '../../core/cluster/instance-gone.js';
import { otherRole } from '../../config/config.js';
import type { Secret } from '../../log/secret.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { Fleet, FleetView } from '../../ports/fleet.js';
import type { InstanceIdentity } from '../../ports/instance-metadata.js';
import type { PortProbe } from '../../ports/port-probe.js';
import type { ClusterRecord, LockRecord, SecretStore } from '../../ports/secret-store.js';
import { checkHealth } from '../health/check.js';

/**
 * A manager in the same VPC answers in milliseconds; the margin is for managers busy accepting a
 * whole fleet's joins. Probes run in parallel, so it costs a round at most this once.
 */
const PROBE_TIMEOUT_MS = 3_000;
/** Instances not running now: no use probing or joining through them. */
const GONE_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);
/** Each `need` adds one fact; there are fewer kinds of facts than this. */
const MAX_NEEDS = 8;
/**
 * EC2 forgets a terminated instance after about an hour, and may not know a brand-new one for a few
 * seconds (eventual consistency, DescribeInstances reference). A lock holder EC2 does not know is
 * gone for good only once its lock is older than the second case can explain.
 */
export const UNKNOWN_HOLDER_GRACE_MS = 10 * 60_000;

export interface ObserverDeps {
  engine: Engine;
  fleet: Fleet;
  secrets: SecretStore;
  probe: PortProbe;
  clock: Clock;
  /** SWARMNODE_AUTO_RECOVER and SWARMNODE_RECOVER_AFTER, for the rebirth of a dead generation. */
  recovery: { auto: boolean; afterMs: number };
}

export interface Observation {
  facts: BootFacts;
  step: BootStep;
  /** The join token this observation read, for the join it may have decided. */
  token: Secret | undefined;
}

/**
 * Gathers the facts decideBoot asks for, read-only: `plan` uses it as is, boot between its actions.
 * It keeps what the decision itself must not: the decrypted token for the join, and since when the
 * engine has been pending.
 */
export class BootObserver {
  #pendingSince: number | undefined;
  #token: Secret | undefined;
  #view: FleetView | undefined;
  #record: ClusterRecord | undefined;
  #joinFailures = 0;

  constructor(
    private readonly deps: ObserverDeps,
    private readonly identity: InstanceIdentity,
    private readonly role: Role,
    private readonly cluster: string,
    private readonly targetLifecycleState: string | undefined,
  ) {}

  /** A join failed: the next join decision starts from another manager. */
  joinFailed(): void {
    this.#joinFailures++;
  }

  async observe(): Promise<Observation> {
    let facts = await this.base();
    let step = decideBoot(facts);
    for (let i = 0; i < MAX_NEEDS && step.kind === 'need'; i++) {
      facts = { ...facts, ...(await this.fill(facts, step.fact)) };
      step = decideBoot(facts);
    }
    return { facts, step, token: this.#token };
  }

  private async base(): Promise<BootFacts> {
    const info = await this.deps.engine.info();
    const now = this.deps.clock.now();
    this.#pendingSince = info.localNodeState === 'pending' ? (this.#pendingSince ?? now) : undefined;
    const [view, record] = await Promise.all([this.deps.fleet.view(this.cluster), this.deps.secrets.readCluster()]);
    this.#view = view;
    this.#record = record;
    this.#token = undefined;
    // A terminating manager is joined through last: while its demotion is held it may be the one
    // that leads (after a recovery, say), and a swarm nobody can join never gets the managers it needs.
    const managerPeers = view.instances
      .filter((i) => i.role === 'manager' && i.instanceId !== this.identity.instanceId && i.privateIp !== undefined)
      .filter((i) => !GONE_STATES.has(i.ec2State ?? ''))
      .sort((a, b) => Number(a.lifecycleState.startsWith('Terminat')) - Number(b.lifecycleState.startsWith('Terminat')))
      .map((i) => i.privateIp as string);
    return {
      now,
      instanceId: this.identity.instanceId,
      localIpv4: this.identity.localIpv4,
      role: this.role,
      targetLifecycleState: this.targetLifecycleState,
      engine: {
        state: info.localNodeState,
        nodeId: info.nodeId,
        clusterId: info.clusterId,
        controlAvailable: info.controlAvailable,
        remoteManagerAddrs: info.remoteManagers.map((m) => m.addr),
        error: info.error,
      },
      pendingForMs: this.#pendingSince === undefined ? 0 : now - this.#pendingSince,
      clusterSwarmId: record?.swarmId,
      clusterCreatedBy: record?.createdBy,
      clusterGeneration: record?.generation,
      recordedManager: record?.managers.some((m) => m.instanceId === this.identity.instanceId) ?? false,
      recovery: this.deps.recovery,
      managerPeers,
      joinFailures: this.#joinFailures,
    };
  }

  private async fill(facts: BootFacts, fact: NeededFact): Promise<Partial<BootFacts>> {
    switch (fact) {
      case 'tokenPresent':
        this.#token = await this.deps.secrets.readToken(this.role);
        return { tokenPresent: this.#token !== undefined };
      case 'otherTokenPresent':
        return { otherTokenPresent: await this.deps.secrets.tokenExists(otherRole(this.role)) };
      case 'reachablePeers': {
        const open = await Promise.all(facts.managerPeers.map((ip) => this.deps.probe.isOpen(ip, SWARM_PORT, PROBE_TIMEOUT_MS)));
        return { reachablePeers: facts.managerPeers.filter((_, i) => open[i]) };
      }
      case 'locks':
        return { locks: await this.lockChain(electionLock(electionGeneration(facts))) };
      case 'recordedManagers': {
        const managers = knownManagers(this.#record, await this.deps.secrets.registeredManagers());
        const ids = [...new Set(managers.map((m) => m.instanceId).filter((id) => id !== ''))];
        return { recordedManagers: { managers, ec2: ids.length === 0 ? new Map() : await this.deps.fleet.ec2Facts(ids) } };
      }
      case 'registered':
        return { registered: await this.deps.secrets.isRegistered(this.identity.instanceId) };
      case 'unlockKeyPresent':
        return { unlockKeyPresent: (await this.deps.secrets.readUnlockKey()) !== undefined };
      case 'health':
        return { health: await checkHealth(this.deps.engine) };
    }
  }

  /**
   * The generation's lock (`init-lock` for the first), then `<lock>-<holder>` while holders are gone
   * for good (EC2 says terminated) without having published anything. A holder that finds a
   * successor lock named after itself was given up for gone (it was away) and must not init: the
   * chain goes on to its successor.
   */
  private async lockChain(first: string): Promise<LockLink[]> {
    const links: LockLink[] = [];
    let name = first;
    for (let i = 0; i < MAX_LOCK_CHAIN; i++) {
      const lock = await this.deps.secrets.readLock(name);
      const holder = lock?.holder;
      const holderGone = lock !== undefined && (holder === this.identity.instanceId ? await this.isSuperseded(first) : await this.isGone(lock));
      links.push({ name, holder, holderGone, published: lock?.published });
      if (!holderGone || lock?.published !== undefined) break;
      name = `${first}-${holder}`;
    }
    return links;
  }

  private async isSuperseded(first: string): Promise<boolean> {
    return (await this.deps.secrets.readLock(`${first}-${this.identity.instanceId}`)) !== undefined;
  }

  /**
   * Only EC2's word counts, never "absent from the fleet view": a holder detached from its group, or
   * in a group without the cluster tag, still runs and could still init.
   */
  private async isGone(lock: LockRecord): Promise<boolean> {
    const listed = this.#view?.instances.find((i) => i.instanceId === lock.holder);
    if (listed?.ec2State !== undefined) return isGoneForGood(listed.ec2State);
    const state = (await this.deps.fleet.ec2Facts([lock.holder])).get(lock.holder)?.state;
    if (state !== undefined) return isGoneForGood(state);
    return this.deps.clock.now() - lock.writtenAt > UNKNOWN_HOLDER_GRACE_MS;
  }
}
