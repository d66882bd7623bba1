import type { Rng } from './rng.js';

/** Every await of the agents on the outside world is one of these. */
export type Service = 'autoscaling' | 'ec2' | 'ssm' | 'kms' | 'engine' | 'imds' | 'probe' | 's3';
export const AWS_SERVICES: readonly Service[] = ['autoscaling', 'ec2', 'ssm', 'kms'];

/**
 * A fault that holds a service for a while: `outage` answers 503 to everything, `throttle` answers
 * most calls with the service's throttling error, `slow` adds seconds to every call, `denied`
 * refuses every call with AccessDenied (a policy change, a KMS key policy), `hang` takes every call
 * and never answers it, not even once the fault is over (beyond any timeout the adapters set).
 */
export type FaultMode = 'outage' | 'throttle' | 'slow' | 'denied' | 'hang';

export interface Draw {
  latencyMs: number;
  error: Error | undefined;
  /** The request took effect but its answer was lost (a 5xx or timeout after the commit). */
  afterEffect: boolean;
}

const THROTTLE_NAMES: Record<string, string> = { autoscaling: 'Throttling', ec2: 'RequestLimitExceeded', ssm: 'ThrottlingException', kms: 'ThrottlingException', s3: 'SlowDown' };

function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

/**
 * The faults of the world: the ones a schedule switches on for a while, and a background of rare
 * latency and 5xx at every call, drawn from the schedule's seed.
 */
export class Faults {
  readonly #held = new Map<Service, { mode: FaultMode; until: number }>();

  constructor(
    private readonly rng: Rng,
    private readonly now: () => number,
    /** Background noise; off in the liveness phase. */
    public noise = true,
  ) {}

  hold(service: Service, mode: FaultMode, ms: number): void {
    this.#held.set(service, { mode, until: this.now() + ms });
  }

  clear(): void {
    this.#held.clear();
    this.noise = false;
  }

  /** The faults holding right now, for the invariants that excuse what faults cause. */
  active(service: Service): FaultMode | undefined {
    const held = this.#held.get(service);
    return held !== undefined && held.until > this.now() ? held.mode : undefined;
  }

  draw(service: Service): Draw {
    const mode = this.active(service);
    const aws = AWS_SERVICES.includes(service);
    let latencyMs = this.noise && this.rng.chance(0.15) ? 50 + this.rng.int(aws ? 2_000 : 400) : 0;
    let error: Error | undefined;
    if (mode === 'outage') error = service === 'engine' ? new Error('(HTTP code 500) server error - daemon is busy') : awsError('ServiceUnavailable', 'Service Unavailable', 503);
    else if (mode === 'throttle' && this.rng.chance(0.7)) error = awsError(THROTTLE_NAMES[service] ?? 'Throttling', 'Rate exceeded', 400);
    else if (mode === 'denied') error = awsError(service === 'kms' ? 'AccessDeniedException' : 'AccessDenied', `User is not authorized to perform this ${service} action`, 403);
    else if (aws && this.noise && this.rng.chance(0.02)) error = awsError('InternalFailure', 'We encountered an internal error. Please try again.', 500);
    if (mode === 'slow') latencyMs += 5_000 + this.rng.int(20_000);
    const afterEffect = error !== undefined && (error.name === 'InternalFailure' || mode === 'slow') && this.rng.chance(0.5);
    return { latencyMs, error, afterEffect };
  }
}
