import { SWARM_SECRETS, type SwarmSecret } from '../../core/reconcile/secret.js';
import { SecretUnreadableError } from '../../errors/secret-unreadable-error.js';
import type { Logger } from '../../log/logger.js';
import type { Secret } from '../../log/secret.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { SecretStore } from '../../ports/secret-store.js';


/**
 * How long a parameter known to hold the swarm's value is trusted without reading it again. Beyond
 * it, a parameter deleted or corrupted behind the leader's back is re-published; within it, SSM and
 * KMS are spared.
 */
export const SECRET_RECHECK_MS = 60_000;

/**
 * Keeps the SSM parameters equal to the swarm's secrets: the join tokens (re-published after a
 * `join-token --rotate`) and the unlock key (published when autolock is turned on or the key
 * rotated, deleted when autolock is turned off). A parameter is read (and decrypted) only when the
 * swarm's value differs from the last one known to be stored, or when that knowledge is older than
 * SECRET_RECHECK_MS: a steady cluster costs two engine calls per round and no AWS call.
 */
export class SecretSync {
  readonly #stored = new Map<SwarmSecret, { value: Secret | undefined; checkedAt: number }>();
  #current: Map<SwarmSecret, Secret | undefined> | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly secrets: SecretStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Secrets whose parameter is missing, unreadable, different from the swarm's, or left over. */
  async drift(): Promise<SwarmSecret[]> {
    const [tokens, unlockKey] = await Promise.all([this.engine.joinTokens(), this.engine.unlockKey()]);
    const current = new Map<SwarmSecret, Secret | undefined>([['worker-token', tokens.worker], ['manager-token', tokens.manager], ['unlock-key', unlockKey]]);
    this.#current = current;
    const drift: SwarmSecret[] = [];
    for (const name of SWARM_SECRETS) {
      const value = current.get(name);
      const known = this.#stored.get(name);
      if (known !== undefined && same(known.value, value) && this.clock.now() - known.checkedAt < SECRET_RECHECK_MS) continue;
      const stored = await this.readStored(name);
      if (same(stored, value)) this.#stored.set(name, { value, checkedAt: this.clock.now() });
      else drift.push(name);
    }
    return drift;
  }

  async publish(name: SwarmSecret): Promise<void> {
    if (this.#current === undefined || !this.#current.has(name)) return;
    const value = this.#current.get(name);
    if (name === 'unlock-key') {
      if (value === undefined) await this.secrets.deleteUnlockKey();
      else await this.secrets.writeUnlockKey(value);
    } else if (value !== undefined) {
      await this.secrets.writeToken(name === 'worker-token' ? 'worker' : 'manager', value);
    }
    this.#stored.set(name, { value, checkedAt: this.clock.now() });
    this.log.info({ secret: name, autolock: name === 'unlock-key' ? value !== undefined : undefined }, value === undefined ? `deleted the SSM ${name}: autolock is off` : `published the swarm's current ${name} to SSM`);
  }

  /** An unreadable parameter (corrupted, wrong context) is replaced with the swarm's value. */
  private async readStored(name: SwarmSecret): Promise<Secret | undefined> {
    try {
      if (name === 'unlock-key') return await this.secrets.readUnlockKey();
      return await this.secrets.readToken(name === 'worker-token' ? 'worker' : 'manager');
    } catch (error) {
      if (error instanceof SecretUnreadableError) {
        this.log.warn({ secret: name, err: error }, 'the SSM parameter is unreadable: re-publishing it');
        return undefined;
      }
      throw error;
    }
  }
}

function same(a: Secret | undefined, b: Secret | undefined): boolean {
  return a === undefined ? b === undefined : a.equals(b);
}
