export type Role = 'manager' | 'worker';
export const ROLES: readonly Role[] = ['manager', 'worker'];

export function otherRole(role: Role): Role {
  return role === 'manager' ? 'worker' : 'manager';
}

export interface ListenAddress {
  /** '' listens on every interface. */
  host: string;
  port: number;
}

/** The validated configuration: built once by loadConfig, read-only everywhere after. */
export interface Config {
  cluster: string;
  /** undefined: taken from the `swarmnode:role` tag of the instance's ASG. */
  role: Role | undefined;
  ssmPrefix: string;
  managerKmsKey: string;
  workerKmsKey: string;
  joinTimeoutMs: number;
  reportUnhealthy: boolean;
  drainTimeoutMs: number;
  reapAfterMs: number;
  pollIntervalMs: number;
  eventLeadMs: number;
  /** Quorum recovery and rebirth act by themselves; false: `status` and the log only advise. */
  autoRecover: boolean;
  /** How long every missing manager must have been gone for good before recovery acts. */
  recoverAfterMs: number;
  /** Where `watch` serves Prometheus metrics; undefined: not served. */
  metricsAddr: ListenAddress | undefined;
  /** undefined: backups are off. */
  backupBucket: string | undefined;
  backupPrefix: string;
  backupKmsKey: string;
  backupMinIntervalMs: number;
  backupMaxAgeMs: number;
  backupKeep: number;
  backupKeepDays: number;
  stateDir: string;
  logLevel: string;
}
