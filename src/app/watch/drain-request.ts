import type { Logger } from '../../log/logger.js';
import type { DrainRequestRecord } from '../../ports/boot-record.js';
import type { Clock } from '../../ports/clock.js';
import type { Fleet } from '../../ports/fleet.js';
import type { StateFile } from '../../ports/state-file.js';

/**
 * Keeps this instance's `swarmnode:drain` tag equal to what IMDS says it should ask for (a rebalance
 * recommendation, a scheduled event ahead), and removes it once that is past, so the leader drains
 * the node, then re-activates it. What was last set is kept in the state directory: a steady
 * instance makes no AWS call, and a watch started after a reboot still knows to remove the tag.
 */
export class DrainRequestKeeper {
  #known: string | undefined | null = null;

  constructor(
    private readonly fleet: Fleet,
    private readonly records: StateFile<DrainRequestRecord>,
    private readonly instanceId: string,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  async keep(wanted: string | undefined): Promise<void> {
    if (this.#known === null) this.#known = (await this.records.read())?.tag;
    if (this.#known === wanted) return;
    if (wanted === undefined) await this.fleet.clearDrainRequest(this.instanceId);
    else await this.fleet.requestDrain(this.instanceId, wanted);
    this.log.info({ tag: wanted, was: this.#known }, wanted === undefined ? `no more reason to stay drained (was ${this.#known}): the leader re-activates this node` : `asked the leader to drain this node: ${wanted}`);
    this.#known = wanted;
    await this.records.write({ tag: wanted, at: new Date(this.clock.now()).toISOString() });
  }
}
