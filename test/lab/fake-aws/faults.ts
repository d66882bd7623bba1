import { AwsThrottle, type AwsThrottleOptions, type CallShape } from './aws-throttle.js';

export type ServerErrorCode = 'InternalFailure' | 'ServiceUnavailable';

/** What the injector decided for one call; each protocol renders `fault` in its own real shape. */
export interface FaultDecision {
  fault: { kind: 'throttle' } | { kind: 'deny' } | { kind: 'server'; code: ServerErrorCode } | undefined;
  latencyMs: number;
}

interface Bucket {
  api: string | undefined;
  ratePerSec: number;
  burst: number;
  tokens: number;
  refilledAt: number;
}

interface ServerErrorRule {
  api: string | undefined;
  remaining: number;
  code: ServerErrorCode;
}

/**
 * Faults the lab injects in front of the APIs. `api` is 'service:Action' (as in IAM policies,
 * e.g. 'ssm:GetParameter'); a rule without `api` applies to every API.
 */
export class Faults {
  private buckets: Bucket[] = [];
  private serverErrors: ServerErrorRule[] = [];
  private latencies: { api: string | undefined; ms: number }[] = [];
  private denials: { api: string; instanceId: string | undefined }[] = [];
  private aws: AwsThrottle | undefined;

  constructor(private readonly now: () => number) {}

  /**
   * AWS's own throttling: a token bucket per API family sized like AWS's documented defaults,
   * times `scale` (see aws-throttle.ts for the figures and their sources). Replaces any earlier
   * preset; works alongside the `throttle` rules. Returns the preset, whose `limits` are the sizes in force.
   */
  throttleLikeAws(opts: AwsThrottleOptions = {}): AwsThrottle {
    this.aws = new AwsThrottle(this.now, opts);
    return this.aws;
  }

  /**
   * A call a service makes on the caller's behalf (S3 calling KMS for SSE-KMS): it counts against
   * the caller's AWS quota, so it is refused when the AWS-like preset's bucket is empty.
   */
  allowOnBehalf(api: string): boolean {
    return this.aws?.take(api)?.allowed ?? true;
  }

  /** Whether `api` is denied to this caller: a service checks it for the calls it makes on the caller's behalf. */
  isDenied(api: string, callerInstanceId: string | undefined): boolean {
    return this.denials.some((d) => d.api === api && (d.instanceId === undefined || d.instanceId === callerInstanceId));
  }

  /** Token bucket: `burst` calls at once, then `ratePerSec` per second. */
  throttle(rule: { api?: string; ratePerSec: number; burst: number }): void {
    this.buckets.push({ api: rule.api, ratePerSec: rule.ratePerSec, burst: rule.burst, tokens: rule.burst, refilledAt: this.now() });
  }

  /** The next `count` matching calls fail with a 5xx. */
  serverError(rule: { api?: string; count: number; code?: ServerErrorCode }): void {
    this.serverErrors.push({ api: rule.api, remaining: rule.count, code: rule.code ?? 'InternalFailure' });
  }

  latency(rule: { api?: string; ms: number }): void {
    this.latencies.push({ api: rule.api, ms: rule.ms });
  }

  /** AccessDenied for `api`, for every caller or only for calls made with that instance's role. */
  deny(rule: { api: string; instanceId?: string }): void {
    this.denials.push({ api: rule.api, instanceId: rule.instanceId });
  }

  clear(): void {
    this.buckets = [];
    this.serverErrors = [];
    this.latencies = [];
    this.denials = [];
    this.aws = undefined;
  }

  /** `shape` says which AWS-like bucket the call draws from where its API name alone does not (S3 prefix, EC2 filters). */
  decide(api: string, callerInstanceId: string | undefined, shape: CallShape = {}): FaultDecision {
    const latencyMs = this.latencies.filter((l) => matches(l.api, api)).reduce((sum, l) => sum + l.ms, 0);
    if (this.isDenied(api, callerInstanceId)) {
      return { fault: { kind: 'deny' }, latencyMs };
    }
    // Every matching bucket is charged, so a global and a per-API limit both hold.
    let throttled = this.aws?.take(api, shape)?.allowed === false;
    for (const bucket of this.buckets.filter((b) => matches(b.api, api))) {
      if (!this.take(bucket)) throttled = true;
    }
    if (throttled) return { fault: { kind: 'throttle' }, latencyMs };
    const failing = this.serverErrors.find((r) => r.remaining > 0 && matches(r.api, api));
    if (failing !== undefined) {
      failing.remaining -= 1;
      return { fault: { kind: 'server', code: failing.code }, latencyMs };
    }
    return { fault: undefined, latencyMs };
  }

  private take(bucket: Bucket): boolean {
    const now = this.now();
    bucket.tokens = Math.min(bucket.burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * bucket.ratePerSec);
    bucket.refilledAt = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

function matches(ruleApi: string | undefined, api: string): boolean {
  return ruleApi === undefined || ruleApi === api;
}
