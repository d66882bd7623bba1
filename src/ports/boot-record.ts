import type { Role } from '../config/config.js';

/**
 * What the last `swarmnode boot` left behind for the next boot (a reboot is verified from it with
 * no AWS call) and for `watch` (which finishes a launch boot could not, and exports the outcome).
 * Nothing secret: ids, outcome, timings.
 */
export interface BootRecord {
  instanceId: string;
  /** The engine's node id at the end of boot; '' when it is in no swarm. */
  nodeId: string;
  role: Role | undefined;
  /** The engine was an active member of a swarm when boot ended. */
  member: boolean;
  /** The launching lifecycle action is answered (or there was none). */
  launchCompleted: boolean;
  outcome: 'healthy' | 'no-join' | 'gave-up' | 'failed';
  exitCode: number;
  durationMs: number;
  finishedAt: string;
}

export interface BootRecordStore {
  /** undefined when no boot finished on this instance yet (or the record is unreadable). */
  read(): Promise<BootRecord | undefined>;
  write(record: BootRecord): Promise<void>;
}
