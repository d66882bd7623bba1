/** How a boot storm ended. */
export interface StormFigures {
  kind: 'real-engines' | 'stand-in-engines';
  instances: number;
  /** Boots that exited 0 and nodes healthy at the end. */
  healthy: number;
  /** Boots that gave up (exit 75), and instances reported Unhealthy (SetInstanceHealth). */
  gaveUp: number;
  reportedUnhealthy: number;
  /** Launch to the last instance healthy; undefined when not every instance became healthy. */
  lastHealthySec: number | undefined;
  calls: number;
  throttled: number;
  throttledByApi: Record<string, number>;
  /** Median and largest AWS calls of one boot. */
  callsPerBoot: { median: number; max: number };
  /** The AWS-like throttle's scale (1 = AWS's default bucket sizes). */
  throttleScale: number;
  /** How long the storm was given. */
  windowSec: number;
}
