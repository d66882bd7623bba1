export type Role = 'manager' | 'worker';
export const ROLES: readonly Role[] = ['manager', 'worker'];

export function otherRole(role: Role): Role {
  return role === 'manager' ? 'worker' : 'manager';
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
