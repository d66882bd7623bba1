import { backupDue } from '../../core/backup/due.js';
import { newestOfSwarm } from '../../core/backup/latest.js';
import { UnrecordedSwarmError } from '../../errors/unrecorded-swarm-error.js';
import { readHistory } from './history.js';
import { backupSummary, pruneBackups, snapshot, storeBackup, type BackupDeps } from './take-backup.js';

export interface BackupKeeperDeps extends BackupDeps {
  minIntervalMs: number;
  maxAgeMs: number;
}

/** The newest backup of the swarm this leader serves. */
interface LastBackup {
  swarmId: string;
  at: number;
  hash8: string;
}

/**
 * The leader's backup step. The reconciler kicks it every round; it looks at the swarm at most once
 * per minimum interval and writes a backup when the content changed or the last one is older than
 * the maximum age. It runs beside the round, never in it: a slow or failing S3, KMS or SSM cannot
 * hold back a drain, a demotion or a reap. A failure is logged and the next check tries again.
 */
export class BackupKeeper {
  #running: Promise<void> | undefined;
  #nextCheckAt = 0;
  #last: LastBackup | undefined;
  #lastRefusal = '';

  constructor(private readonly deps: BackupKeeperDeps) {}

  /**
   * Starts a check when one is due and none is running, and returns at once; the promise it gives
   * (the check in flight, if any) is for tests, the reconciler never waits for it.
   */
  kick(): Promise<void> {
    if (this.#running !== undefined) return this.#running;
    const now = this.deps.clock.now();
    if (now < this.#nextCheckAt) return Promise.resolve();
    this.#nextCheckAt = now + this.deps.minIntervalMs;
    const running = this.check()
      .catch((error: unknown) => this.failed(error))
      .finally(() => {
        this.#running = undefined;
      });
    this.#running = running;
    return running;
  }

  /** When the newest known backup of this leader's swarm was written (epoch ms): what a backup-age gauge shows. */
  lastBackupAt(): number | undefined {
    return this.#last?.at;
  }

  private async check(): Promise<void> {
    const { deps } = this;
    const document = await snapshot(deps);
    this.#lastRefusal = '';
    const last = this.#last?.swarmId === document.swarmId ? this.#last : await this.findLast(document.swarmId);
    const now = Date.parse(document.createdAt);
    const decision = backupDue({ now, contentHash: document.contentHash, last, minIntervalMs: deps.minIntervalMs, maxAgeMs: deps.maxAgeMs });
    if (!decision.due) {
      deps.log.debug({ reason: decision.reason }, 'backup: not due');
      return;
    }
    const stored = await storeBackup(deps, document);
    this.#last = { swarmId: document.swarmId, at: now, hash8: document.contentHash.slice(0, 8) };
    deps.log.info({ object: stored.key, bytes: stored.size, reason: decision.reason, generation: document.generation, ...backupSummary(document), secretsToMakeOnRestore: document.requiredSecrets.length }, `backup written to ${deps.store.location}/${stored.key}`);
    try {
      await pruneBackups(deps);
    } catch (error) {
      deps.log.warn({ err: error }, 'backup: pruning the history failed; the next backup tries again');
    }
  }

  /** After a restart or a change of leader: what the history says was written last for this swarm. */
  private async findLast(swarmId: string): Promise<LastBackup | undefined> {
    const newest = newestOfSwarm(await readHistory(this.deps.store, this.deps.prefix, this.deps.cluster), swarmId);
    this.#last = newest === undefined ? undefined : { swarmId, at: newest.at, hash8: newest.hash8 };
    return this.#last;
  }

  private failed(error: unknown): void {
    if (error instanceof UnrecordedSwarmError) {
      // Said once per reason, not every check: it lasts until an operator or the recovery acts.
      if (error.message !== this.#lastRefusal) this.deps.log.warn({ err: error }, error.message);
      this.#lastRefusal = error.message;
      return;
    }
    this.deps.log.warn({ err: error }, 'backup failed; the next check tries again');
  }
}
