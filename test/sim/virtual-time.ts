import FakeTimers from '@sinonjs/fake-timers';

type InstalledClock = ReturnType<ReturnType<typeof FakeTimers.withGlobal>['install']>;

/** The real setImmediate, kept before anything replaces the globals. */
const realSetImmediate = globalThis.setImmediate;

/** One turn of the real event loop: every promise job queued so far has run. */
function settle(): Promise<void> {
  return new Promise((resolve) => realSetImmediate(resolve));
}

interface Timer {
  at: number;
  seq: number;
  run: () => void;
  interval: number | undefined;
  cancelled: boolean;
}

/** A Node-like timer handle: code may unref it or use it as a number. */
class Handle {
  constructor(readonly timer: Timer) {}
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  refresh(): this {
    return this;
  }
  close(): this {
    this.timer.cancelled = true;
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.timer.seq;
  }
}

/** A binary min-heap of timers by (at, seq): the next one costs O(log n), not a scan of them all. */
class TimerHeap {
  readonly #items: Timer[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(timer: Timer): void {
    const items = this.#items;
    items.push(timer);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(items[i] as Timer, items[parent] as Timer)) break;
      [items[i], items[parent]] = [items[parent] as Timer, items[i] as Timer];
      i = parent;
    }
  }

  peek(): Timer | undefined {
    while (this.#items[0]?.cancelled) this.pop();
    return this.#items[0];
  }

  pop(): Timer | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l] as Timer, items[m] as Timer)) m = l;
        if (r < items.length && before(items[r] as Timer, items[m] as Timer)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m] as Timer, items[i] as Timer];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * Virtual time for the whole process: setTimeout and setInterval run on a heap that only the
 * simulation moves, and Date and performance follow it (sinon fakes those two), so the product's
 * own waits and p-retry's share one timeline. Moving it is cheap, which is what lets thousands of
 * schedules run in seconds; the order of timers due at the same instant is their creation order.
 */
export class VirtualTime {
  readonly #dates: InstalledClock;
  readonly #heap = new TimerHeap();
  readonly #saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, setInterval: globalThis.setInterval, clearInterval: globalThis.clearInterval };
  #now: number;
  #seq = 0;

  constructor(start: number) {
    this.#now = start;
    this.#dates = FakeTimers.withGlobal(globalThis).install({ now: start, toFake: ['Date', 'performance'] });
    const schedule = (run: (...args: unknown[]) => void, ms: number | undefined, args: unknown[], interval: boolean): NodeJS.Timeout => {
      const delay = Math.max(0, Number(ms) || 0);
      const timer: Timer = { at: this.#now + delay, seq: ++this.#seq, run: () => run(...args), interval: interval ? Math.max(1, delay) : undefined, cancelled: false };
      this.#heap.push(timer);
      return new Handle(timer) as unknown as NodeJS.Timeout;
    };
    const cancel = (h: unknown): void => {
      if (h instanceof Handle) h.timer.cancelled = true;
    };
    globalThis.setTimeout = ((run: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => schedule(run, ms, args, false)) as unknown as typeof setTimeout;
    globalThis.setInterval = ((run: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => schedule(run, ms, args, true)) as unknown as typeof setInterval;
    globalThis.clearTimeout = cancel as typeof clearTimeout;
    globalThis.clearInterval = cancel as typeof clearInterval;
  }

  now(): number {
    return this.#now;
  }

  /** Pending timers, for the curious (benchmarks). */
  get pending(): number {
    return this.#heap.size;
  }

  /**
   * Runs every timer due up to `now() + ms`, in order, letting the promise jobs each instant starts
   * run before the next; `afterEach` runs at every instant where something happened (invariants).
   */
  async advance(ms: number, afterEach: () => void = () => {}): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#heap.peek();
      if (next === undefined || next.at > end) break;
      this.#moveTo(next.at);
      // Every timer due at this instant, then what they started runs to its next wait.
      while (this.#heap.peek()?.at === this.#now) {
        const timer = this.#heap.pop() as Timer;
        if (timer.interval !== undefined) {
          timer.at = this.#now + timer.interval;
          timer.seq = ++this.#seq;
          this.#heap.push(timer);
        }
        timer.run();
      }
      await settle();
      afterEach();
    }
    this.#moveTo(end);
    await settle();
    afterEach();
  }

  #moveTo(at: number): void {
    if (at > this.#now) this.#dates.tick(at - this.#now);
    this.#now = Math.max(this.#now, at);
  }

  uninstall(): void {
    Object.assign(globalThis, this.#saved);
    this.#dates.uninstall();
  }
}
