import type { DrainTrigger } from '../../core/drain/step.js';
import type { Logger } from '../../log/logger.js';

/**
 * One drain path for every source (hook, warm-pool scale-in, spot notice): the first trigger starts
 * the drain, later ones merge into it (a spot notice shortens a running hook drain's deadlines; a
 * hook adds an action to answer), since the drain reads its trigger at every step.
 */
export class Drainer {
  #running: { trigger: DrainTrigger; done: Promise<void> } | undefined;

  constructor(
    private readonly drain: (trigger: DrainTrigger, stop: AbortSignal) => Promise<void>,
    private readonly stop: AbortSignal,
    private readonly log: Logger,
  ) {}

  /** A drain ran in this process (its numbers are worth one last scrape before the instance goes). */
  drained = false;

  get busy(): boolean {
    return this.#running !== undefined;
  }

  take(part: Partial<DrainTrigger>): void {
    const running = this.#running;
    if (running !== undefined) {
      const { trigger } = running;
      trigger.hook ||= part.hook ?? false;
      trigger.toWarmPool ||= part.toWarmPool ?? false;
      trigger.spotTime ??= part.spotTime;
      this.log.info({ trigger }, 'a running drain takes on a new trigger');
      return;
    }
    const trigger: DrainTrigger = { hook: false, spotTime: undefined, toWarmPool: false, ...part };
    this.drained = true;
    const done = this.drain(trigger, this.stop)
      .catch((error: unknown) => this.log.error({ err: error, trigger }, 'drain failed'))
      .finally(() => {
        this.#running = undefined;
      });
    this.#running = { trigger, done };
  }

  /** Resolves once no drain runs (a stop lets a running one finish within its grace). */
  async settled(): Promise<void> {
    await this.#running?.done;
  }
}
