import { SWARM_PORT } from '../../core/boot/step.js';
import type { Logger } from '../../log/logger.js';
import type { Clock } from '../../ports/clock.js';
import type { Engine } from '../../ports/engine.js';
import type { PortProbe } from '../../ports/port-probe.js';

const PROBE_TIMEOUT_MS = 3_000;

export interface OrphanCheckDeps {
  engine: Engine;
  probe: PortProbe;
  clock: Clock;
  log: Logger;
  /** How long none of the worker's managers may answer before boot's procedure looks again. */
  silenceMs: number;
  /** Boot's procedure, run in place: it leaves a dead swarm and joins the cluster's current one. */
  boot(): Promise<void>;
}

/**
 * Every poll, a node cut off from its swarm by itself is handed to boot's procedure:
 * - an engine still locked (autolock) after boot ended, say boot failed on an AWS outage while the
 *   engine restarted locked: boot unlocks it with the key from SSM (unlocking changes no membership);
 * - a worker none of whose managers answers on 2377: a worker of a swarm whose managers all died for
 *   good (a new generation was started) is never told; after `silenceMs` of silence boot decides
 *   with the cluster's facts (leave and join the current swarm, or nothing when the silence was a
 *   partition). Costs no AWS call while any answers.
 */
export class OrphanCheck {
  #silentSince: number | undefined;
  #unlockTriedAt: number | undefined;

  constructor(private readonly deps: OrphanCheckDeps) {}

  async round(): Promise<void> {
    const { engine, probe, clock, log } = this.deps;
    const info = await engine.info();
    if (info.localNodeState === 'locked') {
      // Boot waits up to SWARMNODE_JOIN_TIMEOUT for a key SSM may not hold: tried again only every `silenceMs`.
      if (this.#unlockTriedAt !== undefined && clock.now() - this.#unlockTriedAt < this.deps.silenceMs) return;
      this.#unlockTriedAt = clock.now();
      log.warn({ nodeId: info.nodeId }, 'the engine is locked (autolock) and nothing unlocked it: boot\'s procedure unlocks it with the key from SSM');
      await this.deps.boot();
      return;
    }
    this.#unlockTriedAt = undefined;
    if (info.localNodeState !== 'active' || info.controlAvailable || info.remoteManagers.length === 0) {
      this.#silentSince = undefined;
      return;
    }
    const hosts = [...new Set(info.remoteManagers.map((m) => m.addr.replace(/:\d+$/, '')))];
    const open = await Promise.all(hosts.map((h) => probe.isOpen(h, SWARM_PORT, PROBE_TIMEOUT_MS)));
    if (open.some(Boolean)) {
      this.#silentSince = undefined;
      return;
    }
    const now = clock.now();
    this.#silentSince ??= now;
    if (now - this.#silentSince < this.deps.silenceMs) return;
    log.warn({ managers: hosts, silentForMs: now - this.#silentSince }, 'none of this worker\'s managers has answered for SWARMNODE_RECOVER_AFTER: boot\'s procedure looks at the cluster again');
    this.#silentSince = undefined;
    await this.deps.boot();
  }
}
