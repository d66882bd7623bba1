export interface CallStats {
  total: number;
  /** Calls the fault injector answered with an error instead of the API. */
  rejected: number;
  /** The rejected calls that were throttled (injected rules or the AWS-like preset). */
  throttled: number;
  byApi: Record<string, number>;
  byCaller: Record<string, Record<string, number>>;
  /** Throttled calls by API, e.g. { 'ssm:PutParameter': 12 }. */
  throttledByApi: Record<string, number>;
}

/** Counts every API call (including throttled and failed ones) by API and by caller. */
export class CallCounter {
  private stats: CallStats = empty();

  record(api: string, caller: string): void {
    this.stats.total += 1;
    this.stats.byApi[api] = (this.stats.byApi[api] ?? 0) + 1;
    const mine = (this.stats.byCaller[caller] ??= {});
    mine[api] = (mine[api] ?? 0) + 1;
  }

  reject(): void {
    this.stats.rejected += 1;
  }

  /** A call already recorded and rejected was throttled. */
  throttle(api: string): void {
    this.stats.throttled += 1;
    this.stats.throttledByApi[api] = (this.stats.throttledByApi[api] ?? 0) + 1;
  }

  snapshot(): CallStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = empty();
  }
}

function empty(): CallStats {
  return { total: 0, rejected: 0, throttled: 0, byApi: {}, byCaller: {}, throttledByApi: {} };
}
