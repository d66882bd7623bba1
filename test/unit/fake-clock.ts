import FakeTimers from '@sinonjs/fake-timers';
import { afterEach } from 'vitest';
import { systemClock } from '../../src/adapters/host/system-clock.js';
import type { Clock } from '../../src/ports/clock.js';

type Installed = ReturnType<ReturnType<typeof FakeTimers.withGlobal>['install']>;

const realSetImmediate = globalThis.setImmediate;
let current: FakeClock | undefined;

/**
 * Virtual time for unit tests, on the global timers (so p-retry's waits and the product's own run on
 * it): whenever every loop is parked on a timer, time jumps to the earliest one. Concurrent loops
 * (a drain and its heartbeats) thus share one timeline, and hours pass in milliseconds.
 */
export class FakeClock implements Clock {
  readonly #clock: Installed;
  #ticking = false;
  #stopped = false;
  #fakeSetTimeout: typeof setTimeout | undefined;

  constructor(start = 1_000_000) {
    current?.uninstall();
    this.#clock = FakeTimers.withGlobal(globalThis).install({ now: start, toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'], loopLimit: 1_000_000 });
    // Every new timer, whoever sets it (the product, p-retry), starts the clock moving; uninstall
    // puts the real setTimeout back.
    const fakeSetTimeout = globalThis.setTimeout;
    this.#fakeSetTimeout = fakeSetTimeout;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      const timer = fakeSetTimeout(...args);
      this.#tick();
      return timer;
    }) as typeof setTimeout;
    current = this;
  }

  get time(): number {
    return this.#clock.now;
  }

  /** Moves the wall clock without firing timers (time passed while nothing was waiting). */
  set time(value: number) {
    this.#clock.setSystemTime(value);
  }

  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  /** Waits for `work` (time moves on its own: this only reads as what the test waits for). */
  run<T>(work: Promise<T>): Promise<T> {
    return work;
  }

  uninstall(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    // sinon restores only what it installed itself: give it back its own fake first.
    if (this.#fakeSetTimeout !== undefined) globalThis.setTimeout = this.#fakeSetTimeout;
    this.#clock.uninstall();
    if (current === this) current = undefined;
  }

  #tick(): void {
    if (this.#ticking || this.#stopped) return;
    this.#ticking = true;
    realSetImmediate(() => {
      this.#ticking = false;
      if (this.#stopped || this.#clock.countTimers() === 0) return;
      this.#clock.next();
      this.#tick();
    });
  }
}

afterEach(() => current?.uninstall());
