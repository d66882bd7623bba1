import { ROLES, type Role } from '../../config/config.js';
import { SecretUnreadableError } from '../../errors/secret-unreadable-error.js';
import type { Logger } from '../../log/logger.js';
import type { Secret } from '../../log/secret.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { SecretStore } from '../../ports/secret-store.js';

/**
 * How long a parameter known to hold the swarm's token is trusted without reading it again. Beyond
 * it, a parameter deleted or corrupted behind the leader's back (the documented fix for an
 * unreadable token is to delete it) is re-published; within it, SSM and KMS are spared.
 */
export const TOKEN_RECHECK_MS = 60_000;

/**
 * Keeps the SSM token parameters equal to the swarm's join tokens. The parameter is read (and
 * decrypted) when the swarm's token differs from the last one known to be stored, or when that
 * knowledge is older than TOKEN_RECHECK_MS: a steady cluster costs one engine call per round, and a
 * `join-token --rotate` is seen on the next round.
 */
export class TokenSync {
  readonly #stored = new Map<Role, { token: Secret; checkedAt: number }>();
  #current: { manager: Secret; worker: Secret } | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly secrets: SecretStore,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Roles whose parameter is missing, unreadable or different from the swarm's token. */
  async drift(): Promise<Role[]> {
    const current = await this.engine.joinTokens();
    this.#current = current;
    const drift: Role[] = [];
    for (const role of ROLES) {
      const known = this.#stored.get(role);
      if (known?.token.equals(current[role]) && this.clock.now() - known.checkedAt < TOKEN_RECHECK_MS) continue;
      const stored = await this.readStored(role);
      if (stored?.equals(current[role])) this.#stored.set(role, { token: current[role], checkedAt: this.clock.now() });
      else drift.push(role);
    }
    return drift;
  }

  async publish(role: Role): Promise<void> {
    const token = this.#current?.[role];
    if (token === undefined) return;
    await this.secrets.writeToken(role, token);
    this.#stored.set(role, { token, checkedAt: this.clock.now() });
    this.log.info({ role }, 'published the swarm\'s current join token to SSM');
  }

  /** An unreadable parameter (corrupted, wrong context) is replaced: that is the documented fix. */
  private async readStored(role: Role): Promise<Secret | undefined> {
    try {
      return await this.secrets.readToken(role);
    } catch (error) {
      if (error instanceof SecretUnreadableError) {
        this.log.warn({ role, err: error }, 'the SSM token parameter is unreadable: re-publishing it');
        return undefined;
      }
      throw error;
    }
  }
}
