import type { Role } from '../../config/config.js';
import type { BootFacts, LockLink, NeededFact } from '../../core/boot/facts.js';
import type { BootStep } from '../../core/boot/step.js';
import { MAX_LOCK_CHAIN, SWARM_PORT } from '../../core/boot/step.js';
import { electionGeneration, electionLock } from '../../core/boot/generation.js';
import { decideBoot } from '../../core/boot/plan.js';
import { electionRank, joinablePeers } from '../../core/boot/peers.js';
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

/** A fact, when it was read, and in which observation (what decides whether it is reused: clocks may step). */
interface Known<T> {
  value: T;
  readAt: number;
  readIn: number;
}

/**
 * Gathers the facts decideBoot asks for, read-only: `plan` uses it as is, boot between its actions.
 * It keeps what the decision itself must not: the decrypted token for the join, and since when the
 * engine has been pending.
 *
 * Facts cost AWS calls, so within one boot it reuses, while it waits, what only changes through a
 * step that decides elsewhere: the fleet view (until it is older than the fleet-sized limit), and
 * the facts that only ever appear once a swarm is published (the token it found, the cluster
 * record). Absent tokens, records and locks are read again at every observation, except while a
 * manager waits in an election (see #electionWait). A step that commits (take-lock, init, leave)
 * asks for `freshFacts`, and is then decided again on everything read anew; after an action of its
 * own that changes what was read (see acted) the next observation reads everything too.
 */
export class BootObserver {
  #pendingSince: number | undefined;
  #view: Known<FleetView> | undefined;
  #token: Known<Secret> | undefined;
  #record: Known<ClusterRecord> | undefined;
  #otherToken: Known<true> | undefined;
  /**
   * An election this manager found itself waiting in (no token, nothing answering on 2377: a live
   * holder initialising, a head start given, a swarm published whose token is missing). The way out
   * of such a wait is a manager answering on 2377 (a holder opens it before it publishes), a lock
   * holder found gone in a fresher fleet view, or a head start running out, which leads to a step
   * that reads everything anew; so while nothing answers and the view is the same, the next rounds
   * reuse these facts instead of reading the token, the lock chain and the record again.
   */
  #electionWait: { value: ElectionFacts; readAt: number; view: FleetView } | undefined;
  #observations = 0;
  #joinFailures = 0;
  #registered = false;
  readonly #viewMaxAgeMs: number;
  readonly #joinVia: string[];
  readonly #startedAt: number;

  constructor(
    private readonly deps: ObserverDeps,
    private readonly identity: InstanceIdentity,
    private readonly role: Role,
    private readonly cluster: string,
    private readonly targetLifecycleState: string | undefined,
    /** The view discovery just read, how long a waiting boot may reuse a view, and managers to join through first (BootContext.joinVia). */
    reuse: { view?: FleetView; viewMaxAgeMs: number; joinVia?: string[] } = { viewMaxAgeMs: 0 },
  ) {
    this.#viewMaxAgeMs = reuse.viewMaxAgeMs;
    this.#joinVia = reuse.joinVia ?? [];
    this.#startedAt = deps.clock.now();
    // Read just before the first observation: it counts as read during it.
    if (reuse.view !== undefined) this.#view = { value: reuse.view, readAt: this.#startedAt, readIn: 1 };
  }

  /** A join failed: the next join decision starts from another manager, with the token read again (it may have been rotated). */
  joinFailed(): void {
    this.#joinFailures++;
    this.#token = undefined;
  }

  /** This manager wrote its own entry in this boot: no need to read it back. */
  registered(): void {
    this.#registered = true;
  }

  /**
   * A step of this boot was carried out. An init, a publish (a new generation's record and tokens
   * over the old ones), a leave, a lock taken or an unlock changes what was read: the next
   * observation reads everything anew. A join or an entry written changes nothing read here.
   */
  acted(step: BootStep['kind']): void {
    if (step !== 'join' && step !== 'register') this.forget();
  }

  async observe(): Promise<Observation> {
    const observation = ++this.#observations;
    let facts = await this.base(observation);
    let step = decideBoot(facts);
    let restarted = false;
    for (let needs = 0; needs < MAX_NEEDS && step.kind === 'need'; needs++) {
      if (step.fact === 'freshFacts' && !restarted) {
        // Everything is read anew, so the decision may ask for each fact again: count from zero.
        restarted = true;
        needs = -1;
        this.forget();
        facts = await this.base(observation);
      } else if (step.fact !== 'freshFacts') {
        facts = { ...facts, ...(await this.fill(facts, step.fact)) };
      }
      step = decideBoot(facts);
    }
    this.#electionWait =
      step.kind === 'wait' && waitingInElection(facts) && this.#view !== undefined
        ? { value: electionFacts(facts), readAt: this.#electionWait?.readAt ?? this.deps.clock.now(), view: this.#view.value }
        : undefined;
    return { facts, step, token: this.#token?.value };
  }

  /** Everything reused is dropped: the next facts are all read anew. */
  private forget(): void {
    this.#view = undefined;
    this.#token = undefined;
    this.#record = undefined;
    this.#otherToken = undefined;
    this.#electionWait = undefined;
  }

  private async base(observation: number): Promise<BootFacts> {
    const info = await this.deps.engine.info();
    const now = this.deps.clock.now();
    this.#pendingSince = info.localNodeState === 'pending' ? (this.#pendingSince ?? now) : undefined;
    if (this.#view === undefined || now - this.#view.readAt > this.#viewMaxAgeMs) {
      this.#view = { value: await this.deps.fleet.view(this.cluster, 'manager'), readAt: this.deps.clock.now(), readIn: observation };
    }
    // At least 1 ms: a fact from an earlier observation is reused even when the clock says no time passed.
    const reused = [this.#view, this.#token, this.#record, this.#otherToken].filter((k) => k !== undefined && k.readIn < observation).map((k) => Math.max(1, now - (k as Known<unknown>).readAt));
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
      ...(this.#record === undefined ? { clusterSwarmId: undefined, clusterCreatedBy: undefined, clusterGeneration: undefined, recordedManager: false } : this.recordFacts(this.#record.value, info.nodeId)),
      recovery: this.deps.recovery,
      managerPeers: this.managerPeers(),
      electionRank: electionRank(this.#view.value, this.identity.instanceId),
      bootElapsedMs: now - this.#startedAt,
      reusedFactsAgeMs: Math.max(0, ...reused),
      joinFailures: this.#joinFailures,
      ...(this.#registered ? { registered: true } : {}),
      ...(this.#token === undefined ? {} : { tokenPresent: true }),
      ...(this.#otherToken === undefined ? {} : { otherTokenPresent: true }),
    };
  }

  /** The managers to join through first (listed by the fleet or not), then the fleet's other joinable managers. */
  private managerPeers(): string[] {
    const via = this.#joinVia.filter((ip) => ip !== this.identity.localIpv4);
    return [...via, ...joinablePeers((this.#view as Known<FleetView>).value, this.identity.instanceId).filter((ip) => !via.includes(ip))];
  }

  /** `nodeId`: this engine's; the record lists this manager only under its current node id (one that left and rejoined has a new one). */
  private recordFacts(record: ClusterRecord | undefined, nodeId: string): Pick<BootFacts, RecordFact> {
    return {
      clusterRecordRead: true,
      clusterSwarmId: record?.swarmId,
      clusterCreatedBy: record?.createdBy,
      clusterGeneration: record?.generation,
      recordedManager: record?.managers.some((m) => m.instanceId === this.identity.instanceId && m.nodeId === nodeId) ?? false,
    };
  }

  private async fill(facts: BootFacts, fact: Exclude<NeededFact, 'freshFacts'>): Promise<Partial<BootFacts>> {
    const now = (): number => this.deps.clock.now();
    switch (fact) {
      case 'tokenPresent': {
        const waiting = this.#electionWait;
        if (waiting !== undefined && facts.reachablePeers?.length === 0 && waiting.view === this.#view?.value) {
          return { ...waiting.value, reusedFactsAgeMs: Math.max(facts.reusedFactsAgeMs ?? 0, 1, now() - waiting.readAt) };
        }
        this.#electionWait = undefined;
        if (this.role === 'worker') {
          const token = await this.deps.secrets.readToken(this.role);
          this.keepToken(token);
          return { tokenPresent: token !== undefined };
        }
        // A manager decides on the record too (which generation, which lock): one call reads both.
        const { token, cluster } = await this.deps.secrets.readTokenAndCluster(this.role);
        this.keepToken(token);
        this.keepRecord(cluster);
        return { tokenPresent: token !== undefined, ...this.recordFacts(cluster, facts.engine.nodeId) };
      }
      case 'otherTokenPresent': {
        const present = await this.deps.secrets.tokenExists(otherRole(this.role));
        if (present) this.#otherToken = { value: true, readAt: now(), readIn: this.#observations };
        return { otherTokenPresent: present };
      }
      case 'clusterRecord': {
        const record = await this.deps.secrets.readCluster();
        this.keepRecord(record);
        return this.recordFacts(record, facts.engine.nodeId);
      }
      case 'reachablePeers': {
        const open = await Promise.all(facts.managerPeers.map((ip) => this.deps.probe.isOpen(ip, SWARM_PORT, PROBE_TIMEOUT_MS)));
        return { reachablePeers: facts.managerPeers.filter((_, i) => open[i]) };
      }
      case 'locks':
        return { locks: await this.lockChain(electionLock(electionGeneration(facts))) };
      case 'recordedManagers': {
        const managers = knownManagers(this.#record?.value, await this.deps.secrets.registeredManagers());
        const ids = [...new Set(managers.map((m) => m.instanceId).filter((id) => id !== ''))];
        return { recordedManagers: { managers, ec2: ids.length === 0 ? new Map() : await this.deps.fleet.ec2Facts(ids) } };
      }
      case 'unlockKeyPresent':
        return { unlockKeyPresent: (await this.deps.secrets.readUnlockKey()) !== undefined };
      case 'health':
        return { health: await checkHealth(this.deps.engine) };
    }
  }

  private keepToken(token: Secret | undefined): void {
    if (token !== undefined) this.#token = { value: token, readAt: this.deps.clock.now(), readIn: this.#observations };
  }

  /** The latest read wins, an absent record too: what is kept never contradicts what was last read. */
  private keepRecord(record: ClusterRecord | undefined): void {
    this.#record = record === undefined ? undefined : { value: record, readAt: this.deps.clock.now(), readIn: this.#observations };
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
    const listed = this.#view?.value.instances.find((i) => i.instanceId === lock.holder);
    if (listed?.ec2State !== undefined) return isGoneForGood(listed.ec2State);
    const state = (await this.deps.fleet.ec2Facts([lock.holder])).get(lock.holder)?.state;
    if (state !== undefined) return isGoneForGood(state);
    return this.deps.clock.now() - lock.writtenAt > UNKNOWN_HOLDER_GRACE_MS;
  }
}

/** What the cluster record says (see BootObserver.recordFacts). */
type RecordFact = 'clusterRecordRead' | 'clusterSwarmId' | 'clusterCreatedBy' | 'clusterGeneration' | 'recordedManager';

/** What an election read: reused while it waits (see BootObserver.#electionWait). */
type ElectionFacts = Pick<BootFacts, 'tokenPresent' | 'locks' | 'otherTokenPresent' | 'recordedManagers' | RecordFact>;

/** A manager with no token and nothing answering on 2377, waiting on what the lock chain said. */
function waitingInElection(facts: BootFacts): boolean {
  return facts.role === 'manager' && facts.tokenPresent === false && facts.reachablePeers?.length === 0 && facts.locks !== undefined;
}

function electionFacts(facts: BootFacts): ElectionFacts {
  const { tokenPresent, locks, otherTokenPresent, recordedManagers, clusterRecordRead, clusterSwarmId, clusterCreatedBy, clusterGeneration, recordedManager } = facts;
  return { tokenPresent, locks, otherTokenPresent, recordedManagers, clusterRecordRead, clusterSwarmId, clusterCreatedBy, clusterGeneration, recordedManager };
}
