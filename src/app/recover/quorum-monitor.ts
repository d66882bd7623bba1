import type { RecoveryStep } from '../../core/recover/quorum-recovery.js';
import type { Logger } from '../../log/logger.js';
import { observeRecovery, type RecoveryDeps, type RecoveryView } from './recovery-facts.js';

/** An unchanged refusal or wait is logged again this often, so the journal always says why. */
const RELOG_MS = 5 * 60_000;

/**
 * A manager's watch, every poll: is its raft's majority gone for good? Observes with
 * observeRecovery and carries out the one step decided: take the loss's lock, force a new cluster
 * as its holder (then mark the lock recovered), or leave the dead raft and join the survivor that
 * recovered. Every decision is logged with the facts behind it (EC2's word on each missing manager).
 */
export class QuorumMonitor {
  #logged: { key: string; at: number } | undefined;
  /** A recovery not yet seen marked on its lock and in the record (the other survivors follow those): retried each round. */
  #unmarked: Recovered | undefined;
  /** This manager left a dead raft to join the recovered one through these hosts: until it is a member again, boot's procedure is run again each round. */
  #rejoining: string[] | undefined;

  constructor(
    private readonly deps: RecoveryDeps,
    private readonly log: Logger,
    /** Boot's procedure, run in place (as for a warm pool instance going into service), joining through `via` first. */
    private readonly boot: (via?: string[]) => Promise<void>,
  ) {}

  async round(): Promise<RecoveryStep | undefined> {
    if (this.#unmarked !== undefined) await this.mark(this.#unmarked);
    if (this.#rejoining !== undefined) {
      // A boot that failed (an AWS outage, its deadline) must not leave the manager out for good;
      // a join left pending or in error is boot's to settle too. Locked is the orphan check's.
      const state = (await this.deps.engine.info()).localNodeState;
      if (state === 'active' || state === 'locked') {
        this.#rejoining = undefined;
      } else {
        this.log.warn({ action: 'rejoin' }, 'still out of the swarm since leaving the dead raft: boot\'s procedure again');
        await this.boot(this.#rejoining);
        return undefined;
      }
    }
    const view = await observeRecovery(this.deps);
    if (view === undefined) return undefined;
    this.report(view);
    await this.act(view);
    return view.step;
  }

  private report({ facts, step }: RecoveryView): void {
    const key = `${step.kind}:${'lock' in step ? step.lock : ''}`;
    const now = this.deps.clock.now();
    if (step.kind === 'healthy') {
      if (this.#logged !== undefined) this.log.info({ recovery: step }, 'quorum: a majority of the raft answers again');
      this.#logged = undefined;
      return;
    }
    if (this.#logged?.key === key && now - this.#logged.at < RELOG_MS) return;
    this.#logged = { key, at: now };
    const ec2 = Object.fromEntries([...facts.ec2].map(([id, f]) => [id, { state: f.state, goneAt: f.goneAt === undefined ? undefined : new Date(f.goneAt).toISOString() }]));
    const level = step.kind === 'advise' || step.kind === 'refuse' ? 'error' : 'warn';
    this.log[level]({ recovery: step, members: facts.members, answering: facts.answering, record: facts.record, ec2 }, `quorum recovery: ${step.reason}`);
  }

  private async act({ facts, step }: RecoveryView): Promise<void> {
    const { engine, secrets } = this.deps;
    switch (step.kind) {
      case 'take-lock': {
        const won = await secrets.tryLock(step.lock, this.deps.instanceId);
        this.log.warn({ action: 'take-lock', lock: step.lock, won }, won ? `took ${step.lock}: this survivor recovers` : `${step.lock} was taken first by another survivor`);
        return;
      }
      case 'force-new-cluster':
        await engine.forceNewCluster(step.advertiseAddr);
        this.log.warn({ action: 'force-new-cluster', lock: step.lock, swarmId: facts.swarmId, advertiseAddr: step.advertiseAddr }, 'forced a new cluster: this manager is the raft of the swarm now');
        await this.mark({ lock: step.lock, swarmId: facts.swarmId ?? facts.record?.swarmId ?? '', nodeId: (await engine.info()).nodeId, lost: step.lost });
        return;
      case 'rejoin':
        // Boot's procedure joins an inactive manager with the published token, retrying within its deadline.
        await engine.leave(true);
        this.#rejoining = step.remoteAddrs.map((addr) => addr.replace(/:\d+$/, ''));
        this.log.warn({ action: 'rejoin', remoteAddrs: step.remoteAddrs }, 'left the dead raft: joining the recovered swarm through boot\'s procedure');
        await this.boot(this.#rejoining);
        return;
      default:
        return;
    }
  }

  /**
   * Marks the loss's lock recovered, then writes the recovery into the cluster record: what tells
   * every other survivor of this raft to follow, also one whose missing members (so whose lock's
   * name) differ by now.
   */
  private async mark(recovered: Recovered): Promise<void> {
    const { secrets, instanceId } = this.deps;
    try {
      await secrets.markLockPublished(recovered.lock, instanceId, recovered.swarmId);
      const record = await secrets.readCluster();
      // Done once a read shows it: the leader's record sync (this survivor leads now) may have
      // written the record from a read older than this write, so it is checked again next round.
      if (record === undefined || record.swarmId !== recovered.swarmId || record.recovered?.lock === recovered.lock) {
        this.#unmarked = undefined;
        return;
      }
      await secrets.writeCluster({ ...record, recovered: { lock: recovered.lock, holder: instanceId, nodeId: recovered.nodeId, lost: recovered.lost } });
      this.#unmarked = recovered;
    } catch (error) {
      this.#unmarked = recovered;
      this.log.warn({ err: error, lock: recovered.lock }, 'could not mark the recovery lock; the other survivors wait for it, retrying next round');
    }
  }
}

/** A recovery this survivor carried out, still to be marked on its lock and in the record. */
interface Recovered {
  lock: string;
  swarmId: string;
  nodeId: string;
  lost: string[];
}
