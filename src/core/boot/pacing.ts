/**
 * How hard a booting instance leans on AWS, sized to the fleet: the whole fleet may boot at once
 * (a scale-out, a fleet-wide reboot) and shares the account's request rates with everything else.
 * AWS refills its Auto Scaling and EC2 describe buckets at about 20 calls/s and Parameter Store's
 * GetParameter at 40/s; these keep a fleet's waiting boots well inside that.
 */

/** The first wait after a round that could not finish; later ones grow by FACTOR. */
const FIRST_WAIT_MS = 1_000;
const FACTOR = 1.5;
/** Longest wait between rounds: a small fleet keeps today's 5 s, a large one spreads out. */
const MAX_WAIT_FLOOR_MS = 5_000;
const MAX_WAIT_CAP_MS = 60_000;
/** A waiting round costs about one call: N instances waiting up to N x this apart average under 2/this calls/s. */
const MAX_WAIT_PER_INSTANCE_MS = 60;
/** A fleet view costs two describe calls; waiting instances refresh theirs at most every N x this. */
const VIEW_AGE_PER_INSTANCE_MS = 200;
const VIEW_AGE_FLOOR_MS = 10_000;
const VIEW_AGE_CAP_MS = 5 * 60_000;

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

export interface RoundBackoff {
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

/** Backoff between boot rounds for a fleet of `fleetSize` instances (full jitter is applied on top). */
export function roundBackoff(fleetSize: number): RoundBackoff {
  return { minDelayMs: FIRST_WAIT_MS, maxDelayMs: clamp(fleetSize * MAX_WAIT_PER_INSTANCE_MS, MAX_WAIT_FLOOR_MS, MAX_WAIT_CAP_MS), factor: FACTOR };
}

/**
 * How long a waiting boot reuses its fleet view (which managers exist, their addresses, the lock
 * holders' EC2 states) before reading it again. A step that commits never uses a reused view.
 */
export function viewMaxAgeMs(fleetSize: number): number {
  return clamp(fleetSize * VIEW_AGE_PER_INSTANCE_MS, VIEW_AGE_FLOOR_MS, VIEW_AGE_CAP_MS);
}
